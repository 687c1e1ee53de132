#!/bin/bash
# bench/visible.sh - what keeps a big table light (issue 12, section 3):
# the cost of the screen's reread of what the user looks at, and dumps the
# kernel filters for one port.  Part of `make bench` (root).
#
# In a network namespace of its own, build/tools/ctgen fill puts
# BENCH_VISIBLE_ENTRIES entries (default 1000000; the shape of bench/run.sh)
# in the table.  Then:
#
#   reread    build/bench/getcost -n 4096: 4096 connections spread over the
#             table read again with one GET each, the most one frame
#             between budgeted dumps rereads (REREAD_MAX, src/monitor.c);
#             best of 5, wall and CPU
#   port      lsconntrack -n -a --aport 3306 --json: the kernel walks the
#             table but sends only entries to port 3306, against the same
#             with LSCT_NO_KFILTER=1 (everything sent, filtered here) and
#             the full lsconntrack -n -a --json; best of 3 each
#
# Prints a table and writes it between the bench-visible markers of
# doc/performance.md (BENCH_OUT).  nf_conntrack_max (machine-wide) is raised
# if needed and put back on exit, as in bench/run.sh.  About 1.5 minutes.
# shellcheck disable=SC2016
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
BENCH_NAME=bench-visible
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
LSCT=$ROOT/lsconntrack
GEN=$ROOT/build/tools/ctgen
TIMEIT=$ROOT/build/bench/timeit
GETCOST=$ROOT/build/bench/getcost
ENTRIES=${BENCH_VISIBLE_ENTRIES:-1000000}
OUT=${BENCH_OUT:-$ROOT/doc/performance.md}
NS=lsct-bvis-$$
TMP=$(mktemp -d /tmp/lsct-bvis.XXXXXX) || exit 1


cleanup() {
	ip netns del "$NS" 2>/dev/null
	bench_restore_max
	rm -rf "$TMP"
}
trap 'trap "" INT TERM HUP; cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

[ "$(id -u)" = 0 ] || die "needs root"
for t in "$GEN" "$TIMEIT" "$GETCOST" "$LSCT"; do
	[ -x "$t" ] || die "$t is missing: run make lsconntrack bench-tools"
done
command -v modprobe >/dev/null && modprobe -q nf_conntrack_netlink 2>/dev/null

inns() { ip netns exec "$NS" "$@"; }

ip netns add "$NS" || die "cannot create a namespace"
ip -n "$NS" link set lo up
ip -n "$NS" addr add 198.18.0.1/32 dev lo
ip -n "$NS" addr add 2001:2::1/128 dev lo nodad
inns sh -c 'echo 1 >/proc/sys/net/netfilter/nf_conntrack_acct' || die "nf_conntrack_acct"
need=$((ENTRIES + ENTRIES / 10 + 1000))
bench_raise_max "$need"
inns "$GEN" fill -n "$ENTRIES" >"$TMP/fill" 2>&1 || die "fill: $(cat "$TMP/fill")"
count=$(inns cat /proc/sys/net/netfilter/nf_conntrack_count)
[ "$count" -ge "$ENTRIES" ] || die "the namespace holds $count entries, not $ENTRIES"

reread=$(inns "$GETCOST" -n 4096 -r 5) || die "getcost failed"
echo "bench-visible: $reread" >&2

# best NAME CMD...: the best wall time of 3 runs (after one warm-up).
best() {
	local name=$1
	shift
	inns "$TIMEIT" -w 1 -r 3 -q -i /dev/null -- "$@" >"$TMP/$name" 2>&1 ||
		die "$name failed: $(tail -n 2 "$TMP/$name")"
	sed -n 's/^seconds=\([0-9.]*\).*/\1/p' "$TMP/$name" | sort -g | head -n 1
}
t_port=$(best port "$LSCT" -n -a --aport 3306 --json --max-cpu 0)
t_nokf=$(best nokf env LSCT_NO_KFILTER=1 "$LSCT" -n -a --aport 3306 --json --max-cpu 0)
t_all=$(best all "$LSCT" -n -a --json --max-cpu 0)
rows=$(inns "$LSCT" -n -a --aport 3306 --json | jq length)
same=no
cmp -s <(inns "$LSCT" -n -a --aport 3306 --json) \
	<(inns env LSCT_NO_KFILTER=1 "$LSCT" -n -a --aport 3306 --json) && same=yes

result=$(
	echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) cores; table: \`ctgen fill -n $ENTRIES\` ($count entries)"
	echo
	echo '| what | time |'
	echo '|---|---:|'
	echo "$reread" | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
		END { printf "| reread of %d connections (one GET each, %d found), wall, best of 5 | %.1f ms (%.2f µs a connection; CPU %.1f ms) |\n",
			v["gets"], v["found"], v["best_ms"], v["per_get_us"], v["cpu_ms"] }'
	echo "| \`lsconntrack -n -a --aport 3306 --json\` (kernel port filter; $rows flows) | $(printf '%.3f' "$t_port") s |"
	echo "| the same with \`LSCT_NO_KFILTER=1\` (every entry sent; identical output: $same) | $(printf '%.3f' "$t_nokf") s |"
	echo "| \`lsconntrack -n -a --json\` (every active flow) | $(printf '%.3f' "$t_all") s |"
)
printf '%s\n' "$result"
python3 "$ROOT/bench/mdblock.py" "$OUT" visible visible.sh "Rereads and the kernel port filter at 1M" "$result"
