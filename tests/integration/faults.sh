#!/bin/bash
# tests/integration/faults.sh - lsconntrack on an empty table, a table under
# churn (thousands of entries created and destroyed per second while it
# dumps), and a full table (this namespace holding nf_conntrack_max
# entries).  Needs root; without
# it every test is skipped, loudly.  No host sysctl is changed.
#
# Run from the repository root: bash tests/integration/faults.sh
# All traffic stays on the loopback of a namespace this script makes.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"

cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

SUITE=faults
N_TESTS=15
NS_TOOLS=python3
. tests/integration/nslib.sh

F=lsct-f-$$
MAXFILE=/proc/sys/net/netfilter/nf_conntrack_max

inf() { ip netns exec "$F" "$@"; }

ns_new "$F" || ns_skip_all "cannot create a network namespace"
ns_track "$F"
inf sysctl -qw net.netfilter.nf_conntrack_acct=1

# ---------------------------------------------------------------------------
# an empty table

OUT=$(inf "$LSCT" -n -u 2>"$TMP/err")
RC=$?
assert_eq "empty table: exit 0" "$RC" 0
assert_eq "empty table: header only" "$OUT" \
	'Local Address:Port   <-->   Peer Address:Port  Inpkts  Inbytes  Outpkts  Outbytes  Conns  Proto'
# An empty live table says why in one line on stderr (docs audit: no hint).
assert_eq "empty table: one hint line on stderr" "$(cat "$TMP/err")" \
	"lsconntrack: the conntrack table is empty: nothing in this network namespace uses connection tracking yet (a firewall rule with ct state, NAT, or a conntrack helper)"
assert_eq "empty table: json []" "$(inf "$LSCT" --json 2>/dev/null)" "[]"

# ---------------------------------------------------------------------------
# churn: UDP datagrams to ever new ports on loopback, entries that expire
# after a second, while lsconntrack dumps again and again.

# send.py SECONDS FIRSTPORT NPORTS [RATE]: for SECONDS (0: one datagram to
# each port), at most RATE datagrams a second, loopback only.
cat >"$TMP/send.py" <<'PY'
import socket, sys, time
secs, first, n = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rate = float(sys.argv[4]) if len(sys.argv) > 4 else 0
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
start = time.monotonic()
sent = i = 0
while (secs == 0 and i < n) or (secs > 0 and time.monotonic() < start + secs):
    try:
        s.sendto(b"x", ("127.0.0.1", first + i % n))
        sent += 1
    except OSError:
        pass    # a full table drops the packet: that is the point
    i += 1
    if rate and i % 100 == 0:
        ahead = start + i / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
print(sent)
PY

inf sysctl -qw net.netfilter.nf_conntrack_udp_timeout=1
# 5000 new entries a second to 30000 ports: each port comes back after 6 s,
# so entries expire after 1 s and as many go as come.
inf python3 "$TMP/send.py" 30 20000 30000 5000 >"$TMP/sent" &
SENDER=$!
PIDS+=($SENDER)
sleep 1
runs=0 bad=0 dup=0 maxflows=0 maxcount=0
end=$((SECONDS + 25))
while [ "$runs" -lt 8 ] && [ "$SECONDS" -lt "$end" ]; do
	c=$(inf cat /proc/sys/net/netfilter/nf_conntrack_count)
	[ "$c" -gt "$maxcount" ] && maxcount=$c
	if ! inf "$LSCT" -n -u --json >"$TMP/out" 2>"$TMP/err"; then
		bad=$((bad + 1))
		continue
	fi
	runs=$((runs + 1))
	n=$(jq length "$TMP/out" 2>/dev/null) || { bad=$((bad + 1)); continue; }
	[ "$n" -gt "$maxflows" ] && maxflows=$n
	# The same flow twice would mean a retried dump was not started over.
	d=$(jq '[group_by([.direction, .local.port, .peer.addr, .peer.port, .proto])[] | select(length > 1)] | length' "$TMP/out")
	[ "$d" -gt 0 ] && dup=$((dup + 1))
done
kill_tree "$SENDER"	# the python under ip netns exec too
wait "$SENDER" 2>/dev/null
echo "faults: churn: up to $maxcount entries, $runs dumps while entries came and went"
assert_eq "churn: dumps ran" "$runs" 8
assert_eq "churn: every dump exited 0 with JSON" "$bad" 0
assert_eq "churn: no flow twice in a dump" "$dup" 0
assert_gt "churn: the table was busy (entries seen)" "$maxcount" 2000
assert_gt "churn: flows were reported" "$maxflows" 1000
OUT=$(inf "$LSCT" -n -u 2>"$TMP/err")
assert_eq "churn: stderr clean after" "$(grep -vc 'forwarded' "$TMP/err")" 0

# ---------------------------------------------------------------------------
# a full table: nf_conntrack_max entries in this namespace's table.  The
# limit counts each namespace's own entries, so a namespace can be filled
# to it without touching the machine-wide sysctl: tools/ctgen creates the
# entries over ctnetlink (~1 s for 262144) until the kernel refuses one.

CTGEN=${CTGEN:-build/tools/ctgen}
max=$(cat "$MAXFILE")
if [ ! -x "$CTGEN" ]; then
	for t in "max reached" "exit 0" "every entry counted" "table exit 0" "rows"; do
		t_skip "full table: $t" "$CTGEN is not built (make tools)"
	done
elif [ "$max" -gt 1100000 ]; then
	for t in "max reached" "exit 0" "every entry counted" "table exit 0" "rows"; do
		t_skip "full table: $t" "nf_conntrack_max is $max: too many to fill here"
	done
else
	inf conntrack -F >/dev/null 2>&1
	# ctgen's table is a server at these addresses.
	inf ip addr add 198.18.0.1/32 dev lo
	inf ip addr add 2001:2::1/128 dev lo
	inf "$CTGEN" fill -n $((max + 1000)) >"$TMP/fill" 2>&1
	full=$(inf cat /proc/sys/net/netfilter/nf_conntrack_count)
	assert_eq "full table: nf_conntrack_max reached ($full of $max; $(tr '\n' ' ' <"$TMP/fill"))" \
		"$full" "$max"
	OUT=$(inf "$LSCT" -n -t -u --json 2>"$TMP/err")
	RC=$?
	assert_eq "full table: exit 0" "$RC" 0
	conns=$(printf '%s' "$OUT" | jq '[.[].connections] | add // 0')
	# conntrack-tools' own dump of the same table, read as text, is the
	# reference (an entry between two local addresses counts twice).
	want=$(inf conntrack -L 2>/dev/null | tee "$TMP/ctl" | inf "$LSCT" --stdin -n -t -u --json |
	       jq '[.[].connections] | add // 0')
	assert_eq "full table: every entry counted ($conns; conntrack -L listed $(wc -l <"$TMP/ctl"))" \
		"$conns" "$want"
	OUT=$(inf "$LSCT" -n -t -u 2>"$TMP/err")
	assert_eq "full table: table exit 0" "$?" 0
	assert_gt "full table: rows" "$(printf '%s\n' "$OUT" | wc -l)" 1000
	inf conntrack -F >/dev/null 2>&1
fi

t_summary "faults"
