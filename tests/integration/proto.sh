#!/bin/bash
# tests/integration/proto.sh - every protocol conntrack tracks, on the real
# kernel, between two namespaces that both track (H pings and sends, P
# answers): ICMP and ICMPv6 (ping -c 5 -s 100), UDP-Lite (python3's socket
# with IPPROTO_UDPLITE), GRE and SCTP through raw sockets
# (tests/integration/protopeer.py: no GRE device or SCTP module needed),
# and one TCP connection.  Each must be exactly one flow with the packets
# and bytes sent: active in H, passive in P; --proto all shows them
# together, the default only TCP.  A protocol the kernel cannot carry here
# is skipped loudly, with the reason.  Needs root; skips loudly without.
#
# Run from the repository root, as the other root suites:
#   flock /tmp/lsct-root.lock bash tests/integration/proto.sh
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
SUITE=proto
N_TESTS=52
NS_TOOLS="ping python3 tmux"
NS_TAG=r
NS_NET=213
. tests/integration/nslib.sh

PEER=tests/integration/protopeer.py
TMUX_SOCK=lsct-proto-$$

# Called by nslib's ns_cleanup on exit.
# shellcheck disable=SC2317
suite_cleanup() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	return 0
}
tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }

ns_setup
# P tracks too (its flows are the passive side), with counters.
ns_track "$P" || ns_fail "nft in $P"
inp sysctl -qw net.netfilter.nf_conntrack_acct=1 || ns_fail "nf_conntrack_acct=1 in $P"

# lsct NS ARGS: lsconntrack in NS; sets OUT ERR RC.
lsct() {
	local ns=$1
	shift
	OUT=$(ip netns exec "$ns" "$LSCT" "$@" 2>"$TMP/err" </dev/null)
	RC=$?
	ERR=$(cat "$TMP/err")
}

# flow NS PROTO DIR PEER: the one JSON flow of PROTO, DIR and PEER address
# in NS, as "in_pkts in_bytes out_pkts out_bytes conns local.port
# peer.port key" (key: icmp_type or gre_key, - for others).
flow() {
	lsct "$1" -n --json --proto "$2"
	printf '%s' "$OUT" | jq -r --arg p "$2" --arg d "$3" --arg a "$4" '
		[.[] | select(.proto == $p and .direction == $d and .peer.addr == $a)] |
		if length == 1 then .[0] |
			"\(.stat.total_inbound_packets) \(.stat.total_inbound_bytes) \(.stat.total_outbound_packets) \(.stat.total_outbound_bytes) \(.connections) \(.local.port) \(.peer.port) \(.icmp_type // .gre_key // "-")"
		else "\(length) flows" end'
}

# wait_raw NS PROTO: until a raw socket of PROTO exists in NS (5 s at most).
wait_raw() {
	local i hex
	hex=$(printf '%04X' "$2")
	for i in $(seq 50); do
		ip netns exec "$1" cat /proc/net/raw 2>/dev/null | grep -q ":$hex " && return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------------------
# ICMP and ICMPv6: one echo exchange each way of counting.  100 bytes of
# data: 128-byte IPv4 packets (20 + 8 + 100), 148-byte IPv6 ones (40 + 8 + 100).

inh ping -q -c 5 -s 100 -i 0.2 -W 2 "$P4" >/dev/null || ns_fail "ping $P4"
inh ping -q -6 -c 5 -s 100 -i 0.2 -W 2 "$P6" >/dev/null || ns_fail "ping $P6"

assert_eq "icmp: the pinger's active flow" "$(flow "$H" icmp active "$P4")" "5 640 5 640 1 null null 8"
assert_eq "icmp: the target's passive flow" "$(flow "$P" icmp passive "$H4")" "5 640 5 640 1 null null 8"
assert_eq "icmp: no passive flow on the pinger" "$(flow "$H" icmp passive "$P4")" "0 flows"
assert_eq "icmpv6: the pinger's active flow" "$(flow "$H" icmpv6 active "$P6")" "5 740 5 740 1 null null 128"
assert_eq "icmpv6: the target's passive flow" "$(flow "$P" icmpv6 passive "$H6")" "5 740 5 740 1 null null 128"
lsct "$H" -n --proto icmp -4
assert_eq "icmp table: exit 0" "$RC" 0
assert_eq "icmp table: the flow, no port" "$(printf '%s\n' "$OUT" | awk '{ $1 = $1; print }')" \
"Local Address:Port <--> Peer Address:Port Inpkts Inbytes Outpkts Outbytes Conns Proto
localhost --> $P4 5 640 5 640 1 icmp"
lsct "$P" -n --proto icmpv6 -p
assert_eq "icmpv6 table in P: the passive flow" "$(printf '%s\n' "$OUT" | sed 1d | awk '{ $1 = $1; print }')" \
"localhost <-- $H6 5 740 5 740 1 icmpv6"
# A second ping (another id): another entry, the same flow.
inh ping -q -c 2 -s 100 -i 0.2 -W 2 "$P4" >/dev/null || ns_fail "ping $P4 again"
assert_eq "icmp: two pings, one flow of two connections" "$(flow "$H" icmp active "$P4")" "7 896 7 896 2 null null 8"
# The kernel's ICMP entry carries the id and type this host saw.
id=$(inh conntrack -L -p icmp 2>/dev/null | sed -n 's/.* type=8 code=0 id=\([0-9]*\) .*/\1/p' | head -n 1)
assert_match "icmp: conntrack shows the echo id" "$id" '^[0-9]+$'

# ---------------------------------------------------------------------------
# UDP-Lite: 3 datagrams of 200 bytes to P:7000, each answered (228-byte packets).

lite_ok=1
if ! inh python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM, 136)' 2>/dev/null; then
	lite_ok=0
	echo "$SUITE: UDP-Lite: this kernel has no UDP-Lite sockets; its 5 tests are skipped" >&2
	T_SKIP=$((T_SKIP + 5))
fi
if [ "$lite_ok" = 1 ]; then
	# Over veth the UDP-Lite tracker's checksum check fails every received
	# datagram (measured on 6.18: conntrack -S counts them invalid, so each
	# side sees only its own sends); the per-namespace sysctl turns it off.
	inh sysctl -qw net.netfilter.nf_conntrack_checksum=0
	inp sysctl -qw net.netfilter.nf_conntrack_checksum=0
	bg "$P" python3 "$PEER" udplite-echo "$P4" 7000 3
	for _ in $(seq 50); do
		grep -q ':1B58 ' <(inp cat /proc/net/udplite 2>/dev/null) && break
		sleep 0.1
	done
	inh python3 "$PEER" udplite-send "$P4" 7000 3 200 || ns_fail "UDP-Lite traffic"
	if inh conntrack -L 2>/dev/null | grep -q '^udplite '; then
		assert_eq "udplite: active flow to P:7000" "$(flow "$H" udplite active "$P4")" "3 684 3 684 1 many 7000 -"
		assert_eq "udplite: passive flow on P:7000" "$(flow "$P" udplite passive "$H4")" "3 684 3 684 1 7000 many -"
		lsct "$H" -n --proto udplite
		assert_match "udplite table: its row" "$OUT" "^localhost:many +--> +$P4:7000 +3 +684 +3 +684 +1 +udplite\$"
		assert_eq "udplite: one entry in H" "$(inh conntrack -L 2>/dev/null | grep -c '^udplite ')" 1
		assert_eq "udplite: not UDP" "$(flow "$H" udp active "$P4")" "0 flows"
	else
		echo "$SUITE: UDP-Lite: the kernel tracks it as an unknown protocol (no UDP-Lite tracker); its 5 tests are skipped" >&2
		T_SKIP=$((T_SKIP + 5))
	fi
fi

# ---------------------------------------------------------------------------
# GRE (version 0, keys 0): 4 packets of 100 bytes each way (124-byte packets).

if [ ! -e /proc/sys/net/netfilter/nf_conntrack_gre_timeout ]; then
	echo "$SUITE: GRE: the kernel has no GRE conntrack (nf_conntrack_proto_gre); its 6 tests are skipped" >&2
	T_SKIP=$((T_SKIP + 6))
else
	bg "$P" python3 "$PEER" gre-echo 4
	wait_raw "$P" 47 || ns_fail "GRE raw socket in $P"
	inh python3 "$PEER" gre-send "$P4" 4 100 || ns_fail "GRE traffic"
	assert_eq "gre: one entry in H, keys 0" "$(inh conntrack -L -p gre 2>/dev/null | grep -c 'srckey=0x0 dstkey=0x0')" 1
	assert_eq "gre: active flow in H" "$(flow "$H" gre active "$P4")" "4 496 4 496 1 null null 0"
	assert_eq "gre: passive flow in P" "$(flow "$P" gre passive "$H4")" "4 496 4 496 1 null null 0"
	lsct "$H" -n --proto gre
	assert_match "gre table: no port, plain name" "$OUT" "^localhost +--> +$P4 +4 +496 +4 +496 +1 +gre\$"
	lsct "$P" -n --proto gre
	assert_match "gre table in P: passive" "$OUT" "^localhost +<-- +$H4 +4 +496 +4 +496 +1 +gre\$"
	lsct "$H" -n --proto gre --aport 0 -a
	assert_no_match "gre: a port filter hides it" "$OUT" 'gre'
fi

# ---------------------------------------------------------------------------
# SCTP: a handshake (INIT, INIT_ACK, COOKIE_ECHO, COOKIE_ACK) from H:5000
# to P:38412: ESTABLISHED.  INIT and COOKIE_ECHO are 52 bytes, INIT_ACK 72,
# COOKIE_ACK 36.

if [ ! -e /proc/sys/net/netfilter/nf_conntrack_sctp_timeout_established ]; then
	echo "$SUITE: SCTP: the kernel has no SCTP conntrack (nf_conntrack_proto_sctp); its 9 tests are skipped" >&2
	T_SKIP=$((T_SKIP + 8))
else
	bg "$P" python3 "$PEER" sctp-server 1
	wait_raw "$P" 132 || ns_fail "SCTP raw socket in $P"
	inh python3 "$PEER" sctp-client "$P4" 5000 38412 || ns_fail "SCTP handshake"
	st=$(inh conntrack -L -p sctp 2>/dev/null | awk '{ print $4 }')
	assert_eq "sctp: the kernel's entry is ESTABLISHED" "$st" ESTABLISHED
	assert_eq "sctp: active flow in H" "$(flow "$H" sctp active "$P4")" "2 108 2 104 1 many 38412 -"
	assert_eq "sctp: passive flow in P" "$(flow "$P" sctp passive "$H4")" "2 104 2 108 1 38412 many -"
	lsct "$H" -n --proto sctp
	assert_match "sctp table: its row" "$OUT" "^localhost:many +--> +$P4:38412 +2 +108 +2 +104 +1 +sctp\$"
	# A SHUTDOWN (40 bytes): SHUTDOWN_SENT, the connection has ended (Conns
	# 0), its bytes stay.  The state's 3 s timeout, per namespace, made
	# longer to outlast the suite.
	inh sysctl -qw net.netfilter.nf_conntrack_sctp_timeout_shutdown_sent=120
	inh python3 "$PEER" sctp-shutdown "$P4" 5000 38412 || ns_fail "SCTP SHUTDOWN"
	st=$(inh conntrack -L -p sctp 2>/dev/null | awk '{ print $4 }')
	assert_eq "sctp: the kernel's entry is SHUTDOWN_SENT" "$st" SHUTDOWN_SENT
	assert_eq "sctp: SHUTDOWN_SENT has ended" "$(flow "$H" sctp active "$P4")" "2 108 3 144 0 many 38412 -"
	# The kernel-side filter (--proto sctp alone asks for SCTP entries only).
	lsct "$H" -n --json --proto sctp
	assert_eq "sctp json: only SCTP flows" "$(printf '%s' "$OUT" | jq -c '[.[].proto] | unique')" '["sctp"]'
	lsct "$H" -n --proto sctp --aport 38412 -a
	assert_match "sctp: --aport 38412" "$OUT" "$P4:38412"
	lsct "$H" -n --proto sctp --aport 5000 -a
	assert_no_match "sctp: --aport 5000 shows nothing" "$OUT" 'sctp'
fi

# ---------------------------------------------------------------------------
# All together; the default stays TCP.

bg "$P" socat -u "TCP4-LISTEN:3306,bind=$P4,reuseaddr,fork" OPEN:/dev/null,wronly
wait_listen "$P" t 3306 || ns_fail "server 3306"
send "$H" 3000 "TCP4:$P4:3306" || ns_fail "client 3306"

lsct "$H" -n --json --proto all
assert_eq "--proto all: exit 0" "$RC" 0
want='["icmp","icmpv6","tcp"'
[ "$lite_ok" = 1 ] && inh conntrack -L 2>/dev/null | grep -q '^udplite ' && want="$want"',"udplite"'
[ -e /proc/sys/net/netfilter/nf_conntrack_gre_timeout ] && want='["gre",'"${want#[}"
[ -e /proc/sys/net/netfilter/nf_conntrack_sctp_timeout_established ] && want="$want"',"sctp"'
want=$(printf '%s]' "$want" | jq -c 'sort')
assert_eq "--proto all: every protocol's flows together" \
	"$(printf '%s' "$OUT" | jq -c '[.[].proto] | unique')" "$want"
assert_eq "--proto all: every flow of H is active" \
	"$(printf '%s' "$OUT" | jq -c '[.[].direction] | unique')" '["active"]'
lsct "$H" -n
default=$OUT
assert_eq "default: exit 0" "$RC" 0
assert_eq "default: the TCP flow only, no Proto column" "$(printf '%s\n' "$OUT" | awk '{ $1 = $1; print }')" \
"Local Address:Port <--> Peer Address:Port Inpkts Inbytes Outpkts Outbytes Conns
localhost:many --> $P4:3306 $(flow "$H" tcp active "$P4" | awk '{ print $1, $2, $3, $4, $5 }')"
lsct "$H" -n -t
assert_eq "default: byte-identical to -t" "$default" "$OUT"
lsct "$H" -n --proto tcp
assert_eq "default: byte-identical to --proto tcp" "$default" "$OUT"
lsct "$H" -n --proto all
assert_match "--proto all table: ICMP row" "$OUT" "^localhost +--> +$P4 +7 +896 +7 +896 +2 +icmp\$"
assert_match "--proto all table: ICMPv6 row" "$OUT" "^localhost +--> +$P6 +5 +740 +5 +740 +1 +icmpv6\$"
assert_match "--proto all table: TCP row" "$OUT" "^localhost:many +--> +$P4:3306 .* tcp\$"
# Sorted by port: TCP, UDP-Lite and SCTP ports first, then ICMP and GRE.
lsct "$H" -n --proto all -a --sort port
last=$(printf '%s\n' "$OUT" | sed 1d | awk '{ print $NF }' | tr '\n' ' ')
assert_match "--sort port: port-less flows last" "$last" '^(tcp |udplite |sctp )+((gre |icmp |icmpv6 )+)$'

# Rereads (the monitor's GET requests) find every protocol's entries again.
# make check and make asan build the tool with the flags of the rest.
if [ -x build/tests/protoget ]; then
	got=$(inh ./build/tests/protoget 2>&1)
	assert_match "GET finds every dumped entry again" "$got" '^dumped [0-9]+, found the same [0-9]+, missed 0$'
	# Every protocol this run made entries of (numbers, sorted).
	want=$(inh conntrack -L 2>/dev/null | awk '{ print $2 }' | sort -un | paste -sd' ' -)
	assert_eq "GET: the entries of every protocol among them" \
		"$(printf '%s\n' "$got" | sed 1d | sort -un | paste -sd' ' -)" "$want"
	gre=""
	[ -e /proc/sys/net/netfilter/nf_conntrack_gre_timeout ] && gre="47 "
	assert_match "GET: ICMP, ICMPv6, TCP and GRE among them" " $want " " 1 6 ${gre}58 "
else
	t_fail "build/tests/protoget is built (make check builds it)"
	t_fail "GET: the entries of every protocol among them"
	t_fail "GET: ICMP, ICMPv6, TCP and GRE among them"
fi

# ---------------------------------------------------------------------------
# The monitor: port-less peers with their protocol, the connection list with
# ICMP's id and SCTP's state.  120x30, in H.

mon_screen() {	# ERE: until a line matches (5 s); the screen in SCREEN
	local i
	for i in $(seq 50); do
		SCREEN=$(tm capture-pane -p -t mon 2>/dev/null)
		printf '%s\n' "$SCREEN" | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
mon_expect() {	# NAME ERE
	if mon_screen "$2"; then
		t_ok "$1"
	else
		t_fail "$1" "$(printf 'no line matches /%s/ on:\n%s' "$2" "$SCREEN")"
	fi
}
# A session that holds the server up between monitors (an exiting server
# cannot race the next new-session: "server exited unexpectedly").
tm -u new-session -d -s keep cat || ns_fail "tmux new-session"

mon_start() {	# ARGS
	local i
	tm kill-session -t mon 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		tm has-session -t mon 2>/dev/null || break
		sleep 0.1
	done
	tm -u new-session -d -s mon -x 120 -y 30 \
		"ip netns exec $H env TERM=xterm $LSCT $1 2>$TMP/mon.err"
}

# -a: ICMP (1,792 bytes) sorts above ICMPv6 (1,480): Enter lists the ICMP flow's pings.
mon_start "-n --proto icmp -a"
mon_expect "monitor: the ICMP peer with no port, named" "^ *localhost +--> +${P4//./\\.}/icmp "
mon_expect "monitor: the ICMPv6 peer" "^ *localhost +--> +${P6//:/:}/icmpv6 "
tm send-keys -t mon Enter
mon_expect "monitor: the connection list's title" "Connections of localhost --> ${P4//./\\.} \\(icmp\\)"
mon_expect "monitor: each ping with its echo id, no ports" \
	"^icmp +${H4//./\\.} -> ${P4//./\\.} +echo id [0-9]+ +5/5 +640/640 "
mon_expect "monitor: the second ping's entry" \
	"^icmp +${H4//./\\.} -> ${P4//./\\.} +echo id [0-9]+ +2/2 +256/256 "
tm send-keys -t mon q
if [ -e /proc/sys/net/netfilter/nf_conntrack_sctp_timeout_established ]; then
	# A second association, left ESTABLISHED.
	bg "$P" python3 "$PEER" sctp-server 1
	wait_raw "$P" 132 || ns_fail "SCTP raw socket in $P"
	inh python3 "$PEER" sctp-client "$P4" 5001 38412 || ns_fail "SCTP handshake 2"
	mon_start "-n --proto sctp -a"
	mon_expect "monitor: the SCTP peer with its port" "^ *localhost:many +--> +${P4//./\\.}:38412/sctp "
	tm send-keys -t mon Enter
	mon_expect "monitor: SCTP's state in the connection list (ended)" \
		"^sctp +${H4//./\\.}:5000 -> ${P4//./\\.}:38412 +SHUTDOWN_SENT "
	mon_expect "monitor: SCTP's state in the connection list (open)" \
		"^sctp +${H4//./\\.}:5001 -> ${P4//./\\.}:38412 +ESTABLISHED "
	tm send-keys -t mon q
else
	echo "$SUITE: SCTP: no SCTP conntrack; 3 monitor tests skipped" >&2
	T_SKIP=$((T_SKIP + 3))
fi

t_summary "$SUITE"
