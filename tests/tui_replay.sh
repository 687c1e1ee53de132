#!/bin/bash
# tests/tui_replay.sh - the monitor's screen end to end WITHOUT root: it
# replays a recording (--replay) made by tools/recgen, so no namespace, no
# kernel table.  As tmux tests itself: a private tmux server, a detached
# session of fixed size, send-keys, capture-pane.  Flows and rates against
# the recording's own stream (recgen -s), sorts, filters, seeking (steps,
# minutes, the g prompt), play speeds, the connection list's note, the
# help, a bad recording, NO_COLOR with LANG=C, 20x5 and resize.
#
# Run from the repository root: bash tests/tui_replay.sh (after make all
# tools).  $LSCT is the binary (default ./lsconntrack), $RECGEN the
# generator (default build/tools/recgen).  T_VERBOSE=1 prints passes.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"

cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

LSCT=${LSCT:-./lsconntrack}
RECGEN=${RECGEN:-build/tools/recgen}
case $LSCT in /*) ;; */*) LSCT=$PWD/$LSCT ;; esac
case $RECGEN in /*) ;; */*) RECGEN=$PWD/$RECGEN ;; esac
for need in "$LSCT" "$RECGEN"; do
	if [ ! -x "$need" ]; then
		t_fail "$need is built (make all tools)"
		# ---------------------------------------------------------------------------
# Routed flows in a recording (a NAT gateway's table, read from a file with
# -R): the Routed pane plays with its clients and NAT; R hides it.

mkdir -p "$TMP/rw" && chmod 1777 "$TMP/rw"
cat >"$TMP/routed.proc" <<'ROUTED'
ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.5 dst=203.0.113.9 sport=40000 dport=443 packets=10 bytes=1000 src=203.0.113.9 dst=198.51.100.7 sport=443 dport=61000 packets=20 bytes=30000 [ASSURED] mark=0 use=1
ipv4     2 tcp      6 431999 ESTABLISHED src=192.0.2.4 dst=198.51.100.7 sport=5000 dport=8080 packets=3 bytes=300 src=10.0.0.20 dst=192.0.2.4 sport=80 dport=5000 packets=4 bytes=4000 [ASSURED] mark=0 use=1
ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=203.0.113.9 sport=40002 dport=443 packets=1 bytes=100 src=203.0.113.9 dst=10.0.0.1 sport=443 dport=40002 packets=2 bytes=200 [ASSURED] mark=0 use=1
ROUTED
chmod 644 "$TMP/routed.proc"
"$LSCT" --proc="$TMP/routed.proc" --local 10.0.0.1,198.51.100.7 -n -R -c 3 -d 0.1 --json \
	--record "$TMP/rw/routed.nd" >/dev/null 2>"$TMP/rec.err" ||
	t_fail "routed: a recording with -R" "$(cat "$TMP/rec.err")"
start_mon 140 30 "" "--replay $TMP/rw/routed.nd"
see "routed: the Routed pane" '─ Routed ─'
see "routed: the client, the server, what SNAT made of it" \
	'^10\.0\.0\.5:many +--> +203\.0\.113\.9:443 \(snat 198\.51\.100\.7\) '
see "routed: DNAT" '^192\.0\.2\.4:many +--> +198\.51\.100\.7:8080 \(dnat 10\.0\.0\.20:80\) '
see "routed: this host's own flow stays in Active" '^localhost:many +--> +203\.0\.113\.9:443 '
keys R
if wait_screen '─ Routed ─' 1; then
	sleep 0.5
	SCREEN=$(cap)
fi
assert_no_match "routed: R hides the pane" "$SCREEN" '─ Routed ─'
keys R
see "routed: R shows it again" '─ Routed ─'
keys q

t_summary "tuireplay"
	fi
done
for tool in tmux jq; do
	command -v "$tool" >/dev/null 2>&1 || t_fail "test tool $tool is installed (make deps-test)"
done

TMP=$(mktemp -d /tmp/lsct-tuirp.XXXXXX) || exit 1
# Run as root, lsconntrack drops to its own user before it opens the file.
chmod 755 "$TMP"
TMUX_SOCK=lsct-tuirp-$$
tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; [ -n "$KEEP" ] || rm -rf "$TMP"' EXIT

# 120 snapshots 10 s apart from 2025-11-30T03:00:00Z, 40 flows at first, one new
# each snapshot, some closing; a keyframe every 30 lines.
START=1764471600
"$RECGEN" -n 40 -S 120 -i 10 -k 30 -c 1 -t "$START" -s "$TMP/truth.nd" "$TMP/rec.nd" >/dev/null
chmod 644 "$TMP/rec.nd"

# ---------------------------------------------------------------------------
# Driving the monitor.

start_mon() {	# W H ENV ARGS: its exit status lands in $TMP/exit
	local i
	tm kill-session -t mon 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		tm has-session -t mon 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$TMP/exit"
	tm -u new-session -d -s mon -x "$1" -y "$2" \
		"env TZ=UTC $3 $LSCT $4 2>$TMP/mon.err; echo EXIT=\$? >$TMP/exit"
}

keys() { tm send-keys -t mon "$@"; }
text() { tm send-keys -t mon -l -- "$1"; }
cap() { tm capture-pane -p -t mon 2>/dev/null; }

# wait_screen ERE [SECS]: until a line on screen matches; the capture stays in SCREEN.
wait_screen() {
	local i n=$((${2:-5} * 10))
	for ((i = 0; i < n; i++)); do
		SCREEN=$(cap)
		printf '%s\n' "$SCREEN" | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# see NAME ERE [SECS]: a test that the screen shows ERE.
see() {
	if wait_screen "$2" "${3:-5}"; then
		t_ok "$1"
	else
		t_fail "$1" "no line matches /$2/ on:
$SCREEN
$(cat "$TMP/mon.err" 2>/dev/null)"
	fi
}

# The position in the header: "REPLAY N/120".
pos() { printf '%s\n' "$SCREEN" | grep -Eo 'REPLAY [0-9]+/120' | head -n 1 | grep -Eo '[0-9]+/' | tr -d /; }

# ---------------------------------------------------------------------------
# The first snapshot: header from the recording, flows as recorded.

start_mon 120 40 "" "--replay $TMP/rec.nd"
see "header: REPLAY 1/120, the recording's date and time, not the clock" \
	'REPLAY 1/120 +2025-11-30 +03:00:00'
see "header: the recording's host and source" '^recgen +netlink'
act=$(sed -n 1p "$TMP/truth.nd" | jq '[.flows[] | select(.direction == "active")] | length')
pas=$(sed -n 1p "$TMP/truth.nd" | jq '[.flows[] | select(.direction == "passive")] | length')
see "Active pane: the recorded flow count ($act)" "Active ─ $act flows"
see "Passive pane: the recorded flow count ($pas)" "Passive ─ $pas flows"
see "the first snapshot has no rates yet" '^localhost:many --> 10\.0\.0\.[0-9]+:[0-9]+ +[0-9]+ +- +- '

# A step forward: rates; the top row is the recording's busiest active flow.
keys .
see "'.': one snapshot forward" 'REPLAY 2/120 .*03:00:10'
top=$(sed -n 2p "$TMP/truth.nd" | jq -r '[.flows[] | select(.direction == "active")] |
	max_by(.delta.inbound_bytes + .delta.outbound_bytes) | "\(.peer.addr):\(.peer.port)"')
wait_screen 'Active ─'
first=$(printf '%s\n' "$SCREEN" | grep -m1 -E '^localhost:many --> ' | awk '{print $3}')
assert_eq "sorted by rate: the top row is the busiest flow of the recording" "$first" "$top"
rate=$(sed -n 2p "$TMP/truth.nd" | jq -r --arg p "$top" '.flows[] |
	select("\(.peer.addr):\(.peer.port)" == $p) | .delta.inbound_bytes / 10 | floor')
shown=$(printf '%s\n' "$SCREEN" | grep -m1 -E '^localhost:many --> ' | awk '{print $5}')
# In/s in human units (1.7K): within the rounding of its last digit.
near=$(awk -v s="$shown" -v r="$rate" 'BEGIN { m = 1; if (s ~ /K$/) { m = 1000; sub(/K$/, "", s) }
	d = s * m - r; if (d < 0) d = -d; print (d <= 0.1 * m) ? "yes" : "no: " s * m " vs " r }')
assert_eq "the top row's In/s is its recorded delta over the interval" "$near" "yes"

# Reverse: the top row becomes the quietest.
keys r
see "r: reversed (the header's arrow turns)" 'Active ─ .* sort rate ▲'
wait_screen 'sort rate ▲'
last=$(printf '%s\n' "$SCREEN" | grep -m1 -E '^localhost:many --> ' | awk '{print $3}')
assert_ne "r: reversed, the busiest flow is no longer first" "$last" "$top"
keys r
# Another sort column: the header names it.
keys '>'
see "'>': sorted by the next column" 'sort (out|Out|conns|peer|local|in)'
keys '<'
see "'<': back to the rate" 'Active ─ .* sort rate'

# ---------------------------------------------------------------------------
# Seeking.

keys ,
see "',': one snapshot back" 'REPLAY 1/120 .*03:00:00'
keys ,
see "',' at the first: says so" 'the first snapshot'
keys ']'
see "']': a minute forward" 'REPLAY 7/120 .*03:01:00'
keys '}'
see "'}': ten minutes forward" 'REPLAY 67/120 .*03:11:00'
keys '['
see "'[': a minute back" 'REPLAY 61/120 .*03:10:00'
keys '{'
see "'{': ten minutes back" 'REPLAY 1/120 .*03:00:00'
keys g
see "g: the time prompt" '^go to:'
text "03:15"
keys Enter
see "g 03:15: that time (the nearest snapshot)" 'REPLAY 91/120 .*03:15:00'
keys g
text "2025-11-30T03:05:00"
keys Enter
see "g with a date: that time" 'REPLAY 31/120 .*03:05:00'
keys g
text "soon"
keys Enter
see "g: a bad time is refused with the reason" 'not a time: HH:MM'
keys Escape
see "Esc: the prompt closes, the position stays" 'REPLAY 31/120'
keys g
text "2025-11-29T03:00Z"
keys Enter
see "g before the recording: the first snapshot, said" 'before the recording'
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do keys '}'; done
see "'}' past the end: the last snapshot" 'REPLAY 120/120 .*03:19:50'
keys .
see "'.' at the last: says so" 'the last snapshot'

# ---------------------------------------------------------------------------
# Playing.

keys g
text "03:00"
keys Enter
see "back at the start" 'REPLAY 1/120'
keys '*'
see "'*': speed 10x" 'speed 10x'
keys ' '
see "space: playing at 10x (in the header)" 'playing 10x'
sleep 2.6
wait_screen 'REPLAY'
p=$(pos)
assert_ge "10x: a snapshot a second (at least 2 after 2.6 s)" "$p" 3
assert_lt_ok=$((p <= 5))
assert_eq "10x: not faster (at most 4 steps after 2.6 s, got $((p - 1)))" "$assert_lt_ok" 1
keys '*'
see "'*': speed 60x" 'playing 60x'
p0=$(pos)
sleep 2
wait_screen 'REPLAY'
p=$(pos)
assert_ge "60x: six snapshots a second (8 or more after 2 s)" "$((p - p0))" 8
keys ' '
see "space: stopped" 'stopped'
wait_screen 'REPLAY'
p=$(pos)
sleep 1
wait_screen 'REPLAY'
assert_eq "stopped: the position holds" "$(pos)" "$p"
keys g
text "03:19:30"
keys Enter
see "near the end" 'REPLAY 118/120'
keys '*' '*'
see "'*' twice: back to 10x" 'speed 10x'
keys ' '
see "playing to the end stops there" 'end of the recording' 8
see "playing to the end: the last snapshot" 'REPLAY 120/120'
assert_no_match "playing to the end: no longer playing" "$SCREEN" 'playing 10x'

# ---------------------------------------------------------------------------
# Filters, the connection list, help.

keys g
text "03:00:10"
keys Enter
see "seek for the filters" 'REPLAY 2/120'
keys /
text "10.0.0.4"
keys Enter
see "/ host filter: one flow of the pane" 'Active ─ 1 of [0-9]+ flows'
see "/ host filter: that flow" '^localhost:many --> 10\.0\.0\.4:447 '
see "/ host filter: in the header" 'host=10\.0\.0\.4'
keys .
see "the filter stays while seeking" 'REPLAY 3/120'
see "the filter stays while seeking: still that flow" '^localhost:many --> 10\.0\.0\.4:447 '
keys c
see "c: filters cleared" "Active ─ [0-9]+ flows"
keys a
text "443,444"
keys Enter
see "a: active ports" 'aport=443,444'
wait_screen 'aport='
assert_eq "a 443,444: only those peer ports left" \
	"$(printf '%s\n' "$SCREEN" | grep -E '^localhost:many --> ' | grep -cvE ':44[34] ')" 0
keys c
keys Enter
see "Enter: the connection list says a recording has none" 'a recording keeps flows, not their connections'
keys Escape
see "Esc: back to the flows" 'Active ─'
keys '?'
see "help: the replay keys" 'replay: go to a time'
wait_screen 'Keys'
assert_no_match "help: no live-only keys while replaying" "$SCREEN" 'refresh less / more often'
keys x
see "any key leaves the help" 'Active ─'
keys q
for _ in $(seq 50); do [ -e "$TMP/exit" ] && break; sleep 0.1; done
assert_eq "q: exit 0" "$(cat "$TMP/exit" 2>/dev/null)" "EXIT=0"
assert_eq "q: nothing on stderr" "$(cat "$TMP/mon.err")" ""

# ---------------------------------------------------------------------------
# NO_COLOR and LANG=C: ASCII rules, no colour, the same content.

start_mon 100 30 "NO_COLOR=1 LANG=C LC_ALL=C" "--replay $TMP/rec.nd"
see "LANG=C: ASCII rules" "^- Active - $act flows"
SCREEN_E=$(tm capture-pane -p -e -t mon)
assert_no_match "NO_COLOR: no colour sequences" "$SCREEN_E" $'\e\\[[0-9;]*3[0-7]m'
see "LANG=C: the header" 'REPLAY 1/120 +2025-11-30 +03:00:00'
keys q

# ---------------------------------------------------------------------------
# 20x5, and resize back.

start_mon 20 5 "" "--replay $TMP/rec.nd"
see "20x5: the position still shown" 'REPLAY 1/120'
see "20x5: a pane, cut to fit" '─ Active'
keys .
sleep 0.3
[ -e "$TMP/exit" ] && t_fail "20x5: still running after a key" "$(cat "$TMP/exit" "$TMP/mon.err")" ||
	t_ok "20x5: still running after a key"
tm resize-window -t mon -x 100 -y 30 2>/dev/null
see "resized to 100x30: the panes come back, the position kept" 'REPLAY 2/120'
see "resized: the flows" 'Active ─'
tm resize-window -t mon -x 60 -y 12 2>/dev/null
see "resized to 60x12: still the replay" 'REPLAY'
keys q

# ---------------------------------------------------------------------------
# A recording with bad lines: counted in the header, the rest plays.

{
	sed -n 1,3p "$TMP/rec.nd"
	echo 'this is not a recording line'
	sed -n 4,10p "$TMP/rec.nd"
	printf '{"time":"2025-11-30T03'
} >"$TMP/bad.nd"
chmod 644 "$TMP/bad.nd"
start_mon 120 40 "" "--replay $TMP/bad.nd"
see "bad lines: counted in the header" '2 recording lines skipped'
see "bad lines: the good ones play (10 snapshots)" 'REPLAY 1/10'
keys q

# ---------------------------------------------------------------------------
# Routed flows in a recording (a NAT gateway's table, read from a file with
# -R): the Routed pane plays with its clients and NAT; R hides it.

mkdir -p "$TMP/rw" && chmod 1777 "$TMP/rw"
cat >"$TMP/routed.proc" <<'ROUTED'
ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.5 dst=203.0.113.9 sport=40000 dport=443 packets=10 bytes=1000 src=203.0.113.9 dst=198.51.100.7 sport=443 dport=61000 packets=20 bytes=30000 [ASSURED] mark=0 use=1
ipv4     2 tcp      6 431999 ESTABLISHED src=192.0.2.4 dst=198.51.100.7 sport=5000 dport=8080 packets=3 bytes=300 src=10.0.0.20 dst=192.0.2.4 sport=80 dport=5000 packets=4 bytes=4000 [ASSURED] mark=0 use=1
ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=203.0.113.9 sport=40002 dport=443 packets=1 bytes=100 src=203.0.113.9 dst=10.0.0.1 sport=443 dport=40002 packets=2 bytes=200 [ASSURED] mark=0 use=1
ROUTED
chmod 644 "$TMP/routed.proc"
"$LSCT" --proc="$TMP/routed.proc" --local 10.0.0.1,198.51.100.7 -n -R -c 3 -d 0.1 --json \
	--record "$TMP/rw/routed.nd" >/dev/null 2>"$TMP/rec.err" ||
	t_fail "routed: a recording with -R" "$(cat "$TMP/rec.err")"
start_mon 140 30 "" "--replay $TMP/rw/routed.nd"
see "routed: the Routed pane" '─ Routed ─'
see "routed: the client, the server, what SNAT made of it" \
	'^10\.0\.0\.5:many +--> +203\.0\.113\.9:443 \(snat 198\.51\.100\.7\) '
see "routed: DNAT" '^192\.0\.2\.4:many +--> +198\.51\.100\.7:8080 \(dnat 10\.0\.0\.20:80\) '
see "routed: this host's own flow stays in Active" '^localhost:many +--> +203\.0\.113\.9:443 '
keys R
if wait_screen '─ Routed ─' 1; then
	sleep 0.5
	SCREEN=$(cap)
fi
assert_no_match "routed: R hides the pane" "$SCREEN" '─ Routed ─'
keys R
see "routed: R shows it again" '─ Routed ─'
keys q

t_summary "tuireplay"
