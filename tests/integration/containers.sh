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
#    holds: no owner's; without -R they are counted as forwarded, with -R
#    and in the monitor's Routed pane they are routed flows.
# Checks: every entry of H's table (conntrack -L) becomes the right owner's
# active or passive flow (>= 99%), the owner object in JSON, --owner,
# --no-owners, the monitor's Owner column, Routed pane and owner filter
# (tmux), a namespace deleted while a
# stream runs, control bytes in a namespace name, and an empty namespace's
# view unchanged.  Needs root; skips loudly without.
#
# Run from the repository root, as the other root suites:
#   flock /tmp/lsct-root.lock bash tests/integration/containers.sh
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
SUITE=containers
N_TESTS=72
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

# Called by nslib's ns_cleanup on exit.
# shellcheck disable=SC2317
suite_cleanup() {
	tm kill-server 2>/dev/null
	# Members first (by PID), then the cgroups they were in.
	ns_stop_members "$CG"
	return 0
}

# attach NS ADDR [routed]: NS's eth0 on H's bridge, its default route
# through H; or, routed, on a veth of its own to H (ADDR/24, H's side .1).
attach() {
	local ns=$1 addr=$2 gw=$BR4 n
	n=${addr#10.217.}
	n=${n/./-}
	ip -n "$H" link add "vc$n" type veth peer name eth0 netns "$ns" || return 1
	if [ "$3" = routed ]; then
		gw=${addr%.*}.1
		ip -n "$H" addr add "$gw/24" dev "vc$n"
		ip -n "$ns" addr add "$addr/24" dev eth0
		ip -n "$ns" link set eth0 up
		ip -n "$H" link set "vc$n" up
		ip -n "$ns" route add default via "$gw" || return 1
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
# LSCT_FIXTURE_ROUTED=1 takes that way on purpose, to test it.
BRNF=0
if [ -z "$LSCT_FIXTURE_ROUTED" ] && inh sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null; then
	BRNF=1
	ip -n "$H" link set br0 type bridge nf_call_iptables 1 2>/dev/null
else
	echo "$SUITE: ${LSCT_FIXTURE_ROUTED:+(LSCT_FIXTURE_ROUTED) }br_netfilter is not available: C2 is routed through H, not bridged" >&2
fi
attach "$C1" "$C14" || ns_fail "attach $C1"
if [ "$BRNF" = 1 ]; then
	attach "$C2" "$C24" || ns_fail "attach $C2"
else
	C24=10.217.3.2
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
	chain filter_fwd { type filter hook forward priority 0; ct state established,related accept; }
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
# Short connections, to give the count of entries below some weight.
burst() {	# NS ADDRESS: 20 connections of 100 bytes each
	ip netns exec "$1" sh -c "for i in \$(seq 20); do head -c 100 /dev/zero | timeout 5 socat -u - $2 || exit 1; done"
}
burst "$C1" "TCP4:$X4:3306" && burst "$X" "TCP4:$H4:8080" && burst "$C1" "TCP4:$SVC4:80" &&
	burst "$C2" "TCP4:$C14:80" || ns_fail "short connections"
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
		sed -E 's/^[^=]* src=[^ ]+ dst=[^ ]+ sport=[0-9]+ dport=[0-9]+ packets=[0-9]+ bytes=([0-9]+) .*/\1/' |
		sort -n | tail -n 1
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


# ---------------------------------------------------------------------------
# Owners: lsconntrack in H.

# lsct ARGS: lsconntrack in H; sets OUT ERR RC.
lsct() {
	OUT=$(inh "$LSCT" "$@" 2>"$TMP/err" </dev/null)
	RC=$?
	ERR=$(cat "$TMP/err")
}
# The flow keys of a JSON array: "OWNER DIRECTION PEER PORT PROTO", PORT the
# peer's for active flows, the owner's own for passive ones.
keys_of() {
	printf '%s' "$1" | jq -r '.[] | "\(.owner.name) \(.direction) \(.peer.addr) \(if .direction == "active" then .peer.port else .local.port end) \(.proto)"' | sort -u
}
# one JSON OWNER DIR PEER PORT FIELD: a stat field of that TCP flow.
one() {
	printf '%s' "$1" | jq -r --arg o "$2" --arg d "$3" --arg a "$4" --arg p "$5" --arg f "$6" \
		'.[] | select(.owner.name == $o and .direction == $d and .peer.addr == $a and .proto == "tcp" and
		  (if $d == "active" then .peer.port else .local.port end) == $p) | .stat[$f]'
}

C1_INO=$(stat -Lc %i "/run/netns/$C1")
C2_NAME=$C2 C2_KIND=netns C2_ID="netns:[$(stat -Lc %i "/run/netns/$C2")]"
if [ -n "$CG" ]; then
	# lsconntrack reads the real Docker directory: no config.v2.json there,
	# so the short id (nsls -D showed the made-up one's name above).
	C2_NAME=${HEX:0:12} C2_KIND=container C2_ID=$HEX
fi

inh conntrack -L -o extended 2>/dev/null | grep -E ' (tcp|udp) ' >"$TMP/ct"
lsct -n --proto tcp,udp --json
assert_eq "json: exit 0" "$RC" 0
JSON=$OUT
KEYS=$(keys_of "$JSON")
printf '%s\n' "$KEYS" >"$TMP/keys"
# Every entry of the table against the flows: its client's owner must have
# an active flow to the address and port it used, its server's owner a
# passive flow on the real port with the client as peer.  H itself holds
# none of the fixture's clients or servers.
read -r total right routed < <(awk -v c1="$C14" -v c2="$C24" -v x="$X4" \
	-v n1="$C1" -v n2="$C2_NAME" -v nx="$X" -v keys="$TMP/keys" '
	BEGIN {
		own[c1] = n1; own[c2] = n2; own[x] = nx
		while ((getline k < keys) > 0) have[k] = 1
	}
	{
		proto = $3; n = 0
		for (i = 1; i <= NF; i++)
			if ($i ~ /^(src|dst|sport|dport)=/) {
				split($i, kv, "="); v[kv[1], ++seen[kv[1]]] = kv[2]
			}
		osrc = v["src", 1]; odst = v["dst", 1]; odport = v["dport", 1]
		rsrc = v["src", 2]; rsport = v["sport", 2]
		delete seen
		ok = 1
		if (osrc in own) { n++; ok = ok && ((own[osrc] " active " odst " " odport " " proto) in have) }
		if (rsrc in own) { n++; ok = ok && ((own[rsrc] " passive " osrc " " rsport " " proto) in have) }
		if (n == 0) { if (osrc ~ /^198\.51\.100\./) routed++; else { total++; print "no owner: " $0 > "/dev/stderr" } ; next }
		total++
		if (ok) right++; else print "not shown: " $0 > "/dev/stderr"
	}
	END { print total + 0, right + 0, routed + 0 }' "$TMP/ct" 2>"$TMP/miss")
assert_ge "fixture: entries counted" "$total" 88
if [ "$total" -gt 0 ] && [ $((right * 100)) -ge $((total * 99)) ]; then
	t_ok ">= 99% of the entries shown as their owners' flows ($right of $total)"
else
	t_fail ">= 99% of the entries shown as their owners' flows" \
		"$right of $total; $(cat "$TMP/miss")$(printf '\nflows:\n%s' "$KEYS")"
fi
# Routed entries belong to no namespace here: without -R they count as
# forwarded in the stderr summary, with -R they are routed flows.
assert_eq "routed entries have no owner" "$routed" "$N_ROUTED"
assert_match "only the routed entries are forwarded" "$ERR" ": [0-9]+ entries: $N_ROUTED forwarded through this host"
assert_eq "routed entries are in no pane" \
	"$(printf '%s' "$JSON" | jq '[.[] | select(.peer.addr | test("^(198\\.51\\.100|203\\.0\\.113)\\."))] | length')" 0
lsct -n --json -R
assert_eq "-R: the routed entries, and only they, are routed flows" \
	"$(printf '%s' "$OUT" | jq -r '.[] | select(.direction == "routed") | "\(.client.addr) \(.server.addr):\(.server.port)"' | sort | paste -sd' ' -)" \
	"$(for i in $(seq "$N_ROUTED"); do echo "198.51.100.$i 203.0.113.$i:443"; done | sort | paste -sd' ' -)"
assert_no_match "-R: nothing forwarded" "$ERR" 'forwarded'

# The cases of the issue, one by one, with their bytes.
ib=$(one "$JSON" "$C1" passive "$X4" 80 total_inbound_bytes)
assert_ge "published H:8080: C1's passive flow on its real port 80, client X" "$ib" "$B_PUB"
ob=$(one "$JSON" "$C1" active "$X4" 3306 total_outbound_bytes)
assert_ge "masqueraded egress: C1's active flow to X:3306" "$ob" "$B_EGRESS"
ob=$(one "$JSON" "$C1" active "$SVC4" 80 total_outbound_bytes)
assert_ge "ClusterIP: C1's active flow to $SVC4:80" "$ob" "$B_SVC"
ib=$(one "$JSON" "$C2_NAME" passive "$C14" 80 total_inbound_bytes)
assert_ge "ClusterIP and no more: C2's passive flow on 80 from C1" "$ib" "$B_SVC"
ob=$(one "$JSON" "$C2_NAME" active "$C14" 80 total_outbound_bytes)
assert_ge "bridged: C2's active flow to C1:80" "$ob" "$B_BRIDGE"
ib=$(one "$JSON" "$C1" passive "$C24" 80 total_inbound_bytes)
assert_eq "bridged: C1's passive twin, mirrored" "$ib" "$ob"
assert_match "UDP: C1's active flow to X:5353" "$KEYS" "^$C1 active $X4 5353 udp\$"
assert_no_match "no flow to the published address H:8080 but X's own" \
	"$(printf '%s\n' "$KEYS" | grep " active $H4 8080 " | grep -v "^$X ")" .

# The owner object.
assert_eq "owner object: kind, name and id strings on every flow" \
	"$(printf '%s' "$JSON" | jq '[.[] | select((.owner.kind | IN("host","container","pod","netns")) and (.owner.name | type == "string" and length > 0) and (.owner.id | type == "string" and length > 0))] | length')" \
	"$(printf '%s' "$JSON" | jq 'length')"
assert_eq "owner object: C1 is kind netns, id its inode" \
	"$(printf '%s' "$JSON" | jq -r --arg o "$C1" '[.[] | select(.owner.name == $o) | "\(.owner.kind) \(.owner.id)"] | unique | .[]')" \
	"netns netns:[$C1_INO]"
assert_eq "owner object: C2 is kind $C2_KIND, id $C2_ID" \
	"$(printf '%s' "$JSON" | jq -r --arg o "$C2_NAME" '[.[] | select(.owner.name == $o) | "\(.owner.kind) \(.owner.id)"] | unique | .[]')" \
	"$C2_KIND $C2_ID"
assert_eq "owner object: only C1, C2 and X own flows" \
	"$(printf '%s' "$JSON" | jq -r '[.[].owner.name] | unique | .[]' | sort | paste -sd' ')" \
	"$(printf '%s\n' "$C1" "$C2_NAME" "$X" | sort | paste -sd' ')"

# --owner C1: C1's flows, all of them.
lsct -n --proto tcp,udp --json --owner "$C1"
assert_eq "--owner C1: exit 0" "$RC" 0
assert_eq "--owner C1: only C1's flows" "$(printf '%s' "$OUT" | jq -r '[.[].owner.name] | unique | .[]')" "$C1"
assert_eq "--owner C1: every one of them" "$(keys_of "$OUT")" "$(grep "^$C1 " "$TMP/keys")"

# --no-owners: as before issue 13, every entry forwarded.
lsct -n --proto tcp,udp --json --no-owners
assert_eq "--no-owners: exit 0" "$RC" 0
assert_eq "--no-owners: an empty array" "$OUT" "[]"
assert_match "--no-owners: every entry forwarded" "$ERR" \
	": [0-9]+ entries: $((total + N_ROUTED)) forwarded through this host"
lsct -n --no-owners
assert_eq "--no-owners table: no Owner column" "$(printf '%s\n' "$OUT" | grep -c Owner)" 0

# The table: the Owner column, C2's label.
lsct -n --proto tcp,udp
assert_match "table: an Owner column" "$(printf '%s\n' "$OUT" | head -n 1)" 'Owner'
assert_match "table: C2's flow ends with its label" "$OUT" " $C2_NAME\$"

# ---------------------------------------------------------------------------
# The monitor: the Owner column and the owners' names, in tmux.
tm new-session -d -s mon -x 200 -y 40 "ip netns exec $H $LSCT -n" || ns_fail "tmux"
if wait_screen mon:0 ' Owner' 10; then t_ok "monitor: the Owner column"; else
	t_fail "monitor: the Owner column" "$(screen mon:0)"; fi
if wait_screen mon:0 ":80 +<-- +$X4:many .* $C1 *\$" 5; then
	t_ok "monitor: C1's published port with its owner"
else
	t_fail "monitor: C1's published port with its owner" "$(screen mon:0)"
fi
if wait_screen mon:0 " $C2_NAME *\$" 5; then t_ok "monitor: C2's label"; else
	t_fail "monitor: C2's label" "$(screen mon:0)"; fi
# The routed entries (conntrack -I, no namespace holds their addresses): the
# Routed pane, shown by itself with owners on, one row per client.
if wait_screen mon:0 "Routed" 5 &&
	wait_screen mon:0 "^ *198\\.51\\.100\\.1:many +--> +203\\.0\\.113\\.1:443 " 5; then
	t_ok "monitor: the Routed pane with a routed entry"
else
	t_fail "monitor: the Routed pane with a routed entry" "$(screen mon:0)"
fi
assert_eq "monitor: the Routed pane has the three routed clients" \
	"$(screen mon:0 | grep -cE '^ *198\.51\.100\.[123]:many +--> +203\.0\.113\.[123]:443 ')" "$N_ROUTED"
# The owner filter (o): C1's flows stay, C2's go, and so do the routed ones.
tm send-keys -t mon:0 o
tm send-keys -t mon:0 -l -- "$C1"
tm send-keys -t mon:0 Enter
if wait_screen mon:0 "owner=$C1" 5; then t_ok "monitor: o sets the owner filter"; else
	t_fail "monitor: o sets the owner filter" "$(screen mon:0)"; fi
sleep 1.2
SCR=$(screen mon:0)
assert_match "monitor: o: C1's published port stays" "$SCR" ":80 +<-- +$X4:many .* $C1 *\$"
assert_no_match "monitor: o: C2's flows go" "$SCR" " $C2_NAME *\$"
assert_no_match "monitor: o: routed flows go" "$SCR" '^ *198\.51\.100\.'
tm send-keys -t mon:0 q
tm kill-server 2>/dev/null


# ---------------------------------------------------------------------------
# A name with control bytes: E, masqueraded to X like C1.
E=lsct-fe$'\e[31m'-$$
E_SHOWN="lsct-fe?[31m-$$"
ns_new "$E" || ns_fail "ip netns add (control bytes)"
attach "$E" 10.217.1.5 || ns_fail "attach (control bytes)"
send "$E" 5000 "TCP4:$X4:3306" || ns_fail "E -> X:3306"
lsct -n --json
assert_eq "control bytes: JSON names E with '?' for ESC" \
	"$(printf '%s' "$OUT" | jq -r --arg a "$X4" '[.[] | select(.owner.name | startswith("lsct-fe")) | .owner.name] | unique | .[]')" "$E_SHOWN"
assert_eq "control bytes: no raw ESC in JSON" "$(printf '%s' "$OUT" | LC_ALL=C grep -c $'\x1b')" 0
assert_eq "control bytes: no escaped ESC either" "$(printf '%s' "$OUT" | grep -ci '\\u001b')" 0
lsct -n
assert_match "control bytes: the table shows E's flow" "$OUT" "$X4:3306 .* lsct-fe\\?\\[31m-$$\$"
assert_eq "control bytes: no raw ESC in the table" \
	"$(printf '%s%s' "$OUT" "$ERR" | od -An -c | grep -c '033')" 0
ip netns del "$E"

# ---------------------------------------------------------------------------
# A namespace deleted while a stream runs in H: D, with a connection to
# X:3307 that stays.
D=lsct-fd-$$
ns_new "$D" || ns_fail "ip netns add $D"
attach "$D" 10.217.1.4 || ns_fail "attach $D"
bg "$X" socat -u "TCP4-LISTEN:3307,bind=$X4,reuseaddr,fork" OPEN:/dev/null,wronly
wait_listen "$X" t 3307 || ns_fail "server X:3307"
bg "$D" sh -c "while :; do echo d; sleep 0.2; done | socat -u - TCP4:$X4:3307"
send "$D" 10000 "TCP4:$X4:3307" || ns_fail "D -> X:3307"
ip netns exec "$H" "$LSCT" -n -c 0 -d 1 --json >"$TMP/stream" 2>"$TMP/stream.err" </dev/null &
S_PID=$!
PIDS+=("$S_PID")
# d_names FILE: the owners of the active flows to X:3307, one line a snapshot.
d_names() {
	jq -r --arg a "$X4" '[.flows[] | select(.direction == "active" and .peer.addr == $a and .peer.port == "3307") | .owner.name] | unique | join(",")' "$1" 2>/dev/null
}
for _ in $(seq 50); do
	[ "$(d_names "$TMP/stream" | grep -c "^$D\$")" -ge 1 ] && break
	sleep 0.1
done
before=$(wc -l <"$TMP/stream")
assert_ge "deleted namespace: D's flow in the stream first" "$(d_names "$TMP/stream" | grep -c "^$D\$")" 1
for pid in $(ip netns pids "$D"); do kill "$pid" 2>/dev/null; done
ip netns del "$D"
for _ in $(seq 80); do
	[ "$(wc -l <"$TMP/stream")" -ge $((before + 5)) ] && break
	sleep 0.1
done
kill -0 "$S_PID" 2>/dev/null
assert_eq "deleted namespace: the stream still runs" "$?" 0
kill -TERM "$S_PID"
wait "$S_PID"
assert_eq "deleted namespace: SIGTERM ends it with 0" "$?" 0
tail -n +$((before + 1)) "$TMP/stream" >"$TMP/after"
assert_ge "deleted namespace: it kept printing" "$(wc -l <"$TMP/after")" 5
assert_eq "deleted namespace: every line is JSON" \
	"$(jq -c 'type' "$TMP/stream" 2>/dev/null | sort -u | paste -sd,)" '"object"'
assert_eq "deleted namespace: D's flow keeps its label while it lingers" \
	"$(d_names "$TMP/after" | grep -v "^$D\$" | grep -c .)" 0
assert_match "deleted namespace: the first snapshot after still has it" "$(d_names "$TMP/after" | head -n 1)" "^$D\$"
assert_no_match "deleted namespace: no error" "$(cat "$TMP/stream.err")" 'sandbox|cannot|error'

# ---------------------------------------------------------------------------
# A namespace with only lo (its own conntrack on): what it shows is what it
# showed before owners, though this machine has other namespaces.
Z=lsct-fz-$$
ns_new "$Z" || ns_fail "ip netns add $Z"
ns_track "$Z" || ns_fail "nft in $Z"
inz() { OUT=$(ip netns exec "$Z" "$LSCT" "$@" 2>&1 </dev/null); }
inz -n
REF=$(ip netns exec "$Z" "$LSCT" -n --no-owners 2>&1 </dev/null)
assert_eq "empty namespace: the table as with --no-owners" "$OUT" "$REF"
assert_match "empty namespace: says the table is empty" "$OUT" 'conntrack table is empty'
inz -n --json
assert_eq "empty namespace: JSON []" "$(printf '%s\n' "$OUT" | head -n 1)" "[]"
bg "$Z" socat -u TCP4-LISTEN:7000,bind=127.0.0.1,reuseaddr,fork OPEN:/dev/null,wronly
wait_listen "$Z" t 7000 || ns_fail "server in $Z"
send "$Z" 1000 TCP4:127.0.0.1:7000 || ns_fail "client in $Z"
inz -n
REF=$(ip netns exec "$Z" "$LSCT" -n --no-owners 2>&1 </dev/null)
assert_eq "lo only: the table byte for byte as with --no-owners" "$OUT" "$REF"
assert_no_match "lo only: no Owner column" "$OUT" 'Owner'
inz -n --json
assert_eq "lo only: every flow the host's" "$(printf '%s\n' "$OUT" | head -n 1 | jq -r '[.[].owner.kind] | unique | join(",")')" host
assert_eq "lo only: JSON as with --no-owners but for the owner key" \
	"$(printf '%s\n' "$OUT" | head -n 1 | jq -c 'map(del(.owner))')" \
	"$(ip netns exec "$Z" "$LSCT" -n --json --no-owners 2>/dev/null | jq -c .)"

t_summary "$SUITE"
