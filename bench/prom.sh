#!/bin/bash
# bench/prom.sh - a scrape of --listen while the table is being dumped
# (issue 14: "scrape during a 1M-entry dump answered in <= 50 ms, served
# from the last snapshot").  Part of `make bench` (root).
#
# In a network namespace of its own, build/tools/ctgen fill -S busy puts
# BENCH_PROM_ENTRIES entries (default 1000000) over 3 flows for every 10
# entries (as bench/busy.sh).  There
#
#   lsconntrack -n -t -u --listen 127.0.0.1:PORT --metrics-only -d 0 --max-cpu 0
#
# dumps back to back, so every scrape arrives during a dump.  After its
# first snapshot, BENCH_PROM_SCRAPES (default 200) GET /metrics, one every
# BENCH_PROM_GAP seconds (default 0.05, so they spread over several dumps),
# each a new curl (a new connection), timed by curl (time_total: connect
# to the last byte).  Reported: median, p99 and max, the dumps the scrapes
# spanned, the exposition's size, and the frame thread's cost beyond the
# dump (a dump-to-dump cycle minus lsconntrack_snapshot_duration_seconds:
# classifying into flows, the metrics feed over every flow, and the two
# renders).  Then build/bench/promrender's CPU-only numbers (10,000 series
# rendered, bytes per kept series, a feed of 1M flows).  Prints a table
# and writes it between the bench-prom markers of doc/performance.md
# (BENCH_OUT).  nf_conntrack_max (machine-wide) is raised if needed and
# put back on exit, as in bench/run.sh.  Runtime at 1M: about 35 s.
# Exits 1 when the p99 is above 50 ms.
# Backticks in the labels are markdown, meant literally.
# shellcheck disable=SC2016
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
BENCH_NAME=bench-prom
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
LSCT=$ROOT/lsconntrack
GEN=$ROOT/build/tools/ctgen
RENDER=$ROOT/build/bench/promrender
ENTRIES=${BENCH_PROM_ENTRIES:-1000000}
FLOWS=$((ENTRIES * 3 / 10))
SCRAPES=${BENCH_PROM_SCRAPES:-200}
GAP=${BENCH_PROM_GAP:-0.05}
PORT=${BENCH_PROM_PORT:-19187}
OUT=${BENCH_OUT:-$ROOT/doc/performance.md}
NS=lsct-bprom-$$
TMP=$(mktemp -d /tmp/lsct-bprom.XXXXXX) || exit 1
LPID=

cleanup() {
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
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
for c in ip curl awk; do
	command -v "$c" >/dev/null || die "$c is missing"
done
for t in "$GEN" "$RENDER"; do
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

bench_raise_max $((ENTRIES + ENTRIES / 10 + 1000))
START=$(date +%s)
inns "$GEN" fill -S busy -F "$FLOWS" -n "$ENTRIES" >"$TMP/fill" 2>&1 ||
	die "fill: $(cat "$TMP/fill")"
count=$(inns cat /proc/sys/net/netfilter/nf_conntrack_count)
[ "$count" -ge "$ENTRIES" ] || die "the namespace holds $count entries, not $ENTRIES"
echo "bench-prom: $count entries, filled at $(( $(date +%s) - START )) s" >&2

URL=http://127.0.0.1:$PORT/metrics
# start_lsct DELAY: the daemon in the namespace, until its first snapshot.
# Not through inns(): a function run with & is a subshell, and $! would be
# its PID, not lsconntrack's (ip netns exec execs the command in place).
start_lsct() {
	local code=000
	ip netns exec "$NS" "$LSCT" -n -t -u --listen "127.0.0.1:$PORT" --metrics-only -d "$1" \
		--max-cpu 0 2>"$TMP/lsct.err" &
	LPID=$!
	# The first snapshot: 503 until then.
	for _ in $(seq 600); do
		code=$(inns curl -s -o "$TMP/first" -w '%{http_code}' "$URL" 2>/dev/null)
		[ "$code" = 200 ] && break
		kill -0 "$LPID" 2>/dev/null || die "lsconntrack ended: $(head -c 300 "$TMP/lsct.err")"
		sleep 0.1
	done
	[ "$code" = 200 ] || die "no snapshot after 60 s (last answer $code)"
}
stop_lsct() {
	kill -0 "$LPID" 2>/dev/null || die "lsconntrack ended: $(head -c 300 "$TMP/lsct.err")"
	kill "$LPID" && wait "$LPID" 2>/dev/null
	kill -0 "$LPID" 2>/dev/null && die "lsconntrack (PID $LPID) did not end on SIGTERM"
	LPID=
}
# scrapes N NAME: N scrapes GAP apart, from one shell in the namespace, into
# $TMP/NAME (seconds: total, connect, first byte; bytes; status) and
# $TMP/NAME.snaps (the snapshot counter and duration of each answer).
scrapes() {
	inns bash -c '
		for i in $(seq "$1"); do
			curl -s -o "$3.body" -w "%{time_total} %{time_connect} %{time_starttransfer} %{size_download} %{http_code}\n" "$2" ||
				echo "0 0 0 0 fail"
			awk -v OFS=" " "/^lsconntrack_snapshots_total / { s = \$2 }
				/^lsconntrack_snapshot_duration_seconds / { d = \$2 }
				END { print s, d }" "$3.body" >>"$3.snaps"
			sleep "$4"
		done' _ "$1" "$URL" "$TMP/$2" "$GAP" >"$TMP/$2" || die "the scrape loop failed"
	bad=$(awk '$5 != 200' "$TMP/$2" | wc -l)
	[ "$bad" = 0 ] || die "$bad of $1 scrapes did not get 200"
}
# stats FILE COLUMN: median, p99 and max of a column, in ms.
stats() {
	awk -v c="$2" '{ print $c * 1000 }' "$1" | sort -g | awk '
		{ v[NR] = $1 }
		END { i = int(NR * 0.99 + 0.999); if (i > NR) i = NR
		      printf "%.2f %.2f %.2f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2,
			v[i], v[NR] }'
}

# Idle first: one snapshot, then no dump while the scrapes run.
IDLE=${BENCH_PROM_IDLE_SCRAPES:-50}
start_lsct 3600
scrapes "$IDLE" idle
stop_lsct
read -r imed ip99 imax < <(stats "$TMP/idle" 1)

start_lsct 0
W0=$(date +%s.%N)
scrapes "$SCRAPES" dump
W1=$(date +%s.%N)
stop_lsct
cp "$TMP/dump" "$TMP/times"
cp "$TMP/dump.snaps" "$TMP/snaps"
cp "$TMP/dump.body" "$TMP/body"
[ -n "${BENCH_PROM_KEEP:-}" ] && cp -r "$TMP" "$BENCH_PROM_KEEP"
read -r cmed cp99 cmax < <(stats "$TMP/dump" 2)
read -r fmed fp99 fmax < <(stats "$TMP/dump" 3)

read -r med p99 max < <(stats "$TMP/dump" 1)
bytes=$(awk '{ s += $4 } END { printf "%d", s / NR }' "$TMP/times")
series=$(grep -c '^lsconntrack_flow_connections{' "$TMP/body")
# Snapshots spanned, and the mean dump against the mean dump-to-dump cycle
# (from the first to the last snapshot the scrapes saw).
read -r s0 s1 dump < <(awk 'NR == 1 { s0 = $1 } { s1 = $1; if (!($1 in seen)) { seen[$1] = 1; d += $2; n++ } }
	END { printf "%d %d %.3f\n", s0, s1, d / n }' "$TMP/snaps")
spanned=$((s1 - s0 + 1))
# The cycle: the scrape window over the dumps it saw (both ends partial).
window=$(awk -v a="$W0" -v b="$W1" 'BEGIN { printf "%.2f", b - a }')
echo "bench-prom: $SCRAPES scrapes over $spanned snapshots in about $window s" >&2
render=$("$RENDER" 10000) || true
r004=$(sed -n 's/.*render_004_ms=\([0-9.]*\).*/\1/p' <<<"$render")
rom=$(sed -n 's/.*render_om_ms=\([0-9.]*\).*/\1/p' <<<"$render")
rbytes=$(sed -n 's/.*bytes_004=\([0-9]*\).*/\1/p' <<<"$render")
perkept=$(sed -n 's/.*bytes_per_kept_series=\([0-9.]*\).*/\1/p' <<<"$render")
feed=$(sed -n 's/.*feed_1m_flows_ms=\([0-9.]*\).*/\1/p' <<<"$render")
if [ -z "$r004" ] || [ -z "$feed" ]; then
	die "promrender: $render"
fi
cycle=$(awk -v w="$window" -v n="$spanned" 'BEGIN { printf "%.3f", (n > 1) ? w / (n - 1) : w }')

result=$(
	echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) cores"
	echo "- Table: \`ctgen fill -S busy -F $FLOWS -n $ENTRIES\` ($count entries);" \
		"\`lsconntrack -n -t -u --listen 127.0.0.1:PORT --metrics-only -d 0 --max-cpu 0\`:" \
		"dumps back to back, so every scrape meets one"
	echo "- $SCRAPES scrapes, a new \`curl\` each ${GAP} s apart, over $spanned snapshots" \
		"(about $cycle s from one to the next, of which the dump $dump s); each answer" \
		"$bytes bytes, $series flow series"
	echo
	echo '| what | value | bound |'
	echo '|---|---:|---:|'
	echo "| scrape during a ${ENTRIES}-entry dump, median | $med ms | |"
	echo "| the same, p99 | $p99 ms | 50 ms |"
	echo "| the same, max | $max ms | |"
	echo "| of which connected (median / p99 / max) | $cmed / $cp99 / $cmax ms | |"
	echo "| of which the first byte (median / p99 / max) | $fmed / $fp99 / $fmax ms | |"
	echo "| $IDLE scrapes with no dump running (\`-d 3600\`), median / p99 / max | $imed / $ip99 / $imax ms | |"
	echo "| render of 10,000 series, 0.0.4 / OpenMetrics (\`promrender\`, best of 20) | $r004 / $rom ms ($rbytes bytes) | 10 ms |"
	echo "| metrics feed of 1,000,000 flows, top 100 (\`promrender\`, best of 5) | $feed ms | |"
	echo "| memory per kept series (a folded peer's own series, \`promrender\`) | $perkept B | |"
)
printf '%s\n' "$result"
command -v python3 >/dev/null || die "python3 is missing: $OUT not written"
python3 "$ROOT/bench/mdblock.py" "$OUT" prom prom.sh "Prometheus: scrapes during a dump" "$result"
echo "bench-prom: wrote $OUT ($(( $(date +%s) - START )) s)" >&2
awk -v p="$p99" 'BEGIN { exit !(p > 50) }' && die "p99 $p99 ms is above 50 ms"
exit 0
