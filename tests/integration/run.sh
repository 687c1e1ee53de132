#!/bin/bash
# tests/integration/run.sh - lsconntrack against a real kernel conntrack
# table: two network namespaces joined by a veth pair, real socat traffic of
# known sizes, then assertions on what lsconntrack prints inside the "host"
# namespace.  Needs root; without it every test is skipped (exit 0).
#
# Run from the repository root: bash tests/integration/run.sh
# The binary is $LSCT (default ./lsconntrack).  T_VERBOSE=1 prints passes.
#
# No packet leaves the test's namespaces: the only routes in them are the
# veth subnet and lo, and the DNS server the name tests use is the peer
# namespace itself.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"

cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

# The number of tests below, reported as skipped when they cannot run.
SUITE=integration
N_TESTS=182
NS_TOOLS="setpriv setcap"
NS_TAG=		# lsct-h-PID, lsct-p-PID
NS_NET=203
. tests/integration/nslib.sh

Z=lsct-z-$$		# a host with accounting off
inz() { ip netns exec "$Z" "$@"; }

ns_setup

# ---------------------------------------------------------------------------
# traffic of known sizes

A3306_BYTES=100000	# per connection, H -> P, 3 connections
A6379_BYTES=50000	# per connection, H -> P over IPv6, 2 connections
UDP_BYTES=1000		# one datagram, H -> P:5353
P80_SERVER=200000	# per connection, sent by the server in H
P80_CLIENT=10000	# per connection, sent by the client in P; 4 over IPv4, 1 over IPv6
P9090_BYTES=3000	# one connection to a listener bound to 10.203.0.1 only

# Servers in P.
bg "$P" socat -u "TCP4-LISTEN:3306,bind=$P4,reuseaddr,fork" OPEN:/dev/null,wronly
bg "$P" socat -u "TCP6-LISTEN:6379,bind=[$P6],reuseaddr,fork" OPEN:/dev/null,wronly
bg "$P" socat -u "UDP4-RECV:5353,bind=$P4" OPEN:/dev/null,wronly
# Servers in H: port 80 on every address (two sockets), 9090 on one address.
bg "$H" socat TCP4-LISTEN:80,reuseaddr,fork \
	"SYSTEM:head -c $P80_SERVER /dev/zero; cat >/dev/null"
bg "$H" socat TCP6-LISTEN:80,ipv6only=1,reuseaddr,fork \
	"SYSTEM:head -c $P80_SERVER /dev/zero; cat >/dev/null"
bg "$H" socat -u "TCP4-LISTEN:9090,bind=$H4,reuseaddr" OPEN:/dev/null,wronly

wait_listen "$P" t 3306 && wait_listen "$P" t 6379 && wait_listen "$P" u 5353 &&
	wait_listen "$H" t 80 && wait_listen "$H" t 9090 || ns_fail "listeners"

CLIENTS=()
client() {	# NS BYTES socat-args...
	local ns=$1 bytes=$2
	shift 2
	( head -c "$bytes" /dev/zero | ip netns exec "$ns" timeout 20 socat "$@" >/dev/null ) \
		2>>"$TMP/bg.err" &
	CLIENTS+=($!)
	PIDS+=($!)
}
for i in 1 2 3; do
	client "$H" "$A3306_BYTES" -u - "TCP4:$P4:3306"
done
for i in 1 2; do
	client "$H" "$A6379_BYTES" -u - "TCP6:[$P6]:6379"
done
for i in 1 2 3 4; do
	client "$P" "$P80_CLIENT" -t 10 - "TCP4:$H4:80"
done
client "$P" "$P80_CLIENT" -t 10 - "TCP6:[$H6]:80"
client "$P" "$P9090_BYTES" -u - "TCP4:$H4:9090"
client "$H" "$UDP_BYTES" -u - "UDP4-SENDTO:$P4:5353"

ok=1
for pid in "${CLIENTS[@]}"; do
	wait "$pid" || ok=0
done
[ "$ok" = 1 ] || ns_fail "a client failed"

# All 11 TCP connections closed: their entries stay in TIME_WAIT for 120 s
# with final counters.
N_TCP=11
for i in $(seq 100); do
	n=$(inh conntrack -L -p tcp 2>/dev/null | grep -c TIME_WAIT)
	[ "$n" -ge "$N_TCP" ] && break
	sleep 0.1
done
[ "$n" = "$N_TCP" ] || {
	inh conntrack -L >&2
	ns_fail "want $N_TCP TCP entries in TIME_WAIT, got $n"
}

# ---------------------------------------------------------------------------
# helpers

# lsct ARGS...: lsconntrack in H; sets OUT ERR RC.
lsct() {
	OUT=$(ip netns exec "$H" "$LSCT" "$@" 2>"$TMP/err" </dev/null)
	RC=$?
	ERR=$(cat "$TMP/err")
}

# sel JSON DIR LPORT PEER PPORT PROTO: the flows that match (a JSON array).
sel() {
	printf '%s' "$1" | jq -c --arg d "$2" --arg lp "$3" --arg pa "$4" --arg pp "$5" --arg pr "$6" \
		'[.[] | select(.direction == $d and .local.port == $lp and .peer.addr == $pa and .peer.port == $pp and .proto == $pr)]'
}

# check_flow NAME JSON DIR LPORT PEER PPORT PROTO CONNS MIN_OUT MIN_IN
# MIN_IN 0 also allows no inbound packets (UDP without a reply).
check_flow() {
	local n=$1 f
	f=$(sel "$2" "$3" "$4" "$5" "$6" "$7")
	assert_eq "$n: present once" "$(printf '%s' "$f" | jq length)" 1
	assert_eq "$n: connections" "$(printf '%s' "$f" | jq '.[0].connections')" "$8"
	assert_ge "$n: outbound bytes >= $9" "$(printf '%s' "$f" | jq '.[0].stat.total_outbound_bytes')" "$9"
	assert_ge "$n: inbound bytes >= ${10}" "$(printf '%s' "$f" | jq '.[0].stat.total_inbound_bytes')" "${10}"
	assert_gt "$n: outbound packets > 0" "$(printf '%s' "$f" | jq '.[0].stat.total_outbound_packets')" 0
	if [ "${10}" -gt 0 ]; then
		assert_gt "$n: inbound packets > 0" "$(printf '%s' "$f" | jq '.[0].stat.total_inbound_packets')" 0
	fi
}

# Normal form of a flow list, to compare sources.
canon() {
	printf '%s' "$1" | jq -S 'sort_by(.direction, .peer.addr, .peer.port, .local.port)'
}

# ---------------------------------------------------------------------------
# the flows, from netlink

lsct -n
assert_eq "table: exit 0" "$RC" 0
assert_eq "table: nothing on stderr" "$ERR" ""
TABLE=$OUT
NUM='[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+'
assert_match "table: header" "$TABLE" '^Local Address:Port +<--> +Peer Address:Port +Inpkts +Inbytes +Outpkts +Outbytes +Conns$'
# Every TCP connection has closed (TIME_WAIT): Conns counts open ones, so 0;
# their bytes stay (check_flow below: at least N connections' worth).
assert_match "table: active 3306, closed: Conns 0" "$TABLE" "^localhost:many +--> +10\\.203\\.0\\.2:3306 +$NUM +0\$"
assert_match "table: active [v6]:6379, closed: Conns 0" "$TABLE" "^localhost:many +--> +\\[fd00:203::2\\]:6379 +$NUM +0\$"
assert_match "table: passive 80 from v4 peer, closed: Conns 0" "$TABLE" "^localhost:80 +<-- +10\\.203\\.0\\.2:many +$NUM +0\$"
assert_match "table: passive 80 from v6 peer, closed: Conns 0" "$TABLE" "^localhost:80 +<-- +\\[fd00:203::2\\]:many +$NUM +0\$"
assert_match "table: passive 9090 (specific-address listener)" "$TABLE" "^localhost:9090 +<-- +10\\.203\\.0\\.2:many +$NUM +0\$"
assert_no_match "table: no UDP by default" "$TABLE" ':5353'
assert_eq "table: 5 rows" "$(printf '%s\n' "$TABLE" | sed 1d | wc -l | tr -d ' ')" 5
# Order: active rows first, then passive; each by bytes, biggest first.
assert_eq "table: order" "$(printf '%s\n' "$TABLE" | awk 'NR > 1 { print $1, $3 }')" \
"localhost:many 10.203.0.2:3306
localhost:many [fd00:203::2]:6379
localhost:80 10.203.0.2:many
localhost:80 [fd00:203::2]:many
localhost:9090 10.203.0.2:many"

lsct -n --json
assert_eq "json: exit 0" "$RC" 0
J=$OUT
assert_eq "json: 5 flows" "$(printf '%s' "$J" | jq length)" 5
check_flow "active 3306" "$J" active many "$P4" 3306 tcp 0 $((3 * A3306_BYTES)) 1
check_flow "active 6379" "$J" active many "$P6" 6379 tcp 0 $((2 * A6379_BYTES)) 1
check_flow "passive 80 v4" "$J" passive 80 "$P4" many tcp 0 $((4 * P80_SERVER)) $((4 * P80_CLIENT))
check_flow "passive 80 v6" "$J" passive 80 "$P6" many tcp 0 "$P80_SERVER" "$P80_CLIENT"
check_flow "passive 9090" "$J" passive 9090 "$P4" many tcp 0 1 "$P9090_BYTES"
# Bytes the other way round are small: nothing was sent back.
f=$(sel "$J" active many "$P4" 3306 tcp)
assert_lt "active 3306: inbound bytes are only ACKs" "$(printf '%s' "$f" | jq '.[0].stat.total_inbound_bytes')" $((A3306_BYTES / 2))

# ---------------------------------------------------------------------------
# filters

jdirs() { printf '%s' "$1" | jq -r '[.[].direction] | unique | join(",")'; }
jkeys() { printf '%s' "$1" | jq -r '.[] | "\(.direction) \(.local.port) \(.peer.addr) \(.peer.port) \(.proto)"' | sort; }

lsct -n --json -a
assert_eq "-a: only active" "$(jdirs "$OUT")" active
assert_eq "-a: the two active flows" "$(jkeys "$OUT")" "$(printf '%s\n' "active many $P4 3306 tcp" "active many $P6 6379 tcp" | sort)"
lsct -n -a
assert_no_match "-a table: no passive row" "$OUT" '^localhost:[0-9]+ +<-- '
lsct -n --json -p
assert_eq "-p: only passive" "$(jdirs "$OUT")" passive
assert_eq "-p: the three passive flows" "$(jkeys "$OUT")" "$(printf '%s\n' "passive 80 $P4 many tcp" "passive 80 $P6 many tcp" "passive 9090 $P4 many tcp" | sort)"
lsct -n --json --aport 3306
assert_eq "--aport 3306: active rows" "$(printf '%s' "$OUT" | jq -r '[.[] | select(.direction == "active") | .peer.port] | join(",")')" 3306
assert_eq "--aport 3306: passive rows kept" "$(printf '%s' "$OUT" | jq '[.[] | select(.direction == "passive")] | length')" 3
lsct -n --json -a --aport 3306
assert_eq "-a --aport 3306" "$(jkeys "$OUT")" "active many $P4 3306 tcp"
lsct -n --json --pport 80
assert_eq "--pport 80: passive rows" "$(printf '%s' "$OUT" | jq -r '[.[] | select(.direction == "passive") | .local.port] | unique | join(",")')" 80
assert_eq "--pport 80: two passive flows" "$(printf '%s' "$OUT" | jq '[.[] | select(.direction == "passive")] | length')" 2
lsct -n --json -4
assert_eq "-4: IPv4 peers only" "$(jkeys "$OUT")" "$(printf '%s\n' "active many $P4 3306 tcp" "passive 80 $P4 many tcp" "passive 9090 $P4 many tcp" | sort)"
lsct -n --json -6
assert_eq "-6: IPv6 peers only" "$(jkeys "$OUT")" "$(printf '%s\n' "active many $P6 6379 tcp" "passive 80 $P6 many tcp" | sort)"
lsct -n --json -u
assert_eq "-u: exit 0" "$RC" 0
assert_eq "-u: the UDP flow only" "$(jkeys "$OUT")" "active many $P4 5353 udp"
check_flow "udp 5353" "$OUT" active many "$P4" 5353 udp 1 "$UDP_BYTES" 0
# One family and one protocol: the kernel leaves the rest out of the dump
# (CTA_FILTER); what is shown must not change.
lsct -n --json -4 -u
assert_eq "-4 -u: exit 0" "$RC" 0
assert_eq "-4 -u: the UDP flow only" "$(jkeys "$OUT")" "active many $P4 5353 udp"
lsct -n --json -6 -u
assert_eq "-6 -u: no flows (no IPv6 UDP)" "$(printf '%s' "$OUT" | jq length)" 0
lsct -n --json -4 -t -u
assert_eq "-4 -t -u: TCP and UDP of IPv4" "$(jkeys "$OUT")" "$(printf '%s\n' "active many $P4 3306 tcp" "active many $P4 5353 udp" "passive 80 $P4 many tcp" "passive 9090 $P4 many tcp" | sort)"
lsct -n -u
assert_match "-u table: Proto column" "$OUT" "^localhost:many +--> +10\\.203\\.0\\.2:5353 +$NUM +1 +udp\$"

# ---------------------------------------------------------------------------
# every source gives the same flows

lsct -n --proto all --json
assert_eq "netlink --proto all: exit 0" "$RC" 0
# The text sources have no owners (doc/containers.md): the reference is
# netlink's without them, which is netlink's with them less the owner objects.
OWNED=$(printf '%s' "$OUT" | jq -S 'map(del(.owner)) | sort_by(.direction, .peer.addr, .peer.port, .local.port)')
assert_eq "netlink --proto all: an owner object on every flow" \
	"$(printf '%s' "$OUT" | jq '(map(select(.owner.kind)) | length) == length and length > 0')" true
lsct -n --proto all --json --no-owners
assert_eq "netlink --proto all --no-owners: exit 0" "$RC" 0
REF=$(canon "$OUT")
assert_eq "netlink --proto all: with owners, the same flows" "$OWNED" "$REF"
assert_eq "netlink --proto all: 6 flows" "$(printf '%s' "$REF" | jq length)" 6

if [ -r /proc/net/nf_conntrack ] && inh test -e /proc/net/nf_conntrack; then
	lsct -n --proc --proto all --json
	assert_eq "--proc: exit 0" "$RC" 0
	assert_eq "--proc = netlink" "$(canon "$OUT")" "$REF"
	OUT=$(inh sh -c 'cat /proc/net/nf_conntrack | "$0" --stdin --proto all --json' "$LSCT" 2>"$TMP/err")
	assert_eq "--stdin < /proc/net/nf_conntrack = netlink" "$(canon "$OUT")" "$REF"
	assert_eq "--stdin < /proc/net/nf_conntrack: nothing on stderr" "$(cat "$TMP/err")" ""
else
	t_skip "--proc = netlink" "no /proc/net/nf_conntrack (CONFIG_NF_CONNTRACK_PROCFS)"
	t_skip "--proc: exit 0" "no /proc/net/nf_conntrack"
	t_skip "--stdin < /proc/net/nf_conntrack = netlink" "no /proc/net/nf_conntrack"
	t_skip "--stdin < /proc/net/nf_conntrack: nothing on stderr" "no /proc/net/nf_conntrack"
fi
OUT=$(inh sh -c 'conntrack -L 2>/dev/null | "$0" --stdin --proto all --json' "$LSCT" 2>"$TMP/err")
assert_eq "--stdin < conntrack -L = netlink" "$(canon "$OUT")" "$REF"
assert_eq "--stdin < conntrack -L: nothing on stderr" "$(cat "$TMP/err")" ""
OUT=$(inh sh -c 'conntrack -L -o extended,id 2>/dev/null | "$0" --stdin --proto all --json' "$LSCT" 2>"$TMP/err")
assert_eq "--stdin < conntrack -L -o extended,id = netlink" "$(canon "$OUT")" "$REF"
assert_eq "--stdin < conntrack -L -o extended,id: nothing on stderr" "$(cat "$TMP/err")" ""
# The same dump with the trailer merged in (2>&1) is still fine.
OUT=$(inh sh -c 'conntrack -L 2>&1 | "$0" --stdin --proto all --json' "$LSCT" 2>"$TMP/err")
assert_eq "--stdin < conntrack -L 2>&1 = netlink" "$(canon "$OUT")" "$REF"
# Taken elsewhere: --local names H's addresses; run in P it gives the same.
inh conntrack -L >"$TMP/dump.txt" 2>/dev/null
OUT=$(inp "$LSCT" --stdin --local "$H4,$H6" --proto all --json <"$TMP/dump.txt" 2>"$TMP/err")
assert_eq "--stdin --local in another namespace = netlink" "$(canon "$OUT")" "$REF"

# ---------------------------------------------------------------------------
# no CAP_NET_ADMIN

BIN=$TMP/lsconntrack
cp "$LSCT" "$BIN" && chmod 755 "$BIN"
OUT=$(inh setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
	"$BIN" -n 2>"$TMP/err" </dev/null)
RC=$?
ERR=$(cat "$TMP/err")
assert_eq "unprivileged: exit 1" "$RC" 1
assert_lines "unprivileged: one line on stderr" "$ERR" 1
assert_match "unprivileged: names CAP_NET_ADMIN" "$ERR" 'CAP_NET_ADMIN'
assert_eq "unprivileged: nothing on stdout" "$OUT" ""
OUT=$(inh setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
	"$BIN" -n --proc 2>"$TMP/err" </dev/null)
RC=$?
ERR=$(cat "$TMP/err")
assert_eq "unprivileged --proc: exit 1" "$RC" 1
assert_lines "unprivileged --proc: one line on stderr" "$ERR" 1

# ---------------------------------------------------------------------------
# names: a private /etc/hosts for H (ip netns exec bind-mounts
# /etc/netns/NAME/* over /etc/*), and a resolver that is P itself.

ns_names

lsct
assert_eq "names: exit 0" "$RC" 0
assert_match "names: peer-db.test:3306" "$OUT" '^localhost:many +--> +peer-db\.test:3306 '
assert_match "names: peer-db.test:many" "$OUT" '^localhost:80 +<-- +peer-db\.test:many '
assert_match "names: peer-db6.test:6379" "$OUT" '^localhost:many +--> +peer-db6\.test:6379 '
assert_no_match "names: no numeric peer left" "$OUT" '10\.203\.0\.2|fd00:203::2'
lsct --json
assert_eq "names: --json stays numeric" "$(printf '%s' "$OUT" | jq -r '[.[] | select(.peer.port == "3306") | .peer.addr] | join(",")')" "$P4"
lsct --json --names
assert_eq "names: --json --names has the name in peer.name" "$(printf '%s' "$OUT" | jq -r '[.[] | select(.peer.port == "3306") | .peer.name] | join(",")')" peer-db.test
assert_eq "names: --json --names keeps peer.addr numeric" "$(printf '%s' "$OUT" | jq -r '[.[] | select(.peer.port == "3306") | .peer.addr] | join(",")')" "$P4"
lsct -n
assert_match "names: -n stays numeric" "$OUT" '^localhost:many +--> +10\.203\.0\.2:3306 '

# Memory: batch runs under valgrind report no error and no leak (with names
# from the hosts file, with -n and JSON, and from text on stdin).
if [ -n "$LSCT_SANITIZED" ]; then
	# valgrind cannot run an AddressSanitizer build; the plain build's run covers it.
	for t in 1 2 3 4 5 6 7 8; do t_skip "valgrind $t" "the binary is built with sanitizers"; done
elif command -v valgrind >/dev/null 2>&1; then
	VG="valgrind -q --vgdb=no --leak-check=full --errors-for-leak-kinds=definite,possible --error-exitcode=99"
	for args in "" "-n --json --proto all" "--proc -n"; do
		ip netns exec "$H" $VG "$LSCT" $args >"$TMP/vg.out" 2>"$TMP/vg.err" </dev/null
		RC=$?
		assert_eq "valgrind '$args': exit 0" "$RC" 0
		assert_no_match "valgrind '$args': no report" "$(cat "$TMP/vg.err")" '^==[0-9]+=='
	done
	ip netns exec "$H" conntrack -L 2>/dev/null >"$TMP/vg.in"
	ip netns exec "$H" $VG "$LSCT" --stdin >"$TMP/vg.out" 2>"$TMP/vg.err" <"$TMP/vg.in"
	RC=$?
	assert_eq "valgrind --stdin: exit 0" "$RC" 0
	assert_no_match "valgrind --stdin: no report" "$(cat "$TMP/vg.err")" '^==[0-9]+=='
else
	for t in 1 2 3 4 5 6 7 8; do t_skip "valgrind $t" "valgrind is not installed"; done
fi

# Names are untrusted: a hosts file (as a hostile DNS server could) maps the
# peers to names with ESC, BEL and UTF-8 bytes.  They are never printed; the
# numeric address is.
printf '127.0.0.1 localhost\n%s evil\033[31mred\007.test\n%s caf\303\251.test\n' "$P4" "$P6" >"/etc/netns/$H/hosts"
lsct
assert_eq "hostile names: exit 0" "$RC" 0
assert_match "hostile names: numeric v4 peer instead" "$OUT" '^localhost:many +--> +10\.203\.0\.2:3306 '
assert_match "hostile names: numeric v6 peer instead" "$OUT" '^localhost:many +--> +\[fd00:203::2\]:6379 '
assert_eq "hostile names: no control or non-ASCII byte" \
	"$(printf '%s%s' "$OUT" "$ERR" | LC_ALL=C grep -c $'[\x01-\x09\x0b-\x1f\x7f-\xff]')" 0
lsct --json --names
assert_eq "hostile names: --json --names numeric" "$(printf '%s' "$OUT" | jq -r '[.[] | select(.peer.port == "3306") | .peer.addr] | join(",")')" "$P4"
assert_eq "hostile names: --json has no raw control byte" \
	"$(printf '%s' "$OUT" | LC_ALL=C grep -c $'[\x01-\x09\x0b-\x1f\x7f-\xff]')" 0

# DNS that never answers: P drops port 53, H's hosts file knows no peer.
inp nft -f - <<'EOF'
table inet lsctdns {
	chain input {
		type filter hook input priority 0;
		udp dport 53 drop
		tcp dport 53 drop
	}
}
EOF
printf '127.0.0.1 localhost\n::1 localhost\n' >"/etc/netns/$H/hosts"
T=$(inh sh -c 's=$(date +%s.%N); "$0" --dns-timeout 1 >"$1" 2>"$2"; rc=$?; e=$(date +%s.%N); echo "$rc $s $e"' \
	"$LSCT" "$TMP/dns.out" "$TMP/dns.err")
set -- $T
assert_eq "dns timeout: exit 0" "$1" 0
ELAPSED=$(awk -v s="$2" -v e="$3" 'BEGIN { printf "%.2f", e - s }')
# One second of waiting for names, plus the dump and start-up on a busy machine.
assert_lt "dns timeout: --dns-timeout 1 finishes in under 3 s (took $ELAPSED s)" "$ELAPSED" 3
assert_match "dns timeout: numeric peer address" "$(cat "$TMP/dns.out")" '^localhost:many +--> +10\.203\.0\.2:3306 '
assert_match "dns timeout: numeric v6 peer address" "$(cat "$TMP/dns.out")" '^localhost:many +--> +\[fd00:203::2\]:6379 '
set --

# Least privilege: while the run waits for DNS (P still drops port 53), look
# at the process.  After opening its netlink socket it is "nobody" with only
# CAP_NET_ADMIN (every dump request is checked for it), and a one-shot run
# gives that up too after its dump, before names are resolved; with --stdin
# it keeps no capability at all.
status_of() {	# status_of PID FIELD [threads]: a field of /proc/PID/status, once it is
		# lsconntrack run by a non-root uid (and, with "threads", once its
		# resolver threads run: they start only after the privilege drop)
	local i st
	for i in $(seq 1 50); do
		st=$(cat "/proc/$1/status" 2>/dev/null)
		if printf '%s\n' "$st" | grep -q '^Name:[[:space:]]*lsconntrack' &&
		   ! printf '%s\n' "$st" | grep -q '^Uid:[[:space:]]*0[[:space:]]' &&
		   { [ "$3" != threads ] || printf '%s\n' "$st" | grep -Eq '^Threads:[[:space:]]*([2-9]|[1-9][0-9])'; }; then
			break
		fi
		sleep 0.1
	done
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status" 2>/dev/null
}
# tasks_of PID FIELD: "TID VALUE" for each thread, the process's own first.
tasks_of() {
	local f
	for f in /proc/"$1"/task/*/status; do
		awk -v f="$2:" -v t="${f%/status}" '$1 == f { sub(/.*\//, "", t); print t, $2 }' "$f"
	done 2>/dev/null | sort -n -k1,1 | awk -v p="$1" '$1 == p { print; next } { o = o $0 "\n" } END { printf "%s", o }'
}
ip netns exec "$H" "$LSCT" --dns-timeout 3 >"$TMP/priv.out" 2>&1 </dev/null &
PRIVPID=$!
PIDS+=("$PRIVPID")
UIDS=$(status_of "$PRIVPID" Uid threads)
assert_match "privilege: netlink run switched to an unprivileged uid ($UIDS)" "$UIDS" '^[1-9][0-9]*[[:space:]]+[1-9][0-9]*[[:space:]]+[1-9][0-9]*[[:space:]]+[1-9][0-9]*$'
assert_eq "privilege: one-shot netlink run: no capability once dumped (names pending)" \
	"$(status_of "$PRIVPID" CapEff threads) $(tasks_of "$PRIVPID" CapEff | awk '{ print $2 }' | sort -u | paste -sd' ')" \
	"0000000000000000 0000000000000000"
assert_eq "privilege: one-shot netlink run: nothing permitted in any thread" \
	"$(tasks_of "$PRIVPID" CapPrm | awk '{ print $2 }' | sort -u | paste -sd' ')" 0000000000000000
assert_eq "privilege: empty bounding set" "$(status_of "$PRIVPID" CapBnd threads)" 0000000000000000
# Seccomp: 2 is a filter.  An AddressSanitizer build installs none (its
# leak checker ptraces the process at exit; src/sandbox.c): no_new_privs only.
SECCOMP_WANT=2
[ -n "$LSCT_SANITIZED" ] && SECCOMP_WANT=0
assert_eq "privilege: no_new_privs and a seccomp filter" \
	"$(status_of "$PRIVPID" NoNewPrivs) $(status_of "$PRIVPID" Seccomp)" "1 $SECCOMP_WANT"
wait "$PRIVPID"
assert_eq "privilege: the dump still worked (exit 0)" "$?" 0
assert_match "privilege: the dump still worked (rows)" "$(cat "$TMP/priv.out")" '^localhost:many +--> +10\.203\.0\.2:3306 '
# Not root but with a file capability (setcap cap_net_admin,cap_net_raw+ep):
# the dump works as uid 65534 and every capability but CAP_NET_ADMIN is gone,
# that one too once the one-shot dump is done.
mkdir -p "$TMP/cap"
chmod 755 "$TMP/cap"
cp "$LSCT" "$TMP/cap/lsconntrack"
chmod 755 "$TMP/cap/lsconntrack"
setcap cap_net_admin,cap_net_raw+ep "$TMP/cap/lsconntrack"
ip netns exec "$H" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$TMP/cap/lsconntrack" --dns-timeout 3 >"$TMP/priv.out" 2>&1 </dev/null &
PRIVPID=$!
PIDS+=("$PRIVPID")
assert_eq "file capability: no capability left once dumped, in any thread" \
	"$(status_of "$PRIVPID" CapEff threads) $(tasks_of "$PRIVPID" CapPrm | awk '{ print $2 }' | sort -u | paste -sd' ')" \
	"0000000000000000 0000000000000000"
assert_eq "file capability: nothing inheritable or ambient" \
	"$(status_of "$PRIVPID" CapInh) $(status_of "$PRIVPID" CapAmb)" "0000000000000000 0000000000000000"
wait "$PRIVPID"
assert_eq "file capability: exit 0" "$?" 0
assert_match "file capability: the dump worked" "$(cat "$TMP/priv.out")" '^localhost:many +--> +10\.203\.0\.2:3306 '
sleep 3 | ip netns exec "$H" "$LSCT" --stdin -n >"$TMP/priv.out" 2>&1 &
PRIVPID=$!
PIDS+=("$PRIVPID")
UIDS=$(status_of "$PRIVPID" Uid)
assert_match "privilege: --stdin run switched to an unprivileged uid ($UIDS)" "$UIDS" '^[1-9][0-9]*[[:space:]]'
assert_eq "privilege: --stdin run keeps no capability" "$(status_of "$PRIVPID" CapEff)" 0000000000000000
assert_eq "privilege: --stdin run keeps nothing permitted" "$(status_of "$PRIVPID" CapPrm)" 0000000000000000
wait "$PRIVPID"
assert_eq "privilege: --stdin run exit 0" "$?" 0

# CAP_NET_ADMIN lives only in the thread that dumps (priv.h).  A stream: the
# main thread dumps, its resolver threads (waiting on the silent DNS) hold
# nothing.  The monitor (on a terminal from script(1)): the collector holds
# it, the screen's thread and the resolvers do not.
# --no-owners: with owners (the default) the dumping thread also keeps what
# entering namespaces needs; tests/integration/owners.sh checks that case.
ip netns exec "$H" "$LSCT" -c 0 -d 0.5 --dns-timeout 1 --no-owners >/dev/null 2>"$TMP/stream.err" </dev/null &
PRIVPID=$!
PIDS+=("$PRIVPID")
status_of "$PRIVPID" Uid threads >/dev/null
CAPS=$(tasks_of "$PRIVPID" CapEff)
assert_match "threads: stream: the dumping (main) thread keeps CAP_NET_ADMIN" "$CAPS" "^$PRIVPID 0000000000001000\$"
assert_eq "threads: stream: every other thread has none ($(echo $CAPS))" \
	"$(printf '%s\n' "$CAPS" | awk -v p="$PRIVPID" '$1 != p { print $2 }' | sort -u)" 0000000000000000
assert_eq "threads: stream: nothing permitted outside the dumping thread" \
	"$(tasks_of "$PRIVPID" CapPrm | awk -v p="$PRIVPID" '$1 != p { print $2 }' | sort -u)" 0000000000000000
assert_eq "threads: stream: no_new_privs and a seccomp filter" \
	"$(status_of "$PRIVPID" NoNewPrivs) $(status_of "$PRIVPID" Seccomp)" "1 $SECCOMP_WANT"
kill -TERM "$PRIVPID"
wait "$PRIVPID"
assert_eq "threads: stream: SIGTERM ends it (exit 0)" "$?" 0

( sleep 30 | ip netns exec "$H" env TERM=xterm script -qec \
	"echo \$\$ >$TMP/mon.pid; exec $LSCT -d 0.5 --dns-timeout 1 --no-owners" /dev/null >/dev/null 2>&1 ) &
MONSH=$!
PIDS+=("$MONSH")
MONPID=
for i in $(seq 50); do
	MONPID=$(cat "$TMP/mon.pid" 2>/dev/null)
	[ -n "$MONPID" ] && [ "$(ls "/proc/$MONPID/task" 2>/dev/null | wc -l)" -ge 3 ] && break
	sleep 0.1
done
CAPS=$(tasks_of "$MONPID" CapEff)
assert_ge "threads: monitor: screen, collector and resolvers run ($(echo $CAPS))" \
	"$(printf '%s\n' "$CAPS" | grep -c .)" 3
assert_eq "threads: monitor: one thread holds CAP_NET_ADMIN" \
	"$(printf '%s\n' "$CAPS" | grep -c ' 0000000000001000$')" 1
assert_eq "threads: monitor: the screen's (main) thread holds none" \
	"$(printf '%s\n' "$CAPS" | awk -v p="$MONPID" '$1 == p { print $2 }')" 0000000000000000
assert_eq "threads: monitor: the others hold nothing else" \
	"$(tasks_of "$MONPID" CapPrm | awk '{ print $2 }' | sort -u | paste -sd' ')" \
	"0000000000000000 0000000000001000"
assert_eq "threads: monitor: no_new_privs and a seccomp filter" \
	"$(awk '$1 == "NoNewPrivs:" || $1 == "Seccomp:" { printf "%s ", $2 }' "/proc/$MONPID/status" 2>/dev/null)" "1 $SECCOMP_WANT "
[ -n "$MONPID" ] && kill -TERM "$MONPID"
for i in $(seq 50); do
	[ -n "$MONPID" ] && kill -0 "$MONPID" 2>/dev/null || break
	sleep 0.1
done
assert_eq "threads: monitor: SIGTERM ends it" "$(kill -0 "$MONPID" 2>/dev/null && echo running)" ""
kill_tree "$MONSH" 2>/dev/null

# A setuid-root copy run by an unprivileged user (M2): --proc=FILE is opened
# with that user's rights after the drop, and only a regular or procfs file.
mkdir -p "$TMP/suid" "$TMP/user"
chmod 755 "$TMP/suid" "$TMP/user"
cp "$LSCT" "$TMP/suid/lsconntrack"
chown root:root "$TMP/suid/lsconntrack"
chmod 4755 "$TMP/suid/lsconntrack"
cp "$TMP/dump.txt" "$TMP/user/ct.txt"
chown -R 12345:12345 "$TMP/user"
chmod 600 "$TMP/user/ct.txt"
mkfifo "$TMP/fifo"
suid() {	# ARGS...: the setuid copy as uid 12345 in H
	OUT=$(ip netns exec "$H" timeout 10 setpriv --reuid=12345 --regid=12345 --clear-groups \
		"$TMP/suid/lsconntrack" -n --local "$H4,$H6" "$@" 2>"$TMP/err" </dev/null)
	RC=$?
	ERR=$(cat "$TMP/err")
}
suid --proc=/etc/shadow
assert_eq "setuid --proc=/etc/shadow: exit 1" "$RC" 1
assert_eq "setuid --proc=/etc/shadow: permission denied, one line" "$ERR" \
	"lsconntrack: cannot open /etc/shadow: Permission denied"
assert_eq "setuid --proc=/etc/shadow: nothing on stdout" "$OUT" ""
for f in /root /dev/null "$TMP/fifo"; do
	suid "--proc=$f"
	assert_eq "setuid --proc=$f: exit 1 (not hung)" "$RC" 1
	assert_match "setuid --proc=$f: refused as not a regular file" "$ERR" \
		"^lsconntrack: cannot read $f: not a regular file"
done
suid --proc=/root/nonexistent
assert_match "setuid --proc=/root/nonexistent: permission denied, not existence" "$ERR" \
	'Permission denied$'
suid "--proc=$TMP/user/ct.txt" --proto all
assert_eq "setuid --proc=the user's own 0600 file: exit 0" "$RC" 0
assert_match "setuid --proc=the user's own 0600 file: rows" "$OUT" '^localhost:many +--> +10\.203\.0\.2:3306 '
suid
assert_eq "setuid netlink run: exit 0" "$RC" 0
assert_match "setuid netlink run: rows" "$OUT" '^localhost:many +--> +10\.203\.0\.2:3306 '
# Root's run reads a user path as nobody: a root-only file is refused, with the way out.
printf 'x\n' >"$TMP/suid/root-only"
chmod 600 "$TMP/suid/root-only"
lsct -n "--proc=$TMP/suid/root-only"
assert_eq "root --proc=root-only file: exit 1" "$RC" 1
assert_match "root --proc=root-only file: permission denied, --stdin named" "$ERR" \
	'Permission denied \(.*--stdin < FILE'

# LSCT_NO_SECCOMP=1 loosens only a run started from a trusted environment:
# root's, not a setcap copy's (the sandbox sets no_new_privs first either way).
nnp_seccomp() {	# PID: "NoNewPrivs Seccomp" once no_new_privs is set
	local i
	for i in $(seq 50); do
		[ "$(awk '$1 == "NoNewPrivs:" { print $2 }' "/proc/$1/status" 2>/dev/null)" = 1 ] && break
		sleep 0.1
	done
	awk '$1 == "NoNewPrivs:" || $1 == "Seccomp:" { printf "%s%s", s, $2; s = " " }' \
		"/proc/$1/status" 2>/dev/null
}
sleep 3 | ip netns exec "$H" env LSCT_NO_SECCOMP=1 "$LSCT" --stdin -n >/dev/null 2>&1 &
PRIVPID=$!
PIDS+=("$PRIVPID")
assert_eq "LSCT_NO_SECCOMP=1 as root: no filter, no_new_privs still" "$(nnp_seccomp "$PRIVPID")" "1 0"
wait "$PRIVPID"
sleep 3 | ip netns exec "$H" env LSCT_NO_SECCOMP=1 setpriv --reuid=65534 --regid=65534 \
	--clear-groups "$TMP/cap/lsconntrack" --stdin -n >/dev/null 2>&1 &
PRIVPID=$!
PIDS+=("$PRIVPID")
assert_eq "LSCT_NO_SECCOMP=1 in a setcap copy: ignored, the filter is on" "$(nnp_seccomp "$PRIVPID")" \
	"1 $SECCOMP_WANT"
wait "$PRIVPID"

# File capabilities (M3): a terminal type only the user's $TERMINFO defines
# starts the plain binary's screen, not the setcap copy's.
mkdir -p "$TMP/ti" "$TMP/plain" "$TMP/cap2"
chmod 755 "$TMP/ti" "$TMP/plain" "$TMP/cap2"
infocmp -x xterm | sed 's/^xterm|[^,]*,/lsct-term|a terminal only in $TERMINFO,/' >"$TMP/ti.src"
tic -x -o "$TMP/ti" "$TMP/ti.src" 2>/dev/null
chmod -R a+rX "$TMP/ti"
cp "$LSCT" "$TMP/plain/lsconntrack"
cp "$LSCT" "$TMP/cap2/lsconntrack"
chmod 755 "$TMP/plain/lsconntrack" "$TMP/cap2/lsconntrack"
setcap cap_net_admin+ep "$TMP/cap2/lsconntrack"
term_run() {	# BINARY: the monitor on a terminal as uid 12345, TERM=lsct-term; q after 2 s
	OUT=$( (sleep 2; printf q; sleep 1) | script -qec "env TERMINFO=$TMP/ti TERM=lsct-term \
		setpriv --reuid=12345 --regid=12345 --clear-groups $1 -n --local $H4 \
		--proc=$TMP/user/ct.txt" /dev/null 2>&1)
	RC=$?
}
term_run "$TMP/plain/lsconntrack"
assert_eq "TERMINFO: the plain binary uses the user's terminal type (exit 0)" "$RC" 0
assert_match "TERMINFO: the plain binary drew its screen" "$OUT" 'Active'
term_run "$TMP/cap2/lsconntrack"
# The setcap copy ignores $TERMINFO: an unknown terminal type, which gets
# the table instead of the monitor (as TERM=dumb does).
assert_eq "TERMINFO: the setcap copy ignores it (the table, exit 0)" "$RC" 0
assert_match "TERMINFO: the setcap copy: unknown terminal type" "$OUT" \
	'TERM=lsct-term is not a terminal type terminfo knows: printing the table instead'
assert_no_match "TERMINFO: the setcap copy drew no screen" "$OUT" 'Active'

# ---------------------------------------------------------------------------
# accounting off: a third namespace, loopback traffic

ns_new "$Z" || ns_fail "ip netns add $Z"
ns_track "$Z" || ns_fail "nft in $Z"
inz sysctl -qw net.netfilter.nf_conntrack_acct=0
bg "$Z" socat -u TCP4-LISTEN:7000,bind=127.0.0.1,reuseaddr OPEN:/dev/null,wronly
wait_listen "$Z" t 7000 || ns_fail "listener in $Z"
head -c 5000 /dev/zero | inz timeout 20 socat -u - TCP4:127.0.0.1:7000
OUT=$(inz "$LSCT" -n 2>"$TMP/err" </dev/null)
RC=$?
ERR=$(cat "$TMP/err")
assert_eq "acct off: exit 0" "$RC" 0
assert_match "acct off: warns about nf_conntrack_acct" "$ERR" 'nf_conntrack_acct'
assert_match "acct off: loopback active row, zero counters" "$OUT" '^localhost:many +--> +127\.0\.0\.1:7000 +0 +0 +0 +0 +0$'
assert_match "acct off: loopback passive row, zero counters" "$OUT" '^localhost:7000 +<-- +127\.0\.0\.1:many +0 +0 +0 +0 +0$'
# acct on in H: no warning there.
lsct -n
assert_eq "acct on: exit 0" "$RC" 0
assert_no_match "acct on: no warning" "$ERR" 'nf_conntrack_acct'

# ---------------------------------------------------------------------------
# the kernel interfaces from C (build/integration/live, see live.c): a
# ctnetlink dump of entries it creates, with its restarts and errors,
# sock_diag against /proc/net, and DESTROY events (final counters; loss
# counted exactly); each case in a network namespace of its own.

LIVE=${LIVE:-build/integration/live}
if [ -x "$LIVE" ]; then
	LIVE_OUT=$("$LIVE" 2>"$TMP/live.err")
	LIVE_RC=$?
else
	LIVE_OUT=
	LIVE_RC="not built (make $LIVE)"
fi
while IFS= read -r line; do
	case $line in
	"ok "*) t_ok "${line#ok }" ;;
	"skip "*) line=${line#skip }; t_skip "${line%%: *}" "${line#*: }" ;;
	"FAIL "*) t_fail "${line#FAIL }" "$(cat "$TMP/live.err")" ;;
	esac
done <<<"$LIVE_OUT"
assert_eq "live: every case reports a result" "$(printf '%s\n' "$LIVE_OUT" | grep -cE '^(ok|skip|FAIL) live: ')" 5
assert_eq "live: exit 0" "$LIVE_RC" 0

# ---------------------------------------------------------------------------
# names that pass for something else (L1): a hosts file, as a hostile PTR
# zone could, names the peers as addresses or as this host.  The real
# addresses stay, in the table and in JSON.
for spoof in "10.0.0.5 127.0.0.1" "localhost x.localhost"; do
	set -- $spoof
	printf '127.0.0.1 localhost\n%s %s\n%s %s\n' "$P4" "$1" "$P6" "$2" >"/etc/netns/$H/hosts"
	lsct
	assert_match "spoofed names '$spoof': v4 peer numeric" "$OUT" '^localhost:many +--> +10\.[0-9]+\.0\.2:3306 '
	assert_match "spoofed names '$spoof': v6 peer numeric" "$OUT" '^localhost:many +--> +\[fd00:[0-9]+::2\]:6379 '
	assert_no_match "spoofed names '$spoof': never shown" "$OUT" "(-->|<--) +($1|$2):"
	lsct --json --names
	assert_eq "spoofed names '$spoof': JSON addr numeric, no name" \
		"$(printf '%s' "$OUT" | jq -r '[.[] | select(.peer.port == "3306" or .peer.port == "6379") | (.peer.addr + "/" + (.peer.name // "-"))] | sort | join(",")')" \
		"$P4/-,$P6/-"
done
set --
printf '127.0.0.1 localhost\n::1 localhost\n' >"/etc/netns/$H/hosts"

t_summary "integration"
