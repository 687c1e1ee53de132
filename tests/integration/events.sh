#!/bin/bash
# tests/integration/events.sh - conntrack DESTROY events on the real kernel:
# connections that open and leave the table between two snapshots are
# counted, once, with their bytes.  The namespace H lowers its own
# TIME_WAIT/CLOSE/UDP timeouts to 1 s (per-namespace sysctls; the host's
# are never touched), so its connections are gone long before the next
# snapshot.
#
#   between    40 FIN-closed TCP connections of 5,000 bytes, 10 RST-closed
#              ones and 20 one-datagram UDP exchanges, all made and gone
#              between two snapshots of an NDJSON stream: new and closed
#              are exact, bytes are the L3 totals, no event lost
#   once       a connection a dump saw, then destroyed (conntrack -D) after
#              more bytes: new once, closed once, the bytes after the last
#              dump counted from the event's final counters
#   fin        a connection a dump saw that closes with FIN: closed once
#              (in TIME_WAIT), its DESTROY a second later is not another
#   acct       nf_conntrack_acct=0: opened and closed still exact, bytes 0,
#              the warning that accounting is off
#   lost       --event-buffer 4096, a table of ctgen entries flushed at once:
#              events_lost > 0 in NDJSON and on stderr at the end, every
#              connection closed exactly once (by its event or after the
#              dump of grace), the next dumps consistent
#   threads    a stream with events on: the dumping thread keeps only
#              CAP_NET_ADMIN, the event reader thread holds nothing
#   no-events  --no-events: "events_lost":null, and the 40 connections
#              between snapshots are (mostly) not seen: what events fix
#   monitor    the 40 connections in the full-screen monitor (tmux): New
#              and Closed show 40 on the flow's row
#
# Needs root, python3 and tmux; skips loudly without.  Run from anywhere:
# bash tests/integration/events.sh (T_VERBOSE=1 lists the passes).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
SUITE=events
N_TESTS=67
NS_TOOLS="python3 tmux"
NS_TAG=e
NS_NET=212
. tests/integration/nslib.sh

CTGEN=$PWD/build/tools/ctgen
[ -x "$CTGEN" ] || ns_skip_all "$CTGEN is not built (run make tools)"

TMUX_SOCK=lsct-ev-$$
# Called by nslib's ns_cleanup on exit.
# shellcheck disable=SC2317
suite_cleanup() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	return 0
}
tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }

ns_setup
# Connections leave H's table a second after they end.
for s in tcp_timeout_time_wait tcp_timeout_close tcp_timeout_fin_wait \
	tcp_timeout_close_wait tcp_timeout_last_ack udp_timeout; do
	inh sysctl -qw "net.netfilter.nf_conntrack_$s=1" || ns_fail "nf_conntrack_$s=1 in $H"
done
# ctgen's entries (lost) classify as H's own flows.
ip -n "$H" addr add 198.18.0.1/32 dev lo || ns_fail "198.18.0.1 on lo"
ip -n "$H" addr add 2001:2::1/128 dev lo nodad || ns_fail "2001:2::1 on lo"

# The peer's servers: TCP on each port given reads to the end, answering
# one byte "k" once it has 5,000 (so a client knows its data arrived);
# UDP 5353 echoes each datagram.
cat >"$TMP/srv.py" <<'PY'
import socket, sys, threading
def serve(c):
    got = 0
    try:
        while True:
            b = c.recv(65536)
            if not b:
                break
            if got < 5000 <= got + len(b):
                c.sendall(b"k")
            got += len(b)
    except OSError:
        pass
    c.close()
def tcp(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], port))
    s.listen(256)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()
def udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], port))
    while True:
        b, a = s.recvfrom(65536)
        s.sendto(b, a)
for p in sys.argv[2:]:
    f = udp if p.startswith("u") else tcp
    threading.Thread(target=f, args=(int(p.lstrip("u")),), daemon=True).start()
threading.Event().wait()
PY
# burst.py fin|rst|udp ADDR PORT COUNT BYTES: COUNT connections one after
# the other, each sending BYTES zero bytes; fin: shut down the sending side
# and read to the end (a clean close both ways); rst: once the server has
# it all, close with SO_LINGER 0 (a RST); udp: one datagram and its echo,
# from a new socket (a new source port) each time.  Prints COUNT.
cat >"$TMP/burst.py" <<'PY'
import socket, struct, sys
mode, addr, port, n, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
data = b"\0" * size
done = 0
for i in range(n):
    if mode == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(3)
        s.sendto(data, (addr, port))
        s.recv(65536)
    else:
        s = socket.create_connection((addr, port), timeout=5)
        s.sendall(data)
        if mode == "rst":
            s.recv(1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass
    s.close()
    done += 1
print(done)
PY
bg "$P" python3 "$TMP/srv.py" "$P4" 3306 3307 3308 3309 3310 3311 3312 u5353
for sp in "t 3306" "t 3312" "u 5353"; do
	# shellcheck disable=SC2086
	wait_listen "$P" $sp || ns_fail "server $sp"
done

burst() { inh timeout 30 python3 "$TMP/burst.py" "$@"; }	# MODE ADDR PORT COUNT BYTES

# wait_lines FILE N [SECONDS]: until FILE has N lines (10 s at most).
wait_lines() {
	for _ in $(seq $(( ${3:-10} * 10 ))); do
		[ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# sumd FILE CONDITION FIELD: FIELD of the flows matching CONDITION, added up
# over every line but the first (whose deltas are null).
sumd() {
	jq -s "[.[1:][] | .flows[] | select($2) | .delta.$3] | add // 0" "$1"
}

# in_range NAME GOT LOW HIGH: LOW <= GOT <= HIGH.
in_range() {
	if _t_num "$2" && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then t_ok "$1"; else
		t_fail "$1" "want $3 to $4, got '$2'"; fi
}

# run_batch.c's hint when a live table is empty at the end of a run.
EMPTY_HINT='the conntrack table is empty: nothing in this network namespace uses connection tracking'

act() { echo ".direction == \"active\" and .peer.addr == \"$P4\" and .peer.port == \"$1\""; }

# ---------------------------------------------------------------------------
# between: everything made and gone between snapshots 1 and 2.  Each FIN
# connection sends 5,000 bytes: with its handshake, its FIN and the ACKs,
# between 5,200 and 6,000 bytes of IP packets.  Each UDP datagram of 100
# bytes is 128 bytes of IP, each way, exactly.

inh "$LSCT" -n -t -u -c 3 -d 3 --json >"$TMP/bt" 2>"$TMP/bt.err" &
mon=$!
wait_lines "$TMP/bt" 1 || t_fail "between: first snapshot" "$(cat "$TMP/bt.err")"
nfin=$(burst fin "$P4" 3306 40 5000)
nrst=$(burst rst "$P4" 3308 10 5000)
nudp=$(burst udp "$P4" 5353 20 100)
wait "$mon"
assert_eq "between: exit 0" "$?" 0
assert_eq "between: the clients made 40 + 10 connections and 20 exchanges" "$nfin $nrst $nudp" "40 10 20"
assert_eq "between: no warning" "$(grep -v "$EMPTY_HINT" "$TMP/bt.err")" ""
# The table is empty at the end, but the namespace tracks connections and
# the stream counted 70 of them: the hint that nothing uses conntrack is wrong.
assert_no_match "between: no 'nothing uses connection tracking' hint after 70 connections" \
	"$(cat "$TMP/bt.err")" "$EMPTY_HINT"
assert_eq "between: events_lost is 0 in every line" \
	"$(jq -c .events_lost "$TMP/bt" | sort -u | paste -sd' ')" 0
A=$(act 3306)
assert_eq "between: FIN: 40 new" "$(sumd "$TMP/bt" "$A" new_connections)" 40
assert_eq "between: FIN: 40 closed" "$(sumd "$TMP/bt" "$A" closed_connections)" 40
out=$(sumd "$TMP/bt" "$A" outbound_bytes)
in_range "between: FIN: outbound bytes are the 40 x 5,000 sent plus headers ($out)" "$out" 208000 240000
in_range "between: FIN: inbound bytes are the peer's ACKs, FIN and k ($(sumd "$TMP/bt" "$A" inbound_bytes))" \
	"$(sumd "$TMP/bt" "$A" inbound_bytes)" 6000 20000
assert_eq "between: FIN: none left open" \
	"$(jq -s -c "[.[-1].flows[] | select($A) | .connections] | add // 0" "$TMP/bt")" 0
R=$(act 3308)
assert_eq "between: RST: 10 new, 10 closed" \
	"$(sumd "$TMP/bt" "$R" new_connections) $(sumd "$TMP/bt" "$R" closed_connections)" "10 10"
out=$(sumd "$TMP/bt" "$R" outbound_bytes)
in_range "between: RST: outbound bytes cover the 10 x 5,000 sent and the RSTs ($out)" "$out" 52000 60000
U='.direction == "active" and .peer.port == "5353" and .proto == "udp"'
assert_eq "between: UDP: 20 new, 20 closed" \
	"$(sumd "$TMP/bt" "$U" new_connections) $(sumd "$TMP/bt" "$U" closed_connections)" "20 20"
assert_eq "between: UDP: 20 x 128 bytes each way, 20 packets each way" \
	"$(sumd "$TMP/bt" "$U" outbound_bytes) $(sumd "$TMP/bt" "$U" inbound_bytes) $(sumd "$TMP/bt" "$U" outbound_packets) $(sumd "$TMP/bt" "$U" inbound_packets)" \
	"2560 2560 20 20"
# No other flow in H meanwhile: the flows are these three.
assert_eq "between: only these flows" \
	"$(jq -s -c '[.[].flows[] | "\(.direction) \(.peer.port) \(.proto)"] | unique' "$TMP/bt")" \
	'["active 3306 tcp","active 3308 tcp","active 5353 udp"]'

# ---------------------------------------------------------------------------
# once: a connection a dump sees with 1,000 bytes sent, then 3,000 bytes
# more and conntrack -D before the next dump.  The 3,000 bytes are in the
# DESTROY event's final counters only.  The client then stays quiet (any
# packet would make a new entry) until the stream is over.

inh "$LSCT" -n -t -c 5 -d 1 --json >"$TMP/on" 2>"$TMP/on.err" &
mon=$!
wait_lines "$TMP/on" 1 || t_fail "once: first snapshot" "$(cat "$TMP/on.err")"
( head -c 1000 /dev/zero; sleep 1.2; head -c 3000 /dev/zero; : >"$TMP/on.sent"; sleep 15 ) |
	inh timeout 20 socat -u - "TCP4:$P4:3307" &
CLIENT=$!
PIDS+=("$CLIENT")
for _ in $(seq 50); do [ -e "$TMP/on.sent" ] && break; sleep 0.1; done
sleep 0.2
inh conntrack -D -p tcp --dport 3307 >/dev/null 2>&1
drc=$?
wait "$mon"
assert_eq "once: exit 0" "$?" 0
assert_eq "once: conntrack -D deleted it" "$drc" 0
kill_tree "$CLIENT"
O=$(act 3307)
seen=$(jq -s -c "[.[] | [.flows[] | select($O) | .connections][0] // \"none\"]" "$TMP/on")
assert_match "once: a dump saw it open ($seen)" "$seen" '^\[[^]]*\b1\b'
assert_eq "once: new once" "$(sumd "$TMP/on" "$O" new_connections)" 1
assert_eq "once: closed once" "$(sumd "$TMP/on" "$O" closed_connections)" 1
out=$(sumd "$TMP/on" "$O" outbound_bytes)
in_range "once: outbound bytes count the 3,000 sent after the last dump ($out)" "$out" 4000 5000
dumped=$(jq -s "[.[].flows[] | select($O) | .stat.total_outbound_bytes] | max" "$TMP/on")
in_range "once: the dumps saw only the first 1,000 bytes ($dumped): the rest came with the event" \
	"$dumped" 1000 1999
assert_eq "once: not open at the end" \
	"$(jq -s -c "[.[-1].flows[] | select($O) | .connections] | add // 0" "$TMP/on")" 0

# fin: a connection a dump sees, then FIN-closed: closed when it reaches
# TIME_WAIT (the next dump), not again when it leaves the table (its
# DESTROY a second later).

inh "$LSCT" -n -t -c 5 -d 1 --json >"$TMP/fn" 2>"$TMP/fn.err" &
mon=$!
wait_lines "$TMP/fn" 1 || t_fail "fin: first snapshot" "$(cat "$TMP/fn.err")"
( head -c 2000 /dev/zero; sleep 1.5 ) | inh timeout 10 socat -u - "TCP4:$P4:3309"
wait "$mon"
assert_eq "fin: exit 0" "$?" 0
F=$(act 3309)
assert_eq "fin: new once, closed once" \
	"$(sumd "$TMP/fn" "$F" new_connections) $(sumd "$TMP/fn" "$F" closed_connections)" "1 1"
assert_eq "fin: seen open by one dump at least" \
	"$(jq -s -c "[.[].flows[] | select($F) | .connections] | max" "$TMP/fn")" 1
out=$(sumd "$TMP/fn" "$F" outbound_bytes)
in_range "fin: outbound bytes ($out)" "$out" 2000 2600

# ---------------------------------------------------------------------------
# acct: with accounting off in H, connections still open and close, once
# each; no bytes, and the warning that says why.

inh sysctl -qw net.netfilter.nf_conntrack_acct=0
inh "$LSCT" -n -t -c 3 -d 2 --json >"$TMP/ac" 2>"$TMP/ac.err" &
mon=$!
wait_lines "$TMP/ac" 1 || t_fail "acct: first snapshot" "$(cat "$TMP/ac.err")"
nac=$(burst fin "$P4" 3310 10 5000)
wait "$mon"
assert_eq "acct: exit 0" "$?" 0
inh sysctl -qw net.netfilter.nf_conntrack_acct=1
C=$(act 3310)
assert_eq "acct: 10 connections made" "$nac" 10
assert_eq "acct: 10 new, 10 closed" \
	"$(sumd "$TMP/ac" "$C" new_connections) $(sumd "$TMP/ac" "$C" closed_connections)" "10 10"
assert_eq "acct: no bytes or packets" \
	"$(sumd "$TMP/ac" "$C" outbound_bytes) $(sumd "$TMP/ac" "$C" inbound_bytes) $(sumd "$TMP/ac" "$C" outbound_packets)" "0 0 0"
assert_match "acct: stderr says accounting is off" "$(cat "$TMP/ac.err")" \
	'warning: packet and byte counters are zero because accounting is off; enable it with: sysctl -w net\.netfilter\.nf_conntrack_acct=1'
assert_eq "acct: events_lost 0" "$(jq -c .events_lost "$TMP/ac" | sort -u | paste -sd' ')" 0

# ---------------------------------------------------------------------------
# lost: a receive buffer of 4096 bytes holds a handful of events; 3,000
# entries flushed at once overrun it.  ctgen fills after the first snapshot
# (so each entry gets the event extension: a listener exists), the second
# sees them all, conntrack -F follows it.  Each entry is closed once:
# by its event, or after one dump of grace when its event was lost.

inh conntrack -F >/dev/null 2>&1
sleep 0.3
inh "$LSCT" -n -t -u -c 5 -d 2 --event-buffer 4096 --json >"$TMP/ls" 2>"$TMP/ls.err" &
mon=$!
wait_lines "$TMP/ls" 1 || t_fail "lost: first snapshot" "$(cat "$TMP/ls.err")"
gen=$(inh "$CTGEN" fill -n 3000 2>&1)
ngen=$(printf '%s\n' "$gen" | sed -nE 's/^created=([0-9]+) .*/\1/p')
wait_lines "$TMP/ls" 2
inh conntrack -F >/dev/null 2>&1
frc=$?
wait "$mon"
assert_eq "lost: exit 0" "$?" 0
assert_eq "lost: ctgen made 3000 entries ($gen)" "$ngen" 3000
assert_eq "lost: conntrack -F" "$frc" 0
lost=$(jq -s -c '[.[].events_lost]' "$TMP/ls")
assert_gt "lost: events_lost > 0 at the end ($lost)" "$(jq -s '.[-1].events_lost' "$TMP/ls")" 0
assert_eq "lost: events_lost never goes down ($lost)" \
	"$(jq -s -c '[.[].events_lost] | . == sort' "$TMP/ls")" true
assert_match "lost: stderr says so at the end" "$(tail -n 1 "$TMP/ls.err")" \
	"^lsconntrack: $(jq -s '.[-1].events_lost' "$TMP/ls") conntrack events were lost"
ALL='true'
# ctgen makes one TCP entry in five TIME_WAIT: ended, so new and closed at
# once; the others are open.
assert_eq "lost: the second snapshot has them all, open or already ended" \
	"$(sed -n 2p "$TMP/ls" | jq '[.flows[] | .connections + .delta.closed_connections] | add')" 3000
nnew=$(sumd "$TMP/ls" "$ALL" new_connections)
ncl=$(sumd "$TMP/ls" "$ALL" closed_connections)
assert_eq "lost: 3000 new" "$nnew" 3000
assert_eq "lost: 3000 closed, each once (by event or after the grace dump)" "$ncl" 3000
# Closed never runs ahead of new, line by line.
assert_eq "lost: closed never more than new so far" \
	"$(jq -s -c '[foreach .[1:][] as $l ([0, 0]; [.[0] + ([$l.flows[].delta.new_connections] | add // 0),
		.[1] + ([$l.flows[].delta.closed_connections] | add // 0)]; .[1] <= .[0])] | unique' "$TMP/ls")" '[true]'
assert_eq "lost: the dumps after the flush see nothing open" \
	"$(jq -s -c '[.[2:][] | [.flows[].connections] | add // 0] | unique' "$TMP/ls")" '[0]'
assert_eq "lost: the last interval is quiet (nothing new or closed)" \
	"$(jq -s -c '.[-1] | [.flows[].delta | .new_connections + .closed_connections] | add // 0' "$TMP/ls")" 0

# ---------------------------------------------------------------------------
# threads: CAP_NET_ADMIN only in the dumping (main) thread of a stream with
# events on; the event reader thread holds no capability at all.  -n: no
# resolver threads, so the threads are those two.

# tasks_of PID FIELD: "TID VALUE" for each thread.
tasks_of() {
	local f
	for f in /proc/"$1"/task/*/status; do
		awk -v f="$2:" -v t="${f%/status}" '$1 == f { sub(/.*\//, "", t); print t, $2 }' "$f"
	done 2>/dev/null | sort -n -k1,1
}
# ip netns exec execs: $! is lsconntrack itself.  --no-owners: owners add
# capabilities to the dumping thread (tests/integration/owners.sh checks those).
ip netns exec "$H" "$LSCT" -n -t -c 0 -d 0.5 --json --no-owners >"$TMP/th" 2>"$TMP/th.err" </dev/null &
TPID=$!
PIDS+=("$TPID")
wait_lines "$TMP/th" 2 || t_fail "threads: two snapshots" "$(cat "$TMP/th.err")"
assert_eq "threads: events are on (events_lost is a number)" "$(sed -n 2p "$TMP/th" | jq .events_lost)" 0
CAPS=$(tasks_of "$TPID" CapEff)
assert_eq "threads: two threads, the dumper and the event reader ($(printf '%s\n' "$CAPS" | paste -sd' ' -))" \
	"$(printf '%s\n' "$CAPS" | grep -c .)" 2
assert_eq "threads: the dumping (main) thread keeps CAP_NET_ADMIN alone" \
	"$(printf '%s\n' "$CAPS" | awk -v p="$TPID" '$1 == p { print $2 }')" 0000000000001000
assert_eq "threads: the event reader has no effective capability" \
	"$(printf '%s\n' "$CAPS" | awk -v p="$TPID" '$1 != p { print $2 }' | sort -u)" 0000000000000000
assert_eq "threads: the event reader has nothing permitted either" \
	"$(tasks_of "$TPID" CapPrm | awk -v p="$TPID" '$1 != p { print $2 }' | sort -u)" 0000000000000000
assert_eq "threads: empty bounding set, every thread" \
	"$(tasks_of "$TPID" CapBnd | awk '{ print $2 }' | sort -u)" 0000000000000000
assert_eq "threads: every thread runs as a non-root uid" \
	"$(tasks_of "$TPID" Uid | awk '$2 == 0' | wc -l)" 0
kill -TERM "$TPID"
wait "$TPID"
assert_eq "threads: SIGTERM ends it (exit 0)" "$?" 0
assert_eq "threads: no warning" "$(grep -v "$EMPTY_HINT" "$TMP/th.err")" ""

# ---------------------------------------------------------------------------
# no-events: the first test's 40 connections with --no-events.  Only the
# dumps see connections, and these are gone before the next one: this is
# what events fix (issue 12 measured 2 of 40).

inh "$LSCT" -n -t -c 3 -d 3 --no-events --json >"$TMP/ne" 2>"$TMP/ne.err" &
mon=$!
wait_lines "$TMP/ne" 1 || t_fail "no-events: first snapshot" "$(cat "$TMP/ne.err")"
nne=$(burst fin "$P4" 3311 40 5000)
wait "$mon"
assert_eq "no-events: exit 0" "$?" 0
assert_eq "no-events: 40 connections made" "$nne" 40
assert_eq "no-events: no warning" "$(grep -v "$EMPTY_HINT" "$TMP/ne.err")" ""
assert_eq "no-events: events_lost is null in every line" \
	"$(jq -c .events_lost "$TMP/ne" | sort -u | paste -sd' ')" null
N=$(act 3311)
nn=$(sumd "$TMP/ne" "$N" new_connections)
assert_lt "no-events: far fewer than 40 new ($nn)" "$nn" 10
assert_eq "no-events: never more closed than new" \
	"$(( $(sumd "$TMP/ne" "$N" closed_connections) <= nn ))" 1

# ---------------------------------------------------------------------------
# monitor: the 40 connections made just after a refresh of a monitor that
# refreshes every 3 s: the flow's row shows them, New 40 and Closed 40 (the
# ninth and tenth fields on a wide terminal), in the next refresh or split
# over it and the one after.

tm -u new-session -d -s mon -x 132 -y 30 \
	"ip netns exec $H env LANG=C.UTF-8 LC_ALL=C.UTF-8 $LSCT -n -t -d 3 2>$TMP/mon.err; echo EXIT=\$? >$TMP/mon.exit" ||
	t_fail "monitor: tmux" "new-session failed"
cap() { tm capture-pane -p -t mon 2>/dev/null; }
clock() { cap | sed -n 1p | grep -Eo '[0-9]{2}:[0-9]{2}:[0-9]{2}' | head -n 1; }
for _ in $(seq 100); do
	c0=$(clock)
	[ -n "$c0" ] && break
	sleep 0.1
done
# Just after a refresh: the clock in the header moves.
for _ in $(seq 80); do
	c1=$(clock)
	[ -n "$c1" ] && [ "$c1" != "$c0" ] && break
	sleep 0.1
done
assert_ne "monitor: it refreshes ($c0, then $c1)" "$c1" "$c0"
nmo=$(burst fin "$P4" 3312 40 5000)
assert_eq "monitor: 40 connections made" "$nmo" 40
ROW="^localhost:many +-[-x]> +10\\.$NS_NET\\.0\\.2:3312 "
# Each refresh (a new clock) once: its row's New and Closed added up, until they reach 40 and one refresh more (a DESTROY that
# a dump provoked may land in the next refresh; none may count twice).
news=0 closes=0 extra=0 last=$c1 rows='' first=''
for _ in $(seq 200); do
	c=$(clock)
	if [ -n "$c" ] && [ "$c" != "$last" ]; then
		sleep 0.2
		SCREEN=$(cap)
		last=$(printf '%s\n' "$SCREEN" | sed -n 1p | grep -Eo '[0-9]{2}:[0-9]{2}:[0-9]{2}' | head -n 1)
		r=$(printf '%s\n' "$SCREEN" | grep -E -m 1 -- "$ROW")
		rows+="$last ${r:-(no row)}"$'\n'
		if [ -n "$r" ]; then
			# Local, arrow, Peer, Conns, In/s, Out/s, InPkt/s, OutPkt/s, New,
			# Closed (then the Trend sparkline, a field of its own once it
			# has a rate).
			news=$((news + $(printf '%s\n' "$r" | awk '{ print $9 }')))
			closes=$((closes + $(printf '%s\n' "$r" | awk '{ print $10 }')))
			[ -z "$first" ] && first=$r
		fi
		if [ "$news" -ge 40 ] && [ "$closes" -ge 40 ]; then
			extra=$((extra + 1))
			[ "$extra" -ge 2 ] && break
		fi
	fi
	sleep 0.1
done
assert_eq "monitor: New and Closed add up to 40 and 40 over the refreshes" "$news $closes" "40 40" ||
	printf '%s' "$rows" | sed 's/^/       refresh: /'
assert_match "monitor: no connection of the flow open" "$first" "${ROW}+0 "
assert_match "monitor: its bytes are on the row (Out/s in K)" "$first" "${ROW}+0 +[0-9.]+[KM]? +[1-9][0-9.]*K "
tm send-keys -t mon q
for _ in $(seq 50); do [ -s "$TMP/mon.exit" ] && break; sleep 0.1; done
assert_eq "monitor: q exits 0" "$(cat "$TMP/mon.exit" 2>/dev/null)" EXIT=0
assert_eq "monitor: no stderr" "$(cat "$TMP/mon.err" 2>/dev/null)" ""

t_summary "$SUITE"
