#!/bin/bash
# bench/tui.sh - the monitor's responsiveness, measured through tmux.
# Part of `make bench` (root).  Two measurements, in a namespace of its own:
#
#   latency   the monitor runs on BENCH_TUI_ENTRIES (default 1M) synthetic
#             entries (build/tools/ctgen fill), so a snapshot takes seconds and
#             the collector is busy nearly all the time (--max-cpu 0: no
#             budget spaces the dumps); `t` is pressed
#             BENCH_TUI_KEYS times (default 20) and the time until tmux
#             shows the answer (the header's "rates"/"totals" flips) is
#             taken.  It includes tmux's own delay and the polling step
#             (one capture-pane, a few ms): an upper bound.
#   bytes     the table is flushed, 8 loopback connections carry steady
#             traffic and new short connections come and go; what the
#             monitor writes to its terminal (tmux pipe-pane) at 100x30 is
#             counted over BENCH_TUI_SECONDS (default 20) refreshes of 1 s,
#             and compared with one full repaint (Ctrl-L).
#   trend     what the Trend column adds to a refresh at 100k flows
#             (build/bench/trendcost: the screen's own work, CPU only, no
#             terminal), with every flow moving bytes and with 10% of them
#             at random.
#
# Writes its results between the bench-tui markers of doc/performance.md
# (BENCH_OUT) and prints them.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
LSCT=$ROOT/lsconntrack
FILL=$ROOT/build/tools/ctgen
TRENDCOST=$ROOT/build/bench/trendcost
ENTRIES=${BENCH_TUI_ENTRIES:-1000000}
KEYS=${BENCH_TUI_KEYS:-20}
SECONDS_BYTES=${BENCH_TUI_SECONDS:-20}
OUT=${BENCH_OUT:-$ROOT/doc/performance.md}
MAXFILE=/proc/sys/net/netfilter/nf_conntrack_max
NS=lsct-btui-$$
SOCK=lsct-btui-$$
W=100
H=30
PIDS=()
OLDMAX=
SETMAX=
TMP=$(mktemp -d /tmp/lsct-btui.XXXXXX) || exit 1

die() {
	echo "bench-tui: $*" >&2
	exit 1
}

cleanup() {
	local p
	tmux -L "$SOCK" kill-server 2>/dev/null
	for p in "${PIDS[@]}"; do
		pkill -P "$p" 2>/dev/null
		kill "$p" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	if [ -n "$SETMAX" ]; then
		if [ "$(cat "$MAXFILE")" = "$SETMAX" ]; then
			echo "$OLDMAX" >"$MAXFILE" &&
				echo "bench-tui: nf_conntrack_max put back to $OLDMAX" >&2
		else
			echo "bench-tui: nf_conntrack_max changed by something else: left alone (it was $OLDMAX)" >&2
		fi
	fi
	rm -rf "$TMP"
}
# The machine-wide nf_conntrack_max is put back on every exit but SIGKILL.
trap 'trap "" INT TERM HUP; cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

[ "$(id -u)" = 0 ] || die "needs root"
for t in tmux socat nft conntrack python3; do
	command -v "$t" >/dev/null || die "$t is missing"
done
[ -x "$FILL" ] || die "$FILL is missing: run make bench-tools"
[ -x "$TRENDCOST" ] || die "$TRENDCOST is missing: run make bench-tools"
[ -x "$LSCT" ] || die "$LSCT is missing: run make"

inns() { ip netns exec "$NS" "$@"; }
tm() { tmux -L "$SOCK" "$@"; }
now() { date +%s.%N; }
screen() { tm capture-pane -p -t b; }

ip netns add "$NS" || die "cannot create a namespace"
ip -n "$NS" link set lo up
ip -n "$NS" addr add 198.18.0.1/32 dev lo
ip -n "$NS" addr add 2001:2::1/128 dev lo nodad
inns sh -c 'echo 1 >/proc/sys/net/netfilter/nf_conntrack_acct' || die "nf_conntrack_acct"
inns nft -f - <<'EOF' || die "nft"
table inet lsctb {
	chain input { type filter hook input priority 0; ct state established accept; }
	chain output { type filter hook output priority 0; ct state established accept; }
}
EOF

cur=$(cat "$MAXFILE")
need=$((ENTRIES + ENTRIES / 10 + 1000))
if [ "$cur" != 0 ] && [ "$cur" -lt "$need" ]; then
	OLDMAX=$cur
	SETMAX=$need
	echo "bench-tui: raising net.netfilter.nf_conntrack_max (machine-wide) from $cur to $need;" \
		"it is put back on exit, Ctrl-C, TERM or HUP (after SIGKILL: sysctl -w" \
		"net.netfilter.nf_conntrack_max=$cur)" >&2
	echo "$need" >"$MAXFILE" || die "cannot raise nf_conntrack_max"
fi

# ---- latency while a large snapshot is being taken -------------------------

inns "$FILL" fill -n "$ENTRIES" >"$TMP/fill" 2>&1 || die "fill: $(cat "$TMP/fill")"
tm new-session -d -s b -x "$W" -y "$H" "ip netns exec $NS $LSCT -n -d 1 --max-cpu 0" || die "tmux"
for i in $(seq 600); do
	screen | grep -q 'took' && break
	sleep 0.1
done
screen | grep -q 'took' || die "no first snapshot after 60 s: $(screen | head -n 3)"
cost=$(screen | sed -n '1s/.*took \([0-9.]*[a-z]*\).*/\1/p')

: >"$TMP/lat"
for k in $(seq "$KEYS"); do
	sleep "0.$((RANDOM % 5 + 2))"
	before=$(tm capture-pane -p -t b -S 1 -E 1)
	t0=$(now)
	tm send-keys -t b t
	# Poll gently: a tight loop of tmux clients would take the CPU the
	# monitor needs (2 cores: one is the kernel building the dump).
	while :; do
		sleep 0.01
		line=$(tm capture-pane -p -t b -S 1 -E 1)
		[ "$line" != "$before" ] && break
		awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 5) }' && break
	done
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }' >>"$TMP/lat"
done
lat_med=$(sort -g "$TMP/lat" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
lat_max=$(sort -g "$TMP/lat" | tail -n 1)
lat_n=$(wc -l <"$TMP/lat")
tm send-keys -t b q
sleep 0.5
tm kill-server 2>/dev/null

# The same poll with nothing to wait for: what tmux and the polling add.
tm new-session -d -s b -x "$W" -y "$H" "sh -c 'stty -echo; cat >/dev/null'"
sleep 0.3
: >"$TMP/base"
for k in $(seq 10); do
	t0=$(now)
	screen >/dev/null
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }' >>"$TMP/base"
done
poll=$(sort -g "$TMP/base" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
tm kill-server 2>/dev/null

# ---- bytes per refresh at 100x30 -------------------------------------------

inns conntrack -F >/dev/null 2>&1
for p in 9001 9002 9003 9004 9005 9006 9007 9008; do
	inns socat -u "TCP4-LISTEN:$p,bind=127.0.0.1,reuseaddr,fork" OPEN:/dev/null,wronly \
		</dev/null >/dev/null 2>&1 &
	PIDS+=($!)
done
inns socat -u "TCP4-LISTEN:9100,bind=127.0.0.1,reuseaddr,fork" OPEN:/dev/null,wronly \
	</dev/null >/dev/null 2>&1 &
PIDS+=($!)
sleep 0.5
for p in 9001 9002 9003 9004 9005 9006 9007 9008; do
	( while :; do head -c $((p * 10)) /dev/zero; sleep 0.$((p % 7 + 1)); done |
		inns socat -u - "TCP4:127.0.0.1:$p" ) >/dev/null 2>&1 &
	PIDS+=($!)
done
( while :; do head -c 1000 /dev/zero | inns socat -u - TCP4:127.0.0.1:9100; sleep 0.3; done ) \
	>/dev/null 2>&1 &
PIDS+=($!)

tm new-session -d -s b -x "$W" -y "$H" "ip netns exec $NS $LSCT -n -d 1" || die "tmux"
for i in $(seq 100); do
	screen | grep -q '9008' && break
	sleep 0.1
done
sleep 3
tm pipe-pane -t b -o "cat >>$TMP/tty"
sleep "$SECONDS_BYTES"
tm pipe-pane -t b
bytes=$(stat -c %s "$TMP/tty")
rows=$(screen | grep -c -- '-->\|<--')
: >"$TMP/full"
tm pipe-pane -t b -o "cat >>$TMP/full"
tm send-keys -t b C-l
sleep 0.5
tm pipe-pane -t b
full=$(stat -c %s "$TMP/full")
tm send-keys -t b q
per=$((bytes / SECONDS_BYTES))

# ---- the Trend column's cost at 100k flows (no terminal) -------------------

trend_line() {	# PERCENT
	"$TRENDCOST" -n 100000 -a "$1" | awk -v p="$1" '
		/without Trend/ { wo = $4 }
		/with Trend:/ { w = $4; pct = $7 }
		END { printf "%s%% of the flows moving bytes: %s ms without, %s ms with Trend %s", p, wo, w, pct }'
}
trend_all=$(trend_line 100)
trend_some=$(trend_line 10)
trend_mem=$("$TRENDCOST" -n 100000 -a 100 -r 2 | sed -n 's/^history: //p')

result=$(cat <<EOF
- Key latency while snapshots of $ENTRIES entries run back to back (each took $cost; \`-d 1 --max-cpu 0\`: dumps back to back, no CPU budget): $lat_n presses of \`t\`, median **$lat_med ms**, max **$lat_max ms** from \`send-keys\` until \`capture-pane\` shows the answer; one \`capture-pane\` alone takes $poll ms here, so that much of each figure is the measuring.
- Bytes written to the terminal per refresh at ${W}x${H}, $rows flow rows with rates changing every second: **$per bytes** (average over $SECONDS_BYTES refreshes); a full repaint (Ctrl-L) of the same screen is $full bytes.
- The Trend column at 100,000 flows (\`bench/trendcost\`: the screen's own work per refresh, the copy of the flows, both panes sorted, the cells of 40 rows; CPU, median of 5 rounds): $trend_all; $trend_some. The history: $trend_mem.
EOF
)
printf '%s\n' "$result"
python3 "$ROOT/bench/mdblock.py" "$OUT" tui tui.sh "The monitor's responsiveness" "$result"
echo "bench-tui: wrote $OUT" >&2
