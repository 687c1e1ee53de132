# tests/integration/nslib.sh - network namespaces for the root suites, and
# everything they share: the skip checks, process cleanup, names.  Sourced
# after tests/lib.sh.  The caller sets SUITE and N_TESTS first, and may set:
#
#   NS_TOOLS   commands it needs beyond ip nft socat conntrack jq ss timeout
#   NS_TAG     part of the namespace names (default m: lsct-mh-PID)
#   NS_NET     the veth subnets: 10.NS_NET.0.0/24, fd00:NS_NET::/64 (default 204)
#
# Without root or a tool, or without $LSCT, every test is reported skipped
# and the suite exits 0.  It provides:
#
#   ns_new NS      a namespace with lo up (also: removed on exit); 1 on failure
#   ns_track NS    a ruleset that uses conntrack, so NS tracks connections
#   ns_setup       H (the host under test, conntrack on, accounting on) and
#                  P (its peer), joined by a veth pair: $H4/$P4, $H6/$P6
#   ns_names       a private /etc/hosts for H naming P (peer-db.test,
#                  peer-db6.test) and P as H's resolver
#   ns_traffic BYTES PAUSE  servers (P:3306, H:80) and traffic all along for
#                  the monitors: a connection each way that stays and
#                  trickles, and transfers of BYTES every PAUSE s that come
#                  and go
#   inh/inp CMD    run CMD in H or P
#   bg NS CMD      start CMD in NS in the background; its PID is killed
#                  (with its children) on exit, as is every PID in PIDS
#   wait_listen NS t|u PORT
#   send NS BYTES socat-address   send BYTES zero bytes with socat, wait
#   ns_fail WHY    a failed setup: one failure, the summary, exit
#   screen, history, wait_screen, title, exit_of: a monitor in a tmux
#                  window (the suite defines tm)
#   suite_cleanup  if the suite defines it, called first on exit
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

NS_NET=${NS_NET:-204}
H=lsct-${NS_TAG-m}h-$$		# the host under test
P=lsct-${NS_TAG-m}p-$$		# its peer
H4=10.$NS_NET.0.1
P4=10.$NS_NET.0.2
H6=fd00:$NS_NET::1
P6=fd00:$NS_NET::2
PIDS=()
NS_LIST=()
TMP=$(mktemp -d "/tmp/lsct-$SUITE.XXXXXX") || exit 1
chmod 755 "$TMP"
NS_MADE_ETC_NETNS=0
[ -d /etc/netns ] || NS_MADE_ETC_NETNS=1

# kill_tree PID: PID and its descendants (by PID, children first).
kill_tree() {
	local kid
	for kid in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		kill_tree "$kid"
	done
	kill "$1" 2>/dev/null
}

# ns_stop_members [CGROUP]: kills every process in PIDS (by PID, with its
# descendants) and waits for them, then removes CGROUP's child cgroups and
# CGROUP itself (they are empty once their members are gone).
ns_stop_members() {
	local pid d
	for pid in "${PIDS[@]}"; do
		kill_tree "$pid"
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	PIDS=()
	if [ -n "$1" ]; then
		for d in "$1"/*/; do
			[ -d "$d" ] && rmdir "$d" 2>/dev/null
		done
		rmdir "$1" 2>/dev/null
	fi
	return 0
}

ns_cleanup() {
	local pid ns
	[ -n "$(type -t suite_cleanup)" ] && suite_cleanup
	for pid in "${PIDS[@]}"; do
		kill_tree "$pid"
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	for ns in "${NS_LIST[@]}"; do
		ip netns del "$ns" 2>/dev/null
		rm -rf "/etc/netns/$ns"
	done
	[ "$NS_MADE_ETC_NETNS" = 1 ] && rmdir /etc/netns 2>/dev/null
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

# wait_listen NS t|u PORT: until a socket listens on PORT (5 s at most).
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

ns_new() {	# NS
	ip netns add "$1" || return 1
	NS_LIST+=("$1")
	ip -n "$1" link set lo up
}

# A ruleset that uses conntrack makes the namespace track connections.
ns_track() {	# NS
	ip netns exec "$1" nft -f - <<'NFT'
table inet lsct {
	chain input { type filter hook input priority 0; ct state established accept; }
	chain output { type filter hook output priority 0; ct state established accept; }
}
NFT
}

ns_setup() {
	ns_new "$H" || ns_fail "ip netns add"
	ns_new "$P" || ns_fail "ip netns add"
	ip -n "$H" link add vh type veth peer name vp netns "$P" || ns_fail "veth"
	ip -n "$H" addr add "$H4/24" dev vh
	ip -n "$P" addr add "$P4/24" dev vp
	ip -n "$H" addr add "$H6/64" dev vh nodad
	ip -n "$P" addr add "$P6/64" dev vp nodad
	ip -n "$H" link set vh up
	ip -n "$P" link set vp up
	ns_track "$H" || ns_fail "nft in $H"
	inh sysctl -qw net.netfilter.nf_conntrack_acct=1 || ns_fail "nf_conntrack_acct=1"
	# Keep an unanswered UDP entry for the whole run (default 30 s).
	inh sysctl -qw net.netfilter.nf_conntrack_udp_timeout=120 2>/dev/null
}

# Names for H: ip netns exec bind-mounts /etc/netns/NAME/* over /etc/*, so
# H gets its own hosts file, and its resolver is P itself.
ns_names() {
	mkdir -p "/etc/netns/$H"
	cat >"/etc/netns/$H/hosts" <<HOSTS
127.0.0.1 localhost
::1 localhost
$P4 peer-db.test
$P6 peer-db6.test
HOSTS
	echo "nameserver $P4" >"/etc/netns/$H/resolv.conf"
	[ -e /etc/nsswitch.conf ] && printf 'hosts: files dns\n' >"/etc/netns/$H/nsswitch.conf"
}

ns_traffic() {	# BYTES PAUSE
	bg "$P" socat -u "TCP4-LISTEN:3306,bind=$P4,reuseaddr,fork" OPEN:/dev/null,wronly
	bg "$H" socat -u "TCP4-LISTEN:80,reuseaddr,fork" OPEN:/dev/null,wronly
	wait_listen "$P" t 3306 || ns_fail "server 3306"
	wait_listen "$H" t 80 || ns_fail "server 80"
	bg "$H" sh -c "while :; do echo x; sleep 0.2; done | socat -u - TCP4:$P4:3306"
	bg "$P" sh -c "while :; do echo y; sleep 0.2; done | socat -u - TCP4:$H4:80"
	bg "$H" sh -c "while :; do head -c $1 /dev/zero | timeout 5 socat -u - TCP4:$P4:3306; sleep $2; done"
}

# ---------------------------------------------------------------------------
# Monitors typed into shells in tmux windows (tui_faults.sh, soak.sh).  The
# suite defines tm, its private tmux server; a suite with helpers of its own
# under these names defines them after sourcing this file.

screen() { tm capture-pane -p -t "$1"; }	# WINDOW
# The whole pane, history included, wrapped lines joined.
history() { tm capture-pane -p -J -S - -t "$1"; }	# WINDOW

wait_screen() {	# WINDOW ERE [SECONDS]: until a line of the screen matches
	local i
	for i in $(seq $(( ${3:-10} * 10 ))); do
		screen "$1" | grep -Eq -- "$2" && return 0
		sleep 0.1
	done
	return 1
}

# A pane's title line (" Active ─ 3 flows ─ sort ..."), which the help
# screen, that names the panes too, does not have.
title() { echo " $1 [^A-Za-z]*[0-9]+ (of [0-9]+ )?flows? "; }

exit_of() {	# WINDOW [SECONDS]: the status the shell printed, or "none"
	local i
	for i in $(seq $(( ${2:-10} * 10 ))); do
		if history "$1" | grep -Eq '^EXIT=[0-9]+$'; then
			history "$1" | grep -E '^EXIT=[0-9]+$' | tail -n 1 | cut -d= -f2
			return 0
		fi
		sleep 0.1
	done
	echo none
}
