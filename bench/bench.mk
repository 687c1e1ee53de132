# bench/bench.mk - `make bench` (root): time lsconntrack against the floor
# and its peers on 10k, 100k and 1M synthetic conntrack entries, and write
# doc/performance.md; then the monitor's key latency and bytes per refresh
# (bench/tui.sh), and crafted against random peers (bench/hashflood.sh,
# no root); short connections counted with their bytes (bench/churn.sh,
# real connections from tools/churngen), the monitor's own CPU next to
# conntrack -E and a dump loop (bench/cpu.sh), and memory per entry with
# many flows (bench/busy.sh), scrapes of --listen during 1M-entry dumps
# (bench/prom.sh), the owner table on 200 namespaces (bench/netns.sh,
# tools/nsls), and -P on 5,000 real processes holding 100,000 connections
# (bench/procs.sh).  Included by the Makefile; see bench/run.sh.

BENCH_DIR   := $(BUILD)/bench
# The table generator, the floor dumper and the connection generator are
# tools/ctgen, tools/nldump and tools/churngen (built by the Makefile into
# build/tools/, the first two shared with tests/soak.sh).
BENCH_TOOLS := $(BENCH_DIR)/timeit $(BENCH_DIR)/replay $(BENCH_DIR)/hashcost \
	       $(BENCH_DIR)/getcost $(BENCH_DIR)/recseek $(BENCH_DIR)/trendcost $(BENCH_DIR)/procscost \
	       $(BENCH_DIR)/promrender $(BENCH_DIR)/procsgen $(BENCH_DIR)/procsreal $(TOOL_BINS)
# Debian packages the benchmark runs, beyond the build's.
DEPS_BENCH  := conntrack iptstate iproute2 tmux socat nftables python3 jq procps

# The tools define _GNU_SOURCE themselves; timeit also builds standalone.
BENCH_CPPFLAGS = $(filter-out -D_GNU_SOURCE,$(LSCT_CPPFLAGS))

.PHONY: bench bench-tools deps-bench

bench: deps-bench
	$(MAKE) lsconntrack bench-tools
	bash bench/run.sh
	bash bench/hashflood.sh
	bash bench/tui.sh
	bash bench/busy.sh
	bash bench/prom.sh
	bash bench/visible.sh
	bash bench/cpu.sh
	bash bench/churn.sh
	bash bench/netns.sh
	bash bench/recording.sh
	bash bench/procs.sh
	$(BENCH_DIR)/promrender

bench-tools: $(BENCH_TOOLS)

deps-bench:
	@sh tests/deps.sh $(DEPS_BUILD) $(DEPS_BENCH)

$(BENCH_DIR)/timeit: bench/timeit.c | $(BENCH_DIR)
	$(CC) $(BENCH_CPPFLAGS) $(CPPFLAGS) $(LSCT_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

# Linked with lsconntrack's library: the user-space half of a snapshot
# replayed from a saved dump.
$(BENCH_DIR)/replay: bench/replay.c $(BUILD)/liblsct.a | $(BENCH_DIR)
	$(NEED_LIBS)$(CC) $(BENCH_CPPFLAGS) $(CPPFLAGS) $(PC_CFLAGS) $(LSCT_CFLAGS) $(CFLAGS) \
		$(LDFLAGS) -o $@ $< $(BUILD)/liblsct.a $(LINKLIBS)

# What one hash_words() call costs, keyed and unkeyed (bench/hashflood.sh).
$(BENCH_DIR)/hashcost: bench/hashcost.c $(BUILD)/liblsct.a | $(BENCH_DIR)
	$(CC) $(BENCH_CPPFLAGS) $(CPPFLAGS) $(LSCT_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< \
		$(BUILD)/liblsct.a $(LINKLIBS)

# Opening and seeking a recording (bench/recording.sh; CPU only, no root).
$(BENCH_DIR)/recseek: bench/recseek.c $(BUILD)/liblsct.a | $(BENCH_DIR)
	$(NEED_LIBS)$(CC) $(BENCH_CPPFLAGS) $(CPPFLAGS) $(PC_CFLAGS) $(LSCT_CFLAGS) $(CFLAGS) \
		$(LDFLAGS) -o $@ $< $(BUILD)/liblsct.a $(LINKLIBS)

# What the screen's reread of visible connections costs (bench/visible.sh).
$(BENCH_DIR)/getcost: bench/getcost.c $(BUILD)/liblsct.a | $(BENCH_DIR)
	$(NEED_LIBS)$(CC) $(BENCH_CPPFLAGS) $(CPPFLAGS) $(PC_CFLAGS) $(LSCT_CFLAGS) $(CFLAGS) \
		$(LDFLAGS) -o $@ $< $(BUILD)/liblsct.a $(LINKLIBS)

# What the Trend column adds to a refresh at 100k flows (bench/tui.sh).
$(BENCH_DIR)/trendcost: bench/trendcost.c $(BUILD)/liblsct.a | $(BENCH_DIR)
	$(NEED_LIBS)$(CC) $(BENCH_CPPFLAGS) $(CPPFLAGS) $(PC_CFLAGS) $(LSCT_CFLAGS) $(CFLAGS) \
		$(LDFLAGS) -o $@ $< $(BUILD)/liblsct.a $(LINKLIBS)

# -P: attribution per refresh (steady, a burst of new sockets) on a fake /proc.
$(BENCH_DIR)/procscost: bench/procscost.c $(BUILD)/liblsct.a | $(BENCH_DIR)
	$(NEED_LIBS)$(CC) $(BENCH_CPPFLAGS) $(CPPFLAGS) $(PC_CFLAGS) $(LSCT_CFLAGS) $(CFLAGS) \
		$(LDFLAGS) -o $@ $< $(BUILD)/liblsct.a $(LINKLIBS)

# -P on the real kernel (bench/procs.sh): processes holding connections,
# and the attribution of the namespace's real sockets to the real /proc.
$(BENCH_DIR)/procsgen: bench/procsgen.c | $(BENCH_DIR)
	$(CC) $(BENCH_CPPFLAGS) $(CPPFLAGS) $(LSCT_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

$(BENCH_DIR)/procsreal: bench/procsreal.c $(BUILD)/liblsct.a | $(BENCH_DIR)
	$(NEED_LIBS)$(CC) $(BENCH_CPPFLAGS) $(CPPFLAGS) $(PC_CFLAGS) $(LSCT_CFLAGS) $(CFLAGS) \
		$(LDFLAGS) -o $@ $< $(BUILD)/liblsct.a $(LINKLIBS)

# The Prometheus exposition of 10,000 series, and memory per kept series (CPU only).
$(BENCH_DIR)/promrender: bench/promrender.c $(BUILD)/liblsct.a | $(BENCH_DIR)
	$(NEED_LIBS)$(CC) $(BENCH_CPPFLAGS) $(CPPFLAGS) $(PC_CFLAGS) $(LSCT_CFLAGS) $(CFLAGS) \
		$(LDFLAGS) -o $@ $< $(BUILD)/liblsct.a $(LINKLIBS)

$(BENCH_DIR):
	mkdir -p $@

-include $(wildcard $(BENCH_DIR)/*.d)
