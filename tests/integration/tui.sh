#!/bin/bash
# tests/integration/tui.sh - the full-screen monitor end to end, as tmux
# tests itself: a private tmux server runs lsconntrack in a detached session
# of fixed size inside namespace H, send-keys types, capture-pane shows what
# is on screen (-e: with the attributes, for the reverse-video selection).
# Real traffic between H and P; every key of the help screen, the prompts,
# the detail view, resize, NO_COLOR and a C locale.  Needs root and tmux;
# skips loudly without.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
SUITE=tui
N_TESTS=260
NS_TOOLS=tmux
. tests/integration/nslib.sh

TMUX_SOCK=lsct-tui-$$

# Called by nslib's ns_cleanup on exit.
# shellcheck disable=SC2317
suite_cleanup() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	return 0
}

tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }

# resize-window came with tmux 2.9; before it a detached window keeps its size.
TMUX_V=$(tmux -V | grep -Eo '[0-9]+\.[0-9]+' | head -n 1)
RESIZE=1
case $TMUX_V in
0.* | 1.* | 2.[0-8]) RESIZE=0 ;;
esac

skip_n() {	# N NAME WHY
	local i
	for ((i = 1; i <= $1; i++)); do
		t_skip "$2 ($i)" "$3"
	done
}

# ---------------------------------------------------------------------------
# Driving the monitor.

# start_mon W H ENV ARGS: lsconntrack ARGS in H (or in MON_NS) on a WxH
# terminal, with the environment ENV (NAME=VALUE ...); its exit status lands
# in $TMP/exit.
start_mon() {
	local i
	rm -f "$TMP/exit"
	tm kill-session -t mon 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		tm has-session -t mon 2>/dev/null || break
		sleep 0.1
	done
	tm -u new-session -d -s mon -x "$1" -y "$2" \
		"ip netns exec ${MON_NS:-$H} env $3 $LSCT $4 2>$TMP/mon.err; echo EXIT=\$? >$TMP/exit"
}

keys() { tm send-keys -t mon "$@"; }	# tmux key names: Tab Up PPage Escape C-u
text() { tm send-keys -t mon -l -- "$1"; }	# literal characters

cap() { tm capture-pane -p -t mon 2>/dev/null; }
# With attributes as SGR sequences.
cap_e() { tm capture-pane -p -e -t mon 2>/dev/null; }

# wait_screen ERE [SECS]: until a line on screen matches (polls every 0.1 s,
# 5 s by default); the last capture stays in SCREEN.
wait_screen() {
	local i n=$((${2:-5} * 10))
	for ((i = 0; i < n; i++)); do
		SCREEN=$(cap)
		printf '%s\n' "$SCREEN" | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# What the monitor always shows while it runs: a pane, the connection list
# or the help.  A blank screen or a shell prompt is not "gone", it is broken.
MON_UP='[─-] (Active|Passive|Connections of) |Keys \(any key returns\)'

# mon_dead: the monitor has exited (then GONE_WHY says how).
mon_dead() {
	[ -e "$TMP/exit" ] || return 1
	GONE_WHY="the monitor ended: $(cat "$TMP/exit") $(cat "$TMP/mon.err" 2>/dev/null)"
}

# wait_gone ERE [SECS]: until no line matches while the monitor still runs
# and draws (MON_UP); fails at once when it has exited.
wait_gone() {
	local i n=$((${2:-5} * 10))
	GONE_WHY="still on screen: /$1/"
	for ((i = 0; i < n; i++)); do
		SCREEN=$(cap)
		mon_dead && return 1
		if ! printf '%s\n' "$SCREEN" | grep -Eq -- "$1"; then
			printf '%s\n' "$SCREEN" | grep -Eq -- "$MON_UP" && return 0
			GONE_WHY="gone, but so is the monitor's screen (nothing matches /$MON_UP/)"
		fi
		sleep 0.1
	done
	return 1
}

# wait_count ERE N [SECS]: until exactly N lines match.
wait_count() {
	local i n=$((${3:-5} * 10))
	for ((i = 0; i < n; i++)); do
		SCREEN=$(cap)
		[ "$(printf '%s\n' "$SCREEN" | grep -Ec -- "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

expect() {	# NAME ERE [SECS]
	if wait_screen "$2" "$3"; then t_ok "$1"; else
		t_fail "$1" "$(printf 'nothing matches /%s/ on screen:\n%s' "$2" "$SCREEN")"; fi
}

expect_gone() {	# NAME ERE [SECS]
	if wait_gone "$2" "$3"; then t_ok "$1"; else
		t_fail "$1" "$(printf '%s\n%s' "$GONE_WHY" "$SCREEN")"; fi
}

expect_count() {	# NAME ERE N [SECS]
	if wait_count "$2" "$3" "$4"; then t_ok "$1"; else
		t_fail "$1" "$(printf 'want %s lines matching /%s/:\n%s' "$3" "$2" "$SCREEN")"; fi
}

# The flow rows drawn in reverse video (SGR 7): the selection.
sel_rows() {
	cap_e | grep -E $'\e\\[([0-9;]*;)?7(;[0-9;]*)?m' | sed -E $'s/\e\\[[0-9;]*m//g' |
		grep -E -- '(-->|-x>|<--|<x-)' | grep -v 'Connections of'
}

# expect_first NAME ERE WANT: the first line matching ERE is WANT.
expect_first() {
	local i got
	for ((i = 0; i < 50; i++)); do
		got=$(cap | grep -E -m 1 -- "$2")
		[ "$got" = "$3" ] && { t_ok "$1"; return; }
		sleep 0.1
	done
	t_fail "$1" "$(printf -- '--- got:\n%s\n--- want:\n%s\n--- screen:\n%s' "$got" "$3" "$(cap)")"
}

expect_sel() {	# NAME ERE: one selected row, and it matches ERE
	local i sel
	for ((i = 0; i < 50; i++)); do
		sel=$(sel_rows)
		[ "$(printf '%s\n' "$sel" | grep -c .)" = 1 ] &&
			printf '%s\n' "$sel" | grep -Eq -- "$2" && { t_ok "$1"; return; }
		sleep 0.1
	done
	t_fail "$1" "$(printf 'want one selected row matching /%s/, selected:\n%s\nscreen:\n%s' \
		"$2" "$sel" "$(cap)")"
}

# expect_exit NAME: the monitor ended with status 0 (after q).
expect_exit() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ -s "$TMP/exit" ] && break
		sleep 0.1
	done
	assert_eq "$1" "$(cat "$TMP/exit" 2>/dev/null)" "EXIT=0" ||
		sed 's/^/       stderr: /' "$TMP/mon.err" 2>/dev/null
}

# still_running NAME: no exit after a key that must not quit, and the
# monitor still draws (a snapshot later: the period is 1 s or less here).
still_running() {
	sleep 1.2
	if mon_dead; then
		t_fail "$1" "$GONE_WHY"
	elif ! wait_screen "$MON_UP" 2; then
		t_fail "$1" "$(printf 'running, but not drawing:\n%s' "$SCREEN")"
	else
		t_ok "$1"
	fi
}

# A session that holds the server up between monitors (one exiting server
# cannot race the next new-session).
tm -u new-session -d -s keep cat || ns_fail "tmux new-session"

line1() { printf '%s\n' "$SCREEN" | sed -n 1p; }
row() { printf '%s\n' "$SCREEN" | grep -E -m 1 -- "$1"; }

# ---------------------------------------------------------------------------
# Two namespaces and known traffic:
#   active  localhost:many --> 10.204.0.2:3306   3 connections, 100 kB each
#           localhost:many --> 10.204.0.2:6379   2 connections, 50 kB each
#           localhost:many --> [fd00:204::2]:5432   1 connection, 30 kB
#           localhost:many --> 10.204.0.2:5353/udp  (with -u)
#           localhost:many --> 10.204.0.2:9000   1 slow upload during the run
#   passive localhost:80 <-- 10.204.0.2:many     4 connections, 20 kB each
#           localhost:8080 <-- [fd00:204::2]:many   2 connections, 10 kB each

ns_setup
# Closed connections stay listed (TIME_WAIT) for the whole suite; per netns.
inh sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_time_wait=600
inh sysctl -qw net.netfilter.nf_conntrack_udp_timeout=600 2>/dev/null
bg "$P" socat -u "TCP4-LISTEN:3306,bind=$P4,reuseaddr,fork" OPEN:/dev/null,wronly
bg "$P" socat -u "TCP4-LISTEN:6379,bind=$P4,reuseaddr,fork" OPEN:/dev/null,wronly
bg "$P" socat -u "TCP4-LISTEN:9000,bind=$P4,reuseaddr,fork" OPEN:/dev/null,wronly
bg "$P" socat -u "TCP6-LISTEN:5432,bind=[$P6],reuseaddr,fork" OPEN:/dev/null,wronly
bg "$P" socat -u "UDP4-RECV:5353,bind=$P4" OPEN:/dev/null,wronly
bg "$H" socat -u "TCP4-LISTEN:80,reuseaddr,fork" OPEN:/dev/null,wronly
bg "$H" socat -u "TCP6-LISTEN:8080,reuseaddr,fork" OPEN:/dev/null,wronly
for sp in "$P t 3306" "$P t 6379" "$P t 9000" "$P t 5432" "$P u 5353" "$H t 80" "$H t 8080"; do
	# shellcheck disable=SC2086
	wait_listen $sp || ns_fail "server $sp"
done
for i in 1 2 3; do send "$H" 100000 "TCP4:$P4:3306"; done
for i in 1 2; do send "$H" 50000 "TCP4:$P4:6379"; done
send "$H" 30000 "TCP6:[$P6]:5432"
for i in 1 2 3 4; do send "$P" 20000 "TCP4:$H4:80"; done
for i in 1 2; do send "$P" 10000 "TCP6:[$H6]:8080"; done
printf 'x%.0s' $(seq 100) | inh timeout 5 socat -u - "UDP4:$P4:5353"

UTF8="LANG=C.UTF-8 LC_ALL=C.UTF-8"
A3306='^localhost:many +--> +10\.204\.0\.2:3306 '
A6379='^localhost:many +--> +10\.204\.0\.2:6379 '
A5432='^localhost:many +--> +\[fd00:204::2\]:5432 '
A5353='^localhost:many +--> +10\.204\.0\.2:5353/udp '
A9000='^localhost:many +--> +10\.204\.0\.2:9000 '
P80='^localhost:80 +<-- +10\.204\.0\.2:many '
P8080='^localhost:8080 +<-- +\[fd00:204::2\]:many '
HOSTRE=$(hostname | sed 's/[][\.*^$+?(){}|/]/\\&/g')

# ---------------------------------------------------------------------------
# The main screen: header, two panes, the rows of the traffic above.

start_mon 80 24 "$UTF8" "-n -t -u"
expect "panes: Active title" '─ Active ─ [0-9]+ flows ─ sort rate ▼' 10
expect "panes: Passive title" '─ Passive ─ [0-9]+ flows ─ sort rate ▼'
# Conns counts open connections: the transfers above have ended (their
# entries wait in TIME_WAIT), the UDP one has not (UDP ends when it leaves).
expect "rows: 10.x:3306, its 3 connections ended: 0 open" "$A3306 +0 "
expect "rows: 10.x:6379, 2 ended: 0 open" "$A6379 +0 "
expect "rows: [fd00::2]:5432, 1 ended: 0 open" "$A5432 +0 "
expect "rows: the UDP flow is marked /udp, 1 open" "$A5353 +1 "
expect "rows: 10.x to :80, 4 ended: 0 open" "$P80 +0 "
expect "rows: [fd00::2] to :8080, 2 ended: 0 open" "$P8080 +0 "
# 80 columns and a 19-character peer: OutPkt/s is the first column to go.
expect "rows: column titles" '^Local +Peer +Conns +In/s +Out/s +InPkt/s +New +Closed$'
expect "header: host and source" "^$HOSTRE  netlink  [0-9]{2}:[0-9]{2}:[0-9]{2}  "
expect "header: every 1s" '^.*netlink.*  every 1s'
expect "header: rates on the second line" '^rates'
# Events feed the netlink source: nothing is said about missing ones.
assert_no_match "events: the netlink header says nothing about events" \
	"$(printf '%s\n' "$SCREEN" | sed -n 2p)" 'events'
expect "hints: the bottom line" '^q quit  \? help  Tab pane  s sort  a/p ports  / host  t totals  space pause'
ent=$(line1 | sed -nE 's/.*entries ([0-9]+)\/([0-9-]+).*/\1 \2/p')
assert_ge "header: entries N counts our 13 connections ($ent)" "${ent% *}" 13
assert_gt "header: entries N/M has the table's maximum" "${ent#* }" 0
assert_match "colour: the host name is cyan" "$(cap_e | sed -n 1p)" $'\e\\[([0-9;]*;)?36(;[0-9;]*)?m'

# A transfer during the run is a rate (human units) on its row.
bg "$H" timeout 60 sh -c "for i in \$(seq 60); do head -c 200000 /dev/zero; sleep 0.25; done |
	socat -u - TCP4:$P4:9000"
SENDER=${PIDS[-1]}
expect "rate: the upload started now shows Out/s in K or M" \
	"$A9000 +1 +[0-9.]+[KM]? +[1-9][0-9.]*[KM] " 10
# A whole interval of it: some 780K (hundreds of K under load).
expect "rate: hundreds of KB/s" "$A9000 +1 +[0-9.]+[KM]? +([2-9][0-9]{2}K|[0-9.]+M) " 10

# space: the display freezes (clock and values) while the traffic goes on.
keys Space
expect "pause: PAUSED in the header" '^PAUSED'
wait_screen "$A9000"
frozen=$(printf '%s\n' "$(line1)" "$(row "$A9000")")
sleep 2.5
SCREEN=$(cap)
assert_eq "pause: clock and rates frozen for 2.5 s" "$(printf '%s\n' "$(line1)" "$(row "$A9000")")" "$frozen"
if kill -0 "$SENDER" 2>/dev/null; then t_ok "pause: the upload was running meanwhile"; else
	t_fail "pause: the upload was running meanwhile" "the sender ended too early"; fi
keys Space
expect_gone "resume: PAUSED gone" '^PAUSED'
was=$(printf '%s\n' "$frozen" | sed -n 1p | grep -Eo '[0-9]{2}:[0-9]{2}:[0-9]{2}')
expect_gone "resume: the clock moves on" "netlink  $was  "

# ? and h: the help screen; any key returns (q too: it does not quit there).
text '?'
expect "help: ? shows the keys" '^lsconntrack monitor - Keys \(any key returns\)'
expect "help: lists Tab" '^  Tab +switch between the Active and Passive panes'
expect "help: p filters and names server ports" '^  p +Passive: only these local ports; also server ports'
expect "help: totals are since each connection began" '^  t +totals since each connection began / rates per second'
keys Escape
expect "help: Esc returns to the flows" '─ Active ─'
expect_gone "help: gone after Esc" 'Keys \(any key'
text h
expect "help: h shows it too" 'Keys \(any key returns\)'
text q
expect "help: q returns to the flows" '─ Active ─'
still_running "help: q in the help does not quit"
text x
expect "unbound key: ? for help" '^\? for help'
keys C-l
expect "Ctrl-L: repaints the flows" "$A3306"

# Tab: the focus (reverse-video title and selection) moves to the other pane.
expect_sel "focus: the selection starts in Active" '-->'
keys Tab
expect_sel "Tab: the selection moves to Passive" '<--'
assert_match "Tab: the Passive title is in reverse video" "$(cap_e)" $'\e\\[([0-9;]*;)?7(;[0-9;]*)?m Passive '
keys Tab
expect_sel "Tab: and back to Active" '-->'
# Shift-Tab: to the previous pane (of two: the other one).
keys BTab
expect_sel "Shift-Tab: the selection moves to Passive" '<--'
assert_match "Shift-Tab: the Passive title is in reverse video" "$(cap_e)" $'\e\\[([0-9;]*;)?7(;[0-9;]*)?m Passive '
keys BTab
expect_sel "Shift-Tab: and back to Active" '-->'

# < > s: the sort key of the focused pane, named in its title.
text '<'
expect "sort: < from rate to conns" 'Active ─ [0-9]+ flows ─ sort conns ▼'
text '<'
expect "sort: < to peer (ascending)" 'Active ─ [0-9]+ flows ─ sort peer ▲'
text '<'
expect "sort: < to port" 'Active ─ [0-9]+ flows ─ sort port ▲'
text '>'
expect "sort: > back to peer" 'Active ─ [0-9]+ flows ─ sort peer ▲'
text s
expect "sort: s to conns" 'Active ─ [0-9]+ flows ─ sort conns ▼'
text '<<'
expect "sort: << to port again" 'Active ─ [0-9]+ flows ─ sort port ▲'
expect "sort: the Passive pane keeps its own" 'Passive ─ [0-9]+ flows ─ sort rate ▼'
first=$(row '^localhost:many +-->')
assert_match "sort: by port, 3306 comes first" "$first" "$A3306"

# r: the order and its indicator flip.
text r
expect "reverse: r flips the indicator" 'Active ─ [0-9]+ flows ─ sort port ▼'
wait_screen "$A9000"
assert_match "reverse: 9000 comes first" "$(row '^localhost:many +-->')" "$A9000"
text r
expect "reverse: r again" 'Active ─ [0-9]+ flows ─ sort port ▲'

# The selection in port order: 3306 5353/udp 5432 6379 9000.
keys Home
expect_sel "move: Home on 3306" "$A3306"
text j
expect_sel "move: j to 5353/udp" "$A5353"
keys Down
expect_sel "move: Down to 5432" "$A5432"
text j
expect_sel "move: j to 6379" "$A6379"
text k
expect_sel "move: k to 5432" "$A5432"
keys Up
expect_sel "move: Up to 5353/udp" "$A5353"
keys End
expect_sel "move: End on 9000" "$A9000"
keys Home
expect_sel "move: Home back on 3306" "$A3306"
keys NPage
expect_sel "move: PgDn to the last of 5 rows" "$A9000"
keys PPage
expect_sel "move: PgUp to the first" "$A3306"
text jjj
expect_sel "move: jjj on 6379" "$A6379"

# Enter: the connections of the selected flow; Esc, Left, Enter go back.
keys Enter
expect "detail: titled with the flow" \
	'─ Connections of localhost:many --> 10\.204\.0\.2:6379 \(tcp\) ─ 2 '
expect_count "detail: the 2 connections to 6379" \
	'^10\.204\.0\.1:[0-9]+ -> 10\.204\.0\.2:6379 +TIME_WAIT ' 2
expect "detail: column titles" '^Connection +State +Pkts o/r +Bytes o/r +Timeout'
# nf_conntrack_timestamp is 0 (the default) in H: no ages, and the header says why.
assert_no_match "ages: no Age column with nf_conntrack_timestamp=0" "$(row '^Connection ')" ' Age '
expect "ages: the header names the sysctl" \
	'ages off: (sysctl -w net\.netfilter\.nf_conntrack_timestamp=1|nf_conntrack_timestamp=0)'
# Ended connections (TIME_WAIT) are listed dimmed (SGR 2).
assert_eq "detail: ended connections are dim" \
	"$(cap_e | grep -Ec $'\e\\[([0-9;]*;)?2(;[0-9;]*)?mTIME_WAIT')" 2
expect "detail: its key hints" '^Esc back  Up/Down scroll  space pause  q quit  \? help'
text '?'
expect "detail: ? shows the help" 'Keys \(any key returns\)'
keys Space
expect "detail: any key returns to the list" 'Connections of localhost:many --> 10\.204\.0\.2:6379'
keys Escape
expect "detail: Esc back to the flows" '─ Active ─'
expect_gone "detail: closed" 'Connections of'
expect_sel "detail: the selection stayed on 6379" "$A6379"

keys Tab
text '<<<'
expect "sort: Passive by port" 'Passive ─ [0-9]+ flows ─ sort port ▲'
keys Home
expect_sel "move: Passive Home on :80" "$P80"
keys Enter
expect_count "detail: the 4 connections to :80" \
	'^10\.204\.0\.2:[0-9]+ -> 10\.204\.0\.1:80 ' 4
expect "detail: titled localhost:80 <-- 10.x:many" \
	'Connections of localhost:80 <-- 10\.204\.0\.2:many \(tcp\) ─ 4 '
# Scrolling: 80x6 leaves room for 3 of the 4 (sorted by tuple).
C80='^10\.204\.0\.2:[0-9]+ -> 10\.204\.0\.1:80 '
conns=$(printf '%s\n' "$SCREEN" | grep -E -- "$C80")
if [ "$RESIZE" = 1 ]; then
	tm resize-window -t mon -x 80 -y 6
	expect_count "detail 80x6: 3 connections shown" "$C80" 3
	text j
	expect_first "detail: j scrolls down one" "$C80" "$(printf '%s\n' "$conns" | sed -n 2p)"
	text k
	expect_first "detail: k scrolls back" "$C80" "$(printf '%s\n' "$conns" | sed -n 1p)"
	keys End
	expect_first "detail: End shows the last ones" "$C80" "$(printf '%s\n' "$conns" | sed -n 2p)"
	keys Home
	expect_first "detail: Home shows the first" "$C80" "$(printf '%s\n' "$conns" | sed -n 1p)"
	tm resize-window -t mon -x 80 -y 24
	expect_count "detail 80x24: all 4 again" "$C80" 4
else
	skip_n 6 "detail: scrolling at 80x6" "tmux $TMUX_V has no resize-window"
fi
keys Left
expect_gone "detail: Left goes back" 'Connections of'
keys End
expect_sel "move: Passive End on :8080" "$P8080"
keys Enter
expect_count "detail: the 2 IPv6 connections to :8080" \
	'^\[fd00:204::2\]:[0-9]+ -> \[fd00:204::1\]:8080 ' 2
keys Enter
expect_gone "detail: Enter goes back too" 'Connections of'
text '>>>'
expect "sort: >>> Passive from port back to rate" 'Passive ─ [0-9]+ flows ─ sort rate ▼'
keys Tab
expect_sel "focus: back in Active" '-->'

# a: active ports.
text a
expect "aport: the prompt" '^active ports:$'
text 3306
keys Enter
expect_gone "aport 3306: the 6379 row goes" "$A6379"
expect "aport 3306: the 3306 row stays" "$A3306"
expect "aport 3306: in the header" '^rates  aport=3306'
expect "aport 3306: Active counts 1 of N" 'Active ─ 1 of [0-9]+ flows'
text a
expect "aport: the prompt holds the filter" '^active ports: 3306'
keys C-u
text '80,x'
keys Enter
expect "aport 80,x: refused with the reason" "^'x' is not a port number"
expect "aport 80,x: the prompt stays" '^active ports: 80,x'
keys Escape
expect_gone "aport: Esc cancels the prompt" '^active ports:'
expect "aport: Esc keeps the old filter" '^rates  aport=3306'
text a
keys C-u
text q
expect "aport: q in the prompt is text" '^active ports: q'
still_running "aport: q in the prompt does not quit"
keys C-u
text '!3306'
keys Enter
expect_gone "aport !3306: the 3306 row goes" "$A3306"
expect "aport !3306: the 6379 row stays" "$A6379"
text a
keys C-u
text 5000-6999
keys Enter
expect "aport 5000-6999: 5432 stays" "$A5432"
expect "aport 5000-6999: 6379 stays" "$A6379"
expect_gone "aport 5000-6999: 3306 and 9000 go" ':(3306|9000) '
text a
keys C-u
text 1
keys Enter
expect "aport 1: no flows match (c clears them)" '^  no flows match the filters \(c clears them\)'
keys Enter
still_running "aport 1: Enter on an empty pane does nothing"
expect_gone "aport 1: no connection list" 'Connections of'
text a
keys C-u Enter
expect "aport empty: the 6379 row is back" "$A6379"
expect_gone "aport empty: no filter in the header" 'aport='

# p: passive ports.
text p
expect "pport: the prompt" '^passive ports:$'
text 8080
keys Enter
expect_gone "pport 8080: the :80 row goes" "$P80"
expect "pport 8080: the :8080 row stays" "$P8080"
expect "pport 8080: in the header" '^rates  pport=8080'

# /: peers by text, address, prefix.
text /
expect "host: the prompt" '^host:$'
text fd00
keys Enter
expect "host fd00: in the header" 'pport=8080 host=fd00'
expect "host fd00 (text): the IPv6 active row stays" "$A5432"
expect_gone "host fd00 (text): IPv4 rows go" '10\.204\.0\.2'
keys c
expect "c: filters cleared" '^filters cleared'
expect "c: rows are back" "$P80"
expect_gone "c: no filter in the header" 'pport=|host='
text /
text 10.204.0.2
keys Enter
expect "host 10.204.0.2 (address): the 3306 row" "$A3306"
expect_gone "host 10.204.0.2 (address): no IPv6 row" 'fd00:204::2'
text /
keys C-u
text fd00:204::/64
keys Enter
expect "host fd00:204::/64 (prefix): the IPv6 passive row" "$P8080"
expect_gone "host fd00:204::/64 (prefix): no IPv4 row" '10\.204\.0\.2'
text /
keys C-u
text 10.204.0.0/33
keys Enter
expect "host /33: refused with the reason" '^host filter: prefix length must be 0-32'
expect "host /33: the prompt stays" '^host: 10\.204\.0\.0/33'
keys Escape
expect_gone "host: Esc cancels" '^host:'
expect "host: the prefix filter stays" 'host=fd00:204::/64'
keys c
expect "c: all rows back" "$A3306"

# n after -n: names on, and off again (the rows below are numeric).
text n
expect "n after -n: names on" '^peer names'
text n
expect "n after -n: and numeric again" '^numeric addresses'

# t: totals, the kernel's counters since each connection began.
text t
expect "totals: the note says since when" '^totals since each connection began'
expect "totals: column titles" '^Local +Peer +Conns +In +Out +InPkt +New +Closed$'
expect "totals: in the header" '^totals$|^totals  '
expect "totals: Passive sorts by bytes" 'Passive ─ [0-9]+ flows ─ sort bytes ▼'
out=$(row "$A3306" | awk '{ print $6 }')
# Ended connections still in the table keep their bytes (Conns 0 above).
assert_match "totals: 3 x 100 kB out to 3306 ($out)" "$out" '^(29[0-9]|3[0-2][0-9])K$'
text t
expect "rates again: In/s" '^Local +Peer +Conns +In/s +Out/s'
expect "rates again: Passive sorts by rate" 'Passive ─ [0-9]+ flows ─ sort rate ▼'

# + and -: the interval.
text +
expect "interval: + to 2s" 'netlink.*  every 2s'
text -
expect "interval: - to 1s" 'netlink.*  every 1s'
text -
expect "interval: - to 0.5s" 'netlink.*  every 0\.5s'
text +
expect "interval: + back to 1s" 'netlink.*  every 1s'

# A flow whose connections go: its list says so; its row shows the broken
# arrow of a closed flow for a few snapshots, then leaves.
keys Home
text j
expect_sel "closed: 5353/udp selected" "$A5353"
keys Enter
expect "closed: the UDP flow's list" \
	'Connections of localhost:many --> 10\.204\.0\.2:5353 \(udp\) ─ 1 '
expect "closed: its connection is UNREPLIED" '^10\.204\.0\.1:[0-9]+ -> 10\.204\.0\.2:5353 +UNREPLIED '
inh conntrack -D -p udp --dport 5353 >/dev/null 2>&1
expect "closed: no connections left" '^  no connections left: the flow has closed'
keys BSpace
expect_gone "detail: Backspace goes back" 'Connections of'
expect_gone "closed: the UDP flow leaves after lingering" "$A5353" 15
wait "$SENDER"
inh conntrack -D -p tcp --dport 9000 >/dev/null 2>&1
expect "closed: broken arrow -x> and 0 connections" '^localhost:many +-x> +10\.204\.0\.2:9000 +0 '
expect_gone "closed: then the flow leaves" ':9000 ' 15

# Resize: 20x5 is the smallest full screen; one less is "too small".
if [ "$RESIZE" = 1 ]; then
	tm resize-window -t mon -x 20 -y 5
	if wait_screen '─ Active' && wait_screen '─ Passive'; then t_ok "resize 20x5: both panes"; else
		t_fail "resize 20x5: both panes" "$SCREEN"; fi
	assert_lines "resize 20x5: 5 lines" "$SCREEN" 5
	tm resize-window -t mon -x 19 -y 5
	expect "resize 19x5: too small" '^terminal too small'
	tm resize-window -t mon -x 20 -y 4
	expect "resize 20x4: too small" '^terminal too small'
	tm resize-window -t mon -x 80 -y 24
	expect "resize 80x24: the hints are back" '^q quit  \? help'
	expect "resize 80x24: rows are back" "$P80"
else
	skip_n 6 "resize" "tmux $TMUX_V has no resize-window"
fi
text q
expect_exit "q: exit 0"

# q at every size.
for size in "20 5" "19 5" "20 4"; do
	start_mon "${size% *}" "${size#* }" "$UTF8" "-n"
	if [ "$size" = "20 5" ]; then want='─ Active'; else want='^terminal too small'; fi
	if wait_screen "$want" 10; then t_ok "q at ${size/ /x}: drawn ($want)"; else
		t_fail "q at ${size/ /x}: drawn ($want)" "$SCREEN"; fi
	sleep 0.5
	text q
	expect_exit "q at ${size/ /x}: exit 0"
done

# ---------------------------------------------------------------------------
# Filters from the command line.

start_mon 80 24 "$UTF8" "-n --aport 3306 --pport 80"
expect "--aport/--pport: in the header" '^rates  aport=3306 pport=80' 10
expect "--aport 3306: the 3306 row" "$A3306"
expect_gone "--aport 3306: no 6379 row" "$A6379"
expect "--pport 80: the :80 row" "$P80"
expect_gone "--pport 80: no :8080 row" "$P8080"
text a
expect "--aport: the prompt starts with it" '^active ports: 3306'
keys Escape
expect_gone "--aport: Esc" '^active ports'
keys Enter
expect "--aport: Enter lists 3306" 'Connections of localhost:many --> 10\.204\.0\.2:3306 \(tcp\) ─ 3 '
text q
expect_exit "--aport/--pport: q in the connection list exits 0"

# ---------------------------------------------------------------------------
# Keys between snapshots: with 30 s between them, the keys are answered at
# once (a functional check, not a benchmark: 3 s of slack under load).

start_mon 80 24 "$UTF8" "-n -d 30"
expect "slow interval: every 30s" 'netlink.*  every 30s' 10
expect "slow interval: no rate from one snapshot" "$A3306 +0 +- +- "
text '?'
expect "slow interval: ? answered" 'Keys \(any key returns\)' 3
text x
expect "slow interval: back at once" '─ Active ─' 3
text t
expect "slow interval: t answered" '^Local +Peer +Conns +In +Out ' 3
text q
expect_exit "slow interval: q exits 0"

# ---------------------------------------------------------------------------
# An empty table (a namespace where nothing uses conntrack) says why, in
# narrow panes too; -d 0 refreshes the screen at most every 0.1 s.

E=lsct-me-$$
if ip netns add "$E"; then
	MON_NS=$E start_mon 80 24 "$UTF8" "-n -d 0"
	expect "empty table: the pane says why" \
		'^  no conntrack entries: nothing on this host uses conntrack \(see README\)$' 10
	expect "-d 0: every 0.1s in the header" 'netlink.*  every 0\.1s'
	text q
	expect_exit "empty table: q exits 0"
	MON_NS=$E start_mon 30 12 "$UTF8" "-n"
	expect "empty table, 30 columns: the short text" '^  no conntrack entries$' 10
	text q
	expect_exit "empty table, 30 columns: q exits 0"
	ip netns del "$E"
else
	skip_n 5 "empty table" "cannot add a namespace"
fi

# ---------------------------------------------------------------------------
# NO_COLOR and the C locale: ASCII only, no colour, selection still visible.

start_mon 80 24 "NO_COLOR=1 LANG=C LC_ALL=C" "-n -t -u"
expect "ascii: the rows" "$A3306" 10
expect "ascii: rules drawn with -" '^- Active - [0-9]+ flows - sort rate v -+$'
assert_eq "ascii: no byte >= 0x80 on screen" \
	"$(printf '%s\n' "$SCREEN" | LC_ALL=C grep -c $'[\x80-\xff]')" 0
expect_sel "ascii: the selection in reverse video" '-->'
assert_no_match "ascii: no colour (NO_COLOR)" "$(cap_e)" $'\e\\[([0-9;]*;)?(3[0-7]|4[0-7]|38;|48;)'
keys Tab
expect_sel "ascii: Tab moves the selection" '<--'
text q
expect_exit "ascii: q exits 0"

# ---------------------------------------------------------------------------
# Ages: with nf_conntrack_timestamp=1 (per namespace) the kernel records when
# each connection was created, from then on: the list gets an Age column.
# One connection to 7000 closed (TIME_WAIT), one kept open (ESTABLISHED).

bg "$P" socat -u "TCP4-LISTEN:7000,bind=$P4,reuseaddr,fork" OPEN:/dev/null,wronly
wait_listen "$P" t 7000 || ns_fail "server $P t 7000"
inh sysctl -qw net.netfilter.nf_conntrack_timestamp=1 || ns_fail "nf_conntrack_timestamp=1"
send "$H" 1000 "TCP4:$P4:7000"
bg "$H" timeout 60 sh -c "(echo x; sleep 50) | socat -u - TCP4:$P4:7000"
A7000='^localhost:many +--> +10\.204\.0\.2:7000 '
C7000='^10\.204\.0\.1:[0-9]+ -> 10\.204\.0\.2:7000 '
# 90 columns: no room for Proto and Id, so the titles start with Connection.
start_mon 90 24 "$UTF8" "-n --aport 7000"
expect "ages: the 7000 flow, one connection open" "$A7000 +1 " 10
keys Enter
expect "ages: column titles with Age before Timeout" \
	'^Connection +State +Pkts o/r +Bytes o/r +Age +Timeout$'
expect_count "ages: both connections have an age in seconds" \
	"$C7000 +(TIME_WAIT|ESTABLISHED) +[0-9]+/[0-9]+ +[0-9.KM]+/[0-9.KM]+ +[0-9]+s +" 2
expect_gone "ages: no 'ages off' in the header" 'ages off'
age1=$(row "$C7000 +ESTABLISHED" | awk '{ print $7 }')
assert_match "ages: the open connection is seconds old ($age1)" "$age1" '^([0-9]|[1-5][0-9])s$'
sleep 2.2
SCREEN=$(cap)
age2=$(row "$C7000 +ESTABLISHED" | awk '{ print $7 }')
assert_gt "ages: it grows with the snapshots ($age1 then $age2)" "${age2%s}" "${age1%s}"
ce=$(cap_e)
assert_match "ages: the ended one (TIME_WAIT) is dim" "$(printf '%s\n' "$ce" | grep -F TIME_WAIT)" \
	$'\e\\[([0-9;]*;)?2(;[0-9;]*)?mTIME_WAIT'
assert_no_match "ages: the open one (ESTABLISHED) is not" \
	"$(printf '%s\n' "$ce" | grep -F ESTABLISHED)" $'\e\\[([0-9;]*;)?2(;[0-9;]*)?m'
text q
expect_exit "ages: q exits 0"
# Entries from before the sysctl have no creation time: no column for them.
start_mon 90 24 "$UTF8" "-n --aport 3306"
expect "ages: the 3306 flow" "$A3306 +0 " 10
keys Enter
expect "ages: its connections are listed" \
	'^Connection +State +Pkts o/r +Bytes o/r +Timeout +Id'
assert_no_match "ages: no Age column for connections older than the sysctl" \
	"$(row '^Connection ')" ' Age '
text q
expect_exit "ages: q exits 0 (3306)"
inh sysctl -qw net.netfilter.nf_conntrack_timestamp=0

# ---------------------------------------------------------------------------
# Sources without events miss connections that open and close between two
# snapshots: --proc and --no-events say so in the header; netlink (above)
# does not.

start_mon 100 24 "$UTF8" "-n --proc"
expect "no events, --proc: the rows" "$A3306" 10
expect "no events, --proc: the header says short connections are not counted" \
	'^rates  no events: short connections between snapshots not counted$'
text q
expect_exit "no events, --proc: q exits 0"
start_mon 100 24 "$UTF8" "-n --no-events"
expect "no events, --no-events: the rows" "$A3306" 10
expect "no events, --no-events: the header says short connections are not counted" \
	'^rates  no events: short connections between snapshots not counted$'
text q
expect_exit "no events, --no-events: q exits 0"
start_mon 60 24 "$UTF8" "-n --no-events"
expect "no events, 60 columns: the short form" '^rates  no events: short connections not counted$' 10
text q
expect_exit "no events, 60 columns: q exits 0"

# ---------------------------------------------------------------------------
# Trend: each flow's byte rate over its last 16 snapshots as a sparkline (per
# row: its own maximum), from the block ramp in UTF-8 and an ASCII ramp in
# the C locale or with NO_COLOR; T hides it; the connection list graphs the
# flow's rates in and out; it is the first column to go when narrow.
# A connection to 9100 that stays idle 3 s, then sends 100 kB every 0.25 s.

bg "$P" socat -u "TCP4-LISTEN:9100,bind=$P4,reuseaddr,fork" OPEN:/dev/null,wronly
wait_listen "$P" t 9100 || ns_fail "server $P t 9100"
A9100='^localhost:many +--> +10\.204\.0\.2:9100 '
# trend_cell ROW_ERE: the 16 cells under the Trend title on the row (SCREEN).
trend_cell() {
	printf '%s\n%s\n' "$(printf '%s\n' "$SCREEN" | grep -E -m 1 '^Local .* Trend$')" \
		"$(row "$1")" | python3 -c '
import sys
h, r = sys.stdin.buffer.read().decode("utf-8").split("\n")[:2]
i = h.find("Trend")
sys.stdout.buffer.write((r[i:i + 16].ljust(16) if i >= 0 and r else "").encode("utf-8"))'
}
# expect_trend NAME ERE [SECS]: until the 9100 row's Trend cell matches.
expect_trend() {
	local i cell n=$((${3:-15} * 10))
	for ((i = 0; i < n; i++)); do
		SCREEN=$(cap)
		cell=$(trend_cell "$A9100")
		printf '%s' "$cell" | grep -Eq -- "$2" && { t_ok "$1 [$cell]"; return; }
		sleep 0.1
	done
	t_fail "$1" "$(printf 'Trend cell [%s] does not match /%s/:\n%s' "$cell" "$2" "$SCREEN")"
}
trend_start() {	# ENV: the monitor at 120x24 on 9100 alone, then the upload
	start_mon 120 24 "$1" "-n -d 0.5 --aport 9100 --pport 9"
	wait_screen '^Local ' 10
	bg "$H" timeout 40 sh -c "(sleep 3; for i in \$(seq 120); do head -c 100000 /dev/zero;
		sleep 0.25; done) | socat -u - TCP4:$P4:9100"
	TRENDER=${PIDS[-1]}
}
trend_stop() {
	kill "$TRENDER" 2>/dev/null
	text q
	expect_exit "$1"
	inh conntrack -D -p tcp --dport 9100 >/dev/null 2>&1
}
BLOCKS='( |▁|▂|▃|▄|▅|▆|▇|█)'

trend_start "$UTF8"
expect "trend: the column, last, at 120 columns" \
	'^Local +Peer +Conns +In/s +Out/s +InPkt/s +OutPkt/s +New +Closed +Trend$'
expect "trend: the 9100 flow" "$A9100" 10
# Idle snapshots first (blank), then the upload at the row's maximum.
expect_trend "trend: block characters, rising when the upload starts" \
	"^ $BLOCKS{14}(▅|▆|▇|█)\$"
expect_trend "trend: the whole cell is from the block ramp" "^$BLOCKS{16}\$" 1
text '?'
expect "trend: the help names T" '^  n T +peer names / numeric addresses; T: the Trend column'
keys Escape
expect "trend: back from the help" "$A9100"
text T
expect "T: says Trend is off" '^Trend off'
expect_gone "T: the Trend title goes" 'Trend$'
expect "T: the other columns stay" '^Local +Peer +Conns +In/s +Out/s +InPkt/s +OutPkt/s +New +Closed$'
keys Enter
expect "T off: the connection list" '^Proto +Connection +State '
expect_gone "T off: no graph" '^In/s max '
keys Escape
text T
expect "T again: Trend on" '^Trend on'
expect "T again: the column is back" '^Local .* Closed +Trend$'
expect_trend "T again: a new history rises" "(▅|▆|▇|█)\$"
# The connection list: a graph of in (left) and out (right), maximum labelled.
keys Enter
expect "graph: in the connection list" \
	'Connections of localhost:many --> 10\.204\.0\.2:9100 \(tcp\)'
expect "graph: labels with the maxima in human units" \
	'^In/s max [0-9.]+[KM]? +Out/s max [1-9][0-9.]*[KM] *$'
expect "graph: bars of block characters" '(▅|▆|▇|█)'
expect "graph: the connection below it" \
	'^tcp +10\.204\.0\.1:[0-9]+ -> 10\.204\.0\.2:9100 +ESTABLISHED '
glines=$(printf '%s\n' "$SCREEN" | grep -nE '^In/s max ' | cut -d: -f1)
assert_eq "graph: under the title, 4 rows above the column titles" \
	"$(printf '%s\n' "$SCREEN" | grep -nE '^Proto +Connection' | cut -d: -f1)" "$((glines + 5))"
if [ "$RESIZE" = 1 ]; then
	tm resize-window -t mon -x 120 -y 10
	expect_gone "graph: gives way at 120x10" '^In/s max '
	expect "graph: the connection stays at 120x10" '10\.204\.0\.2:9100 +ESTABLISHED '
	tm resize-window -t mon -x 120 -y 24
	expect "graph: back at 120x24" '^In/s max '
	keys Escape
	# 14 + 5 + 15 + 46 = 80 cells without Trend, 97 with it.
	tm resize-window -t mon -x 97 -y 24
	expect "trend 97x24: every column fits" '^Local .* Closed +Trend$'
	tm resize-window -t mon -x 96 -y 24
	expect "trend 96x24: Trend goes first, every other column stays" \
		'^Local +Peer +Conns +In/s +Out/s +InPkt/s +OutPkt/s +New +Closed$'
	tm resize-window -t mon -x 80 -y 24
	expect "trend 80x24: without Trend, the rest fits" \
		'^Local +Peer +Conns +In/s +Out/s +InPkt/s +OutPkt/s +New +Closed$'
	tm resize-window -t mon -x 50 -y 24
	expect "trend 50x24: narrow, no Trend" '^Local +Peer +In/s +Out/s$'
	tm resize-window -t mon -x 120 -y 24
	expect "trend 120x24: back" '^Local .* Closed +Trend$'
else
	skip_n 8 "trend: sizes" "tmux $TMUX_V has no resize-window"
	keys Escape
fi
trend_stop "trend: q exits 0"

# The C locale: the ASCII ramp " .:-=+*#", nothing above 0x7f.
ASCII='( |\.|:|-|=|\+|\*|#)'
trend_start "LANG=C LC_ALL=C"
expect_trend "trend, LANG=C: the ASCII ramp, rising" "^ $ASCII{14}(=|\+|\*|#)\$"
assert_eq "trend, LANG=C: no byte >= 0x80 on screen" \
	"$(printf '%s\n' "$SCREEN" | LC_ALL=C grep -c $'[\x80-\xff]')" 0
keys Enter
expect "trend, LANG=C: the graph in ASCII" '^In/s max .*Out/s max '
assert_eq "trend, LANG=C: no byte >= 0x80 in the graph" \
	"$(printf '%s\n' "$SCREEN" | LC_ALL=C grep -c $'[\x80-\xff]')" 0
trend_stop "trend, LANG=C: q exits 0"
# NO_COLOR in a UTF-8 locale: the ASCII ramp too.
trend_start "NO_COLOR=1 $UTF8"
expect_trend "trend, NO_COLOR: the ASCII ramp, rising" "^ $ASCII{14}(=|\+|\*|#)\$"
trend_stop "trend, NO_COLOR: q exits 0"

# ---------------------------------------------------------------------------
# Names from a private hosts file for H (nslib's ns_names); n toggles
# them, / matches them.

ns_names

start_mon 80 24 "$UTF8" ""
expect "names: peer-db.test:3306" '^localhost:many +--> +peer-db\.test:3306 +0 ' 10
expect "names: peer-db6.test:5432" '^localhost:many +--> +peer-db6\.test:5432 +0 '
expect "names: localhost:80 <-- peer-db.test:many" '^localhost:80 +<-- +peer-db\.test:many +0 '
text n
expect "n: numeric addresses" '^numeric addresses'
expect "n: the rows are numeric" "$A3306"
text n
expect "n: peer names again" '^localhost:many +--> +peer-db\.test:3306 '
text /
text db6
keys Enter
expect "host db6 (name): the named IPv6 row" '^localhost:many +--> +peer-db6\.test:5432 '
expect_gone "host db6 (name): peer-db.test rows go" 'peer-db\.test'
text q
expect_exit "names: q exits 0"

t_summary "$SUITE"
