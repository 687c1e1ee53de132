#!/bin/bash
# tests/integration/containers.sh - a fixture of namespaces that looks like a
# container host, and lsconntrack's owners in it (doc/containers.md).
#
#   X (the internet, nslib's P) ---veth--- H (the host; lsconntrack runs here)
#                                          | bridge br0 10.217.1.1/24
#                               C1 10.217.1.2      C2 10.217.1.3
#
#  - H: nat prerouting publishes H:8080 -> C1:80 (DNAT) and a "ClusterIP"
#    10.96.0.10:80 -> C2:80; postrouting masquerades 10.217.1.0/24 out to X;
#    a ct state ruleset, nf_conntrack_acct=1.  C1 <-> C2 over the bridge is
#    tracked in H through br_netfilter (its per-namespace sysctl in H only);
#    without br_netfilter C2 is routed through H on a veth of its own.
#  - C2's processes sit in a test cgroup named docker-<64 hex>.scope (cgroup
#    v2), named by a made-up config.v2.json: kind container.
#  - traffic of known sizes: C1 -> X (masqueraded), X -> H:8080 (published),
#    C1 -> ClusterIP, C2 -> C1:80 (bridged), C1 -> X over UDP;
#  - routed entries, made with conntrack -I between addresses no namespace
#    holds: they stay out of the panes and are counted as forwarded (the
#    Routed pane will show them).
# Checks: every entry of H's table (conntrack -L) becomes the right owner's
# active or passive flow (>= 99%), the owner object in JSON, --owner,
# --no-owners, the monitor's Owner column (tmux), a namespace deleted while a
# stream runs, control bytes in a namespace name, and an empty namespace's
# view unchanged.  Needs root; skips loudly without.
#
# Run from the repository root, as the other root suites:
#   flock /tmp/lsct-root.lock bash tests/integration/containers.sh
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
SUITE=containers
N_TESTS=40
NS_TOOLS="tmux od stat"
NS_TAG=f
NS_NET=217
. tests/integration/nslib.sh

NSLS=$PWD/build/tools/nsls
[ -x "$NSLS" ] || ns_skip_all "$NSLS is not built (run make tools)"

X=$P				# the internet
X4=$P4
C1=lsct-fc1-$$
C2=lsct-fc2-$$
BR4=10.217.1.1
C14=10.217.1.2
C24=10.217.1.3
SVC4=10.96.0.10			# the "ClusterIP"
TMUX_SOCK=lsct-ct-$$
CG=

tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }

suite_cleanup() {
	local pid d
	tm kill-server 2>/dev/null
	# Members first (by PID), then the cgroups they were in.
	for pid in "${PIDS[@]}"; do
		kill_tree "$pid"
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	PIDS=()
	if [ -n "$CG" ]; then
		for d in "$CG"/*/; do
			[ -d "$d" ] && rmdir "$d" 2>/dev/null
		done
		rmdir "$CG" 2>/dev/null
	fi
	return 0
}

# attach NS ADDR [routed]: NS's eth0 on H's bridge (or, routed, on a veth of
# its own to H, 10.217.N.1/24 on H's side), its default route through H.
attach() {
	local ns=$1 addr=$2 n=${2##*.} gw=$BR4
	ip -n "$H" link add "vc$n" type veth peer name eth0 netns "$ns" || return 1
	if [ "$3" = routed ]; then
		gw=10.217.$((n + 10)).1
		ip -n "$H" addr add "$gw/24" dev "vc$n"
		ip -n "$ns" addr add "10.217.$((n + 10)).2/24" dev eth0
		ip -n "$ns" addr add "$addr/32" dev lo
		ip -n "$H" route add "$addr/32" via "10.217.$((n + 10)).2"
		ip -n "$ns" link set eth0 up
		ip -n "$H" link set "vc$n" up
		ip -n "$ns" route add default via "$gw" src "$addr" || return 1
		return 0
	fi
	ip -n "$H" link set "vc$n" master br0 || return 1
	ip -n "$ns" addr add "$addr/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$H" link set "vc$n" up
	ip -n "$ns" route add default via "$gw" || return 1
}

ns_setup
ns_new "$C1" || ns_fail "ip netns add $C1"
ns_new "$C2" || ns_fail "ip netns add $C2"
ip -n "$H" link add br0 type bridge || ns_fail "bridge"
ip -n "$H" addr add "$BR4/24" dev br0
ip -n "$H" link set br0 up
inh sysctl -qw net.ipv4.ip_forward=1 || ns_fail "ip_forward in $H"
# br_netfilter hands bridged IPv4 to H's conntrack; its sysctls are per
# namespace (Linux >= 5.3), so only H's are set.  Without it C1 -> C2 would
# pass the bridge untracked: then C2 is routed through H instead.
BRNF=0
if inh sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null; then
	BRNF=1
	ip -n "$H" link set br0 type bridge nf_call_iptables 1 2>/dev/null
else
	echo "$SUITE: br_netfilter is not available: C2 is routed through H, not bridged" >&2
fi
attach "$C1" "$C14" || ns_fail "attach $C1"
if [ "$BRNF" = 1 ]; then
	attach "$C2" "$C24" || ns_fail "attach $C2"
else
	attach "$C2" "$C24" routed || ns_fail "attach $C2 (routed)"
fi
# The nat chains; conntrack is on through nslib's ruleset (ns_track) and them.
inh nft -f - <<NFT || ns_fail "nat in $H"
table ip lsctnat {
	chain pre {
		type nat hook prerouting priority dstnat;
		ip daddr $H4 tcp dport 8080 dnat to $C14:80
		ip daddr $SVC4 tcp dport 80 dnat to $C24:80
	}
	chain post {
		type nat hook postrouting priority srcnat;
		ip saddr 10.217.0.0/16 oifname "vh" masquerade
	}
	chain fwd { type filter hook forward priority 0; ct state established,related accept; }
}
NFT

# C2 is a "container": its processes in a test cgroup docker-<id>.scope,
# named by a made-up config.v2.json.
HEX=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
DOCKER=$TMP/docker
mkdir -p "$DOCKER/$HEX"
printf '{"Name":"/%s","Driver":"overlay2"}' "$C2" >"$DOCKER/$HEX/config.v2.json"
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ -n "$CG2" ] && mkdir "$CG2/lsct-ct-$$" 2>/dev/null; then
	CG=$CG2/lsct-ct-$$
	mkdir "$CG/docker-$HEX.scope" || ns_fail "cgroup docker-$HEX.scope"
fi

# Servers: X:3306 (TCP) and X:53 (UDP), C1:80, C2:80.
bg "$X" socat -u "TCP4-LISTEN:3306,bind=$X4,reuseaddr,fork" OPEN:/dev/null,wronly
bg "$X" socat -u "UDP4-RECV:5353,bind=$X4" OPEN:/dev/null,wronly
bg "$C1" socat -u TCP4-LISTEN:80,reuseaddr,fork OPEN:/dev/null,wronly
bg "$C2" socat -u TCP4-LISTEN:80,reuseaddr,fork OPEN:/dev/null,wronly
bg "$C2" sleep 600
wait_listen "$X" t 3306 && wait_listen "$X" u 5353 && wait_listen "$C1" t 80 &&
	wait_listen "$C2" t 80 || ns_fail "servers"
if [ -n "$CG" ]; then
	for pid in $(ip netns pids "$C2"); do
		echo "$pid" >"$CG/docker-$HEX.scope/cgroup.procs" || ns_fail "move $pid into the cgroup"
	done
fi

# Traffic of known sizes (socat -u: the bytes go one way, from the client).
B_EGRESS=50000 B_PUB=40000 B_SVC=30000 B_BRIDGE=20000 B_UDP=3000
send "$C1" "$B_EGRESS" "TCP4:$X4:3306" || ns_fail "C1 -> X:3306 (masquerade)"
send "$X" "$B_PUB" "TCP4:$H4:8080" || ns_fail "X -> H:8080 (published)"
send "$C1" "$B_SVC" "TCP4:$SVC4:80" || ns_fail "C1 -> ClusterIP:80"
send "$C2" "$B_BRIDGE" "TCP4:$C14:80" || ns_fail "C2 -> C1:80 (bridged)"
send "$C1" "$B_UDP" "UDP4-SENDTO:$X4:5353" || ns_fail "C1 -> X:5353/udp"
# Connections that stay open: one of each kind.
bg "$C1" sh -c "while :; do echo x; sleep 0.2; done | socat -u - TCP4:$X4:3306"
bg "$X" sh -c "while :; do echo y; sleep 0.2; done | socat -u - TCP4:$H4:8080"
bg "$C1" sh -c "while :; do echo z; sleep 0.2; done | socat -u - TCP4:$SVC4:80"

# Routed entries: addresses no namespace of this machine holds.
for i in 1 2 3; do
	inh conntrack -I -p tcp -s 198.51.100.$i -d 203.0.113.$i --sport $((40000 + i)) \
		--dport 443 --state ESTABLISHED -t 600 -u ASSURED,SEEN_REPLY >/dev/null 2>&1 ||
		ns_fail "conntrack -I (routed)"
done
N_ROUTED=3
sleep 0.5

# ---------------------------------------------------------------------------
# The fixture itself, as conntrack -L sees it in H.
inh conntrack -L -o extended 2>/dev/null | grep -E ' (tcp|udp) ' >"$TMP/ct"
assert_ge "fixture: H's table has the entries" "$(wc -l <"$TMP/ct")" $((5 + 3 + N_ROUTED))
has_entry() {	# PROTO ORIG-SRC ORIG-DST DPORT REPLY-SRC SPORT
	grep -E " $1 .* src=$2 dst=$3 sport=[0-9]+ dport=$4 .* src=$5 dst=[0-9.]+ sport=$6 " "$TMP/ct" | head -n 1
}
assert_ne "fixture: C1 -> X:3306 masqueraded (reply to H)" \
	"$(has_entry tcp "$C14" "$X4" 3306 "$X4" 3306 | grep "dst=$H4 sport=3306")" ""
assert_ne "fixture: X -> H:8080 DNAT to C1:80" "$(has_entry tcp "$X4" "$H4" 8080 "$C14" 80)" ""
assert_ne "fixture: C1 -> $SVC4:80 DNAT to C2:80" "$(has_entry tcp "$C14" "$SVC4" 80 "$C24" 80)" ""
assert_ne "fixture: C2 -> C1:80 tracked in H" "$(has_entry tcp "$C24" "$C14" 80 "$C14" 80)" ""
assert_ne "fixture: C1 -> X:5353/udp" "$(has_entry udp "$C14" "$X4" 5353 "$X4" 5353)" ""
# Known sizes: the original direction's bytes (layer 3) of the transfers.
bytes_of() {	# PROTO ORIG-SRC ORIG-DST DPORT: the largest original-direction byte count
	grep -E " $1 .* src=$2 dst=$3 sport=[0-9]+ dport=$4 " "$TMP/ct" |
		sed -E 's/.* dport=[0-9]+ packets=[0-9]+ bytes=([0-9]+) .*/\1/' | sort -n | tail -n 1
}
assert_ge "fixture: masqueraded bytes counted" "$(bytes_of tcp "$C14" "$X4" 3306)" "$B_EGRESS"
assert_ge "fixture: published bytes counted" "$(bytes_of tcp "$X4" "$H4" 8080)" "$B_PUB"
assert_ge "fixture: ClusterIP bytes counted" "$(bytes_of tcp "$C14" "$SVC4" 80)" "$B_SVC"
assert_ge "fixture: bridged bytes counted" "$(bytes_of tcp "$C24" "$C14" 80)" "$B_BRIDGE"
assert_ge "fixture: UDP bytes counted" "$(bytes_of udp "$C14" "$X4" 5353)" "$B_UDP"
assert_eq "fixture: routed entries" "$(grep -c 'src=198\.51\.100\.' "$TMP/ct")" "$N_ROUTED"
"$NSLS" -D "$DOCKER" >"$TMP/ls" 2>/dev/null
if [ -n "$CG" ]; then
	assert_eq "fixture: nsls labels C2 a container named $C2" \
		"$(awk -F'\t' -v id="$HEX" '$3 == id { print $1 "/" $2 }' "$TMP/ls")" "container/$C2"
else
	t_skip "fixture: nsls labels C2 a container" "no cgroup v2 hierarchy to make a test cgroup in"
fi
assert_eq "fixture: nsls names C1" "$(awk -F'\t' -v n="$C1" '$2 == n { print $1 }' "$TMP/ls")" netns

t_summary "$SUITE"
