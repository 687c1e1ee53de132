#!/bin/bash
# tests/integration/netns.sh - this machine's network namespaces as owners
# (src/netns.c, src/owner.c, seen through build/tools/nsls, which prints
# the owner table as TSV) and --netns (the view from inside one).
#
#  - named namespaces with veths, addresses and a listener are found with
#    their addresses and listeners; a namespace only a process holds (unshare)
#    is found by its inode with that PID (named by its hostname when it has
#    a UTS namespace of its own); the viewed namespace is not listed;
#  - the same address in two namespaces is counted ambiguous;
#  - labels: the netns name; with cgroup v2 mounted, a member moved into a
#    cgroup named docker-<64 hex>.scope gives kind container (its name from a
#    made-up config.v2.json, control bytes never printed raw), and one in
#    kubepods-besteffort-pod<uid>.slice kind pod with namespace/name from a
#    made-up /var/log/pods directory;
#  - --netns by name, PID and path shows the namespace's flows (a TCP
#    connection made inside it), as one-shot, stream and JSON; errors are
#    one line and exit 1;
#  - a namespace deleted while a stream runs with --netns: the stream goes
#    on (its sockets keep the namespace alive until it exits) and ends with 0.
# Needs root; skips loudly without.
#
# Run from the repository root, as the other root suites:
#   flock /tmp/lsct-root.lock bash tests/integration/netns.sh
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
SUITE=netns
N_TESTS=72
NS_TOOLS="unshare nsenter stat tmux"
NS_TAG=n
NS_NET=215
. tests/integration/nslib.sh

NSLS=$PWD/build/tools/nsls
[ -x "$NSLS" ] || ns_skip_all "$NSLS is not built (run make tools)"

C1=lsct-nc1-$$		# a named "container" with a listener
C2=lsct-nc2-$$		# its veth peer; shares 10.215.9.9 with C3
C3=lsct-nc3-$$
D=lsct-nd-$$		# deleted while a stream watches it
CG=
suite_cleanup() {
	[ -n "$TMUX_SOCK" ] && tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	# Members first (by PID, in PIDS), then the cgroups they were in.
	ns_stop_members "$CG"
}

ns_setup
ns_new "$C1" || ns_fail "ip netns add $C1"
ns_new "$C2" || ns_fail "ip netns add $C2"
ns_new "$C3" || ns_fail "ip netns add $C3"
ip -n "$C1" link add v1 type veth peer name v2 netns "$C2" || ns_fail "veth C1-C2"
ip -n "$C1" addr add 10.215.1.1/24 dev v1
ip -n "$C2" addr add 10.215.1.2/24 dev v2
ip -n "$C1" addr add fd00:215:1::1/64 dev v1 nodad
ip -n "$C1" link set v1 up
ip -n "$C2" link set v2 up
ip -n "$C2" addr add 10.215.9.9/32 dev lo
ip -n "$C3" addr add 10.215.9.9/32 dev lo
ip -n "$C3" addr add 10.215.3.3/32 dev lo

bg "$C1" socat -u TCP-LISTEN:8080,reuseaddr,fork OPEN:/dev/null,wronly
bg "$C1" socat -u UDP-RECV:5353 OPEN:/dev/null,wronly
wait_listen "$C1" t 8080 && wait_listen "$C1" u 5353 || ns_fail "listeners in $C1"

# A namespace no file names: only its process holds it.
unshare -n sleep 600 &
U_PID=$!
PIDS+=("$U_PID")
for _ in $(seq 50); do
	[ "$(stat -Lc %i "/proc/$U_PID/ns/net" 2>/dev/null)" != "$(stat -Lc %i /proc/self/ns/net)" ] && break
	sleep 0.05
done
U_INO=$(stat -Lc %i "/proc/$U_PID/ns/net") || ns_fail "unshare"
nsenter -t "$U_PID" -n ip addr add 10.215.7.7/32 dev lo || ns_fail "address in the unnamed namespace"
# Another with a UTS namespace and hostname of its own: the hostname tier.
unshare -n -u sh -c "hostname lsct-uts-$$ && exec sleep 600" &
UTS_PID=$!
PIDS+=("$UTS_PID")
for _ in $(seq 50); do
	[ "$(cat "/proc/$UTS_PID/comm" 2>/dev/null)" = sleep ] && break
	sleep 0.05
done
UTS_INO=$(stat -Lc %i "/proc/$UTS_PID/ns/net") || ns_fail "unshare -u"
SELF_INO=$(stat -Lc %i /proc/self/ns/net)

# row NAME-OR-INODE: the owner table's line for it (nsls output in $TMP/ls).
row() { awk -F'\t' -v k="$1" '$2 == k || $4 == k' "$TMP/ls"; }
field() { row "$1" | cut -f "$2"; }

"$NSLS" -P "$TMP/pods" -D "$TMP/docker" >"$TMP/ls" 2>"$TMP/ls.err"
assert_eq "nsls: exit 0" "$?" 0
assert_eq "C1 found once, kind netns" "$(row "$C1" | cut -f1 | paste -sd,)" "netns"
assert_match "C1's addresses (IPv4 and IPv6)" "$(field "$C1" 6)" "(^|,)10\.215\.1\.1(,|$)"
assert_match "C1's IPv6 address" "$(field "$C1" 6)" "(^|,)fd00:215:1::1(,|$)"
assert_match "C1's TCP listener" "$(field "$C1" 7)" "(^|,)tcp/8080(,|$)"
assert_match "C1's UDP socket" "$(field "$C1" 7)" "(^|,)udp/5353(,|$)"
assert_match "C1's id is its inode" "$(field "$C1" 3)" '^netns:\[[0-9]+\]$'
assert_eq "C1's inode" "$(field "$C1" 4)" "$(stat -Lc %i "/run/netns/$C1")"
assert_eq "C1's member: its lowest PID" "$(field "$C1" 5)" "$(ip netns pids "$C1" | sort -n | head -n 1)"
assert_eq "C3 has no member" "$(field "$C3" 5)" 0
assert_match "H (the suite's host) is an owner too" "$(field "$H" 6)" "(^|,)10\.215\.0\.1(,|$)"
assert_eq "unnamed namespace found by its process" "$(field "$U_INO" 5)" "$U_PID"
assert_match "unnamed namespace's address" "$(field "$U_INO" 6)" "(^|,)10\.215\.7\.7(,|$)"
assert_eq "unnamed namespace named by its inode" "$(field "$U_INO" 2)" "netns:[$U_INO]"
assert_eq "unnamed namespace with its own hostname: named by it" "$(field "$UTS_INO" 2)" "lsct-uts-$$"
assert_eq "the same with -U (no hostname tier): its inode" \
	"$("$NSLS" -U | awk -F'\t' -v k="$UTS_INO" '$4 == k { print $2 }')" "netns:[$UTS_INO]"
assert_eq "the viewed namespace is not listed" "$(row "$SELF_INO" | wc -l)" 0
assert_match "10.215.9.9 in C2 and C3: ambiguous" "$(tail -n 1 "$TMP/ls")" 'ambiguous=[1-9]'
assert_eq "every load ok" "$(awk -F'\t' '$8 == "failed"' "$TMP/ls" | grep -c lsct-n)" 0

# A name with control bytes: shown sanitized, and a refresh does not take
# the sanitized name for a changed one (nothing reloaded in steady state).
CX=lsct-nx-$$$'\e]0;t\a'
ns_new "$CX" || ns_fail "ip netns add (control bytes)"
"$NSLS" >"$TMP/ls" 2>/dev/null
assert_eq "control bytes in a netns name: replaced" "$(row "lsct-nx-$$?]0;t?" | cut -f1)" netns
assert_eq "control bytes in a netns name: none raw" \
	"$(LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]' "$TMP/ls")" 0
assert_match "steady-state refresh reloads nothing" "$("$NSLS" -b 3)" " reloaded=0( |$)"
ip netns del "$CX"

# From inside C1: C1 is the view, the root namespace an owner.
"$NSLS" -n "$C1" >"$TMP/ls" 2>"$TMP/ls.err"
assert_eq "nsls -n C1: exit 0" "$?" 0
assert_eq "nsls -n C1: C1 not listed" "$(row "$C1" | wc -l)" 0
assert_eq "nsls -n C1: the root namespace listed" "$(row "$SELF_INO" | wc -l)" 1

# The unnamed namespace goes with its process.
kill "$U_PID"
wait "$U_PID" 2>/dev/null
"$NSLS" >"$TMP/ls" 2>/dev/null
assert_eq "unnamed namespace gone with its process" "$(row "$U_INO" | wc -l)" 0

# ---------------------------------------------------------------------------
# Labels from cgroups: a cgroup v2 hierarchy is needed to move a process.
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
HEX=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
UID_=1a2b3c4d-5e6f-4081-92a3-$(printf '%012x' $$)
if [ -n "$CG2" ] && mkdir "$CG2/lsct-test-$$" 2>/dev/null; then
	CG=$CG2/lsct-test-$$
	mkdir "$CG/docker-$HEX.scope" "$CG/kubepods-besteffort-pod${UID_//-/_}.slice" ||
		ns_fail "cgroup directories"
	ip netns exec "$C2" sleep 600 &
	M2=$!
	PIDS+=("$M2")
	ip netns exec "$C3" sleep 600 &
	M3=$!
	PIDS+=("$M3")
	sleep 0.2
	echo "$M2" >"$CG/docker-$HEX.scope/cgroup.procs" || ns_fail "move into docker-*.scope"
	echo "$M3" >"$CG/kubepods-besteffort-pod${UID_//-/_}.slice/cgroup.procs" ||
		ns_fail "move into kubepods-*.slice"
	mkdir -p "$TMP/docker/$HEX" "$TMP/pods/default_web-0_$UID_"
	printf '{"MountPoints":{"/d":{"Name":"vol"}},"Name":"/web\\u001b]0;owned\\u0007\033[2J","Driver":"overlay2"}' \
		>"$TMP/docker/$HEX/config.v2.json"
	"$NSLS" -P "$TMP/pods" -D "$TMP/docker" >"$TMP/ls" 2>"$TMP/ls.err"
	assert_eq "nsls with cgroups: exit 0" "$?" 0
	C2_INO=$(stat -Lc %i "/run/netns/$C2")
	C3_INO=$(stat -Lc %i "/run/netns/$C3")
	assert_eq "docker-<id>.scope: kind container" "$(field "$C2_INO" 1)" container
	assert_eq "docker-<id>.scope: the 64-hex id" "$(field "$C2_INO" 3)" "$HEX"
	assert_eq "docker-<id>.scope: the member" "$(field "$C2_INO" 5)" "$M2"
	assert_eq "config.v2.json's Name, control bytes replaced" "$(field "$C2_INO" 2)" "web?]0;owned??[2J"
	assert_eq "no raw control byte in the table" \
		"$(LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]' "$TMP/ls")" 0
	assert_eq "kubepods pod slice: kind pod" "$(field "$C3_INO" 1)" pod
	assert_eq "kubepods pod slice: the UID" "$(field "$C3_INO" 3)" "$UID_"
	assert_eq "pod name from /var/log/pods" "$(field "$C3_INO" 2)" "default/web-0"
	# Without the Docker directory: the short id.
	"$NSLS" -P /nonexistent -D /nonexistent >"$TMP/ls" 2>/dev/null
	assert_eq "container without config.v2.json: short id" "$(field "$C2_INO" 2)" "${HEX:0:12}"
	assert_eq "pod without its log directory: the UID" "$(field "$C3_INO" 2)" "$UID_"
	suite_cleanup
	assert_eq "test cgroups removed" "$(ls -d "$CG" 2>/dev/null | wc -l)" 0
	CG=
else
	for n in 1 2 3 4 5 6 7 8 9 10 11 12; do
		t_skip "cgroup label $n" "no cgroup v2 hierarchy to create a test cgroup in"
	done
fi

# ---------------------------------------------------------------------------
# --netns: a TCP connection made inside H (H -> P:3306) is seen from the
# root namespace only through --netns.
bg "$P" socat -u "TCP4-LISTEN:3306,bind=$P4,reuseaddr,fork" OPEN:/dev/null,wronly
wait_listen "$P" t 3306 || ns_fail "server 3306"
send "$H" 30000 "TCP4:$P4:3306" || ns_fail "client 3306"
bg "$H" sleep 600
H_PID=${PIDS[-1]}
sleep 0.2

# flow3306 JSON: the active flow to P4:3306's outbound bytes, or "".
flow3306() { jq -r --arg p "$P4" '.[] | select(.direction == "active" and .peer.addr == $p and .peer.port == "3306") | .stat.total_outbound_bytes' <<<"$1"; }

for how in name pid path; do
	case $how in
	name) arg=$H ;;
	pid) arg=$H_PID ;;
	path) arg=/run/netns/$H ;;
	esac
	out=$("$LSCT" --netns "$arg" -n --json 2>"$TMP/err")
	assert_eq "--netns by $how: exit 0" "$?" 0
	assert_gt "--netns by $how: H's connection to P:3306" "$(flow3306 "$out")" 30000
done
out=$("$LSCT" -n --json 2>/dev/null)
assert_eq "without --netns: not in the root namespace's table" "$(flow3306 "$out")" ""
out=$("$LSCT" --netns "$H" -n -c 2 -d 0.2 --json 2>"$TMP/err")
assert_eq "--netns stream: exit 0" "$?" 0
assert_eq "--netns stream: two lines" "$(printf '%s\n' "$out" | wc -l)" 2
assert_eq "--netns stream: both lines have the flow" \
	"$(printf '%s\n' "$out" | jq -c --arg p "$P4" '[.flows[] | select(.peer.addr == $p)] | length > 0' 2>/dev/null | sort -u)" "true"
out=$("$LSCT" --netns "$H" -n 2>&1)
assert_match "--netns table: the flow" "$out" "10\.215\.0\.2:3306"

# The monitor from the root namespace with --netns, in tmux: H's flow, its
# connection list (GETs inside H), and a connection made after the start
# (the dumps go on inside H).  q quits with 0.
TMUX_SOCK=lsct-nsm-$$
tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }
mon_wait() {	# ERE: until a line of the screen matches (10 s); SCREEN keeps it
	local i
	for ((i = 0; i < 100; i++)); do
		SCREEN=$(tm capture-pane -p -t mon 2>/dev/null)
		printf '%s\n' "$SCREEN" | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
mon_check() {	# NAME ERE
	if mon_wait "$2"; then t_ok "$1"; else t_fail "$1" "$SCREEN"; fi
}
rm -f "$TMP/mon.exit"
tm -u new-session -d -s mon -x 140 -y 30 \
	"env TERM=xterm $LSCT --netns $H -n 2>$TMP/mon.err; echo EXIT=\$? >$TMP/mon.exit" ||
	ns_fail "tmux new-session"
mon_check "monitor --netns: H's flow to P:3306" "localhost:many +--> +10\\.215\\.0\\.2:3306 "
bg "$P" socat -u "TCP4-LISTEN:3308,bind=$P4,reuseaddr,fork" OPEN:/dev/null,wronly
wait_listen "$P" t 3308 || ns_fail "server 3308"
bg "$H" sh -c "while :; do echo x; sleep 0.2; done | socat -u - TCP4:$P4:3308"
mon_check "monitor --netns: a connection made after the start" \
	"localhost:many +--> +10\\.215\\.0\\.2:3308 "
mon_check "monitor --netns: the header names the namespace" " netlink in netns $H "
tm send-keys -t mon Enter
mon_check "monitor --netns: the connection list, read inside H" \
	"10\\.215\\.0\\.1:[0-9]+ -> 10\\.215\\.0\\.2:330[68] "
tm send-keys -t mon q
tm send-keys -t mon q
for _ in $(seq 50); do
	[ -s "$TMP/mon.exit" ] && break
	sleep 0.1
done
assert_eq "monitor --netns: q quits with 0" "$(cat "$TMP/mon.exit" 2>/dev/null)" "EXIT=0"
assert_eq "monitor --netns: nothing on stderr" "$(cat "$TMP/mon.err" 2>/dev/null)" ""
tm kill-server 2>/dev/null

# Errors: one line, exit 1.
check_err() {	# NAME ERE ARGS...
	local name=$1 ere=$2
	shift 2
	"$LSCT" "$@" -n --json >"$TMP/out" 2>"$TMP/err"
	assert_eq "$name: exit 1" "$?" 1
	assert_eq "$name: one line" "$(wc -l <"$TMP/err")" 1
	assert_match "$name: message" "$(cat "$TMP/err")" "$ere"
}
check_err "missing name" "no such network namespace: /run/netns/lsct-none-$$" --netns "lsct-none-$$"
check_err "/etc/passwd" "/etc/passwd is not a network namespace" --netns /etc/passwd
check_err "no such PID" "no such network namespace: /proc/2147483646/ns/net" --netns 2147483646
check_err "a UTS namespace" "is not a network namespace" --netns /proc/self/ns/uts

# ---------------------------------------------------------------------------
# A namespace deleted while a stream watches it: the stream's sockets hold
# the namespace, so its dumps go on; SIGTERM ends it with 0.
ns_new "$D" || ns_fail "ip netns add $D"
ns_track "$D" || ns_fail "nft in $D"
bg "$D" socat -u TCP-LISTEN:9000,reuseaddr,fork OPEN:/dev/null,wronly
wait_listen "$D" t 9000 || ns_fail "server in $D"
send "$D" 1000 TCP4:127.0.0.1:9000 || ns_fail "client in $D"
"$LSCT" -c 0 -d 0.3 --netns "$D" -n --json >"$TMP/stream" 2>"$TMP/stream.err" &
S_PID=$!
sleep 1
before=$(wc -l <"$TMP/stream")
ip netns del "$D"
for pid in $(ps -o pid= --ppid "${PIDS[-1]}") "${PIDS[-1]}"; do kill "$pid" 2>/dev/null; done
sleep 1.5
after=$(wc -l <"$TMP/stream")
kill -0 "$S_PID" 2>/dev/null
assert_eq "deleted namespace: the stream still runs" "$?" 0
assert_gt "deleted namespace: it still prints" "$after" "$before"
kill -TERM "$S_PID"
wait "$S_PID"
assert_eq "deleted namespace: SIGTERM ends it with 0" "$?" 0
assert_eq "deleted namespace: every line is JSON" \
	"$(jq -c 'type' "$TMP/stream" 2>/dev/null | sort -u | paste -sd,)" '"object"'
assert_match "deleted namespace: the flow to 9000 to the end" "$(tail -n 1 "$TMP/stream")" '"9000"'

t_summary "$SUITE"
