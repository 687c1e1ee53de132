#!/bin/bash
# tests/integration/zone.sh - conntrack zones and marks, and broadcasts, on
# the real kernel: nft rules in H put one port's connections in zone 7
# (`ct zone set` in raw-priority chains, both directions) and mark two
# others (`ct mark set`).  --zone and --mark show only those flows, with the
# bytes conntrack itself reports, the same with the kernel-side filter and
# without it (LSCT_NO_KFILTER=1), and the kernel really leaves the rest out
# of its dump; DESTROY events of other zones do not count in a stream; the
# monitor's connection list has a Zone column only for zoned connections.
# A UDP broadcast P sends (255.255.255.255 and a subnet's broadcast address)
# is a passive flow of H's port.  Needs root; skips loudly without.
#
# Run from the repository root, as the other root suites:
#   flock /tmp/lsct-root.lock bash tests/integration/zone.sh
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
SUITE=zone
N_TESTS=52
NS_TOOLS="strace tmux"
NS_TAG=z
NS_NET=216
. tests/integration/nslib.sh
# shellcheck source=tests/integration/kflib.sh
. tests/integration/kflib.sh

TMUX_SOCK=lsct-zone-$$

# Called by nslib's ns_cleanup on exit.
# shellcheck disable=SC2317
suite_cleanup() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	return 0
}

tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }

ns_setup

# A second subnet whose broadcast address H knows (brd +: IFA_BROADCAST).
B_H=10.$NS_NET.1.1
B_P=10.$NS_NET.1.2
B_BRD=10.$NS_NET.1.255
ip -n "$H" addr add "$B_H/24" brd + dev vh || ns_fail "second address in H"
ip -n "$P" addr add "$B_P/24" brd + dev vp || ns_fail "second address in P"

# Zone 7 for ports 7007 and 7008 (set before conntrack looks the packet up,
# so at raw priority, and for both directions); marks 0x10 and 0x20.
inh nft -f - <<NFT || ns_fail "nft zone and mark rules"
table inet lsctz {
	chain pre {
		type filter hook prerouting priority raw;
		ip saddr $P4 tcp sport { 7007, 7008 } ct zone set 7
	}
	chain out {
		type filter hook output priority raw;
		tcp dport { 7007, 7008 } ct zone set 7
	}
	chain setmark {
		type filter hook output priority 0;
		tcp dport 7010 ct mark set 0x10
		tcp dport 7011 ct mark set 0x20
	}
}
NFT

for port in 7000 7007 7008 7010 7011; do
	bg "$P" socat -u "TCP4-LISTEN:$port,bind=$P4,reuseaddr,fork" OPEN:/dev/null,wronly
done
for port in 7000 7007 7008 7010 7011; do
	wait_listen "$P" t "$port" || ns_fail "server $port"
done
send "$H" 5000 "TCP4:$P4:7000" || ns_fail "client 7000"
send "$H" 30000 "TCP4:$P4:7007" || ns_fail "client 7007"
send "$H" 20000 "TCP4:$P4:7010" || ns_fail "client 7010"
send "$H" 10000 "TCP4:$P4:7011" || ns_fail "client 7011"
for _ in $(seq 100); do
	n=$(inh conntrack -L -p tcp 2>/dev/null | grep -c TIME_WAIT)
	[ "$n" -ge 4 ] && break
	sleep 0.1
done
[ "$n" = 4 ] || ns_fail "want 4 TCP entries in TIME_WAIT, got $n"


jports() { printf '%s' "$1" | jq -r '[.[] | "\(.direction) \(.peer.addr) \(.peer.port)"] | sort | join(",")'; }
# BYTES PORT: "outbound inbound" of the flow to PORT.
jbytes() {
	printf '%s' "$1" | jq -r --arg p "$2" \
		'.[] | select(.peer.port == $p) | "\(.stat.total_outbound_bytes) \(.stat.total_inbound_bytes)"'
}
# What conntrack -L says of the entry to PORT: "orig-bytes reply-bytes".
ctbytes() {
	inh conntrack -L -p tcp --dport "$1" 2>/dev/null |
		grep -o 'bytes=[0-9]*' | cut -d= -f2 | paste -sd' ' -
}

# ---------------------------------------------------------------------------
# --zone

same "--zone 7" -n --zone 7 --json
assert_eq "--zone 7: only the zoned flow" "$(jports "$OUT")" "active $P4 7007"
assert_eq "--zone 7: its bytes are conntrack's" "$(jbytes "$OUT" 7007)" "$(ctbytes 7007)"
assert_ge "--zone 7: at least what was sent" "$(jbytes "$OUT" 7007 | cut -d' ' -f1)" 30000
assert_match "conntrack agrees it is in zone 7" "$(inh conntrack -L -p tcp --dport 7007 2>/dev/null)" 'zone=7'
same "--zone 0" -n --zone 0 --json
assert_eq "--zone 0: the other three" "$(jports "$OUT")" \
	"active $P4 7000,active $P4 7010,active $P4 7011"
same "--zone 9 (table)" -n --zone 9
assert_eq "--zone 9: the header alone" "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" 1

# ---------------------------------------------------------------------------
# --mark

same "--mark 0x10/0xff" -n --mark 0x10/0xff --json
assert_eq "--mark 0x10/0xff: only the marked flow" "$(jports "$OUT")" "active $P4 7010"
assert_eq "--mark 0x10/0xff: its bytes are conntrack's" "$(jbytes "$OUT" 7010)" "$(ctbytes 7010)"
same "--mark 32" -n --mark 32 --json
assert_eq "--mark 32: the 0x20 flow" "$(jports "$OUT")" "active $P4 7011"
same "--mark 0/0xf0 --zone 7" -n --mark 0/0xf0 --zone 7 --json
assert_eq "--mark 0/0xf0 --zone 7: both hold" "$(jports "$OUT")" "active $P4 7007"

# ---------------------------------------------------------------------------
# the kernel leaves the rest out of its dump (CTA_ZONE, CTA_MARK)

ALL=$(msgs LSCT_NO_KFILTER=1 -- -n --zone 7 --json)
assert_eq "messages without the kernel filter: every entry" "$ALL" 4
assert_eq "messages of --zone 7: one" "$(msgs -- -n --zone 7 --json)" 1
assert_eq "messages of --zone 0: three" "$(msgs -- -n --zone 0 --json)" 3
assert_eq "messages of --mark 0x10/0xff: one" "$(msgs -- -n --mark 0x10/0xff --json)" 1
assert_eq "messages of -a --aport 7007 --zone 7: one" "$(msgs -- -n -a --aport 7007 --zone 7 --json)" 1

# A stream: every snapshot the zoned flow only.
lsct -- -n --zone 7 -c 2 -d 0.2 --json
assert_eq "stream --zone 7: exit 0" "$RC" 0
assert_eq "stream --zone 7: the zoned flow in each line" \
	"$(printf '%s\n' "$OUT" | jq -c '[.flows[] | .peer.port]' | paste -sd' ' -)" '["7007"] ["7007"]'

# ---------------------------------------------------------------------------
# broadcast received: a passive flow of the port it was sent to

echo hi | inp socat -u - "UDP4-DATAGRAM:255.255.255.255:6767,broadcast,so-bindtodevice=vp" ||
	ns_fail "broadcast to 255.255.255.255"
echo hi | inp socat -u - "UDP4-DATAGRAM:$B_BRD:6768,broadcast" || ns_fail "broadcast to $B_BRD"
for _ in $(seq 50); do
	[ "$(inh conntrack -L -p udp 2>/dev/null | grep -c 'dport=676[78] ')" -ge 2 ] && break
	sleep 0.1
done
lsct -- -n -u --json
assert_eq "broadcast: exit 0" "$RC" 0
assert_eq "broadcast to 255.255.255.255: passive on 6767 from P" \
	"$(printf '%s' "$OUT" | jq -c '[.[] | select(.local.port == "6767") | [.direction, .peer.addr, .stat.total_inbound_bytes]]')" \
	"[[\"passive\",\"$P4\",31]]"
assert_eq "broadcast to $B_BRD: passive on 6768 from P" \
	"$(printf '%s' "$OUT" | jq -c '[.[] | select(.local.port == "6768") | [.direction, .peer.addr]]')" \
	"[[\"passive\",\"$B_P\"]]"
assert_no_match "broadcast: nothing counted forwarded" "$ERR" 'forwarded'

# ---------------------------------------------------------------------------
# the monitor: a Zone column in the connection list, only for zoned rows

# A session that holds the server up between monitors (an exiting server
# cannot race the next new-session: "server exited unexpectedly").
tm -u new-session -d -s keep cat || ns_fail "tmux new-session"

start_mon() {	# ARGS
	local i
	tm kill-session -t mon 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		tm has-session -t mon 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$TMP/exit"
	tm -u new-session -d -s mon -x 120 -y 30 \
		"ip netns exec $H env $LSCT $1 2>$TMP/mon.err; echo EXIT=\$? >$TMP/exit"
}
cap() { tm capture-pane -p -t mon 2>/dev/null; }
wait_mon() {	# ERE [SECS]
	local i
	for ((i = 0; i < ${2:-8} * 10; i++)); do
		SCREEN=$(cap)
		printf '%s\n' "$SCREEN" | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# A long-lived connection in zone 7, and one in zone 0.
bg "$H" sh -c "while :; do echo x; sleep 0.2; done | socat -u - TCP4:$P4:7008"
bg "$H" sh -c "while :; do echo y; sleep 0.2; done | socat -u - TCP4:$P4:7000"
for _ in $(seq 50); do
	[ "$(inh conntrack -L -p tcp 2>/dev/null | grep -c 'ESTABLISHED.*dport=700[08] ')" -ge 2 ] && break
	sleep 0.1
done

start_mon "-n -a --aport 7008"
wait_mon "10\\.$NS_NET\\.0\\.2:7008" || true
tm send-keys -t mon Enter
if wait_mon 'Connections of localhost:many --> [0-9.]+:7008' &&
	wait_mon "(^|  )10\\.$NS_NET\\.0\\.1:[0-9]+ -> "; then
	t_ok "monitor: the zoned flow's connection list"
	assert_match "monitor: a Zone column after Connection" "$SCREEN" '(^|  )Connection +Zone +State '
	assert_match "monitor: the connection's zone" "$SCREEN" \
		"(^|  )10\\.$NS_NET\\.0\\.1:[0-9]+ -> 10\\.$NS_NET\\.0\\.2:7008 +7 +ESTABLISHED "
else
	t_fail "monitor: the zoned flow's connection list" "$(cap)"
	t_skip "monitor: a Zone column after Connection" "no list"
	t_skip "monitor: the connection's zone" "no list"
fi
tm send-keys -t mon q
start_mon "-n -a --aport 7000"
wait_mon "10\\.$NS_NET\\.0\\.2:7000" || true
tm send-keys -t mon Enter
if wait_mon 'Connections of localhost:many --> [0-9.]+:7000' &&
	wait_mon "(^|  )10\\.$NS_NET\\.0\\.1:[0-9]+ -> "; then
	t_ok "monitor: a zone-0 flow's connection list"
	assert_match "monitor: zone 0 only: no Zone column" "$SCREEN" '(^|  )Connection +State '
	assert_no_match "monitor: zone 0 only: no Zone title" "$SCREEN" ' Zone '
else
	t_fail "monitor: a zone-0 flow's connection list" "$(cap)"
	t_skip "monitor: zone 0 only: no Zone column" "no list"
	t_skip "monitor: zone 0 only: no Zone title" "no list"
fi
tm send-keys -t mon q
for _ in $(seq 50); do
	[ -e "$TMP/exit" ] && break
	sleep 0.1
done
assert_eq "monitor: q quits with 0" "$(cat "$TMP/exit" 2>/dev/null)" "EXIT=0"

# ---------------------------------------------------------------------------
# events: connections born and gone between two snapshots count only in
# their zone (TIME_WAIT of 1 s makes their DESTROY come at once)

inh sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_time_wait=1 || ns_fail "time_wait=1"
inh sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_close=1
ip netns exec "$H" "$LSCT" -n --zone 7 -c 5 -d 1 --json >"$TMP/ev.out" 2>"$TMP/ev.err" </dev/null &
EVPID=$!
PIDS+=("$EVPID")
sleep 1.5
for _ in 1 2 3; do
	send "$H" 1000 "TCP4:$P4:7007"
	send "$H" 1000 "TCP4:$P4:7000"
	send "$H" 1000 "TCP4:$P4:7010"
done
wait "$EVPID"
assert_eq "events stream: exit 0" "$?" 0
assert_eq "events stream: five lines" "$(wc -l <"$TMP/ev.out" | tr -d ' ')" 5
assert_eq "events stream: only zone 7's flows, ever" \
	"$(jq -r '.flows[] | .peer.port' "$TMP/ev.out" | sort -u | paste -sd' ' -)" "7007 7008"
assert_eq "events stream: the three zone-7 connections are new, once" \
	"$(jq -s '[.[].flows[] | select(.peer.port == "7007") | .delta.new_connections] | add' "$TMP/ev.out")" 3
assert_eq "events stream: and closed, once" \
	"$(jq -s '[.[].flows[] | select(.peer.port == "7007") | .delta.closed_connections] | add' "$TMP/ev.out")" 3
assert_no_match "events stream: no events lost" "$(jq -r '.events_lost' "$TMP/ev.out" | sort -u)" '[1-9]'

t_summary "$SUITE"
