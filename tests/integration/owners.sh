#!/bin/bash
# tests/integration/owners.sh - flows of other namespaces' owners on the real
# kernel.  H plays a container host: two named namespaces C1 and C2 are its
# "containers" (a veth each, routed by H), X plays the internet (a veth,
# no route back to the containers).  nft in H masquerades what the
# containers send to X and publishes H:8080 as C1:80 (DNAT).  Traffic of
# known sizes: C1 to X (masqueraded), X to H:8080 (published), C1 to C2
# (routed by H), and H's own connection to X.  lsconntrack in H must show
# each as the right owner's active or passive flow, with conntrack's
# bytes, nothing forwarded, H's own flow as before; --no-owners and
# --owner; the Owner column of the table and the monitor, and its `o`
# filter; a namespace deleted while a stream runs keeps its label.
# Needs root; skips loudly without.
#
# Run from the repository root, as the other root suites:
#   flock /tmp/lsct-root.lock bash tests/integration/owners.sh
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
SUITE=owners
N_TESTS=38
NS_TOOLS="tmux"
NS_TAG=o
NS_NET=221
. tests/integration/nslib.sh

TMUX_SOCK=lsct-owners-$$
C1=lsct-oc1-$$
C2=lsct-oc2-$$
X=lsct-ox-$$
C1_4=10.$NS_NET.1.2
C2_4=10.$NS_NET.3.2
X4=10.$NS_NET.2.2
HX4=10.$NS_NET.2.1

# Called by nslib's ns_cleanup on exit.
# shellcheck disable=SC2317
suite_cleanup() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	return 0
}

tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }

ns_new "$H" || ns_fail "ip netns add"
for ns in "$C1" "$C2" "$X"; do
	ns_new "$ns" || ns_fail "ip netns add $ns"
done
# link NS HOSTSIDE NET: a veth from H (.1) to NS (.2) on 10.NS_NET.NET.0/24.
link() {
	ip -n "$H" link add "$2" type veth peer name eth0 netns "$1" || return 1
	ip -n "$H" addr add "10.$NS_NET.$3.1/24" dev "$2"
	ip -n "$1" addr add "10.$NS_NET.$3.2/24" dev eth0
	ip -n "$H" link set "$2" up
	ip -n "$1" link set eth0 up
}
link "$C1" hc1 1 || ns_fail "veth to C1"
link "$X" hx 2 || ns_fail "veth to X"
link "$C2" hc2 3 || ns_fail "veth to C2"
ip -n "$C1" route add default via "10.$NS_NET.1.1" || ns_fail "C1 route"
ip -n "$C2" route add default via "10.$NS_NET.3.1" || ns_fail "C2 route"
inh sysctl -qw net.ipv4.ip_forward=1 || ns_fail "ip_forward in H"
inh sysctl -qw net.netfilter.nf_conntrack_acct=1 2>/dev/null
inh nft -f - <<NFT || ns_fail "nft nat in H"
table ip lsctown {
	chain pre { type nat hook prerouting priority dstnat; iifname "hx" tcp dport 8080 dnat to $C1_4:80; }
	chain post { type nat hook postrouting priority srcnat; oifname "hx" ip saddr 10.$NS_NET.0.0/16 masquerade; }
	chain through { type filter hook forward priority 0; ct state established,related,new accept; }
}
NFT
inh sysctl -qw net.netfilter.nf_conntrack_acct=1 || ns_fail "nf_conntrack_acct=1 in H"

bg "$X" socat -u "TCP4-LISTEN:9000,reuseaddr,fork" OPEN:/dev/null,wronly
bg "$C1" socat -u "TCP4-LISTEN:80,reuseaddr,fork" OPEN:/dev/null,wronly
bg "$C2" socat -u "TCP4-LISTEN:7000,reuseaddr,fork" OPEN:/dev/null,wronly
wait_listen "$X" t 9000 || ns_fail "server X:9000"
wait_listen "$C1" t 80 || ns_fail "server C1:80"
wait_listen "$C2" t 7000 || ns_fail "server C2:7000"
send "$C1" 100000 "TCP4:$X4:9000" || ns_fail "C1 to X"
send "$X" 50000 "TCP4:$HX4:8080" || ns_fail "X to H:8080"
send "$C1" 30000 "TCP4:$C2_4:7000" || ns_fail "C1 to C2"
send "$H" 20000 "TCP4:$X4:9000" || ns_fail "H to X"
for _ in $(seq 100); do
	n=$(inh conntrack -L -p tcp 2>/dev/null | grep -c TIME_WAIT)
	[ "$n" -ge 4 ] && break
	sleep 0.1
done
[ "$n" = 4 ] || ns_fail "want 4 TCP entries in TIME_WAIT in H, got $n"

# lsct ARGS: lsconntrack in H; sets OUT ERR RC.
lsct() {
	OUT=$(ip netns exec "$H" "$LSCT" "$@" 2>"$TMP/err" </dev/null)
	RC=$?
	ERR=$(cat "$TMP/err")
}
# flows JSON: "direction peer.addr local-or-peer-port owner.name owner.kind" lines, sorted.
flows() {
	printf '%s' "$1" | jq -r '.[] | "\(.direction) \(.peer.addr) \(if .direction == "active" then .peer.port else .local.port end) \(.owner.name) \(.owner.kind)"' | sort
}
# one JSON DIR PEER PORT OWNER FIELD: a field of that flow's stat.
one() {
	printf '%s' "$1" | jq -r --arg d "$2" --arg a "$3" --arg p "$4" --arg o "$5" --arg f "$6" \
		'.[] | select(.direction == $d and .peer.addr == $a and
		  (if $d == "active" then .peer.port else .local.port end) == $p and
		  .owner.name == $o) | .stat[$f]'
}

# ---------------------------------------------------------------------------
# Owners on (the default)

lsct -n --json
assert_eq "json: exit 0" "$RC" 0
assert_no_match "json: nothing forwarded in stderr" "$ERR" 'forwarded'
F=$(flows "$OUT")
assert_match "C1's masqueraded active flow to X:9000" "$F" "^active $X4 9000 $C1 netns\$"
assert_match "X's passive flow on 9000 from C1 (X is a namespace here too)" "$F" "^passive $C1_4 9000 $X netns\$"
assert_match "C1's passive flow on its real port 80 from X (published 8080)" "$F" "^passive $X4 80 $C1 netns\$"
assert_match "X's active flow to the address it used, H:8080" "$F" "^active $HX4 8080 $X netns\$"
assert_match "C1's active flow to C2:7000" "$F" "^active $C2_4 7000 $C1 netns\$"
assert_match "C2's passive flow on 7000 from C1" "$F" "^passive $C1_4 7000 $C2 netns\$"
assert_match "H's own active flow to X:9000, owner host" "$F" "^active $X4 9000 [^ ]* host\$"
assert_no_match "no owner flow for H's own entry (X's passive from H)" "$F" "^passive $HX4 9000 "
assert_eq "every flow has an owner object" \
	"$(printf '%s' "$OUT" | jq '[.[] | select(.owner.kind and .owner.name and .owner.id)] | length')" \
	"$(printf '%s' "$OUT" | jq 'length')"
assert_match "a netns owner's id is its inode" \
	"$(printf '%s' "$OUT" | jq -r --arg o "$C2" '[.[] | select(.owner.name == $o)][0].owner.id')" \
	'^netns:\[[0-9]+\]$'
ob=$(one "$OUT" active "$X4" 9000 "$C1" total_outbound_bytes)
assert_ge "C1 to X: at least the 100000 bytes sent" "$ob" 100000
assert_lt "C1 to X: not much more (headers)" "$ob" 120000
ib=$(one "$OUT" passive "$X4" 80 "$C1" total_inbound_bytes)
assert_ge "X to C1 (published): at least the 50000 bytes" "$ib" 50000
assert_lt "X to C1 (published): not much more" "$ib" 60000
ib=$(one "$OUT" passive "$C1_4" 7000 "$C2" total_inbound_bytes)
assert_ge "C1 to C2: C2 received at least 30000 bytes" "$ib" 30000
ob=$(one "$OUT" active "$C2_4" 7000 "$C1" total_outbound_bytes)
assert_eq "C1 to C2: C1's out is C2's in (one entry, mirrored)" "$ob" "$ib"
ob=$(one "$OUT" active "$X4" 9000 "$(printf '%s' "$OUT" | jq -r '[.[] | select(.owner.kind == "host")][0].owner.name')" total_outbound_bytes)
assert_ge "H to X: its own 20000 bytes" "$ob" 20000

# The table: an Owner column at the end.
lsct -n -b
assert_eq "table: exit 0" "$RC" 0
assert_match "table: Owner column last" "$(printf '%s\n' "$OUT" | head -1)" 'Conns  Owner$'
assert_match "table: C2's row ends with its name" "$OUT" "$C1_4:many .* $C2\$"
assert_match "table: H's row has no owner" "$OUT" "$X4:9000 .* -\$"

# --owner
lsct -n --json --owner "$C2"
assert_eq "--owner C2: only C2's flow" "$(flows "$OUT")" "passive $C1_4 7000 $C2 netns"
lsct -n --json --owner host:
assert_eq "--owner host: only H's own flow" "$(flows "$OUT" | cut -d' ' -f1-3)" "active $X4 9000"
lsct -n --json --owner "netns:${C1#lsct-}"
assert_eq "--owner netns:PART: C1's three flows" "$(flows "$OUT" | grep -c " $C1 netns\$")" 3
assert_eq "--owner netns:PART: nothing else" "$(flows "$OUT" | wc -l)" 3

# --no-owners: as before issue 13.
lsct -n --json --no-owners
assert_eq "--no-owners: exit 0" "$RC" 0
assert_eq "--no-owners: no owner object" "$(printf '%s' "$OUT" | jq '[.[] | select(has("owner"))] | length')" 0
assert_eq "--no-owners: H's own flow only" \
	"$(printf '%s' "$OUT" | jq -r '.[] | "\(.direction) \(.peer.addr) \(.peer.port)"')" "active $X4 9000"
assert_match "--no-owners: the others are forwarded" "$ERR" '3 forwarded through this host'

# ---------------------------------------------------------------------------
# Capabilities: the dumping thread keeps CAP_NET_ADMIN and, with owners,
# CAP_SYS_ADMIN, CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH (bits 12, 21, 19, 2);
# no other thread holds any.

OWNER_CAPS=0000000000281004
# tasks_of PID FIELD: "TID VALUE" for each thread.
tasks_of() {
	local f
	for f in /proc/"$1"/task/*/status; do
		awk -v f="$2:" -v t="${f%/status}" '$1 == f { sub(/.*\//, "", t); print t, $2 }' "$f"
	done 2>/dev/null | sort -n -k1,1
}
# stream_caps ARGS...: the main thread's CapEff, then the others' (sorted, unique).
stream_caps() {
	local pid
	ip netns exec "$H" "$LSCT" -n -c 0 -d 0.5 --json "$@" >"$TMP/th" 2>"$TMP/th.err" </dev/null &
	pid=$!
	PIDS+=("$pid")
	for _ in $(seq 50); do
		[ "$(wc -l <"$TMP/th")" -ge 2 ] && break
		sleep 0.1
	done
	CAPS=$(tasks_of "$pid" CapEff)
	BND=$(tasks_of "$pid" CapBnd | awk '{ print $2 }' | sort -u)
	UIDS=$(tasks_of "$pid" Uid | awk '$2 == 0' | wc -l)
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null
	printf '%s\n' "$CAPS" | awk -v p="$pid" '$1 == p { print $2 }'
	printf '%s\n' "$CAPS" | awk -v p="$pid" '$1 != p { print $2 }' | sort -u | paste -sd' ' -
	echo "$BND $UIDS"
}
C=$(stream_caps)
assert_eq "stream: the dumping thread keeps CAP_NET_ADMIN and the owner capabilities" \
	"$(printf '%s\n' "$C" | head -1)" "$OWNER_CAPS"
assert_eq "stream: the event reader holds none" "$(printf '%s\n' "$C" | sed -n 2p)" 0000000000000000
assert_eq "stream: empty bounding set, non-root uid" "$(printf '%s\n' "$C" | sed -n 3p)" "0000000000000000 0"
assert_no_match "stream: no sandbox stop, no error" "$(cat "$TMP/th.err")" 'sandbox|cannot'
C=$(stream_caps --no-owners)
assert_eq "stream --no-owners: CAP_NET_ADMIN alone" "$(printf '%s\n' "$C" | head -1)" 0000000000001000

# ---------------------------------------------------------------------------
# The monitor: the Owner column, and the o filter.

tm new-session -d -s o -x 160 -y 30 "ip netns exec $H $LSCT -n" || ns_fail "tmux"
if wait_screen o:0 'Owner' 10; then
	t_ok "monitor: Owner column"
else
	t_fail "monitor: Owner column" "$(screen o:0)"
fi
if wait_screen o:0 "$C2" 5; then t_ok "monitor: C2's name shown"; else t_fail "monitor: C2's name shown" "$(screen o:0)"; fi
# The collector alone keeps what dumps and owner refreshes need.
MONPID=$(tm list-panes -t o:0 -F '#{pane_pid}')
# The pane's shell may have run it as a child rather than exec'd it.
[ "$(cat "/proc/$MONPID/comm" 2>/dev/null)" = lsconntrack ] || MONPID=$(pgrep -n -P "$MONPID" lsconntrack)
CAPS=$(tasks_of "$MONPID" CapEff)
assert_eq "monitor: one thread (the collector) keeps CAP_NET_ADMIN and the owner capabilities" \
	"$(printf '%s\n' "$CAPS" | grep -c " $OWNER_CAPS\$")" 1
assert_eq "monitor: every other thread holds none" \
	"$(printf '%s\n' "$CAPS" | awk -v c="$OWNER_CAPS" '$2 != c { print $2 }' | sort -u)" 0000000000000000
tm send-keys -t o:0 o
sleep 0.3
tm send-keys -t o:0 "$C2" Enter
sleep 1.5
S=$(screen o:0)
assert_match "monitor: o filter keeps C2" "$S" "$C2"
assert_no_match "monitor: o filter drops C1's flows" "$S" "$X4:9000"
tm send-keys -t o:0 q
sleep 0.5

# ---------------------------------------------------------------------------
# A namespace deleted while a stream runs.

ip netns exec "$H" "$LSCT" -n --json -c 0 -d 1 >"$TMP/stream" 2>"$TMP/stream.err" </dev/null &
SPID=$!
PIDS+=($SPID)
for _ in $(seq 50); do
	[ "$(wc -l <"$TMP/stream")" -ge 2 ] && break
	sleep 0.1
done
before=$(wc -l <"$TMP/stream")
# C2's server first (its namespace would live on through it), then C2.
for pid in $(ip netns pids "$C2"); do kill "$pid"; done
sleep 0.2
ip netns del "$C2"
for _ in $(seq 150); do
	[ "$(wc -l <"$TMP/stream")" -ge $((before + 8)) ] && break
	sleep 0.1
done
kill "$SPID" 2>/dev/null
wait "$SPID" 2>/dev/null
after=$(tail -n +$((before + 1)) "$TMP/stream")
assert_ge "stream: keeps going after the delete" "$(printf '%s\n' "$after" | grep -c '^{')" 7
# C2's passive flow loses its entries with C2 (its address is no one's now),
# lingers a few snapshots (FLOW_LINGER) and goes; meanwhile its label stays.
names=$(printf '%s\n' "$after" | jq -r '[.flows[] | select(.local.port == "7000") | .owner.name] | join(",")')
assert_match "stream: after the delete C2's flow still shows its label" "$names" "^$C2\$"
assert_eq "stream: and it goes in the end ($(ip netns list | grep -c "$C2") name left, members: $(ip netns pids "$C2" 2>/dev/null | paste -sd' ' -); names per line: $(printf '%s\n' "$names" | paste -sd'|' -))" \
	"$(printf '%s\n' "$names" | tail -1)" ""
assert_no_match "stream: no owner ever unknown" "$(printf '%s\n' "$after" | jq -r '.flows[].owner.name')" '^\?$'
assert_match "stream: C1's flow to C2's address stays C1's" \
	"$(printf '%s\n' "$after" | tail -1 | jq -r --arg a "$C2_4" '.flows[] | select(.peer.addr == $a) | .owner.name')" "^$C1\$"
assert_no_match "stream: no sandbox stop, no error" "$(cat "$TMP/stream.err")" 'sandbox|cannot'

t_summary "$SUITE"
