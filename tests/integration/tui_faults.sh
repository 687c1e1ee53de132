#!/bin/bash
# tests/integration/tui_faults.sh - the full-screen monitor under faults,
# driven in a private tmux server the way a user runs it: typed into an
# interactive shell in a pane.
#
#   signals    SIGINT, SIGTERM, SIGHUP sent by PID, Ctrl-C typed, and the
#              pane's terminal hung up: exit 0, and the shell gets back a
#              sane terminal (stty -a: icanon echo ...; no alternate
#              screen; cursor shown; keypad mode off)
#   privilege  while the monitor runs, every thread (screen, collector,
#              resolvers) is nobody with at most CAP_NET_ADMIN, none with --proc
#   valgrind   a monitor session with every kind of key and a resize: no
#              error, nothing definitely or indirectly lost
#   snapshots  a source that starts failing mid-run: the header says so and
#              the monitor keeps running; a file truncated and deleted under it
#   too small  a 15x4 terminal at start: one line saying so; q exits 0
#
# Needs root; skips loudly without it.  LSCT_SANITIZED=1 (an ASan build)
# or a missing valgrind skips the valgrind tests.  Run from anywhere:
# bash tests/integration/tui_faults.sh (T_VERBOSE=1 lists the passes).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
# run-all.sh reads the summary with [a-z]+: no underscore in the name.
SUITE=tuifaults
N_TESTS=73
NS_TOOLS="tmux pgrep stty truncate"
. tests/integration/nslib.sh

TM=(tmux -L "lsct-flt-$$" -f /dev/null)
S=flt
MODES_N=0
SOCK=

tm() { "${TM[@]}" "$@"; }

suite_cleanup() {
	local pid
	tm kill-server 2>/dev/null
	# tmux leaves its socket behind.
	[ -n "$SOCK" ] && rm -f "$SOCK"
	# A hung-up terminal ends the monitors; one still there goes by PID.
	for pid in $(cat "$TMP/mons" 2>/dev/null); do
		kill -0 "$pid" 2>/dev/null && sleep 0.5
		kill -KILL "$pid" 2>/dev/null
	done
}

# A window of WxH running an interactive POSIX shell (no line editing: it
# neither repairs nor spoils the terminal modes a program leaves behind).
# Prints the window id.
new_shell() {	# W H
	local w
	w=$(tm new-window -d -P -F '#{window_id}' -t "$S:" \
		"env -u ENV PS1='$ ' sh -i") || return 1
	tm resize-window -t "$w" -x "$1" -y "$2"
	echo "$w"
}

type_line() {	# WINDOW TEXT: typed, then Enter
	tm send-keys -t "$1" -l -- "$2"
	tm send-keys -t "$1" Enter
}

descendants() {
	local k
	for k in $(pgrep -P "$1"); do
		echo "$k"
		descendants "$k"
	done
}

# The lsconntrack process under the window's shell (ip netns exec execs
# it; so does valgrind).  Noted in $TMP/mons for the cleanup.
mon_pid() {	# WINDOW
	local sp i k
	sp=$(tm display -p -t "$1" '#{pane_pid}')
	for i in $(seq 50); do
		for k in $(descendants "$sp"); do
			case $(cat "/proc/$k/comm" 2>/dev/null) in
			lsconntrack|memcheck*)
				echo "$k" >>"$TMP/mons"
				echo "$k"
				return 0
				;;
			esac
		done
		sleep 0.1
	done
	return 1
}

# The one line below the minimum size; the assertion on its words is
# "too small" below, the waits only need to see the screen switch.
SMALL="^(terminal|too small)"

# Types the monitor's command line; waits for its two panes.
start_mon() {	# WINDOW ARGS...
	local w=$1
	shift
	type_line "$w" "ip netns exec $H $LSCT $*; echo EXIT=\$?"
	wait_screen "$w" "$(title Active)" 15 && wait_screen "$w" "$(title Passive)" 5
}

# The terminal modes the shell sees now: each of MODES as stty -a, typed
# into the pane, shows it (icanon, or -icanon when it is off).
modes() {	# WINDOW MODES...
	local w=$1 out m end
	shift
	MODES_N=$((MODES_N + 1))
	end="STTY-$MODES_N-END"
	type_line "$w" "stty -a; echo $end"
	for m in $(seq 50); do
		history "$w" | grep -qx -- "$end" && break
		sleep 0.1
	done
	# From the last "speed" line before the marker to the marker.
	out=$(history "$w" | awk -v end="$end" '/^speed / { buf = "" } { buf = buf $0 "\n" }
		$0 == end { printf "%s", buf; exit }' | tr ' ;' '\n\n')
	for m in "$@"; do
		printf '%s\n' "$out" | grep -xE -- "-?$m" | head -n 1
	done | paste -sd' '
}

# After the monitor: the pane is on the normal screen with the shell's
# prompt as its last line, the cursor is shown and the cursor keys are
# back in normal mode.
pane_state() {	# WINDOW
	local last i
	for i in $(seq 30); do
		last=$(screen "$1" | grep -v '^$' | tail -n 1)
		[ "$last" = '$' ] && break
		sleep 0.1
	done
	tm display -p -t "$1" "alt=#{alternate_on} prompt=$last"
}
pane_cursor() {
	tm display -p -t "$1" 'cursor=#{cursor_flag} keypad=#{keypad_cursor_flag}'
}

# A field of /proc/PID/task/*/status: the values of every thread, once
# each ("a|b" when threads differ, "none" for an empty field).
thread_field() {	# PID FIELD
	local f
	for f in /proc/"$1"/task/*/status; do
		awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ +/, ""); print ($0 == "" ? "none" : $0) }' "$f"
	done 2>/dev/null | sort -u | paste -sd'|'
}

threads_of() { ls "/proc/$1/task" 2>/dev/null | wc -l; }

ns_setup
# Real traffic all along: a connection each way that stays and trickles,
# and short transfers that come and go (new and closed flows).
ns_traffic 3000 0.3

tm new-session -d -s "$S" -x 80 -y 24 -n idle "sleep 100000" || ns_fail "tmux new-session"
SOCK=$(tm display -p '#{socket_path}')
NOBODY_UID=$(id -u nobody 2>/dev/null || echo 65534)
NOBODY_GID=$(id -g nobody 2>/dev/null || echo 65534)
wait_listen "$H" t 80 >/dev/null

# ---------------------------------------------------------------------------
# Signals: each ends the monitor with status 0 and gives the shell back a
# terminal in the state it had: canonical input, echo, the normal screen.
# Each is sent in another state of the screen.

# signal_case NAME SETUP_KEYS WAIT_FOR HOW: HOW is a signal name sent by PID,
# or "ctrl-c" typed into the pane.
signal_case() {
	local name=$1 keys=$2 want=$3 how=$4 w pid st
	w=$(new_shell 80 24)
	if ! start_mon "$w" -n; then
		t_fail "$name: the screen came up" "$(screen "$w")"
		for st in 1 2 3 4 5 6 7; do t_fail "$name: (not run)" ""; done
		tm kill-window -t "$w"
		return
	fi
	pid=$(mon_pid "$w")
	# The first snapshot is in: Enter has a flow to open.
	wait_screen "$w" "$P4:3306" 10
	[ -n "$keys" ] && tm send-keys -t "$w" "$keys"
	if wait_screen "$w" "$want" 10 && [ -n "$pid" ]; then
		t_ok "$name: the screen came up ($want)"
	else
		t_fail "$name: the screen came up ($want), pid '$pid'" "$(screen "$w")"
	fi
	if [ "$how" = ctrl-c ]; then
		tm send-keys -t "$w" C-c
	else
		kill -"$how" "$pid"
	fi
	assert_eq "$name: exit 0" "$(exit_of "$w")" 0
	assert_no_match "$name: no error printed" "$(history "$w")" '^lsconntrack:'
	st=$(modes "$w" icanon echo isig icrnl opost onlcr)
	assert_eq "$name: canonical input (icanon) again" "$(echo "$st" | cut -d' ' -f1)" icanon
	assert_eq "$name: echo again" "$(echo "$st" | cut -d' ' -f2)" echo
	assert_eq "$name: the rest of the line discipline (isig icrnl opost onlcr)" \
		"$(echo "$st" | cut -d' ' -f3-)" "isig icrnl opost onlcr"
	assert_eq "$name: back on the shell's screen (no alternate screen)" \
		"$(pane_state "$w")" 'alt=0 prompt=$'
	assert_eq "$name: cursor shown, cursor keys in normal mode" \
		"$(pane_cursor "$w")" 'cursor=1 keypad=0'
	tm kill-window -t "$w"
}

signal_case "SIGINT (main screen)" "" "$(title Active)" INT
signal_case "SIGTERM (help screen)" "?" 'Keys' TERM
signal_case "SIGHUP (connection list)" "Enter" 'Connections of' HUP
signal_case "Ctrl-C typed (host prompt open)" "/" '^host:' ctrl-c

# The terminal itself goes away (the pane is killed): the kernel hangs up
# the tty.  A subshell that outlives the hangup records the status; names
# are on, so resolver threads run too.
w=$(new_shell 80 24)
rm -f "$TMP/hup.rc"
type_line "$w" "( trap : HUP; ip netns exec $H $LSCT; echo \$? >$TMP/hup.rc )"
wait_screen "$w" "$(title Passive)" 15
pid=$(mon_pid "$w")
tm kill-window -t "$w"
for i in $(seq 100); do
	[ -s "$TMP/hup.rc" ] && break
	sleep 0.1
done
assert_eq "terminal hung up: exit 0" "$(cat "$TMP/hup.rc" 2>/dev/null || echo none)" 0
assert_eq "terminal hung up: the monitor is gone (pid '$pid')" \
	"$([ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && echo gone)" gone

# ---------------------------------------------------------------------------
# Least privilege while the monitor runs: uid and gid nobody, no groups,
# CAP_NET_ADMIN alone for netlink, nothing with --proc; in every thread,
# the collector's and the resolvers' too (names are on).

priv_case() {	# NAME CAPS ARGS...
	local name=$1 caps=$2 w pid n i
	shift 2
	w=$(new_shell 80 24)
	start_mon "$w" "$@"
	pid=$(mon_pid "$w")
	# The screen, the collector, then resolvers once rows want names.
	for i in $(seq 100); do
		[ "$(threads_of "$pid")" -ge 3 ] && break
		sleep 0.1
	done
	n=$(threads_of "$pid")
	assert_ge "$name: screen, collector and resolver threads ($n)" "$n" 3
	assert_eq "$name: uid nobody (real, effective, saved, fs), every thread" \
		"$(thread_field "$pid" Uid)" "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID"
	assert_eq "$name: gid nobody, every thread" \
		"$(thread_field "$pid" Gid)" "$NOBODY_GID $NOBODY_GID $NOBODY_GID $NOBODY_GID"
	assert_eq "$name: no supplementary groups" "$(thread_field "$pid" Groups)" none
	assert_eq "$name: CapEff, every thread" "$(thread_field "$pid" CapEff)" "$caps"
	assert_eq "$name: CapPrm, every thread" "$(thread_field "$pid" CapPrm)" "$caps"
	assert_eq "$name: no inheritable or ambient capability" \
		"$(thread_field "$pid" CapInh) $(thread_field "$pid" CapAmb)" \
		"0000000000000000 0000000000000000"
	assert_eq "$name: empty bounding set" "$(thread_field "$pid" CapBnd)" 0000000000000000
	tm send-keys -t "$w" q
	assert_eq "$name: q exits 0" "$(exit_of "$w")" 0
	tm kill-window -t "$w"
}

# The collector alone keeps it (--no-owners: owners add the capabilities
# that entering namespaces needs, checked by tests/integration/owners.sh).
priv_case "privilege (netlink)" "0000000000000000|0000000000001000" --no-owners
if [ -r /proc/net/nf_conntrack ]; then
	priv_case "privilege (--proc)" 0000000000000000 --proc
else
	for i in 1 2 3 4 5 6 7 8 9; do
		t_skip "privilege (--proc) $i" "no /proc/net/nf_conntrack"
	done
fi

# ---------------------------------------------------------------------------
# The monitor under valgrind: every kind of key, a prompt refused and one
# accepted, the connection list, interval changes and resizes, then q.
# ncurses keeps "still reachable" memory by design: not an error here.

VG_TESTS="keys exit errors leaks"
if [ "${LSCT_SANITIZED:-0}" = 1 ]; then
	for t in $VG_TESTS; do t_skip "valgrind: $t" "the binary is built with sanitizers"; done
elif ! command -v valgrind >/dev/null 2>&1; then
	for t in $VG_TESTS; do t_skip "valgrind: $t" "valgrind is not installed"; done
else
	w=$(new_shell 80 24)
	type_line "$w" "ip netns exec $H valgrind --vgdb=no --leak-check=full --error-exitcode=1 \
--errors-for-leak-kinds=definite,indirect --log-file=$TMP/vg.log $LSCT -d 0.5; echo EXIT=\$?"
	mon_pid "$w" >/dev/null
	missed=
	# step KEYS ERE: sends KEYS (tmux key names), waits for ERE on screen.
	step() {
		local keys=$1 ere=$2
		# shellcheck disable=SC2086
		tm send-keys -t "$w" $keys
		wait_screen "$w" "$ere" 20 || missed="$missed [$keys: /$ere/]"
	}
	wait_screen "$w" "$(title Passive)" 60 || missed="$missed [start]"
	wait_screen "$w" "$P4:3306" 20 || missed="$missed [flows]"
	step "?" 'Keys'
	step "Escape" "$(title Passive)"
	step "Tab" "$(title Passive)"
	step "s" 'sort inrate'
	step "t" 'totals'
	step "a" '^active ports:'
	tm send-keys -t "$w" -l '33x6'
	step "Enter" "'33x6' is not a port number"
	tm send-keys -t "$w" C-u
	tm send-keys -t "$w" -l '3306'
	step "Enter" 'aport=3306'
	step "/" '^host:'
	tm send-keys -t "$w" -l "${P4%.*}"
	step "Enter" "host=${P4%.*}"
	step "BTab" "$(title Active)"
	step "Enter" 'Connections of'
	step "Escape" "$(title Passive)"
	step "+" 'every 1s'
	step "-" 'every 0\.5s'
	step "n" "$(title Active)"
	step "Space" 'PAUSED'
	step "Space" "$(title Active)"
	tm resize-window -t "$w" -x 120 -y 40
	wait_screen "$w" '^.{100}' 20 || missed="$missed [resize 120x40]"
	tm resize-window -t "$w" -x 15 -y 4
	wait_screen "$w" "$SMALL" 20 || missed="$missed [resize 15x4]"
	tm resize-window -t "$w" -x 80 -y 24
	wait_screen "$w" "$(title Passive)" 20 || missed="$missed [resize 80x24]"
	step "c" "$(title Active)"
	tm send-keys -t "$w" q
	rc=$(exit_of "$w" 60)
	assert_eq "valgrind: every key reached the monitor" "$missed" ""
	assert_eq "valgrind: exit 0" "$rc" 0
	assert_match "valgrind: ERROR SUMMARY: 0 errors" "$(cat "$TMP/vg.log" 2>&1)" \
		'ERROR SUMMARY: 0 errors'
	assert_no_match "valgrind: nothing definitely or indirectly lost" \
		"$(cat "$TMP/vg.log" 2>&1)" '(definitely|indirectly) lost: [1-9]'
	tm kill-window -t "$w"
fi

# ---------------------------------------------------------------------------
# A source that fails in the middle of the run.  The file read with --proc
# is /proc/PID/status of a helper: readable while it lives, ESRCH for every
# read once it is gone.  The header says the snapshot failed, the last
# frame stays, the monitor keeps answering.

sleep 600 &
HELPER=$!
PIDS+=("$HELPER")
w=$(new_shell 80 24)
start_mon "$w" -n -d 0.3 "--proc=/proc/$HELPER/status"
wait_screen "$w" 'no flows' 10
kill "$HELPER"
wait "$HELPER" 2>/dev/null
if wait_screen "$w" 'snapshot failed: No such process' 10; then
	t_ok "failing source: the header says the snapshot failed"
else
	t_fail "failing source: the header says the snapshot failed" "$(screen "$w")"
fi
pid=$(mon_pid "$w")
sleep 2		# six more failed snapshots at 0.3 s
assert_eq "failing source: still running 2 s later" \
	"$(kill -0 "$pid" 2>/dev/null && echo running)" running
tm send-keys -t "$w" '?'
if wait_screen "$w" 'Keys' 10; then
	t_ok "failing source: answers keys (? shows the help)"
else
	t_fail "failing source: answers keys (? shows the help)" "$(screen "$w")"
fi
tm send-keys -t "$w" Escape
wait_screen "$w" "$(title Active)" 10
assert_match "failing source: the error stays in the header" "$(screen "$w" | head -n 2)" \
	'snapshot failed: No such process'
tm send-keys -t "$w" q
assert_eq "failing source: q exits 0" "$(exit_of "$w")" 0
assert_eq "failing source: back on the shell's screen" "$(pane_state "$w")" 'alt=0 prompt=$'
tm kill-window -t "$w"

# A file rewritten under the monitor: truncated in the middle of a line,
# then deleted (the open file lives on).  No error, the monitor goes on.
inh conntrack -L -o extended >"$TMP/ct.txt" 2>/dev/null
w=$(new_shell 80 24)
start_mon "$w" -n -d 0.3 "--proc=$TMP/ct.txt"
if wait_screen "$w" "$P4:3306" 10; then
	t_ok "file: flows shown"
else
	t_fail "file: flows shown" "$(screen "$w"; echo ---; head -n 3 "$TMP/ct.txt")"
fi
truncate -s 40 "$TMP/ct.txt"
if wait_screen "$w" " Active [^A-Za-z]*0 flows " 10 && wait_screen "$w" 'skipped' 5; then
	t_ok "file: truncated mid-line: no flows, the broken line counted"
else
	t_fail "file: truncated mid-line: no flows, the broken line counted" "$(screen "$w")"
fi
assert_no_match "file: truncated: no snapshot error" "$(screen "$w" | head -n 2)" 'failed'
rm -f "$TMP/ct.txt"
sleep 1
tm send-keys -t "$w" '?'
if wait_screen "$w" 'Keys' 10; then
	t_ok "file: deleted: still answers keys"
else
	t_fail "file: deleted: still answers keys" "$(screen "$w")"
fi
tm send-keys -t "$w" Escape q
assert_eq "file: q exits 0" "$(exit_of "$w")" 0
tm kill-window -t "$w"

# ---------------------------------------------------------------------------
# Too small at start (15x4): one line that says so, and nothing else; the
# monitor keeps running and draws its panes when the terminal grows.

w=$(new_shell 15 4)
type_line "$w" "ip netns exec $H $LSCT -n; echo EXIT=\$?"
wait_screen "$w" "$SMALL" 15
# With the panes not drawn, only the process tells that it started.
pid=$(mon_pid "$w")
sleep 1
scr=$(screen "$w" | grep -v '^ *$')
assert_lines "too small: one line" "$scr" 1
assert_match "too small: the line says 'too small'" "$scr" 'too small'
tm resize-window -t "$w" -x 80 -y 24
if wait_screen "$w" "$(title Passive)" 10; then
	t_ok "too small: grown to 80x24, the panes are drawn"
else
	t_fail "too small: grown to 80x24, the panes are drawn" "$(screen "$w")"
fi
tm resize-window -t "$w" -x 15 -y 4
wait_screen "$w" "$SMALL" 10
tm send-keys -t "$w" q
assert_eq "too small: q exits 0" "$(exit_of "$w")" 0
tm resize-window -t "$w" -x 80 -y 24
assert_eq "too small: terminal restored (icanon echo)" "$(modes "$w" icanon echo)" "icanon echo"
assert_eq "too small: back on the shell's screen" "$(pane_state "$w")" 'alt=0 prompt=$'
tm kill-window -t "$w"

t_summary "$SUITE"
