#!/bin/bash
# tests/integration/stream.sh - batch streams (-c/-d): per-interval deltas
# of real traffic, NDJSON, closed and lingering flows, counter resets, the
# schedule, signals and closed pipes.  Needs root; skips loudly without.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
SUITE=stream
N_TESTS=59
NS_TOOLS=python3
. tests/integration/nslib.sh

ns_setup
bg "$P" socat -u "TCP4-LISTEN:3306,bind=$P4,reuseaddr,fork" OPEN:/dev/null,wronly
bg "$P" socat -u "UDP4-RECV:5353,bind=$P4" OPEN:/dev/null,wronly
bg "$H" socat -u "TCP4-LISTEN:80,reuseaddr,fork" OPEN:/dev/null,wronly
wait_listen "$P" t 3306 || ns_fail "server 3306"
wait_listen "$P" u 5353 || ns_fail "server 5353"
wait_listen "$H" t 80 || ns_fail "server 80"

# wait_lines FILE N: until FILE has N lines (10 s at most).
wait_lines() {
	local i
	for i in $(seq 100); do
		[ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# line K of FILE, the flow matching a jq condition: FIELD
flowq() {	# FILE K CONDITION EXPR
	sed -n "$2p" "$1" | jq -r "[.flows[] | select($3)] | if length == 0 then \"none\" else (.[0] | $4) end"
}

# ---------------------------------------------------------------------------
# NDJSON: a transfer between the first and second snapshot is that
# interval's delta, to the byte (the connection is new, so its whole
# counters are the delta).

inh "$LSCT" -n -c 3 -d 2 --json >"$TMP/nd" 2>"$TMP/nd.err" &
mon=$!
wait_lines "$TMP/nd" 1 || t_fail "ndjson: first snapshot" "$(cat "$TMP/nd.err")"
send "$H" 300000 "TCP4:$P4:3306"
send "$P" 120000 "TCP4:$H4:80"
wait "$mon"
assert_eq "ndjson: exit 0" "$?" 0
assert_eq "ndjson: no stderr" "$(cat "$TMP/nd.err")" ""
assert_lines "ndjson: one line per snapshot" "$(cat "$TMP/nd")" 3
assert_eq "ndjson: every line is one JSON object" \
	"$(jq -c 'type' "$TMP/nd" 2>&1 | sort -u)" '"object"'
assert_eq "ndjson: first interval is null" "$(sed -n 1p "$TMP/nd" | jq -c '.interval')" null
assert_eq "ndjson: first deltas are null" \
	"$(sed -n 1p "$TMP/nd" | jq -c '[.flows[] | select(.delta != null)] | length')" 0
assert_match "ndjson: time is RFC 3339 UTC" "$(sed -n 2p "$TMP/nd" | jq -r .time)" \
	'^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}Z$'
iv=$(sed -n 2p "$TMP/nd" | jq '.interval')
assert_eq "ndjson: second interval is about 2 s ($iv)" \
	"$(awk -v v="$iv" 'BEGIN { print (v > 1.8 && v < 2.6) }')" 1
A='.direction == "active" and .peer.addr == "'$P4'" and .peer.port == "3306"'
PS='.direction == "passive" and .peer.addr == "'$P4'" and .local.port == "80"'
assert_eq "ndjson: the active flow is absent before the transfer" \
	"$(flowq "$TMP/nd" 1 "$A" .connections)" none
d2=$(flowq "$TMP/nd" 2 "$A" .delta.outbound_bytes)
d3=$(flowq "$TMP/nd" 3 "$A" .delta.outbound_bytes)
[ "$d3" = none ] && d3=0
tot=$(flowq "$TMP/nd" 3 "$A" .stat.total_outbound_bytes)
assert_eq "ndjson: active outbound deltas add up to the total ($d2 + $d3 = $tot)" \
	"$((d2 + d3))" "$tot"
assert_ge "ndjson: active outbound delta covers the 300000 bytes sent" "$((d2 + d3))" 300000
assert_eq "ndjson: active delta is at most 10% headers" "$(( (d2 + d3) < 330000 ))" 1
n2=$(flowq "$TMP/nd" 2 "$A" .delta.new_connections)
n3=$(flowq "$TMP/nd" 3 "$A" .delta.new_connections)
assert_eq "ndjson: one new active connection" "$((n2 + ${n3/none/0}))" 1
pin=$(flowq "$TMP/nd" 2 "$PS" .delta.inbound_bytes)
pin3=$(flowq "$TMP/nd" 3 "$PS" .delta.inbound_bytes)
ptot=$(flowq "$TMP/nd" 3 "$PS" .stat.total_inbound_bytes)
assert_eq "ndjson: passive inbound deltas add up to the total" "$((pin + ${pin3/none/0}))" "$ptot"
assert_ge "ndjson: passive inbound delta covers the 120000 bytes" "$((pin + ${pin3/none/0}))" 120000
assert_eq "ndjson: passive delta is at most 10% headers" \
	"$(( (pin + ${pin3/none/0}) < 132000 ))" 1
assert_eq "ndjson: every delta field is present from the second snapshot" \
	"$(sed -n 3p "$TMP/nd" | jq -c '[.flows[].delta | keys] | unique')" \
	'[["closed_connections","inbound_bytes","inbound_packets","new_connections","outbound_bytes","outbound_packets"]]'

# ---------------------------------------------------------------------------
# The table stream: a time line per snapshot, rate columns from the second.

# 30000 bytes to 3306 between the two snapshots, so the rates are not all 0.
inh "$LSCT" -n -c 2 -d 1 >"$TMP/ts" 2>&1 &
mon=$!
wait_lines "$TMP/ts" 1
send "$H" 30000 "TCP4:$P4:3306"
wait "$mon"
assert_eq "table stream: exit 0" "$?" 0
out=$(cat "$TMP/ts")
assert_eq "table stream: two time lines" "$(printf '%s\n' "$out" | grep -c '^# time ')" 2
assert_match "table stream: the first has no interval" "$(printf '%s\n' "$out" | grep '^# time' | head -n 1)" \
	'^# time 20[0-9-]{8}T[0-9:.]{12}Z interval -$'
assert_match "table stream: the second has one" "$(printf '%s\n' "$out" | grep '^# time' | tail -n 1)" \
	'interval (0\.9[0-9]{2}|1\.[0-3][0-9]{2})$'
heads=$(printf '%s\n' "$out" | grep '^Local Address')
assert_no_match "table stream: no rate columns in the first" "$(printf '%s\n' "$heads" | head -n 1)" 'In/s'
assert_match "table stream: rate columns appended in the second" "$(printf '%s\n' "$heads" | tail -n 1)" \
	'Outbytes +Conns +In/s +Out/s +InPkt/s +OutPkt/s +New +Closed$'
assert_match "table stream: the 3306 flow has rate cells" "$out" \
	"^localhost:many +--> +$P4:3306( +[0-9]+){5}( +[0-9]+\.[0-9]){4} +[0-9]+ +[0-9]+$"
# In/s, Out/s, InPkt/s, OutPkt/s (fields 9-12) against the differences of
# Inbytes, Outbytes, Inpkts, Outpkts (fields 5, 7, 4, 6) over the interval;
# Out/s must be at least the 30000 bytes sent.
rates=$(printf '%s\n' "$out" | rate_cells "^localhost:many +--> +$P4:3306 " 30000)
assert_eq "table stream: the 3306 rate cells are delta / interval" "$rates" "4 rate cells right"

# ---------------------------------------------------------------------------
# A connection that goes away: counted closed once, its flow lingers with
# no connections for FLOW_LINGER (3) snapshots, then leaves.

printf 'x%.0s' $(seq 100) | inh timeout 5 socat -u - "UDP4:$P4:5353"
U='.direction == "active" and .peer.port == "5353"'
inh "$LSCT" -n -u -c 7 -d 0.4 --json >"$TMP/cl" 2>"$TMP/cl.err" &
mon=$!
wait_lines "$TMP/cl" 1
inh conntrack -D -p udp --dport 5353 >/dev/null 2>&1
wait "$mon"
assert_eq "closed: exit 0" "$?" 0
assert_eq "closed: the flow is there at first" "$(flowq "$TMP/cl" 1 "$U" .connections)" 1
closed=0 zero=0
for k in 2 3 4 5 6 7; do
	c=$(flowq "$TMP/cl" $k "$U" .delta.closed_connections)
	[ "$c" != none ] && closed=$((closed + c))
	[ "$(flowq "$TMP/cl" $k "$U" .connections)" = 0 ] && zero=$((zero + 1))
done
assert_eq "closed: one closed connection in all" "$closed" 1
assert_eq "closed: shown closed (0 connections) for 3 snapshots" "$zero" 3
assert_eq "closed: then gone" "$(flowq "$TMP/cl" 7 "$U" .connections)" none

# ---------------------------------------------------------------------------
# conntrack -L -z zeroes the counters under a live connection (conntrack -Z
# is refused by conntrack-tools), which then sends 20000 bytes more: across
# the reset the delta is the new total (what was counted since), elsewhere
# total - previous total; never wrapped.

mkfifo "$TMP/more"
( head -c 50000 /dev/zero; cat "$TMP/more"; sleep 8 ) | inh timeout 12 socat -u - "TCP4:$P4:3306" &
PIDS+=($!)
sleep 0.5
inh "$LSCT" -n -c 3 -d 1 --json >"$TMP/z" 2>"$TMP/z.err" &
mon=$!
wait_lines "$TMP/z" 1
inh conntrack -L -z >/dev/null 2>&1
zrc=$?
timeout 5 sh -c 'head -c 20000 /dev/zero >"$1"' sh "$TMP/more"
wait "$mon"
assert_eq "reset: exit 0" "$?" 0
assert_eq "reset: conntrack -L -z exit 0" "$zrc" 0
assert_lines "reset: three snapshots" "$(cat "$TMP/z")" 3
# The active 3306 flow in each snapshot: [total, delta] for each counter.
Z='[.[] | [.flows[] | select(.direction == "active" and .peer.addr == "'$P4'" and .peer.port == "3306")][0]] as $f
	| [range(1; $f | length) as $n | $f[$n - 1].stat as $p | $f[$n] as $c
	| ["inbound_packets", "inbound_bytes", "outbound_packets", "outbound_bytes"][]
	| [$p["total_" + .], $c.stat["total_" + .], $c.delta[.]]]'
assert_eq "reset: the totals went down once (the counters were zeroed)" \
	"$(jq -s -c "$Z | map(select(.[1] < .[0])) | length" "$TMP/z")" 4
assert_eq "reset: each delta is total - previous total, or the total after a reset" \
	"$(jq -s -c "$Z | map(if .[1] >= .[0] then .[2] == .[1] - .[0] else .[2] == .[1] end) | unique" "$TMP/z")" '[true]'
d=$(jq -s -c "$Z | map(select(.[1] < .[0]))[3][2]" "$TMP/z")
assert_eq "reset: the outbound delta across it counts the 20000 bytes sent after ($d)" \
	"$(awk -v d="$d" 'BEGIN { print (d >= 20000 && d < 1000000) }')" 1

# ---------------------------------------------------------------------------
# The schedule: deadlines k intervals after the first, no drift.

inh "$LSCT" -n -c 11 -d 0.2 --json >"$TMP/s" 2>&1
span=$(jq -r .time "$TMP/s" | python3 -c '
import sys, datetime
t = [datetime.datetime.strptime(l.strip(), "%Y-%m-%dT%H:%M:%S.%fZ") for l in sys.stdin]
print("%.3f" % (t[-1] - t[0]).total_seconds())')
assert_eq "schedule: 10 intervals of 0.2 s span 2 s ($span)" \
	"$(awk -v v="$span" 'BEGIN { print (v >= 1.95 && v <= 2.15) }')" 1
assert_eq "schedule: 10 intervals" "$(jq -r 'select(.interval != null) | .interval' "$TMP/s" | wc -l)" 10
assert_eq "schedule: every interval near 0.2 s" \
	"$(jq -r 'select(.interval != null) | .interval' "$TMP/s" | awk '$1 < 0.1 || $1 > 0.35' | wc -l)" 0

# ---------------------------------------------------------------------------
# Endings: SIGTERM and SIGINT end an endless stream cleanly (exit 0, whole
# lines); a closed pipe is a quiet exit 0.

for sig in TERM INT; do
	# ip netns exec execs: $! is lsconntrack itself.
	ip netns exec "$H" "$LSCT" -n -c 0 -d 0.2 --json >"$TMP/sig" 2>"$TMP/sig.err" &
	mon=$!
	( sleep 20; kill -KILL "$mon" 2>/dev/null ) &
	dog=$!
	wait_lines "$TMP/sig" 2
	kill -"$sig" "$mon"
	wait "$mon"
	assert_eq "SIG$sig: exit 0" "$?" 0
	assert_eq "SIG$sig: no stderr" "$(cat "$TMP/sig.err")" ""
	assert_eq "SIG$sig: every line is whole JSON" "$(jq -c type "$TMP/sig" 2>&1 | sort -u)" '"object"'
	kill "$dog" 2>/dev/null
done

inh timeout 20 "$LSCT" -n -c 0 -d 0.05 2>"$TMP/pipe.err" | head -n 3 >/dev/null
assert_eq "closed pipe: exit 0" "${PIPESTATUS[0]}" 0
assert_eq "closed pipe: no stderr" "$(cat "$TMP/pipe.err")" ""

# ---------------------------------------------------------------------------
# The /proc text source re-read each interval.

if [ -r /proc/net/nf_conntrack ]; then
	send "$H" 3000 "TCP4:$P4:3306"
	out=$(inh "$LSCT" -n --proc -c 2 -d 0.3 --json 2>&1)
	assert_lines "proc stream: two lines" "$out" 2
	assert_eq "proc stream: second line has deltas" \
		"$(printf '%s\n' "$out" | sed -n 2p | jq -c '[.flows[] | .delta | type] | unique')" '["object"]'
else
	t_skip "proc stream: two lines" "no /proc/net/nf_conntrack"
	t_skip "proc stream: second line has deltas" "no /proc/net/nf_conntrack"
fi

# ---------------------------------------------------------------------------
# --record, then --replay: a live stream with known traffic recorded; the
# replay prints what the live stream printed, and its screen shows the same
# rows (no root needed for either replay).

mkdir -p "$TMP/rec"
chmod 1777 "$TMP/rec"	# written after the drop to lsconntrack's own user
inh "$LSCT" -n -c 4 -d 1 --json --record "$TMP/rec/live.nd" >"$TMP/rec/live.out" 2>"$TMP/rec/live.err" &
mon=$!
wait_lines "$TMP/rec/live.out" 1
send "$H" 200000 "TCP4:$P4:3306"
wait_lines "$TMP/rec/live.out" 2
send "$P" 90000 "TCP4:$H4:80"
wait "$mon"
assert_eq "record: exit 0, no stderr" "$?:$(cat "$TMP/rec/live.err")" "0:"
assert_lines "record: one line per snapshot" "$(cat "$TMP/rec/live.nd")" 4
"$LSCT" --replay "$TMP/rec/live.nd" --json >"$TMP/rec/replay.out" 2>"$TMP/rec/replay.err"
assert_eq "replay --json: exit 0" "$?" 0
assert_eq "replay --json: the live stream, byte for byte" \
	"$(cat "$TMP/rec/replay.out")" "$(cat "$TMP/rec/live.out")"
A='.direction == "active" and .peer.addr == "'$P4'" and .peer.port == "3306"'
assert_ge "replay: the 200000-byte transfer is in a delta" \
	"$(jq -s "[.[].flows[] | select($A) | .delta.outbound_bytes // 0] | add" "$TMP/rec/replay.out")" 200000
"$LSCT" --replay "$TMP/rec/live.nd" -b -a --aport 3306 >"$TMP/rec/table.out" 2>&1
assert_match "replay -b -a --aport 3306: the flow's row" "$(cat "$TMP/rec/table.out")" \
	"^localhost:many +--> +$P4:3306 "
assert_no_match "replay -b -a --aport 3306: no other port" "$(cat "$TMP/rec/table.out")" ':80 '
# The screen over the recording: the last snapshot's rows.
TS=lsct-stream-$$
tmux -L "$TS" -f /dev/null -u new-session -d -s rp -x 130 -y 30 \
	"$LSCT --replay $TMP/rec/live.nd -n; sleep 2"
sleep 1
tmux -L "$TS" -f /dev/null send-keys -t rp '}'
sleep 1
screen=$(tmux -L "$TS" -f /dev/null capture-pane -p -t rp)
tmux -L "$TS" -f /dev/null send-keys -t rp q
tmux -L "$TS" -f /dev/null kill-server 2>/dev/null
assert_match "replayed screen: at the last snapshot" "$screen" 'REPLAY 4/4'
assert_match "replayed screen: the active flow's row" "$screen" "^localhost:many --> $P4:3306 "
assert_match "replayed screen: the passive flow's row" "$screen" "^localhost:80 +<-- $P4:many "

t_summary "$SUITE"
