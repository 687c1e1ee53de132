# tests/integration/nslib.sh - two network namespaces for the monitor suites,
# sourced after tests/lib.sh.  The caller sets SUITE and N_TESTS first.
#
#   ns_setup       H (the host under test, conntrack on, accounting on) and
#                  P (its peer), joined by a veth pair: $H4/$P4, $H6/$P6
#   inh/inp CMD    run CMD in H or P
#   bg NS CMD      start CMD in NS in the background; its PID is killed
#                  (with its children) on exit
#   wait_listen NS t|u PORT
#   send NS BYTES socat-address   send BYTES zero bytes with socat, wait
#
# Nothing leaves the namespaces: their only routes are the veth subnet and lo.

ns_skip_all() {
	echo "$SUITE: SKIPPED $N_TESTS tests: $1"
	T_SKIP=$N_TESTS
	t_summary "$SUITE"
}

[ "$(id -u)" = 0 ] || ns_skip_all "not root"
for tool in ip nft socat conntrack jq ss timeout $NS_TOOLS; do
	command -v "$tool" >/dev/null 2>&1 || ns_skip_all "$tool is not installed"
done

LSCT=${LSCT:-./lsconntrack}
case $LSCT in /*) ;; *) LSCT=$PWD/$LSCT ;; esac
[ -x "$LSCT" ] || ns_skip_all "$LSCT is not built (run make)"

H=lsct-mh-$$
P=lsct-mp-$$
H4=10.204.0.1
P4=10.204.0.2
H6=fd00:204::1
P6=fd00:204::2
PIDS=()
TMP=$(mktemp -d /tmp/lsct-mon.XXXXXX) || exit 1
chmod 755 "$TMP"

kill_tree() {
	local kid
	for kid in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		kill_tree "$kid"
	done
	kill "$1" 2>/dev/null
}

ns_cleanup() {
	local pid
	[ -n "$(type -t suite_cleanup)" ] && suite_cleanup
	for pid in "${PIDS[@]}"; do
		kill_tree "$pid"
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	ip netns del "$H" 2>/dev/null
	ip netns del "$P" 2>/dev/null
	[ -n "$KEEP" ] || rm -rf "$TMP"
}
trap ns_cleanup EXIT
trap 'exit 130' INT TERM

inh() { ip netns exec "$H" "$@"; }
inp() { ip netns exec "$P" "$@"; }

bg() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" >/dev/null 2>>"$TMP/bg.err" </dev/null &
	PIDS+=($!)
}

wait_listen() {
	local i
	for i in $(seq 50); do
		[ -n "$(ip netns exec "$1" ss -Hln"$2" "sport = :$3" 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	echo "$SUITE: nothing listens on $2 port $3 in $1" >&2
	return 1
}

send() {	# NS BYTES ADDRESS
	head -c "$2" /dev/zero | ip netns exec "$1" timeout 20 socat -u - "$3"
}

ns_fail() {
	echo "$SUITE: setup failed: $1" >&2
	[ -s "$TMP/bg.err" ] && cat "$TMP/bg.err" >&2
	t_fail "setup" "$1"
	t_summary "$SUITE"
}

ns_setup() {
	ip netns add "$H" || ns_fail "ip netns add"
	ip netns add "$P" || ns_fail "ip netns add"
	ip -n "$H" link set lo up
	ip -n "$P" link set lo up
	ip -n "$H" link add vh type veth peer name vp netns "$P" || ns_fail "veth"
	ip -n "$H" addr add "$H4/24" dev vh
	ip -n "$P" addr add "$P4/24" dev vp
	ip -n "$H" addr add "$H6/64" dev vh nodad
	ip -n "$P" addr add "$P6/64" dev vp nodad
	ip -n "$H" link set vh up
	ip -n "$P" link set vp up
	inh nft -f - <<'EOF' || ns_fail "nft in $H"
table inet lsct {
	chain input { type filter hook input priority 0; ct state established accept; }
	chain output { type filter hook output priority 0; ct state established accept; }
}
EOF
	inh sysctl -qw net.netfilter.nf_conntrack_acct=1 || ns_fail "nf_conntrack_acct=1"
	inh sysctl -qw net.netfilter.nf_conntrack_udp_timeout=120 2>/dev/null
}
