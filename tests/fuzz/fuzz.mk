# libFuzzer targets for the text and netlink parsers, the owner label
# parsers, the /metrics request parser and the recording reader; included
# by the Makefile.
# See tests/fuzz/README.md.
#
#   make fuzz-build            build/fuzz/fuzz_text, build/fuzz/fuzz_netlink, build/fuzz/fuzz_owner,
#                              build/fuzz/fuzz_http, build/fuzz/fuzz_replay,
#                              build/fuzz/fuzz_socks
#   make fuzz                  each for FUZZ_SECONDS on a copy of its corpus
#   make fuzz-regress          each over its seeds and regression inputs, once
#
# Inputs found while fuzzing go to build/fuzz/corpus-NAME/, never to
# tests/fuzz/corpus/; crashes to build/fuzz/crash-NAME-*.

CLANG         ?= clang
FUZZ_SECONDS  ?= 60
FUZZ_DIR      := $(BUILD)/fuzz
FUZZ_CFLAGS   ?= -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                 -fno-omit-frame-pointer
# The project's warnings (the Makefile's LSCT_WARN), as for the build.
FUZZ_WARN     := $(LSCT_WARN)
ifeq ($(WERROR),1)
FUZZ_WARN     += -Werror
endif
# clang alone is not enough: the fuzzer runtime is a separate package on Debian 12.
FUZZ_DEPS     := clang libclang-rt-14-dev $(DEPS_BUILD)
# Options for every run; -timeout makes a hang a reported failure too.
FUZZ_OPTS     ?= -timeout=25 -print_final_stats=1

FUZZ_TEXT_SRCS    := tests/fuzz/fuzz_text.c src/ct_source_text.c src/ct_text_read.c src/ct.c src/util.c
# ct_events.c for ct_events_parse(), ct_stats.c for ct_stats_add_msg(), which the
# netlink target checks too.
FUZZ_NETLINK_SRCS := tests/fuzz/fuzz_netlink.c src/ct_nl_parse.c src/ct_source_netlink.c \
                     src/ct_events.c src/ct_stats.c src/priv.c
FUZZ_OWNER_SRCS   := tests/fuzz/fuzz_owner.c src/owner_label.c
FUZZ_REPLAY_SRCS  := tests/fuzz/fuzz_replay.c src/replay.c src/owner_label.c src/route_reg.c \
                     src/util.c
FUZZ_HTTP_SRCS    := tests/fuzz/fuzz_http.c src/http_parse.c
# -P: the sock_diag message parser and the cgroup unit parser.
FUZZ_SOCKS_SRCS   := tests/fuzz/fuzz_socks.c src/socks.c src/procs.c src/util.c
FUZZ_HDRS         := $(wildcard include/*.h)
FUZZ_BINS         := $(FUZZ_DIR)/fuzz_text $(FUZZ_DIR)/fuzz_netlink $(FUZZ_DIR)/fuzz_owner \
                     $(FUZZ_DIR)/fuzz_http $(FUZZ_DIR)/fuzz_replay $(FUZZ_DIR)/fuzz_socks

.PHONY: fuzz fuzz-build fuzz-deps fuzz-regress

fuzz-deps:
	@sh tests/deps.sh $(FUZZ_DEPS)

# A second make after the install, so PC_CFLAGS/PC_LIBS see the new packages.
fuzz-build: fuzz-deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

$(FUZZ_DIR):
	mkdir -p $@

$(FUZZ_DIR)/fuzz_text: $(FUZZ_TEXT_SRCS) $(FUZZ_HDRS) | $(FUZZ_DIR)
	$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_WARN) -Iinclude -D_GNU_SOURCE -o $@ \
		$(FUZZ_TEXT_SRCS)

$(FUZZ_DIR)/fuzz_netlink: $(FUZZ_NETLINK_SRCS) $(FUZZ_HDRS) | $(FUZZ_DIR)
	$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_WARN) -Iinclude -D_GNU_SOURCE $(PC_CFLAGS) -pthread -o $@ \
		$(FUZZ_NETLINK_SRCS) $(PC_LIBS)

$(FUZZ_DIR)/fuzz_owner: $(FUZZ_OWNER_SRCS) $(FUZZ_HDRS) | $(FUZZ_DIR)
	$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_WARN) -Iinclude -D_GNU_SOURCE -o $@ $(FUZZ_OWNER_SRCS)

$(FUZZ_DIR)/fuzz_http: $(FUZZ_HTTP_SRCS) $(FUZZ_HDRS) | $(FUZZ_DIR)
	$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_WARN) -Iinclude -D_GNU_SOURCE -o $@ $(FUZZ_HTTP_SRCS)

$(FUZZ_DIR)/fuzz_replay: $(FUZZ_REPLAY_SRCS) $(FUZZ_HDRS) | $(FUZZ_DIR)
	$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_WARN) -Iinclude -D_GNU_SOURCE -o $@ $(FUZZ_REPLAY_SRCS)

$(FUZZ_DIR)/fuzz_socks: $(FUZZ_SOCKS_SRCS) $(FUZZ_HDRS) | $(FUZZ_DIR)
	$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_WARN) -Iinclude -D_GNU_SOURCE $(PC_CFLAGS) -pthread -o $@ \
		$(FUZZ_SOCKS_SRCS) $(PC_LIBS)

# $(1): target name (text, netlink, owner, http, replay, socks), $(2): -max_len.  The seeds and the
# regression inputs are copied next to what earlier runs found; libFuzzer
# writes new inputs to that copy only.  Any crash, leak, timeout or failed
# invariant makes libFuzzer exit non-zero and leave a file crash-NAME-*;
# the run is then marked failed, and `fuzz` fails once every target ran.
define fuzz_run
	@set -e; \
	name=fuzz_$(1); corpus=$(FUZZ_DIR)/corpus-$(1); log=$(FUZZ_DIR)/$$name.log; \
	mkdir -p $$corpus; \
	cp tests/fuzz/corpus/$(1)/* $$corpus/; \
	if [ -d tests/fuzz/regress/$(1) ]; then cp tests/fuzz/regress/$(1)/* $$corpus/ 2>/dev/null || true; fi; \
	rm -f $(FUZZ_DIR)/crash-$(1)-* $(FUZZ_DIR)/failed-$(1); \
	echo "fuzz: $$name for $(FUZZ_SECONDS) s on $$corpus (log: $$log)"; \
	start=$$(date +%s); rc=0; \
	$(FUZZ_DIR)/$$name $(FUZZ_OPTS) -max_len=$(2) -max_total_time=$(FUZZ_SECONDS) \
		-artifact_prefix=$(FUZZ_DIR)/crash-$(1)- $$corpus >$$log 2>&1 || rc=$$?; \
	secs=$$(( $$(date +%s) - start )); \
	runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log | tail -n 1); \
	crashes=$$(ls $(FUZZ_DIR)/crash-$(1)-* 2>/dev/null | wc -l); \
	if [ $$rc -ne 0 ] && [ $$crashes -eq 0 ]; then crashes=1; fi; \
	if [ $$rc -ne 0 ]; then \
		grep -E '^(==[0-9]+== ?ERROR|SUMMARY|.*runtime error|artifact_prefix|Test unit written)' $$log | head -n 20 || true; \
		tail -n 30 $$log; \
	fi; \
	echo "fuzz: $$name: $${runs:-0} runs in $$secs s, $$crashes crashes"; \
	if [ $$rc -ne 0 ]; then \
		echo "fuzz: $$name failed (exit $$rc); reproduce with: $(FUZZ_DIR)/$$name $$(ls $(FUZZ_DIR)/crash-$(1)-* 2>/dev/null | head -n 1)" >&2; \
		touch $(FUZZ_DIR)/failed-$(1); \
	fi
endef

fuzz: fuzz-build
	$(call fuzz_run,text,8192)
	$(call fuzz_run,netlink,4096)
	$(call fuzz_run,owner,4096)
	$(call fuzz_run,http,20000)
	$(call fuzz_run,replay,16384)
	$(call fuzz_run,socks,2048)
	@! ls $(FUZZ_DIR)/failed-* >/dev/null 2>&1 || { echo "fuzz: FAILED: $$(cd $(FUZZ_DIR) && echo failed-* | sed 's/failed-//g')" >&2; exit 1; }

# Every seed and regression input once, no mutation: seconds, for CI and after a fix.
fuzz-regress: fuzz-build
	$(FUZZ_DIR)/fuzz_text -runs=0 tests/fuzz/corpus/text $(wildcard tests/fuzz/regress/text)
	$(FUZZ_DIR)/fuzz_netlink -runs=0 tests/fuzz/corpus/netlink $(wildcard tests/fuzz/regress/netlink)
	$(FUZZ_DIR)/fuzz_owner -runs=0 tests/fuzz/corpus/owner $(wildcard tests/fuzz/regress/owner)
	$(FUZZ_DIR)/fuzz_http -runs=0 tests/fuzz/corpus/http $(wildcard tests/fuzz/regress/http)
	$(FUZZ_DIR)/fuzz_replay -runs=0 tests/fuzz/corpus/replay $(wildcard tests/fuzz/regress/replay)
	$(FUZZ_DIR)/fuzz_socks -runs=0 tests/fuzz/corpus/socks $(wildcard tests/fuzz/regress/socks)
