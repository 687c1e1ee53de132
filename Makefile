# lsconntrack - plain GNU make.  See README.md.
# The version is written here only; the binary (-v) and the man page take it.
VERSION   := 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
DOCDIR    ?= $(PREFIX)/share/doc/lsconntrack
# Shell completions: bash-completion's own directory when its pkg-config
# file says where (it loads a command's file on first use), else under
# PREFIX; zsh's site-functions, which zsh's $fpath has for /usr/local.
BASHCOMPDIR ?= $(or $(shell $(PKG_CONFIG) --variable=completionsdir bash-completion 2>/dev/null),$(PREFIX)/share/bash-completion/completions)
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
DESTDIR   ?=
CC        ?= cc
PKG_CONFIG ?= pkg-config
WERROR    ?= 0

# CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS are the user's (a packager's, `make
# asan`'s): they come after the project's flags, which live in LSCT_* so a
# command-line value cannot drop them.
CFLAGS    ?= -O2 -g
BUILD     := build
LIBS_PC   := libmnl libnetfilter_conntrack libcap-ng libseccomp ncursesw
LSCT_CPPFLAGS := -Iinclude -D_GNU_SOURCE -DLSCT_VERSION='"$(VERSION)"'
LSCT_WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wpointer-arith -Wcast-qual -Wno-unused-parameter
LSCT_CFLAGS := -std=c11 $(LSCT_WARN) -pthread -MMD -MP
ifeq ($(WERROR),1)
LSCT_CFLAGS += -Werror
endif
# Hardening, always on (make hardening-check verifies the binary): stack
# canaries, stack clash probes, a position-independent executable, and
# relocations read-only before main() runs.
LSCT_CFLAGS += -fstack-protector-strong -fstack-clash-protection -fPIE
LSCT_LDFLAGS := -pie -Wl,-z,relro,-z,now
# _FORTIFY_SOURCE only works when optimizing, is left to the user's flags
# when they set it, and is off under the sanitizers (ASan replaces the same
# functions).  -U first: some compilers define it already (Ubuntu's gcc).
ifneq ($(filter -O1 -O2 -O3 -Os -Og -Ofast -Oz,$(CFLAGS)),)
ifeq ($(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS))$(findstring -fsanitize=,$(CFLAGS)),)
LSCT_CPPFLAGS += -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2
endif
endif
PC_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
PC_LIBS   := $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
COMPILE   = $(CC) $(LSCT_CPPFLAGS) $(CPPFLAGS) $(PC_CFLAGS) $(LSCT_CFLAGS) $(CFLAGS)
LINKLIBS  = $(PC_LIBS) -pthread $(LDLIBS)

# The sources, one a line.  New files are added here: nothing is globbed, so
# a stray .c in src/ or tests/unit/ is not built.
# --- sources begin ---
SRCS := \
	src/cli.c \
	src/ct.c \
	src/ct_events.c \
	src/ct_nl_parse.c \
	src/ct_source.c \
	src/ct_source_netlink.c \
	src/ct_source_text.c \
	src/ct_stats.c \
	src/ct_text_read.c \
	src/flow.c \
	src/flow_events.c \
	src/fmt.c \
	src/host.c \
	src/http.c \
	src/http_parse.c \
	src/lineedit.c \
	src/main.c \
	src/monitor.c \
	src/monitor_delete.c \
	src/monitor_reread.c \
	src/netns.c \
	src/out_json.c \
	src/out_stats.c \
	src/out_table.c \
	src/owner.c \
	src/owner_label.c \
	src/owner_reg.c \
	src/pane.c \
	src/record.c \
	src/replay.c \
	src/ports.c \
	src/priv.c \
	src/procs.c \
	src/resolve.c \
	src/route_reg.c \
	src/run_batch.c \
	src/sandbox.c \
	src/socks.c \
	src/store.c \
	src/tui.c \
	src/tui_cell.c \
	src/tui_conns.c \
	src/tui_flows.c \
	src/tui_header.c \
	src/tui_health.c \
	src/tui_keys.c \
	src/tui_layout.c \
	src/tui_replay.c \
	src/tui_trend.c \
	src/util.c \
	src/view.c
UNIT_SRCS := \
	tests/unit/test_cli.c \
	tests/unit/test_ct.c \
	tests/unit/test_ct_events.c \
	tests/unit/test_ct_source.c \
	tests/unit/test_ct_stats.c \
	tests/unit/test_ct_netlink.c \
	tests/unit/test_ct_text.c \
	tests/unit/test_flow.c \
	tests/unit/test_fmt.c \
	tests/unit/test_host.c \
	tests/unit/test_http.c \
	tests/unit/test_lineedit.c \
	tests/unit/test_monitor.c \
	tests/unit/test_netns.c \
	tests/unit/test_out_json.c \
	tests/unit/test_out_stats.c \
	tests/unit/test_out_table.c \
	tests/unit/test_owner.c \
	tests/unit/test_pane.c \
	tests/unit/test_ports.c \
	tests/unit/test_record.c \
	tests/unit/test_replay.c \
	tests/unit/test_priv.c \
	tests/unit/test_procs.c \
	tests/unit/test_resolve.c \
	tests/unit/test_route_reg.c \
	tests/unit/test_sandbox.c \
	tests/unit/test_socks.c \
	tests/unit/test_store.c \
	tests/unit/test_tui_health.c \
	tests/unit/test_tui_layout.c \
	tests/unit/test_tui_trend.c \
	tests/unit/test_util.c \
	tests/unit/test_view.c
# tools/: conntrack generator and dumper, shared by bench/ and tests/soak.sh;
# nsls, the owner table (tests/integration/netns.sh, bench/netns.sh).
TOOLS := \
	churngen \
	ctgen \
	nldump \
	nsls \
	recgen
# --- sources end ---

LIB_SRCS  := $(filter-out src/main.c,$(SRCS))
LIB_OBJS  := $(LIB_SRCS:src/%.c=$(BUILD)/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BINS := $(TOOLS:%=$(BUILD)/tools/%)
DOCS      := doc/classification.md doc/containers.md doc/json.md doc/monitor.md doc/performance.md \
             doc/prometheus.md doc/recording.md doc/reliability.md

# Debian packages: to build and run, and to run the tests.
DEPS_BUILD := gcc make binutils pkg-config libc6-dev libmnl-dev libnetfilter-conntrack-dev \
              libnfnetlink-dev libcap-ng-dev libseccomp-dev libncurses-dev
DEPS_TEST  := libcmocka-dev conntrack nftables iproute2 socat jq python3 tmux \
              procps util-linux libcap2-bin valgrind iputils-ping zsh bash-completion

# A missing library stops the build at its first compile, naming the Debian
# package (pkg-config's own errors would only show up later as a missing
# header).  Checked when a recipe needs it, so clean and deps work without.
deb_of = $(or $(word 2,$(subst =, ,$(filter $(1)=%,libmnl=libmnl-dev \
	libnetfilter_conntrack=libnetfilter-conntrack-dev libcap-ng=libcap-ng-dev \
	libseccomp=libseccomp-dev ncursesw=libncurses-dev cmocka=libcmocka-dev))),$(1))
pc_missing = $(strip $(foreach p,$(1),$(if $(shell $(PKG_CONFIG) --exists $(p) 2>/dev/null && echo y),,$(p))))
need_pc = $(if $(shell command -v $(PKG_CONFIG)),,$(error $(PKG_CONFIG) is not installed: \
	apt-get install pkg-config (or: sudo make deps)))$(if $(call pc_missing,$(1)),$(error \
	missing development package(s): $(foreach p,$(call pc_missing,$(1)),$(call deb_of,$(p))) \
	(apt-get install them, or: sudo make deps$(if $(filter cmocka,$(1)),-test))))
# Once per make run, on first use.
NEED_LIBS = $(eval NEED_LIBS :=)$(call need_pc,$(LIBS_PC))
NEED_CMOCKA = $(eval NEED_CMOCKA :=)$(call need_pc,cmocka)

.PHONY: all deps deps-test run test check unit integration asan soak tools \
	install uninstall clean hardening-check

all: lsconntrack $(BUILD)/lsconntrack.1

lsconntrack: $(BUILD)/main.o $(BUILD)/liblsct.a
	$(CC) $(LSCT_CFLAGS) $(CFLAGS) $(LSCT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(LINKLIBS)

$(BUILD)/liblsct.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: src/%.c | $(BUILD)
	$(NEED_LIBS)$(COMPILE) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/liblsct.a | $(BUILD)/tests
	$(NEED_CMOCKA)$(COMPILE) $(LSCT_LDFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/liblsct.a \
		$(CMOCKA_LIBS) $(LINKLIBS)

tools: $(TOOL_BINS)

$(BUILD)/tools/%: tools/%.c tools/common.h | $(BUILD)/tools
	$(NEED_LIBS)$(COMPILE) $(LSCT_LDFLAGS) $(LDFLAGS) -o $@ $< $(LINKLIBS)

# nldump -p sends lsconntrack's own request: it links the library.
$(BUILD)/tools/nldump: tools/nldump.c tools/common.h $(BUILD)/liblsct.a | $(BUILD)/tools
	$(NEED_LIBS)$(COMPILE) $(LSCT_LDFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/liblsct.a $(LINKLIBS)

# recgen writes recordings with record.c: it links the library.
$(BUILD)/tools/recgen: tools/recgen.c $(BUILD)/liblsct.a | $(BUILD)/tools
	$(NEED_LIBS)$(COMPILE) $(LSCT_LDFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/liblsct.a $(LINKLIBS)

# nsls prints lsconntrack's owner table (owner.c): it links the library.
$(BUILD)/tools/nsls: tools/nsls.c $(BUILD)/liblsct.a | $(BUILD)/tools
	$(NEED_LIBS)$(COMPILE) $(LSCT_LDFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/liblsct.a $(LINKLIBS)

# Root-only checks against the kernel, run by tests/integration/run.sh.
$(BUILD)/integration/live: tests/integration/live.c $(BUILD)/liblsct.a | $(BUILD)/integration
	$(NEED_LIBS)$(COMPILE) -Itests/unit $(LSCT_LDFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/liblsct.a $(LINKLIBS)

# proto.sh's check that GET requests find every protocol's entries (root).
$(BUILD)/tests/protoget: tests/integration/protoget.c $(BUILD)/liblsct.a | $(BUILD)/tests
	$(NEED_LIBS)$(COMPILE) $(LSCT_LDFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/liblsct.a $(LINKLIBS)

$(BUILD) $(BUILD)/tests $(BUILD)/tools $(BUILD)/integration:
	mkdir -p $@

# Installs the Debian packages that are missing (needs root and apt-get).
deps:
	@sh tests/deps.sh $(DEPS_BUILD)

deps-test:
	@sh tests/deps.sh $(DEPS_BUILD) $(DEPS_TEST)

# The README's first command: installs what is missing, builds, runs.  A
# second make, so the packages just installed are seen.
run: deps
	$(MAKE) all
	./lsconntrack

unit: $(UNIT_BINS)
	@sh tests/run-unit.sh $(UNIT_BINS)

integration: lsconntrack $(BUILD)/integration/live $(BUILD)/tests/protoget
	@sh tests/integration/run.sh

# Every suite; installs nothing (root suites skip, loudly, without their tools).
check: all $(UNIT_BINS) $(BUILD)/integration/live $(BUILD)/tests/protoget $(TOOL_BINS)
	@sh tests/run-all.sh $(UNIT_BINS)

# The README's second command: the test packages, then every suite.  CI adds
# WERROR=1.
test: deps-test
	$(MAKE) check

# -B: every object again with the sanitizers (make -n asan shows each command).
asan: deps-test
	$(MAKE) clean
	$(MAKE) -B WERROR=1 CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined" all $(UNIT_BINS) $(BUILD)/integration/live \
		$(BUILD)/tests/protoget $(TOOL_BINS)
	@LSCT_SANITIZED=1 sh tests/run-all.sh $(UNIT_BINS)

# The monitor under churn for SOAK_SECONDS (default 1800), RSS sampled every 10 s.
soak: deps-test
	$(MAKE) all $(BUILD)/tools/ctgen
	@bash tests/soak.sh

# The built binary has what the hardening flags promise (run by .ci/run):
# full RELRO (GNU_RELRO and BIND_NOW), PIE (ELF type DYN), and stack canaries
# or fortified calls (__stack_chk_fail, __*_chk).
hardening-check: lsconntrack
	@command -v readelf >/dev/null || { echo "hardening: readelf is not installed (binutils)"; exit 1; }
	@f=lsconntrack; ok=1; \
	readelf -lW $$f | grep -q GNU_RELRO || { echo "hardening: $$f has no GNU_RELRO segment"; ok=0; }; \
	readelf -dW $$f | grep -Eq 'BIND_NOW|FLAGS_1.*[[:space:]]NOW' || { echo "hardening: $$f is not linked with -z now"; ok=0; }; \
	readelf -hW $$f | grep -Eq 'Type:[[:space:]]+DYN' || { echo "hardening: $$f is not PIE"; ok=0; }; \
	readelf -sW --dyn-syms $$f | grep -q '__stack_chk_fail' || { echo "hardening: $$f has no stack canary"; ok=0; }; \
	chk=$$(readelf -sW --dyn-syms $$f | grep -Eo '__[a-z_]+_chk\b' | sort -u | tr '\n' ' '); \
	[ $$ok = 1 ] && echo "hardening: $$f: full RELRO, BIND_NOW, PIE, __stack_chk_fail; fortified: $${chk:-none}"; \
	[ $$ok = 1 ]

# The man page's version comes from VERSION above (man -l build/lsconntrack.1).
$(BUILD)/lsconntrack.1: doc/lsconntrack.1 Makefile | $(BUILD)
	sed 's/@VERSION@/$(VERSION)/g' doc/lsconntrack.1 >$@

install: lsconntrack $(BUILD)/lsconntrack.1
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DOCDIR)
	install -m 0755 lsconntrack $(DESTDIR)$(BINDIR)/lsconntrack
	install -m 0644 $(BUILD)/lsconntrack.1 $(DESTDIR)$(MANDIR)/man1/lsconntrack.1
	install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0644 completions/lsconntrack.bash $(DESTDIR)$(BASHCOMPDIR)/lsconntrack
	install -m 0644 completions/_lsconntrack $(DESTDIR)$(ZSHCOMPDIR)/_lsconntrack

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/lsconntrack $(DESTDIR)$(MANDIR)/man1/lsconntrack.1
	rm -f $(DOCS:doc/%=$(DESTDIR)$(DOCDIR)/%)
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null
	rm -f $(DESTDIR)$(BASHCOMPDIR)/lsconntrack $(DESTDIR)$(ZSHCOMPDIR)/_lsconntrack

clean:
	rm -rf $(BUILD) lsconntrack

# Benchmarks (make bench) and fuzzing (make fuzz) keep their rules beside their code.
-include bench/bench.mk
-include tests/fuzz/fuzz.mk

-include $(wildcard $(BUILD)/*.d $(BUILD)/tests/*.d $(BUILD)/tools/*.d $(BUILD)/integration/*.d)
