# lsconntrack - plain GNU make.  See README.md.
VERSION   := 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
DESTDIR   ?=
CC        ?= cc
PKG_CONFIG ?= pkg-config
WERROR    ?= 0

BUILD     := build
LIBS_PC   := libmnl libnetfilter_conntrack libcap-ng ncursesw
CPPFLAGS  += -Iinclude -D_GNU_SOURCE -DLSCT_VERSION='"$(VERSION)"'
CFLAGS    ?= -O2 -g
CFLAGS    += -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wformat=2 -Wpointer-arith -Wcast-qual \
             -Wno-unused-parameter -pthread -MMD -MP
ifeq ($(WERROR),1)
CFLAGS    += -Werror
endif
PC_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
PC_LIBS   := $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
LDLIBS    += $(PC_LIBS) -pthread

SRCS      := $(wildcard src/*.c)
LIB_SRCS  := $(filter-out src/main.c,$(SRCS))
LIB_OBJS  := $(LIB_SRCS:src/%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

# Debian packages: to build and run, and to run the tests.
DEPS_BUILD := gcc make pkg-config libc6-dev libmnl-dev libnetfilter-conntrack-dev \
              libnfnetlink-dev libcap-ng-dev libncurses-dev
DEPS_TEST  := libcmocka-dev conntrack nftables iproute2 socat jq python3 tmux \
              procps util-linux libcap2-bin valgrind

.PHONY: all deps deps-test run check unit integration asan soak install uninstall clean

all: lsconntrack

lsconntrack: $(BUILD)/main.o $(BUILD)/liblsct.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/liblsct.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: src/%.c | $(BUILD)
	$(CC) $(CPPFLAGS) $(PC_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/liblsct.a | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(PC_CFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/liblsct.a \
		$(CMOCKA_LIBS) $(LDLIBS)

# Root-only checks against the kernel, run by tests/integration/run.sh.
$(BUILD)/integration/live: tests/integration/live.c $(BUILD)/liblsct.a | $(BUILD)/integration
	$(CC) $(CPPFLAGS) -Itests/unit $(PC_CFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/liblsct.a $(LDLIBS)

$(BUILD) $(BUILD)/tests $(BUILD)/integration:
	mkdir -p $@

# Installs the Debian packages that are missing (needs root and apt-get).
deps:
	@sh tests/deps.sh $(DEPS_BUILD)

deps-test:
	@sh tests/deps.sh $(DEPS_BUILD) $(DEPS_TEST)

run: deps
	$(MAKE) all
	./lsconntrack

unit: $(UNIT_BINS)
	@sh tests/run-unit.sh $(UNIT_BINS)

integration: lsconntrack $(BUILD)/integration/live
	@sh tests/integration/run.sh

check: deps-test
	$(MAKE) WERROR=1 all $(UNIT_BINS) $(BUILD)/integration/live
	@sh tests/run-all.sh $(UNIT_BINS)

asan:
	$(MAKE) clean
	$(MAKE) WERROR=1 CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined" all $(UNIT_BINS) $(BUILD)/integration/live
	@LSCT_SANITIZED=1 sh tests/run-all.sh $(UNIT_BINS)

# The monitor under churn for SOAK_SECONDS (default 1800), RSS sampled every 10 s.
soak: deps-test
	$(MAKE) all $(BUILD)/tools/ct_churn
	@bash tests/soak.sh

$(BUILD)/tools/ct_churn: tests/tools/ct_churn.c | $(BUILD)/tools
	$(CC) $(CPPFLAGS) $(PC_CFLAGS) $(CFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/tools:
	mkdir -p $@

install: lsconntrack
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 lsconntrack $(DESTDIR)$(BINDIR)/lsconntrack
	install -m 0644 doc/lsconntrack.1 $(DESTDIR)$(MANDIR)/man1/lsconntrack.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/lsconntrack $(DESTDIR)$(MANDIR)/man1/lsconntrack.1

clean:
	rm -rf $(BUILD) lsconntrack

# Benchmarks (make bench) and fuzzing (make fuzz) keep their rules beside their code.
-include bench/bench.mk
-include tests/fuzz/fuzz.mk

-include $(wildcard $(BUILD)/*.d $(BUILD)/tests/*.d $(BUILD)/integration/*.d)
