#!/bin/bash
# bench/busy.sh - memory per entry on a table with many small flows.  Part
# of `make bench` (root).
#
# In a network namespace of its own, build/tools/ctgen fill -S busy puts
# BENCH_BUSY_ENTRIES entries (default 1000000) over BENCH_BUSY_FLOWS flows
# (default: 3 for every 10 entries, so 300000 at 1M): a peer each, 10% IPv6,
# 5% UDP (tools/ctgen.c says how).  Then, BENCH_BUSY_RUNS times (default 3),
# interleaved, under build/bench/timeit (peak RSS from wait4, i.e. VmHWM):
#
#   store     lsconntrack -n -b -c 3 -d 0: three snapshots with the
#             per-connection store (TCP only, the default)
#   store-tu  the same with -t -u: every entry
#   snapshot  lsconntrack -n -b -t -u --json >/dev/null, for reference
#
# and reports the largest peak RSS, per entry of the table.  Prints a table
# and writes it between the bench-busy markers of doc/performance.md
# (BENCH_OUT).  nf_conntrack_max (machine-wide) is raised if needed and put
# back on exit, as in bench/run.sh.  Runtime at 1M: about 1.5 minutes.
# Backticks in the labels are markdown, meant literally.
# shellcheck disable=SC2016
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
BENCH_NAME=bench-busy
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
LSCT=$ROOT/lsconntrack
GEN=$ROOT/build/tools/ctgen
TIMEIT=$ROOT/build/bench/timeit
ENTRIES=${BENCH_BUSY_ENTRIES:-1000000}
FLOWS=${BENCH_BUSY_FLOWS:-$((ENTRIES * 3 / 10))}
RUNS=${BENCH_BUSY_RUNS:-3}
OUT=${BENCH_OUT:-$ROOT/doc/performance.md}
NS=lsct-bbusy-$$
TMP=$(mktemp -d /tmp/lsct-bbusy.XXXXXX) || exit 1


cleanup() {
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
command -v ip >/dev/null || die "ip (iproute2) is missing"
command -v jq >/dev/null || die "jq is missing"
for t in "$GEN" "$TIMEIT"; do
	[ -x "$t" ] || die "$t is missing: run make bench-tools"
done
[ -x "$LSCT" ] || die "$LSCT is missing: run make"
command -v modprobe >/dev/null && modprobe -q nf_conntrack_netlink 2>/dev/null

inns() { ip netns exec "$NS" "$@"; }

ip netns add "$NS" || die "cannot create a namespace"
ip -n "$NS" link set lo up
# The entries' local addresses (tools/ctgen.c), so they are this host's flows.
ip -n "$NS" addr add 198.18.0.1/32 dev lo
ip -n "$NS" addr add 2001:2::1/128 dev lo nodad
inns sh -c 'echo 1 >/proc/sys/net/netfilter/nf_conntrack_acct' || die "nf_conntrack_acct"

need=$((ENTRIES + ENTRIES / 10 + 1000))
bench_raise_max "$need"

START=$(date +%s)
inns "$GEN" fill -S busy -F "$FLOWS" -n "$ENTRIES" >"$TMP/fill" 2>&1 ||
	die "fill: $(cat "$TMP/fill")"
count=$(inns cat /proc/sys/net/netfilter/nf_conntrack_count)
[ "$count" = "$ENTRIES" ] || die "the namespace holds $count entries, not $ENTRIES"
# What lsconntrack makes of it: flows and connections, every protocol.
inns "$LSCT" -n -b -t -u --json >"$TMP/all.json" 2>"$TMP/err" || die "lsconntrack: $(cat "$TMP/err")"
read -r nflows nconns nv6 nudp < <(jq -r '[length, (map(.connections) | add),
	(map(select(.peer.addr | contains(":")) | .connections) | add),
	(map(select(.proto == "udp") | .connections) | add)] | @tsv' "$TMP/all.json")
# Connections counts open ones: TIME_WAIT entries keep their bytes only.
tw=$(inns conntrack -L -p tcp --state TIME_WAIT 2>/dev/null | wc -l)
[ "$nconns" = "$((ENTRIES - tw))" ] ||
	die "lsconntrack -t -u counted $nconns open connections, not $ENTRIES - $tw in TIME_WAIT"
rm -f "$TMP/all.json"
echo "bench-busy: $ENTRIES entries in $nflows flows ($nv6 IPv6, $nudp UDP), filled at $(( $(date +%s) - START )) s" >&2

ROWS="store store-tu snapshot"
declare -A CMD LABEL
CMD[store]="$LSCT -n -b -c 3 -d 0 --max-cpu 0"
LABEL[store]='`lsconntrack -n -b -c 3 -d 0 --max-cpu 0` (TCP, the default)'
CMD[store-tu]="$LSCT -n -b -t -u -c 3 -d 0 --max-cpu 0"
LABEL[store-tu]='`lsconntrack -n -b -t -u -c 3 -d 0 --max-cpu 0` (every entry)'
CMD[snapshot]="$LSCT -n -b -t -u --json"
LABEL[snapshot]='`lsconntrack -n -b -t -u --json >/dev/null` (one snapshot)'
for round in $(seq "$RUNS"); do
	for r in $ROWS; do
		# shellcheck disable=SC2086 # the command's words
		inns "$TIMEIT" -r 1 -q -i /dev/null -- ${CMD[$r]} >>"$TMP/$r" 2>"$TMP/err.$r" ||
			die "$r failed (round $round): $(tail -n 1 "$TMP/$r") $(head -c 300 "$TMP/err.$r")"
	done
done

# The monitor on the same table, in tmux at 200x50 for SCREEN_SECS (default
# 45): its collector's frames each copy every flow; VmHWM at the end.
SCREEN_SECS=${BENCH_BUSY_SCREEN_SECS:-45}
screen_rss=
if command -v tmux >/dev/null; then
	sock=$TMP/tmux.sock
	tmux -S "$sock" -f /dev/null new-session -d -x 200 -y 50 \
		"ip netns exec $NS $LSCT -n" || die "tmux"
	sleep "$SCREEN_SECS"
	pid=$(pgrep -x -f "$LSCT -n" | head -n 1)
	[ -n "$pid" ] && screen_rss=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
	tmux -S "$sock" send-keys q
	sleep 1
	tmux -S "$sock" kill-server 2>/dev/null
	[ -n "$screen_rss" ] || die "the monitor was not running after $SCREEN_SECS s"
fi

result=$(
	echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) cores"
	echo "- Table: \`ctgen fill -S busy -F $FLOWS -n $ENTRIES\`: $nflows flows with \`-t -u\` ($nv6 IPv6 entries, $nudp UDP); largest peak RSS of $RUNS runs (\`wait4\`), median time"
	echo
	echo '| entries | command | peak RSS | RSS per entry | time |'
	echo '|---:|---|---:|---:|---:|'
	for r in $ROWS; do
		rss=$(sed 's/.*maxrss_kib=\([0-9]*\).*/\1/' "$TMP/$r" | sort -n | tail -n 1)
		t=$(sed 's/seconds=\([0-9.]*\).*/\1/' "$TMP/$r" | sort -g |
			awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
		awk -v n="$ENTRIES" -v lab="${LABEL[$r]}" -v rss="$rss" -v t="$t" 'BEGIN {
			printf "| %d | %s | %.1f MiB | %.0f B | %.2f s |\n", n, lab, rss / 1024,
				rss * 1024 / n, t }'
	done
	if [ -n "$screen_rss" ]; then
		awk -v n="$ENTRIES" -v rss="$screen_rss" -v s="$SCREEN_SECS" 'BEGIN {
			printf "| %d | `lsconntrack -n`, the monitor (tmux 200x50, %d s, the defaults) | %.1f MiB | %.0f B | - |\n",
				n, s, rss / 1024, rss * 1024 / n }'
	fi
)
printf '%s\n' "$result"
command -v python3 >/dev/null || die "python3 is missing: $OUT not written"
python3 "$ROOT/bench/mdblock.py" "$OUT" busy busy.sh "Memory with many flows" "$result"
echo "bench-busy: wrote $OUT ($(( $(date +%s) - START )) s)" >&2
