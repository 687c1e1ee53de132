#!/bin/bash
# tests/integration/routed.sh - routed flows on the real kernel.  R is a
# router between a client namespace C (10.NET.1.2) and a server namespace S
# (10.NET.2.2): ip_forward=1 in R only, conntrack on in R through an nft
# `ct state` rule in its forward chain, a DNAT rule (C's 10.NET.9.9:8443,
# an address no namespace holds, goes to S:80) and a masquerade rule (C to
# S:9200 leaves with R's address).  Known traffic C -> S: 300000 bytes to
# S:9000 (plain routing), 200000 through the DNAT, 100000 masqueraded.
# lsconntrack runs inside R (ip netns exec R), where none of these entries
# has an end:
#  - owners off (--no-owners): nothing is known of other namespaces, so
#    every such entry is routed: the Routed rows show client, server, NAT and
#    the bytes within a few %;
#  - owners on (the default): C and S are namespaces of this machine, so the
#    same entries are C's active and S's passive flows, none routed; only an
#    entry made with conntrack -I between addresses no namespace holds is;
#  - the monitor (tmux): the Routed pane with owners on (it has a flow), not
#    with owners off until R is pressed or -R given; R toggles it.
# Needs root; skips loudly without.
#
# Run from the repository root, as the other root suites:
#   flock /tmp/lsct-root.lock bash tests/integration/routed.sh
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
SUITE=routed
N_TESTS=30
NS_TOOLS="tmux"
NS_TAG=r
NS_NET=222
. tests/integration/nslib.sh

TMUX_SOCK=lsct-routed-$$
R=lsct-rr-$$
C=lsct-rc-$$
S=lsct-rs-$$
C4=10.$NS_NET.1.2
S4=10.$NS_NET.2.2
RS4=10.$NS_NET.2.1
VIP=10.$NS_NET.9.9
# conntrack -I: addresses no namespace of this machine holds (TEST-NET-2/3 are
# used by other suites' crafted entries only, never on an interface).
GHOST_C=198.18.7.5
GHOST_S=198.18.8.9

# Called by nslib's ns_cleanup on exit.
# shellcheck disable=SC2317
suite_cleanup() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	return 0
}

tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }
inr() { ip netns exec "$R" "$@"; }

for ns in "$R" "$C" "$S"; do
	ns_new "$ns" || ns_fail "ip netns add $ns"
done
# link NS RSIDE NET: a veth from R (.1) to NS (.2) on 10.NS_NET.NET.0/24.
link() {
	ip -n "$R" link add "$2" type veth peer name eth0 netns "$1" || return 1
	ip -n "$R" addr add "10.$NS_NET.$3.1/24" dev "$2"
	ip -n "$1" addr add "10.$NS_NET.$3.2/24" dev eth0
	ip -n "$R" link set "$2" up
	ip -n "$1" link set eth0 up
}
link "$C" rc 1 || ns_fail "veth to C"
link "$S" rs 2 || ns_fail "veth to S"
ip -n "$C" route add default via "10.$NS_NET.1.1" || ns_fail "C route"
ip -n "$S" route add default via "10.$NS_NET.2.1" || ns_fail "S route"
inr sysctl -qw net.ipv4.ip_forward=1 || ns_fail "ip_forward in R"
inr nft -f - <<NFT || ns_fail "nft in R"
table ip lsctrouted {
	chain pre { type nat hook prerouting priority dstnat; ip daddr $VIP tcp dport 8443 dnat to $S4:80; }
	chain post { type nat hook postrouting priority srcnat; oifname "rs" tcp dport 9200 masquerade; }
	chain through { type filter hook forward priority 0; ct state established,related,new accept; }
}
NFT
inr sysctl -qw net.netfilter.nf_conntrack_acct=1 || ns_fail "nf_conntrack_acct=1 in R"

for port in 9000 80 9200; do
	bg "$S" socat -u "TCP4-LISTEN:$port,reuseaddr,fork" OPEN:/dev/null,wronly
done
for port in 9000 80 9200; do
	wait_listen "$S" t "$port" || ns_fail "server S:$port"
done
send "$C" 300000 "TCP4:$S4:9000" || ns_fail "C to S:9000"
send "$C" 200000 "TCP4:$VIP:8443" || ns_fail "C to $VIP:8443 (DNAT)"
send "$C" 100000 "TCP4:$S4:9200" || ns_fail "C to S:9200 (masquerade)"
for _ in $(seq 100); do
	n=$(inr conntrack -L -p tcp 2>/dev/null | grep -c TIME_WAIT)
	[ "$n" -ge 3 ] && break
	sleep 0.1
done
[ "$n" = 3 ] || ns_fail "want 3 TCP entries in TIME_WAIT in R, got $n"

# lsct ARGS: lsconntrack in R; sets OUT ERR RC.
lsct() {
	OUT=$(inr "$LSCT" "$@" 2>"$TMP/err" </dev/null)
	RC=$?
	ERR=$(cat "$TMP/err")
}
# routed JSON: "client server port dnat snat" lines of the routed flows, sorted.
routed() {
	printf '%s' "$1" | jq -r '.[] | select(.direction == "routed") |
		"\(.client.addr) \(.server.addr) \(.server.port) \(.nat.dnat.addr // "-"):\(.nat.dnat.port // "-") \(.nat.snat.addr // "-")"' | sort
}
# rstat JSON SERVER PORT FIELD: a stat field of the routed flow to SERVER:PORT.
rstat() {
	printf '%s' "$1" | jq -r --arg s "$2" --arg p "$3" --arg f "$4" \
		'.[] | select(.direction == "routed" and .server.addr == $s and .server.port == $p) | .stat[$f]'
}

# ---------------------------------------------------------------------------
# Owners off: R knows nothing of C and S, every entry through it is routed.

lsct -n --json --no-owners
assert_eq "no -R: exit 0" "$RC" 0
assert_eq "no -R: no routed rows" "$(routed "$OUT")" ""
assert_match "no -R: the three counted as forwarded" "$ERR" '\b3 forwarded through this host'

lsct -n --json --no-owners -R
assert_eq "-R --no-owners: exit 0" "$RC" 0
assert_eq "-R --no-owners: client, server as addressed, port, DNAT, SNAT" "$(routed "$OUT")" \
	"$(printf '%s\n' "$C4 $S4 9000 -:- -" "$C4 $S4 9200 -:- $RS4" "$C4 $VIP 8443 $S4:80 -" | sort)"
assert_no_match "-R --no-owners: nothing left forwarded" "$ERR" 'forwarded'
ob=$(rstat "$OUT" "$S4" 9000 total_outbound_bytes)
assert_ge "routed C -> S:9000: at least the 300000 bytes" "$ob" 300000
assert_lt "routed C -> S:9000: within a few % (headers)" "$ob" 318000
ob=$(rstat "$OUT" "$VIP" 8443 total_outbound_bytes)
assert_ge "routed DNAT: at least the 200000 bytes" "$ob" 200000
assert_lt "routed DNAT: within a few %" "$ob" 212000
ob=$(rstat "$OUT" "$S4" 9200 total_outbound_bytes)
assert_ge "routed SNAT: at least the 100000 bytes" "$ob" 100000
assert_lt "routed SNAT: within a few %" "$ob" 106000
ib=$(rstat "$OUT" "$S4" 9000 total_inbound_bytes)
assert_lt "routed C -> S:9000: the server's side is only acks" "$ib" 30000
assert_eq "routed: one connection each, closed" \
	"$(printf '%s' "$OUT" | jq -c '[.[] | select(.direction == "routed") | .connections] | add')" 0

lsct -n -b --no-owners -R
assert_match "table: the DNAT row" "$OUT" \
	"^$C4:many +--> +$VIP:8443 \\(dnat $S4:80\\) +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +0\$"
assert_match "table: the masqueraded row" "$OUT" "^$C4:many +--> +$S4:9200 \\(snat $RS4\\) "

# ---------------------------------------------------------------------------
# Owners on: C and S are namespaces of this machine: their flows, not routed.

lsct -n --json -R
assert_eq "owners on -R: exit 0" "$RC" 0
assert_eq "owners on: nothing routed" "$(routed "$OUT")" ""
assert_eq "owners on: C's three active flows, to the addresses it used" \
	"$(printf '%s' "$OUT" | jq -r --arg c "$C" '.[] | select(.direction == "active" and .owner.name == $c) | "\(.peer.addr):\(.peer.port)"' | sort | paste -sd' ' -)" \
	"$(printf '%s\n' "$S4:9000" "$S4:9200" "$VIP:8443" | sort | paste -sd' ' -)"
assert_eq "owners on: S's passive flows on its real ports (80 behind the DNAT)" \
	"$(printf '%s' "$OUT" | jq -r --arg s "$S" '.[] | select(.direction == "passive" and .owner.name == $s) | .local.port' | sort -n | paste -sd' ' -)" \
	"80 9000 9200"

# An entry with no end on this machine: routed with owners on too.
inr conntrack -I -p tcp -s "$GHOST_C" -d "$GHOST_S" --sport 40000 --dport 443 \
	--state ESTABLISHED -t 600 -u ASSURED,SEEN_REPLY >/dev/null 2>&1 ||
	ns_fail "conntrack -I (routed)"
lsct -n --json -R
assert_eq "owners on: the conntrack -I entry is routed, alone" "$(routed "$OUT")" \
	"$GHOST_C $GHOST_S 443 -:- -"
lsct -n --json
assert_match "owners on, no -R: it is counted as forwarded" "$ERR" '\b1 forwarded through this host'

# ---------------------------------------------------------------------------
# The monitor

# A session that holds the server up between monitors.
tm -u new-session -d -s keep cat || ns_fail "tmux new-session"
start_mon() {	# ARGS
	local i
	tm kill-session -t mon 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		tm has-session -t mon 2>/dev/null || break
		sleep 0.1
	done
	tm -u new-session -d -s mon -x 150 -y 36 \
		"ip netns exec $R $LSCT $1 2>$TMP/mon.err; echo EXIT=\$? >$TMP/exit"
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
gone_mon() {	# ERE [SECS]: until no line matches
	local i
	for ((i = 0; i < ${2:-8} * 10; i++)); do
		SCREEN=$(cap)
		printf '%s\n' "$SCREEN" | grep -Eq -- "$1" || return 0
		sleep 0.1
	done
	return 1
}
RT=$(title Routed)

# Owners on: the conntrack -I entry has the pane shown by itself.
start_mon "-n"
if wait_mon "$RT" && wait_mon "$GHOST_C:many +-[-x]> +$GHOST_S:443"; then
	t_ok "monitor, owners on: the Routed pane with the routed flow"
else
	t_fail "monitor, owners on: the Routed pane with the routed flow" "$(cap)"
fi
assert_no_match "monitor, owners on: C's entries are not routed rows" "$SCREEN" "^$C4:many"
tm send-keys -t mon R
if gone_mon "$RT"; then t_ok "monitor: R hides the pane"; else t_fail "monitor: R hides the pane" "$(cap)"; fi
tm send-keys -t mon R
if wait_mon "$RT"; then t_ok "monitor: R shows it again"; else t_fail "monitor: R shows it again" "$(cap)"; fi
tm send-keys -t mon q

# Owners off: hidden until R.
inr conntrack -D -s "$GHOST_C" >/dev/null 2>&1
start_mon "-n --no-owners"
wait_mon "$(title Active)" || true
sleep 1
assert_no_match "monitor, owners off: no Routed pane at first" "$(cap)" "$RT"
tm send-keys -t mon R
if wait_mon "$RT" && wait_mon "$C4:many +-[-x]> +$VIP:8443 \\(dnat $S4:80\\)"; then
	t_ok "monitor, owners off: R shows the routed flows, with the DNAT"
else
	t_fail "monitor, owners off: R shows the routed flows, with the DNAT" "$(cap)"
fi
tm send-keys -t mon q
start_mon "-n --no-owners -R"
if wait_mon "$RT" && wait_mon "$C4:many +-[-x]> +$S4:9200 \\(snat $RS4\\)"; then
	t_ok "monitor, owners off, -R: the pane from the start"
else
	t_fail "monitor, owners off, -R: the pane from the start" "$(cap)"
fi
tm send-keys -t mon q
for _ in $(seq 50); do
	[ -e "$TMP/exit" ] && break
	sleep 0.1
done
assert_eq "monitor: q quits with 0" "$(cat "$TMP/exit" 2>/dev/null)" "EXIT=0"

t_summary "$SUITE"
