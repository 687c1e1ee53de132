#!/bin/bash
# tests/integration/procs.sh - -P/--processes on the real kernel: the process
# behind each flow, and TCP health.  H and P joined by a veth.  Processes
# with known names (copies of socat, a python client that names itself)
# open known connections: H's dbclient to P:3306 (active), P to H's websrv
# on :80 (passive: the listener's process).  The table, JSON and the
# monitor show them; a client that exits keeps its flow's owner; PID reuse
# in a PID namespace (ns_last_pid) never shows a connection with the later
# process; a user without CAP_SYS_PTRACE is told owners are partial.  TCP
# health: a clean link has a small RTT and no retransmissions, a tbf rate
# limit under a bulk transfer raises the RTT to hundreds of ms, an nft rule
# dropping 5% of packets makes retransmissions, and the metrics' counter
# of retransmissions (--listen with -P) rises.  Needs root; skips loudly
# without.
#
# Run from the repository root, as the other root suites:
#   flock /tmp/lsct-root.lock bash tests/integration/procs.sh
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
SUITE=procs
N_TESTS=34
NS_TOOLS="tmux tc unshare setpriv python3 curl promtool"
NS_TAG=r
NS_NET=231
. tests/integration/nslib.sh

TMUX_SOCK=lsct-procs-$$
tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }
suite_cleanup() {
	tm kill-server 2>/dev/null
}

# The real interpreter: pyenv's shim forks on its way, which would move the
# client off the PID the test forces.
PY=$(python3 -c 'import sys; print(sys.executable)') || ns_skip_all "python3 does not run"

ns_setup
for name in websrv dbclient bulkclient; do
	cp "$(command -v socat)" "$TMP/$name" || ns_fail "copy socat"
done
# client.py NAME ADDR PORT SECS: names itself (comm), connects, sends a
# little, holds the connection SECS seconds, exits.
cat >"$TMP/client.py" <<'PY'
import ctypes, socket, sys, time
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
s = socket.create_connection((sys.argv[2], int(sys.argv[3])))
s.sendall(b"x" * 100)
time.sleep(float(sys.argv[4]))
s.close()
PY

for port in 3306 5432 5433 5434 9000 9001 9002; do
	bg "$P" socat -u "TCP4-LISTEN:$port,bind=$P4,reuseaddr,fork" OPEN:/dev/null,wronly
done
bg "$H" "$TMP/websrv" -u "TCP4-LISTEN:80,reuseaddr,fork" OPEN:/dev/null,wronly
for port in 3306 5432 5433 5434 9000 9001 9002; do
	wait_listen "$P" t "$port" || ns_fail "server $port"
done
wait_listen "$H" t 80 || ns_fail "server 80"
bg "$H" sh -c "while :; do echo x; sleep 0.2; done | $TMP/dbclient -u - TCP4:$P4:3306"
bg "$P" sh -c "while :; do echo y; sleep 0.2; done | socat -u - TCP4:$H4:80"
for _ in $(seq 50); do
	DB=$(pgrep -f "^$TMP/dbclient ")
	WEB=$(pgrep -o -f "^$TMP/websrv ")
	[ -n "$DB" ] && [ -n "$WEB" ] && [ -n "$(inh ss -Htn state established "dport = :3306")" ] &&
		[ -n "$(inh ss -Htn state established "sport = :80")" ] && break
	sleep 0.1
done
[ -n "$DB" ] && [ -n "$WEB" ] || ns_fail "clients"

# ---------------------------------------------------------------------------
# The table and JSON

OUT=$(inh "$LSCT" -P -n -b 2>"$TMP/err")
assert_eq "-P table: exit 0" "$?" 0
assert_match "-P table: a Process column, last" "$OUT" "Conns +Process$"
assert_match "-P table: the active flow's process is dbclient[pid]" "$OUT" \
	"--> +$P4:3306 .* dbclient\\[$DB\\]$"
assert_match "-P table: the passive flow's process is the listener's" "$OUT" \
	"localhost:80 +<-- +$P4:many .* websrv\\[$WEB\\]$"
assert_eq "-P table as root: nothing said about partial owners" \
	"$(grep -c partial "$TMP/err")" 0
PLAIN=$(inh "$LSCT" -n -b)
assert_eq "without -P: no Process column" "$(printf '%s\n' "$PLAIN" | head -1 | grep -c Process)" 0

J=$(inh "$LSCT" -P -n --json)
act=$(printf '%s' "$J" | jq -c '.[] | select(.direction == "active" and .peer.port == "3306") |
	[.process.pid, .process.comm, .process.uid, .processes]')
assert_eq "-P JSON: the active flow's process" "$act" "[$DB,\"dbclient\",0,1]"
pas=$(printf '%s' "$J" | jq -c '.[] | select(.direction == "passive" and .local.port == "80") |
	[.process.pid, .process.comm, .processes]')
assert_eq "-P JSON: the passive flow's process (the listener)" "$pas" "[$WEB,\"websrv\",1]"
rtt=$(printf '%s' "$J" | jq '.[] | select(.direction == "active" and .peer.port == "3306") | .rtt_ms')
assert_match "-P JSON: a TCP flow has an RTT" "$rtt" '^[0-9]+\.[0-9]+$'

# --netns: the sockets of the viewed namespace, from outside it.
J=$("$LSCT" -P -n --json --netns "$H")
act=$(printf '%s' "$J" | jq -r '.[] | select(.direction == "active" and .peer.port == "3306") |
	.process.comm')
assert_eq "-P --netns: the namespace's sockets" "$act" "dbclient"

# ---------------------------------------------------------------------------
# A client that exits keeps its flow's owner.

inh "$LSCT" -P -n -c 8 -d 0.5 --json >"$TMP/keep.json" 2>/dev/null &
STREAM=$!
sleep 0.3
inh "$PY" "$TMP/client.py" lateexit "$P4" 5432 1.2
gone=$(pgrep -f "client.py lateexit" | wc -l)
wait "$STREAM"
assert_eq "the late client has exited" "$gone" 0
first=$(jq -r '.flows[] | select(.direction == "active" and .peer.port == "5432") | .process.comm' \
	"$TMP/keep.json" | head -1)
last=$(tail -1 "$TMP/keep.json" | jq -r '.flows[] | select(.direction == "active" and
	.peer.port == "5432") | .process.comm')
assert_eq "while it ran: its flow's process" "$first" "lateexit"
assert_eq "after it exited: the last owner stays" "$last" "lateexit"

# ---------------------------------------------------------------------------
# PID reuse: in a PID namespace two clients get the same PID, one after the
# other, and open different connections.  No frame shows a connection with
# the other process.

inh unshare -p -f --mount-proc sh -c "
	$LSCT -P -n -c 12 -d 0.4 --json >$TMP/reuse.json 2>$TMP/reuse.err &
	sleep 0.5
	echo 999 >/proc/sys/kernel/ns_last_pid
	$PY $TMP/client.py reuse-a $P4 5433 1.2 & a=\$!
	wait \$a
	echo 999 >/proc/sys/kernel/ns_last_pid
	$PY $TMP/client.py reuse-b $P4 5434 2 & b=\$!
	echo \$a \$b >$TMP/reuse.pids
	wait
" >/dev/null 2>&1
assert_eq "both clients had PID 1000" "$(cat "$TMP/reuse.pids" 2>/dev/null)" "1000 1000"
seen() {	# PORT: the distinct comm/pid its flow showed in the frames
	jq -r --arg p "$1" '.flows[] | select(.direction == "active" and .peer.port == $p) |
		.process | if . == null then "none" else "\(.comm)/\(.pid)" end' "$TMP/reuse.json" |
		sort -u | grep -v '^none$' | paste -sd' ' -
}
assert_eq "5433 only ever shows reuse-a" "$(seen 5433)" "reuse-a/1000"
assert_eq "5434 only ever shows reuse-b" "$(seen 5434)" "reuse-b/1000"
last=$(tail -1 "$TMP/reuse.json" | jq -r '[.flows[] | select(.direction == "active" and
	(.peer.port == "5433" or .peer.port == "5434")) | "\(.peer.port)=\(.process.comm)"] |
	sort | join(" ")')
assert_eq "the last frame: each flow its own process" "$last" "5433=reuse-a 5434=reuse-b"

# ---------------------------------------------------------------------------
# Without CAP_SYS_PTRACE: root's processes are not readable.

OUT=$(inh setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps +net_admin \
	--ambient-caps +net_admin "$LSCT" -P -n -b 2>"$TMP/err")
assert_match "as a user: the active flow's owner is a uid" "$OUT" "--> +$P4:3306 .* uid=0$"
assert_match "as a user: stderr says owners are partial" "$(cat "$TMP/err")" \
	"owners are partial"

# ---------------------------------------------------------------------------
# The monitor

start_mon() {	# W H ARGS
	tm kill-session -t mon 2>/dev/null
	tm -u new-session -d -s mon -x "$1" -y "$2" \
		"ip netns exec $H $LSCT $3 2>$TMP/mon.err; echo EXIT=\$? >$TMP/exit"
}
cap() { tm capture-pane -p -t mon 2>/dev/null; }
wait_cap() {	# ERE [SECS]
	local i
	for ((i = 0; i < ${2:-5} * 10; i++)); do
		SCREEN=$(cap)
		printf '%s\n' "$SCREEN" | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
tm -u new-session -d -s keep cat || ns_fail "tmux new-session"
start_mon 160 30 "-P -n"
wait_cap "dbclient\\[$DB\\]"
assert_match "monitor: the active flow's process" "$SCREEN" "$P4:3306 .*dbclient\\[$DB\\]"
wait_cap "websrv\\[$WEB\\]"
assert_match "monitor: the passive flow's process" "$SCREEN" "localhost:80 .*websrv\\[$WEB\\]"
tm send-keys -t mon P
wait_cap "processes hidden"
assert_eq "monitor: P hides the Process column" "$(printf '%s\n' "$SCREEN" | grep -c 'dbclient\[')" 0
tm send-keys -t mon P H
wait_cap " RTT +Retr/s"
assert_match "monitor: H shows RTT and Retr/s" "$SCREEN" " RTT +Retr/s"
tm send-keys -t mon q
start_mon 160 30 "-n"
wait_cap "$P4:3306"
assert_eq "monitor without -P: no Process column" "$(printf '%s\n' "$SCREEN" | grep -c Process)" 0
tm send-keys -t mon q

# ---------------------------------------------------------------------------
# TCP health

# health PORT SECS [paced]: a bulk transfer to P:PORT for SECS seconds under
# a stream (paced: about 1 MB/s, which a veth carries without drops; flat
# out, the receiving backlog overflows and TCP retransmits even here);
# prints the largest rtt_ms and the sum of its retransmits.
health() {
	inh "$LSCT" -P -n -c $(($2 * 2 + 1)) -d 0.5 --json >"$TMP/h$1.json" 2>/dev/null &
	local s=$!
	sleep 0.2
	if [ -n "$3" ]; then
		inh timeout "$2" sh -c "while :; do head -c 50000 /dev/zero; sleep 0.05; done |
			$TMP/bulkclient -u - TCP4:$P4:$1" 2>/dev/null
	else
		inh timeout "$2" "$TMP/bulkclient" -u /dev/zero "TCP4:$P4:$1" 2>/dev/null
	fi
	wait "$s"
	jq -r --arg p "$1" '[.flows[] | select(.direction == "active" and .peer.port == $p)] |
		"\(map(.rtt_ms // 0) | max // 0) \(map(.delta.retransmits // 0) | add // 0)"' \
		"$TMP/h$1.json" | awk '{ if ($1 > r) r = $1; t += $2 } END { printf "%d %d\n", r, t }'
}
read -r rtt rtx <<<"$(health 9000 2 paced)"
assert_eq "clean link: RTT under 50 ms (got $rtt)" "$((rtt < 50))" 1
assert_eq "clean link: no retransmissions" "$rtx" 0

inh tc qdisc add dev vh root tbf rate 1mbit burst 32kbit latency 400ms || ns_fail "tbf"
read -r rtt rtx <<<"$(health 9001 3)"
assert_eq "tbf 1 mbit: RTT of hundreds of ms (got $rtt)" "$((rtt >= 100))" 1
inh tc qdisc del dev vh root

inp nft add table inet lsctloss &&
	inp nft add chain inet lsctloss in '{ type filter hook input priority -10; }' &&
	inp nft add rule inet lsctloss in tcp dport 9002 numgen random mod 20 == 0 drop ||
	ns_fail "nft loss rule"
# The same lossy transfer in the metrics (--listen, -P): its series'
# retransmission counter, scraped every 0.4 s, rises and never falls
# (owners are on here: the series have owner="host").
MPORT=19231
bg "$H" "$LSCT" -P -n --listen "127.0.0.1:$MPORT" --metrics-only -d 0.5
for _ in $(seq 50); do
	[ "$(inh curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/metrics")" = 200 ] &&
		break
	sleep 0.1
done
# A sanitized build dumps several times slower: the lossy transfer (and the
# scrapes during it) then last longer, so some dump still sees its socket.
LOSS_SECS=2
[ -n "$LSCT_SANITIZED" ] && LOSS_SECS=6
NSCRAPES=$((LOSS_SECS * 5))
inh bash -c 'for i in $(seq "$4"); do
	curl -s "$1" -o "$2.$i"
	awk -v s="$3" "index(\$0, \"lsconntrack_flow_retransmits_total{\") == 1 &&
		index(\$0, s) { v = \$2 } END { print v + 0 }" "$2.$i"
	sleep 0.4
done' _ "http://127.0.0.1:$MPORT/metrics" "$TMP/scrape" \
	"peer=\"$P4\",peer_port=\"9002\"} " "$NSCRAPES" \
	>"$TMP/rtx" &
SAMPLER=$!
read -r rtt rtx <<<"$(health 9002 "$LOSS_SECS")"
assert_eq "5% loss: retransmissions (got $rtx)" "$((rtx > 0))" 1
wait "$SAMPLER"
first=$(head -n 1 "$TMP/rtx")
last=$(tail -n 1 "$TMP/rtx")
assert_eq "metrics: the retransmission counter rises ($(tr '\n' ' ' <"$TMP/rtx"))" \
	"$((last > first && last > 0))" 1
assert_eq "metrics: the retransmission counter never falls" \
	"$(sort -n -c "$TMP/rtx" 2>/dev/null && echo sorted)" sorted
# The scrapes during the transfer: the lossy flow's RTT gauge and its process.
mid=$TMP/scrapes
for i in $(seq $((NSCRAPES - 1))); do cat "$TMP/scrape.$i"; done >"$mid" 2>/dev/null
assert_match "metrics: the flow's RTT gauge" "$(cat "$mid" 2>/dev/null)" \
	"lsconntrack_flow_rtt_seconds\\{direction=\"active\",proto=\"tcp\",owner=\"host\",peer=\"$P4\",peer_port=\"9002\"\\} 0\\.[0-9]"
assert_match "metrics: the flow's process" "$(cat "$mid" 2>/dev/null)" \
	"lsconntrack_flow_process_info\\{direction=\"active\",proto=\"tcp\",owner=\"host\",peer=\"$P4\",peer_port=\"9002\",comm=\"bulkclient\",unit=\"[^\"]*\",uid=\"0\"\\} 1"
promtool check metrics <"$TMP/scrape.$NSCRAPES" >"$TMP/promtool.out" 2>&1
assert_eq "metrics with -P: promtool check metrics ($(head -c 200 "$TMP/promtool.out"))" "$?" 0
rps=$(jq -r '.flows[] | select(.direction == "active" and .peer.port == "9002") |
	.retrans_per_s // 0' "$TMP/h9002.json" | sort -g | tail -1)
assert_match "5% loss: retrans_per_s above 0 (got $rps)" "$rps" '^[0-9]*\.?[0-9]*[1-9]'

t_summary "$SUITE"
