#!/bin/bash
# tests/integration/delete.sh - deleting conntrack entries: D in the
# monitor (a flow, and one connection in the connection list) and the
# batch --delete, against the real kernel table of a throwaway namespace H
# with known flows (UDP and TCP, both directions); conntrack -L in H says
# what is left.  Needs root and tmux; skips loudly without.
#
# Run from the repository root, as the other root suites:
#   flock /tmp/lsct-root.lock bash tests/integration/delete.sh
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
SUITE=delete
N_TESTS=43
NS_TOOLS=tmux
NS_TAG=d
NS_NET=218
. tests/integration/nslib.sh

TMUX_SOCK=lsct-delete-$$

# Called by nslib's ns_cleanup on exit.
# shellcheck disable=SC2317
suite_cleanup() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	return 0
}

tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }

ns_setup
inh sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_time_wait=600 2>/dev/null

# The entries of H's table matching conntrack -L's filter ARGS.
count() { inh conntrack -L "$@" 2>/dev/null | grep -c .; }

# The flows: H to P's UDP 53 (three source ports) and 123 (two), H to P's
# TCP 3306 (two), P to H's TCP 80 (two).  Each send is one connection.
bg "$P" socat -u "TCP4-LISTEN:3306,bind=$P4,reuseaddr,fork" OPEN:/dev/null,wronly
bg "$H" socat -u "TCP4-LISTEN:80,reuseaddr,fork" OPEN:/dev/null,wronly
wait_listen "$P" t 3306 && wait_listen "$H" t 80 || ns_fail "listeners"
make_flows() {
	local i
	for i in 1 2 3; do send "$H" 10 "UDP4:$P4:53" || ns_fail "udp 53"; done
	for i in 1 2; do send "$H" 10 "UDP4:$P4:123" || ns_fail "udp 123"; done
	for i in 1 2; do send "$H" 1000 "TCP4:$P4:3306" || ns_fail "tcp 3306"; done
	for i in 1 2; do send "$P" 1000 "TCP4:$H4:80" || ns_fail "tcp 80"; done
}
make_flows
# What each flow holds; "53 123 3306 80".
state() {
	echo "$(count -p udp --dport 53) $(count -p udp --dport 123)" \
		"$(count -p tcp --dport 3306) $(count -p tcp --dport 80)"
}
for _ in $(seq 50); do
	[ "$(state)" = "3 2 2 2" ] && break
	sleep 0.1
done
[ "$(state)" = "3 2 2 2" ] || ns_fail "want the flows 3 2 2 2, got $(state)"

# ---------------------------------------------------------------------------
# Batch: refusals first, nothing deleted by them.

OUT=$(echo y | inh "$LSCT" -n -u --delete 2>"$TMP/err")
RC=$?
assert_eq "--delete on a pipe without --yes: exit 2" "$RC" 2
assert_match "--delete on a pipe without --yes: asks for --yes" "$(cat "$TMP/err")" 'add --yes'
assert_eq "--delete on a pipe without --yes: nothing on stdout" "$OUT" ""
assert_eq "--delete on a pipe without --yes: nothing deleted" "$(state)" "3 2 2 2"

OUT=$(inh "$LSCT" --delete --yes --stdin </dev/null 2>"$TMP/err")
assert_eq "--delete --stdin: exit 2" "$?" 2
assert_eq "--delete --stdin: nothing deleted" "$(state)" "3 2 2 2"

# --yes with filters: exactly the UDP 53 flow.
OUT=$(inh "$LSCT" -n -a --aport 53 -u --delete --yes </dev/null 2>"$TMP/err")
RC=$?
assert_eq "--delete --yes -a --aport 53 -u: exit 0" "$RC" 0
assert_eq "--delete --yes: one line for the flow, the totals last" "$OUT" \
	"$(printf 'deleted 3  localhost:many --> %s:53 udp\ndeleted 3 entries of 1 flow' "$P4")"
assert_eq "--delete --yes: nothing on stderr" "$(cat "$TMP/err")" ""
assert_eq "--delete --yes: the UDP 53 entries are gone, the rest untouched" "$(state)" "0 2 2 2"

# Nothing matches: said, exit 0.
OUT=$(inh "$LSCT" -n -a --aport 53 -u --delete --yes </dev/null 2>"$TMP/err")
assert_eq "--delete with no flow left: exit 0" "$?" 0
assert_match "--delete with no flow left: says so" "$(cat "$TMP/err")" 'no flow matches: nothing deleted'

# ---------------------------------------------------------------------------
# Asked on a terminal (batch): n keeps, y deletes.

tm new-session -d -s keep -x 100 -y 30 "sleep 3600" || ns_fail "tmux"
term() {	# NAME ARGS: lsconntrack ARGS in H on a terminal, in window NAME
	rm -f "$TMP/exit"
	tm new-window -d -t keep -n "$1" \
		"ip netns exec $H $LSCT $2 2>&1; echo EXIT=\$?; sleep 3600"
}
cap() { tm capture-pane -p -J -S - -t "keep:$1" 2>/dev/null; }
expect_in() {	# NAME WINDOW ERE [SECS]
	local i
	for i in $(seq $(( ${4:-5} * 10 ))); do
		SCREEN=$(cap "$2")
		printf '%s\n' "$SCREEN" | grep -Eq -- "$3" && { t_ok "$1"; return 0; }
		sleep 0.1
	done
	t_fail "$1" "$(printf 'nothing matches /%s/ on screen:\n%s' "$3" "$SCREEN")"
}

term ask1 "-n -p --pport 80 --delete"
expect_in "--delete on a terminal: lists the flow with its entries" ask1 \
	"^ +2  localhost:80 <-- $P4:many tcp\$"
expect_in "--delete on a terminal: asks" ask1 '^Delete 2 entries of 1 flow\? \[y/N\]'
tm send-keys -t keep:ask1 n Enter
expect_in "--delete on a terminal, n: nothing deleted" ask1 'nothing deleted'
expect_in "--delete on a terminal, n: exit 0" ask1 '^EXIT=0$'
assert_eq "--delete on a terminal, n: the entries stay" "$(state)" "0 2 2 2"

term ask2 "-n -p --pport 80 --delete"
expect_in "--delete on a terminal (again): asks" ask2 '^Delete 2 entries of 1 flow\? \[y/N\]'
tm send-keys -t keep:ask2 y Enter
expect_in "--delete on a terminal, y: deleted" ask2 '^deleted 2 entries of 1 flow$'
expect_in "--delete on a terminal, y: exit 0" ask2 '^EXIT=0$'
assert_eq "--delete on a terminal, y: the passive TCP 80 entries are gone" "$(state)" "0 2 2 0"

# ---------------------------------------------------------------------------
# The monitor: D on a flow (n, then y), D in the connection list.

tm new-window -d -t keep -n mon \
	"ip netns exec $H $LSCT -n -a -t -u 2>$TMP/mon.err; echo EXIT=\$?; sleep 3600"
mkeys() { tm send-keys -t keep:mon "$@"; }
bottom() { tm capture-pane -p -t keep:mon | grep -v '^$' | tail -n 1; }
expect_in "monitor: the 3306 flow" mon "localhost:many -[-x]> $P4:3306 "
# Only the 3306 flow, selected: the active port filter.
mkeys a
mkeys -l 3306
mkeys Enter
expect_in "monitor: filtered to 3306" mon "Active ─ 1 of [0-9]+ flows?"
mkeys D
expect_in "monitor: D asks, with the count" mon \
	"^Delete 2 entries of localhost:many --> $P4:3306 tcp\\? y/n *\$"
mkeys n
expect_in "monitor: n deletes nothing" mon '^nothing deleted'
sleep 1.5
assert_eq "monitor: after n the entries stay" "$(state)" "0 2 2 0"
mkeys D
expect_in "monitor: D asks again" mon '^Delete 2 entries of'
mkeys Escape
expect_in "monitor: Esc deletes nothing" mon '^nothing deleted'
mkeys D
expect_in "monitor: D asks a third time" mon '^Delete 2 entries of'
mkeys y
expect_in "monitor: y: the bottom line says what happened" mon \
	'^deleted 2, 0 already gone, 0 refused'
assert_eq "monitor: the 3306 entries are gone, the rest untouched" "$(state)" "0 2 0 0"

# The connection list of the UDP 123 flow: D deletes its top connection.
mkeys a
mkeys BSpace BSpace BSpace BSpace
mkeys -l 123
mkeys Enter
expect_in "monitor: filtered to 123" mon "localhost:many -[-x]> $P4:123/udp "
mkeys Enter
expect_in "monitor: the connection list of 123" mon "Connections of localhost:many --> $P4:123 \\(udp\\) ─ 2 "
TOP=$(tm capture-pane -p -t keep:mon | grep -Eo "$H4:[0-9]+ -> $P4:123" | head -n 1)
mkeys D
expect_in "monitor: D in the list names the top connection" mon \
	"^Delete the connection $TOP udp\\? y/n *\$"
mkeys y
expect_in "monitor: one connection deleted" mon '^deleted 1, 0 already gone, 0 refused'
assert_eq "monitor: one UDP 123 entry left" "$(state)" "0 1 0 0"
SPORT=${TOP%% ->*}
SPORT=${SPORT##*:}
assert_eq "monitor: the one deleted was the top one" \
	"$(count -p udp --dport 123 --sport "$SPORT")" 0
expect_in "monitor: the list shows the one left" mon "Connections of localhost:many --> $P4:123 \\(udp\\) ─ 1 "
mkeys q
expect_in "monitor: quits with 0" mon '^EXIT=0$'
assert_eq "monitor: no error output" "$(cat "$TMP/mon.err")" ""

# ---------------------------------------------------------------------------
# Under the privilege drop and the sandbox (as root, lsconntrack runs as
# its own user with CAP_NET_ADMIN kept by the thread that sends requests):
# the entries above were deleted that way.  Text sources cannot delete.
inh "$LSCT" -n --delete --yes --proc </dev/null >/dev/null 2>"$TMP/err"
assert_eq "--delete --proc: exit 2" "$?" 2
assert_match "--delete --proc: says it needs netlink" "$(cat "$TMP/err")" 'needs the netlink source'
assert_eq "at the end: only the untouched UDP 123 entry" "$(state)" "0 1 0 0"

t_summary "$SUITE"
