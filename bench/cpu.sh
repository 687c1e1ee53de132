#!/bin/bash
# bench/cpu.sh - what watching the table costs in CPU, over a minute.  Part
# of `make bench` (root).
#
# In a network namespace of its own, the table is filled to each size in
# BENCH_CPU_SIZES (default "100000 1000000") with build/tools/ctgen fill, as
# bench/run.sh does; build/tools/ctgen churn adds and deletes
# BENCH_CPU_CHURN entries a second (default 1000; 8000 of them at a time) the
# whole run, so events have something to say.  Then, one after the other,
# each watcher runs for BENCH_CPU_WARMUP seconds (default 10: the first
# snapshot of 1M entries takes seconds) and is then measured for
# BENCH_CPU_SECONDS (default 60):
#
#   stream    lsconntrack -n --json -d 1 -c 0 >/dev/null (default options)
#   monitor   lsconntrack -n -d 1 in a tmux window of 100x30 (bench/tui.sh)
#   events    conntrack -E >/dev/null: events only, never a dump
#   dumps     a loop that starts conntrack -L >/dev/null every second (or
#             as soon as the previous one ends, when one takes longer)
#
# CPU is user + system of every thread, from /proc/PID/stat (utime + stime;
# for the loop also cutime + cstime, its reaped children's), read at both
# ends of the measured minute, as % of one core.  Peak RSS is VmHWM at the
# end.  ctgen's own CPU and tmux's are not counted.
#
# Prints a table and writes it between the bench-cpu markers of
# doc/performance.md (BENCH_OUT).  nf_conntrack_max (machine-wide) is raised
# if needed and put back on exit, as in bench/run.sh.  Runtime: about
# sizes x 4 x (WARMUP + SECONDS + 2): 10 minutes with the defaults.
# Backticks in the labels are markdown, meant literally.
# shellcheck disable=SC2016
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
BENCH_NAME=bench-cpu
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
LSCT=$ROOT/lsconntrack
GEN=$ROOT/build/tools/ctgen
SIZES=${BENCH_CPU_SIZES:-100000 1000000}
SECS=${BENCH_CPU_SECONDS:-60}
WARMUP=${BENCH_CPU_WARMUP:-10}
CHURN=${BENCH_CPU_CHURN:-1000}
ROWS=${BENCH_CPU_ROWS:-stream monitor events dumps}
OUT=${BENCH_OUT:-$ROOT/doc/performance.md}
# shellcheck disable=SC2086 # a list of numbers, split on purpose
SIZES=$(printf '%s\n' $SIZES | sort -n -u)
NS=lsct-bcpu-$$
SOCK=lsct-bcpu-$$
HZ=$(getconf CLK_TCK)
PIDS=()
TMP=$(mktemp -d /tmp/lsct-bcpu.XXXXXX) || exit 1


# kill_tree PID: PID and its descendants, by PID (a function run in the
# background is a subshell whose child runs the command).
kill_tree() {
	local kid
	for kid in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		kill_tree "$kid"
	done
	kill "$1" 2>/dev/null
}

stop() {
	kill_tree "$1"
	wait "$1" 2>/dev/null
}

cleanup() {
	local p
	tmux -L "$SOCK" kill-server 2>/dev/null
	for p in "${PIDS[@]}"; do
		stop "$p"
	done
	ip netns del "$NS" 2>/dev/null
	bench_restore_max
	rm -rf "$TMP"
}
# The machine-wide nf_conntrack_max is put back on every exit but SIGKILL.
trap 'trap "" INT TERM HUP; cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

[ "$(id -u)" = 0 ] || die "needs root"
for t in ip nft tmux conntrack; do
	command -v "$t" >/dev/null || die "$t is missing"
done
[ -x "$GEN" ] || die "$GEN is missing: run make bench-tools"
[ -x "$LSCT" ] || die "$LSCT is missing: run make"
command -v modprobe >/dev/null && modprobe -q nf_conntrack_netlink 2>/dev/null

inns() { ip netns exec "$NS" "$@"; }
tm() { tmux -L "$SOCK" "$@"; }

ip netns add "$NS" || die "cannot create a namespace"
ip -n "$NS" link set lo up
ip -n "$NS" addr add 198.18.0.1/32 dev lo
ip -n "$NS" addr add 2001:2::1/128 dev lo nodad
inns sh -c 'echo 1 >/proc/sys/net/netfilter/nf_conntrack_acct' || die "nf_conntrack_acct"

largest=$(printf '%s\n' "$SIZES" | tail -n 1)
need=$((largest + largest / 10 + 20000))
bench_raise_max "$need"

# proc_of PID COMM: PID, or its first descendant whose command is COMM (a
# shell may fork the command rather than exec it).
proc_of() {
	local p=$1
	for _ in 1 2 3 4; do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] && break
		p=$(ps -o pid= --ppid "$p" | head -n 1 | tr -d ' ')
		[ -n "$p" ] || return 1
	done
	echo "$p"
}

hwm() {
	awk '/^VmHWM/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

# measure ROW SIZE: starts the watcher, measures, stops it; appends a row.
measure() {
	local r=$1 n=$2 top comm pid kids="" w0 w1 u0 s0 u1 s1 rss
	case $r in
	stream)
		ip netns exec "$NS" "$LSCT" -n --json -d 1 -c 0 </dev/null >/dev/null 2>"$TMP/err" &
		top=$! comm=lsconntrack
		;;
	monitor)
		tm new-session -d -s b -x 100 -y 30 "ip netns exec $NS $LSCT -n -d 1" || die "tmux"
		top=$(tm list-panes -t b -F '#{pane_pid}') comm=lsconntrack
		;;
	events)
		ip netns exec "$NS" conntrack -E </dev/null >/dev/null 2>"$TMP/err" &
		top=$! comm=conntrack
		;;
	dumps)
		ip netns exec "$NS" bash -c \
			'while :; do conntrack -L >/dev/null 2>&1 & sleep 1; wait; done' \
			</dev/null >/dev/null 2>&1 &
		top=$! comm=bash
		kids=1
		;;
	esac
	PIDS+=("$top")
	sleep 0.5
	pid=$(proc_of "$top" "$comm") || die "$r: no $comm process under $top"
	sleep "$WARMUP"
	kill -0 "$pid" 2>/dev/null || die "$r exited early: $(head -c 300 "$TMP/err" 2>/dev/null)"
	read -r u0 s0 < <(awk -v kids="$kids" '{ sub(/^.*\) /, "");
		print $12 + (kids != "" ? $14 : 0), $13 + (kids != "" ? $15 : 0) }' "/proc/$pid/stat")
	w0=$(date +%s.%N)
	sleep "$SECS"
	read -r u1 s1 < <(awk -v kids="$kids" '{ sub(/^.*\) /, "");
		print $12 + (kids != "" ? $14 : 0), $13 + (kids != "" ? $15 : 0) }' "/proc/$pid/stat")
	w1=$(date +%s.%N)
	rss=$(hwm "$pid")
	if [ "$r" = monitor ]; then
		tm send-keys -t b q
		sleep 0.5
		tm kill-server 2>/dev/null
	fi
	stop "$top"
	[ "$r" = dumps ] && rss="-"
	awk -v n="$n" -v r="$r" -v u="$((u1 - u0))" -v s="$((s1 - s0))" -v hz="$HZ" \
	    -v w="$(awk -v a="$w0" -v b="$w1" 'BEGIN { print b - a }')" -v rss="${rss:-0}" 'BEGIN {
		printf "%d\t%s\t%.1f\t%.2f\t%.2f\t%.1f\t%s\n", n, r, (u + s) / hz / w * 100,
			u / hz, s / hz, w, rss == "-" ? "-" : sprintf("%.1f MiB", rss / 1024) }' \
		>>"$TMP/rows"
	tail -n 1 "$TMP/rows" | awk -F'\t' '{ printf "bench-cpu: %d entries, %s: %s%% of a core\n", $1, $2, $3 }' >&2
}

START=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$TMP/rows"
# One churn for the whole run: a restarted one would repeat its tuples.
if [ "$CHURN" != 0 ]; then
	inns "$GEN" churn -l 198.18.0.1 -L 2001:2::1 -r "$CHURN" -k 8000 -t 600 \
		>/dev/null 2>"$TMP/churn.err" &
	PIDS+=($!)
fi
have=0
for n in $SIZES; do
	inns "$GEN" fill -s "$have" -n $((n - have)) >"$TMP/fill" 2>&1 || die "fill: $(cat "$TMP/fill")"
	have=$n
	echo "bench-cpu: $n entries (+ churn $CHURN/s), $(inns cat /proc/sys/net/netfilter/nf_conntrack_count)" \
		"in the table (at $(( $(date +%s) - START )) s)" >&2
	for r in $ROWS; do
		measure "$r" "$n"
	done
done

declare -A LABEL=(
	[stream]='`lsconntrack -n --json -d 1 -c 0 >/dev/null`'
	[monitor]='`lsconntrack -n -d 1` (monitor, tmux 100x30)'
	[events]='`conntrack -E >/dev/null` (events only)'
	[dumps]='`conntrack -L >/dev/null` every second'
)
result=$(
	echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) cores; load average at start: $LOAD0, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- Table: \`ctgen fill\` (bench/run.sh's shape) plus \`ctgen churn\` at $CHURN entries/s (8000 kept); each command warmed up for $WARMUP s, then measured for $SECS s; CPU = user + system of all threads (/proc/PID/stat), % of one core"
	echo
	echo '| entries | command | CPU (% of one core) | user | system | peak RSS |'
	echo '|---:|---|---:|---:|---:|---:|'
	while IFS=$'\t' read -r n r pct u s _ rss; do
		printf '| %d | %s | %s%% | %s s | %s s | %s |\n' "$n" "${LABEL[$r]}" "$pct" "$u" "$s" "$rss"
	done <"$TMP/rows"
)
printf '%s\n' "$result"
command -v python3 >/dev/null || die "python3 is missing: $OUT not written"
python3 "$ROOT/bench/mdblock.py" "$OUT" cpu cpu.sh "The monitor's own CPU" "$result"
echo "bench-cpu: wrote $OUT ($(( $(date +%s) - START )) s)" >&2
