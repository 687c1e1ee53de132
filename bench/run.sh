#!/bin/bash
# bench/run.sh - the benchmark behind `make bench`.  Needs root.
#
# In a network namespace of its own it fills the conntrack table with
# synthetic entries (build/tools/ctgen fill) to each size in BENCH_SIZES and
# times, inside the namespace (build/bench/timeit, so `ip netns exec` is not
# timed):
#
#   floor     build/tools/nldump: a dump that only counts messages
#   filter    build/tools/nldump -p 6: the same with the kernel
#             keeping only TCP (two dumps, IPv4 and IPv6), for reference
#   snapshot  lsconntrack -n -b --json >/dev/null
#   snap4     lsconntrack -4 -n -b --json: one family and one protocol,
#             which the kernel filters itself (CTA_FILTER)
#   store     lsconntrack -n -b -c 3 -d 0 --max-cpu 0 (three snapshots, back
#             to back, no CPU budget, with the
#             per-connection store), once lsconntrack has -c/-d
#   conntrack conntrack -L >/dev/null
#   iptstate  iptstate -1 -o
#
# Runs are interleaved (one run of each command per round, after one
# untimed warm-up round), so load from elsewhere spreads over all rows, and
# each round runs them in an order of its own (the same in every run of
# the script), so that what one command leaves behind for the next weighs
# on every row alike.  Measured 2026-11-30 at 100k: in a fixed order, the
# lsconntrack row that came right after the two nldump rows took 5-10 ms
# more than the same command one place later, with or without a pause of
# 0.3 s between commands; the owners-on row always had that place.
# Prints the table and writes it between the markers of doc/performance.md
# (BENCH_OUT), keeping the hand-written text around them.
#
# Environment: BENCH_SIZES (default "10000 100000 1000000"), BENCH_RUNS
# (rounds below BENCH_LARGE entries, default 7), BENCH_RUNS_LARGE (default 5),
# BENCH_LARGE (default 1000000), BENCH_OUT.
#
# nf_conntrack_max is global (the whole machine's) but counts per namespace:
# it is raised for the run if needed and put back on every exit (the end, a
# failure, Ctrl-C, TERM, HUP: trap on EXIT INT TERM HUP), unless something
# else changed it meanwhile; the run says so when it raises and when it
# restores.  Only SIGKILL escapes the trap: the raise message gives the
# command that puts it back.  The namespace (and with it every entry) is
# deleted on exit.
# Backticks in the labels are markdown, meant literally.
# shellcheck disable=SC2016
set -u

cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
LSCT=$ROOT/lsconntrack
TOOLS=$ROOT/build/bench
GEN=$ROOT/build/tools/ctgen
DUMP=$ROOT/build/tools/nldump
SIZES=${BENCH_SIZES:-10000 100000 1000000}
RUNS=${BENCH_RUNS:-7}
RUNS_LARGE=${BENCH_RUNS_LARGE:-5}
LARGE=${BENCH_LARGE:-1000000}
OUT=${BENCH_OUT:-$ROOT/doc/performance.md}
# shellcheck disable=SC2086 # a list of numbers, split on purpose
SIZES=$(printf '%s\n' $SIZES | sort -n -u)
MAXFILE=/proc/sys/net/netfilter/nf_conntrack_max
NS=lsct-bench-$$-$RANDOM
OLDMAX=
SETMAX=
TMP=

die() {
	echo "bench: $*" >&2
	exit 1
}

# Puts nf_conntrack_max back if this run raised it and nobody changed it since.
restore_max() {
	local cur
	[ -n "$SETMAX" ] || return 0
	cur=$(cat "$MAXFILE" 2>/dev/null)
	if [ "$cur" = "$SETMAX" ]; then
		if echo "$OLDMAX" >"$MAXFILE"; then
			echo "bench: nf_conntrack_max put back to $OLDMAX" >&2
		else
			echo "bench: could not put nf_conntrack_max back to $OLDMAX: run sysctl -w net.netfilter.nf_conntrack_max=$OLDMAX" >&2
		fi
	else
		echo "bench: nf_conntrack_max is $cur, not the $SETMAX this run set: something else changed it, left alone (it was $OLDMAX before the run)" >&2
	fi
	SETMAX=
}

OWNER_NS=()
cleanup() {
	# A second signal must not cut the restore short.
	trap '' INT TERM HUP
	ip netns del "$NS" 2>/dev/null
	for ons in "${OWNER_NS[@]}"; do
		ip netns del "$ons" 2>/dev/null
	done
	restore_max
	[ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, ctnetlink): sudo make bench"
for t in "$TOOLS/timeit" "$GEN" "$DUMP"; do
	[ -x "$t" ] || die "$t is missing: run make bench"
done
[ -x "$LSCT" ] || die "$LSCT is missing: run make"
command -v ip >/dev/null || die "ip (iproute2) is missing"
command -v modprobe >/dev/null && modprobe -q nf_conntrack_netlink 2>/dev/null
[ -r "$MAXFILE" ] || die "no conntrack in this kernel ($MAXFILE is missing)"
TMP=$(mktemp -d /tmp/lsct-bench.XXXXXX) || die "mktemp failed"

inns() {
	ip netns exec "$NS" "$@"
}

# Raises nf_conntrack_max to at least $1 (0 means unlimited).
ensure_max() {
	local cur prev
	cur=$(cat "$MAXFILE")
	[ "$cur" = 0 ] && return 0
	[ "$cur" -ge "$1" ] && return 0
	if [ -z "$SETMAX" ]; then
		OLDMAX=$cur
		echo "bench: raising net.netfilter.nf_conntrack_max (machine-wide) from $cur to $1;" \
			"it is put back on exit, Ctrl-C, TERM or HUP (after SIGKILL: sysctl -w" \
			"net.netfilter.nf_conntrack_max=$cur)" >&2
	fi
	# Set before writing, so a signal right after the write still restores.
	prev=$SETMAX
	SETMAX=$1
	if ! echo "$1" >"$MAXFILE"; then
		SETMAX=$prev
		die "cannot raise nf_conntrack_max to $1"
	fi
}

# The rows of round $1 (the rest of the arguments) in that round's order: a
# Fisher-Yates shuffle by bash's RANDOM seeded with the round (in the
# subshell of the caller's $(...), so the script's own RANDOM is untouched).
shuffled() {
	local k=$1 i j t
	shift
	local rows=("$@")
	RANDOM=$((k + 1))
	for ((i = $# - 1; i > 0; i--)); do
		j=$((RANDOM % (i + 1)))
		t=${rows[i]}
		rows[i]=${rows[j]}
		rows[j]=$t
	done
	printf '%s\n' "${rows[@]}"
}

median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ---- the namespace ---------------------------------------------------------

ip netns add "$NS" || die "cannot create network namespace $NS"
ip -n "$NS" link set lo up
# The filled entries' local addresses (tools/ctgen.c, fill), so they classify as
# this host's flows.  Nothing is ever sent to or from them.
ip -n "$NS" addr add 198.18.0.1/32 dev lo || die "cannot add an IPv4 address"
ip -n "$NS" addr add 2001:2::1/128 dev lo nodad || die "cannot add an IPv6 address"
# Accounting on, as lsconntrack is meant to be run: entries carry (zero) counters.
inns sh -c 'echo 1 >/proc/sys/net/netfilter/nf_conntrack_acct' ||
	die "cannot turn on nf_conntrack_acct in the namespace"

# Owners (doc/containers.md): 20 more namespaces on the machine, each with an
# address. Owners are on by default and built when an entry first has no end
# in the namespace viewed: every entry here has one, so the snapshot row
# shows that owners cost nothing then; the noowners row is the snapshot with
# them off.
OWNER_NS=()
for i in $(seq 20); do
	ons=$NS-o$i
	ip netns add "$ons" || die "cannot create network namespace $ons"
	OWNER_NS+=("$ons")
	ip -n "$ons" link set lo up
	ip -n "$ons" addr add "198.19.$i.1/32" dev lo || die "cannot add an address in $ons"
done

# ---- what can run ----------------------------------------------------------

ROWS="floor filter snapshot noowners snap4 store conntrack iptstate"
declare -A LABEL CMD DIV NOTE
LABEL[floor]='floor: `nldump` (counts messages, no parsing)'
CMD[floor]="$DUMP"
LABEL[filter]='floor, kernel-side TCP filter: `nldump -p 6` (2 dumps: IPv4, IPv6)'
CMD[filter]="$DUMP -p 6"
LABEL[snapshot]='`lsconntrack -n -b --json >/dev/null` (owners on, 20 more namespaces)'
CMD[snapshot]="$LSCT -n -b --json"
LABEL[noowners]='`lsconntrack -n -b --json --no-owners >/dev/null`'
CMD[noowners]="$LSCT -n -b --json --no-owners"
LABEL[snap4]='`lsconntrack -4 -n -b --json >/dev/null` (the kernel leaves out IPv6 and UDP)'
CMD[snap4]="$LSCT -4 -n -b --json"
LABEL[store]='`lsconntrack -n -b -c 3 -d 0 --max-cpu 0` (3 snapshots; time per snapshot)'
CMD[store]="$LSCT -n -b -c 3 -d 0 --max-cpu 0"
DIV[store]=3
LABEL[conntrack]='`conntrack -L >/dev/null`'
CMD[conntrack]="conntrack -L"
LABEL[iptstate]='`iptstate -1 -o >/dev/null`'
CMD[iptstate]="iptstate -1 -o"

inns "$LSCT" -n -b -c 1 -d 0 </dev/null >/dev/null 2>&1
if [ $? = 2 ]; then
	NOTE[store]="not implemented yet (lsconntrack has no -c/-d)"
fi
inns "$DUMP" -4 -p 6 >/dev/null 2>"$TMP/err" ||
	NOTE[filter]="unavailable: $(head -n 1 "$TMP/err")"
command -v conntrack >/dev/null || NOTE[conntrack]="not installed (apt-get install conntrack)"
command -v iptstate >/dev/null || NOTE[iptstate]="not installed (apt-get install iptstate)"

# ---- measure ---------------------------------------------------------------

START=$(date +%s)

declare -A MED USER MAXRSS STATUS
declare -a FLOWS
FILLINFO=""
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
awk -v l="${LOAD0%% *}" 'BEGIN { exit !(l > 0.5) }' &&
	echo "bench: warning: load average $LOAD0: other work will skew the times" >&2
# A dump walks the kernel's one global hash, other namespaces' entries too:
# the time of an empty dump shows what they add to every row.
EMPTY=$(inns "$DUMP" -n 3 | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' | median)
HOSTCOUNT=$(cat /proc/sys/net/netfilter/nf_conntrack_count)
have=0
for n in $SIZES; do
	# Headroom: entries of other namespaces do not count, ours do.
	ensure_max $((n + n / 10 + 1000))
	for try in 1 2; do
		if inns "$GEN" fill -s "$have" -n $((n - have)) >"$TMP/fill" 2>"$TMP/err"; then
			break
		fi
		# Something else may have lowered nf_conntrack_max meanwhile.
		[ "$try" = 2 ] && die "filling to $n entries: $(cat "$TMP/err")"
		echo "bench: $(cat "$TMP/err"); retrying" >&2
		ensure_max $((n + n / 10 + 1000))
	done
	count=$(inns cat /proc/sys/net/netfilter/nf_conntrack_count)
	[ "$count" = "$n" ] || die "the namespace holds $count entries, not $n"
	FILLINFO="$FILLINFO $n:$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$TMP/fill"):$((n - have))"
	have=$n

	# What the commands see: every entry, and lsconntrack accounts for each.
	msgs=$(inns "$DUMP" | sed -n 's/^messages=\([0-9]*\).*/\1/p')
	[ "$msgs" = "$n" ] || die "the floor dumper saw $msgs entries, not $n"
	# Connections counts open ones: the TIME_WAIT entries (one TCP entry in
	# five) keep their bytes but are not counted.
	tw=$(inns conntrack -L -p tcp --state TIME_WAIT 2>/dev/null | wc -l)
	conns=$(inns "$LSCT" -n -b -t -u --json 2>/dev/null |
		grep -o '"connections":[0-9]*' | awk -F: '{ s += $2 } END { print s + 0 }')
	[ "$conns" = "$((n - tw))" ] ||
		die "lsconntrack -t -u counted $conns open connections, not $n - $tw in TIME_WAIT"
	FLOWS[n]=$(inns "$LSCT" -n -b --json 2>/dev/null | grep -o '"direction"' | wc -l)

	runs=$RUNS
	[ "$n" -ge "$LARGE" ] && runs=$RUNS_LARGE
	echo "bench: $n entries (filled and checked at $(( $(date +%s) - START )) s): $runs rounds" >&2
	for round in $(seq 0 "$runs"); do
		# shellcheck disable=SC2086 # a list of names, split on purpose
		for r in $(shuffled "$round" $ROWS); do
			[ -n "${NOTE[$r]:-}" ] && continue
			# shellcheck disable=SC2086
			line=$(inns "$TOOLS/timeit" -r 1 -q -i /dev/null -- ${CMD[$r]} 2>"$TMP/err.$r")
			[ -n "${BENCH_VERBOSE:-}" ] && echo "bench: $n $r round $round: $line" >&2
			[ "$round" = 0 ] && continue
			echo "$line" >>"$TMP/$r.$n"
		done
	done
	for r in $ROWS; do
		[ -f "$TMP/$r.$n" ] || continue
		bad=$(grep -vc ' status=0$' "$TMP/$r.$n")
		if [ "$bad" != 0 ]; then
			STATUS[$r.$n]="failed: $(grep -v ' status=0$' "$TMP/$r.$n" | head -n 1 |
				sed 's/.*status=//') $(head -c 200 "$TMP/err.$r" | tr '\n' ' ')"
			continue
		fi
		MED[$r.$n]=$(sed 's/seconds=\([0-9.]*\).*/\1/' "$TMP/$r.$n" | median)
		USER[$r.$n]=$(sed 's/.*user=\([0-9.]*\).*/\1/' "$TMP/$r.$n" | median)
		MAXRSS[$r.$n]=$(sed 's/.*maxrss_kib=\([0-9]*\).*/\1/' "$TMP/$r.$n" | sort -n | tail -n 1)
	done
done

# ---- report ----------------------------------------------------------------

# One markdown row: entries, command, median, x floor, us/entry, user CPU,
# peak RSS, RSS per entry.
row() {
	local r=$1 n=$2 div=${DIV[$1]:-1} t f
	if [ -n "${NOTE[$r]:-}" ]; then
		printf '| %s | %s | %s | | | | | |\n' "$n" "${LABEL[$r]}" "${NOTE[$r]}"
		return
	fi
	if [ -n "${STATUS[$r.$n]:-}" ]; then
		printf '| %s | %s | %s | | | | | |\n' "$n" "${LABEL[$r]}" "${STATUS[$r.$n]}"
		return
	fi
	t=${MED[$r.$n]}
	f=${MED[floor.$n]:-}
	awk -v n="$n" -v lab="${LABEL[$r]}" -v t="$t" -v f="$f" -v div="$div" \
	    -v u="${USER[$r.$n]}" -v rss="${MAXRSS[$r.$n]}" 'BEGIN {
		per = t / div
		ratio = f > 0 ? sprintf("%.2f×", per / f) : "–"
		printf "| %d | %s | %.3f s | %s | %.2f µs | %.3f s | %.1f MiB | %.0f B |\n",
			n, lab, per, ratio, per / n * 1e6, u / div, rss / 1024, rss * 1024 / n }'
}

table() {
	echo '| entries | command | median time | × floor | time per entry | user CPU | peak RSS | RSS per entry |'
	echo '|---:|---|---:|---:|---:|---:|---:|---:|'
	for n in $SIZES; do
		for r in $ROWS; do
			row "$r" "$n"
		done
	done
}

machine() {
	local cpu mem os
	cpu=$(grep -m 1 'model name' /proc/cpuinfo | sed 's/.*: //')
	mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
	echo "- Machine: ${cpu:-unknown CPU}, $(nproc) cores, $mem of memory; ${os:-unknown OS}"
	echo "- Kernel: $(uname -sr) ($(uname -v))"
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); load average at start: $LOAD0, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- lsconntrack $("$LSCT" --version | cut -d' ' -f2) built with $(cc --version | head -n 1)"
	echo "- Peers: $(conntrack --version 2>&1 | head -n 1); iptstate $(dpkg-query -W -f='${Version}' iptstate 2>/dev/null)"
	echo "- Libraries: libnetfilter_conntrack $(dpkg-query -W -f='${Version}' libnetfilter-conntrack3 2>/dev/null), libmnl $(dpkg-query -W -f='${Version}' libmnl0 2>/dev/null)"
	awk -v e="$EMPTY" -v h="$HOSTCOUNT" 'BEGIN { printf "- Before filling: a dump of the empty namespace took %.1f ms (it walks the global hash); the initial namespace held %d entries\n", e * 1000, h }'
	echo "- Table: nf_conntrack_buckets $(cat /proc/sys/net/netfilter/nf_conntrack_buckets) (global), nf_conntrack_max $(cat "$MAXFILE") during the run, accounting on"
	echo "- Rounds: $RUNS below $LARGE entries, $RUNS_LARGE from there, after one warm-up round; times are medians, RSS the largest of the rounds"
	printf -- '- Fill (ctgen fill):'
	for f in $FILLINFO; do
		IFS=: read -r n s added <<<"$f"
		awk -v n="$n" -v s="$s" -v a="$added" -v fl="${FLOWS[$n]}" 'BEGIN {
			rate = s > 0 ? a / s / 1000 : 0
			printf " to %d in %.2f s (%.0f k entries/s, %d flows shown by default);", n, s,
				rate, fl }'
	done
	echo
}

{
	echo '<!-- bench:begin (generated by bench/run.sh; edit outside these markers) -->'
	echo
	machine
	echo
	table
	echo
	echo '<!-- bench:end -->'
} >"$TMP/block"

cat "$TMP/block"

mkdir -p "$(dirname "$OUT")"
if [ -f "$OUT" ] && grep -q '^<!-- bench:begin' "$OUT" && grep -q '^<!-- bench:end' "$OUT"; then
	awk -v blk="$TMP/block" '
		/^<!-- bench:begin/ { while ((getline l < blk) > 0) print l; skip = 1; next }
		/^<!-- bench:end/ { skip = 0; next }
		!skip' "$OUT" >"$TMP/out" && cat "$TMP/out" >"$OUT"
else
	{
		echo '# Performance'
		echo
		echo 'Measured by `sudo make bench` (bench/run.sh).'
		echo
		cat "$TMP/block"
	} >"$OUT"
fi
echo "bench: wrote $OUT ($(( $(date +%s) - START )) s)" >&2
