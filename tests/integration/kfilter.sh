#!/bin/bash
# tests/integration/kfilter.sh - the kernel-side port filter (CTA_FILTER):
# -a --aport P and -p --pport P in batch runs make the kernel send only the
# entries that can be shown, and what is printed stays byte for byte what
# the full dump gives (LSCT_NO_KFILTER=1 turns the filter off to compare).
# Real connections to two ports each way, a local-to-local one, and entries
# inserted with conntrack -I: a mid-stream pickup of a local server's
# connection and forwarded ones.  Needs root; skips loudly without.
#
# Run from the repository root, as the other root suites:
#   flock /tmp/lsct-root.lock bash tests/integration/kfilter.sh
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
SUITE=kfilter
N_TESTS=40
NS_TOOLS=strace
NS_TAG=k
NS_NET=212
. tests/integration/nslib.sh
# shellcheck source=tests/integration/kflib.sh
. tests/integration/kflib.sh

ns_setup

# Servers in P: 3306 over IPv4 and IPv6, 5432 over IPv4.  In H: 80, and
# 3306 on loopback for a local-to-local connection.
bg "$P" socat -u "TCP4-LISTEN:3306,bind=$P4,reuseaddr,fork" OPEN:/dev/null,wronly
bg "$P" socat -u "TCP6-LISTEN:3306,bind=[$P6],reuseaddr,fork" OPEN:/dev/null,wronly
bg "$P" socat -u "TCP4-LISTEN:5432,bind=$P4,reuseaddr,fork" OPEN:/dev/null,wronly
bg "$H" socat -u "TCP4-LISTEN:80,reuseaddr,fork" OPEN:/dev/null,wronly
bg "$H" socat -u "TCP4-LISTEN:3306,bind=127.0.0.1,reuseaddr,fork" OPEN:/dev/null,wronly
wait_listen "$P" t 3306 && wait_listen "$P" t 5432 && wait_listen "$H" t 80 &&
	wait_listen "$H" t 3306 || ns_fail "listeners"

send "$H" 30000 "TCP4:$P4:3306" || ns_fail "client 3306"
send "$H" 20000 "TCP4:$P4:3306" || ns_fail "client 3306"
send "$H" 10000 "TCP6:[$P6]:3306" || ns_fail "client [v6]:3306"
send "$H" 40000 "TCP4:$P4:5432" || ns_fail "client 5432"
send "$H" 50000 "TCP4:$P4:5432" || ns_fail "client 5432"
send "$P" 60000 "TCP4:$H4:80" || ns_fail "client 80"
send "$P" 70000 "TCP4:$H4:80" || ns_fail "client 80"
send "$H" 5000 "TCP4:127.0.0.1:3306" || ns_fail "client 127.0.0.1:3306"
N_TCP=8

# A connection to H's port 80 picked up mid-stream: its first packet was
# the server's (original source H4:80).  Only the original-source-port
# request of -p --pport 80 brings it.
inh conntrack -I -p tcp -s "$H4" -d "$P4" --sport 80 --dport 40001 \
	--state ESTABLISHED -t 600 -u ASSURED,SEEN_REPLY >/dev/null 2>&1 ||
	ns_fail "conntrack -I (pickup)"

for _ in $(seq 100); do
	n=$(inh conntrack -L -p tcp 2>/dev/null | grep -c TIME_WAIT)
	[ "$n" -ge "$N_TCP" ] && break
	sleep 0.1
done
[ "$n" = "$N_TCP" ] || ns_fail "want $N_TCP TCP entries in TIME_WAIT, got $n"


# The flows' keys and open connections (ended ones, in TIME_WAIT, are not).
jkeys() { printf '%s' "$1" | jq -r '.[] | "\(.direction) \(.local.port) \(.peer.addr) \(.peer.port) \(.connections)"' | sort; }

# ---------------------------------------------------------------------------
# -a --aport: the original destination port

same "-a --aport 3306 json" -n -a --aport 3306 --json
assert_eq "-a --aport 3306: the three active 3306 flows" "$(jkeys "$OUT")" \
	"$(printf '%s\n' "active many 127.0.0.1 3306 0" "active many $P4 3306 0" "active many $P6 3306 0" | sort)"
same "-a --aport 5432 table" -n -a --aport 5432
assert_match "-a --aport 5432: the 5432 row" "$OUT" "^localhost:many +--> +10\\.$NS_NET\\.0\\.2:5432 "
same "-4 -a --active 3306 (older form)" -n -4 -a 3306 --json
assert_eq "-4 -a 3306: IPv4 flows only" "$(jkeys "$OUT")" \
	"$(printf '%s\n' "active many 127.0.0.1 3306 0" "active many $P4 3306 0" | sort)"

# What the kernel sent: 8 TCP entries in TIME_WAIT and the pickup.  The
# filter brings the 4 with original destination port 3306, the full dump
# all 9 (IPv4 and IPv6 in one request).
ALL=$(msgs LSCT_NO_KFILTER=1 -- -n -a --aport 3306 --json)
assert_eq "messages without the kernel filter: every entry" "$ALL" 9
assert_eq "messages of -a --aport 3306: only port 3306" "$(msgs -- -n -a --aport 3306 --json)" 4
assert_eq "messages of -a --aport 5432: only port 5432" "$(msgs -- -n -a --aport 5432 --json)" 2
assert_eq "messages of -a --aport 9: none" "$(msgs -- -n -a --aport 9 --json)" 0

# ---------------------------------------------------------------------------
# -p --pport: the reply's source port, or the original source port

same "-p --pport 80 json" -n -p --pport 80 --json
# The pickup is the one open connection of the row.
assert_eq "-p --pport 80: the real connections and the pickup" "$(jkeys "$OUT")" "passive 80 $P4 many 1"
same "-p --pport 3306 json" -n -p --pport 3306 --json
assert_eq "-p --pport 3306: the local-to-local connection" "$(jkeys "$OUT")" "passive 3306 127.0.0.1 many 0"
# Reply source port 80 (2), original source port 80 (the pickup), per family.
assert_eq "messages of -p --pport 80: the 80 entries" "$(msgs -- -n -p --pport 80 --json)" 3
assert_eq "messages of -p --pport 3306: reply source 3306 (4)" "$(msgs -- -n -p --pport 3306 --json)" 4

# ---------------------------------------------------------------------------
# where the kernel filter is not a superset, or could be changed: none

for args in "--aport 3306" "-a --aport 3306,5432" "-a --aport !5432" "-p --aport 80" \
	"-a -p --aport 3306"; do
	# shellcheck disable=SC2086
	assert_eq "messages of $args: every entry" "$(msgs -- -n $args --json)" "$ALL"
done
same "--aport 3306 (both sides)" -n --aport 3306 --json

# A stream: snapshots of the filtered dumps, the same flows.
lsct LSCT_NO_KFILTER=1 -- -n -a --aport 3306 -c 2 -d 0.2 --json
REF=$(printf '%s\n' "$OUT" | jq -c '[.flows[] | [.peer.addr, .peer.port, .connections, .stat.total_outbound_bytes]]')
lsct -- -n -a --aport 3306 -c 2 -d 0.2 --json
assert_eq "stream -a --aport 3306: exit 0" "$RC" 0
assert_eq "stream -a --aport 3306: two lines" "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" 2
assert_eq "stream -a --aport 3306: the same flows each line" \
	"$(printf '%s\n' "$OUT" | jq -c '[.flows[] | [.peer.addr, .peer.port, .connections, .stat.total_outbound_bytes]]')" "$REF"

# ---------------------------------------------------------------------------
# forwarded entries: what is shown stays the same (the stderr summary
# counts what the kernel sent, so only those of the port are counted).

inh conntrack -I -p tcp -s 10.99.0.1 -d 10.99.0.2 --sport 1111 --dport 3306 \
	--state ESTABLISHED -t 600 -u ASSURED,SEEN_REPLY >/dev/null 2>&1 ||
	ns_fail "conntrack -I (forwarded)"
inh conntrack -I -p tcp -s 10.99.0.1 -d 10.99.0.2 --sport 1112 --dport 5432 \
	--state ESTABLISHED -t 600 -u ASSURED,SEEN_REPLY >/dev/null 2>&1 ||
	ns_fail "conntrack -I (forwarded)"
lsct LSCT_NO_KFILTER=1 -- -n -a --aport 3306 --json
REF=$OUT
assert_match "forwarded, no kernel filter: both counted" "$ERR" ': 11 entries: 2 forwarded through this host'
lsct -- -n -a --aport 3306 --json
assert_eq "forwarded: stdout as without the kernel filter" "$OUT" "$REF"
assert_match "forwarded, kernel filter: the one to port 3306" "$ERR" ': 5 entries: 1 forwarded through this host'

# The monitor's kernel filter never has ports: its keys change the filters.
# (Its request is checked in the unit tests; a terminal is needed to run it.)

t_summary "$SUITE"
