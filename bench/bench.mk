# bench/bench.mk - `make bench` (root): time lsconntrack against the floor
# and its peers on 10k, 100k and 1M synthetic conntrack entries, and write
# doc/performance.md; then the monitor's key latency and bytes per refresh
# (bench/tui.sh).  Included by the Makefile; see bench/run.sh.

BENCH_DIR   := $(BUILD)/bench
BENCH_TOOLS := $(BENCH_DIR)/fill $(BENCH_DIR)/timeit $(BENCH_DIR)/nldump_count \
               $(BENCH_DIR)/nldump_filter $(BENCH_DIR)/replay
# Debian packages the benchmark runs, beyond the build's.
DEPS_BENCH  := conntrack iptstate iproute2 tmux socat nftables python3

# The tools define _GNU_SOURCE themselves; fill and timeit also build standalone.
BENCH_CPPFLAGS = $(filter-out -D_GNU_SOURCE,$(CPPFLAGS))

.PHONY: bench bench-tools deps-bench

bench: deps-bench
	$(MAKE) lsconntrack bench-tools
	bash bench/run.sh
	bash bench/tui.sh

bench-tools: $(BENCH_TOOLS)

deps-bench:
	@sh tests/deps.sh $(DEPS_BUILD) $(DEPS_BENCH)

$(BENCH_DIR)/%: bench/%.c | $(BENCH_DIR)
	$(CC) $(BENCH_CPPFLAGS) $(PC_CFLAGS) $(CFLAGS) -o $@ $< $(LDLIBS)

# Linked with lsconntrack's library: the user-space half of a snapshot
# replayed from a saved dump, and the filtered dump sent as lsconntrack
# builds it.
$(BENCH_DIR)/replay $(BENCH_DIR)/nldump_filter: $(BENCH_DIR)/%: bench/%.c $(BUILD)/liblsct.a | $(BENCH_DIR)
	$(CC) $(BENCH_CPPFLAGS) $(PC_CFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/liblsct.a $(LDLIBS)

# The floor dumper stays beside the tests; only its build lives here.
$(BENCH_DIR)/nldump_count: tests/tools/nldump_count.c | $(BENCH_DIR)
	$(CC) $(BENCH_CPPFLAGS) $(PC_CFLAGS) $(CFLAGS) -o $@ $< $(LDLIBS)

$(BENCH_DIR):
	mkdir -p $@

-include $(wildcard $(BENCH_DIR)/*.d)
