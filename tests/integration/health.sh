#!/bin/bash
# tests/integration/health.sh - the table's health against the real kernel:
# --stats, the monitor's header and each NDJSON line's "table" say what
# conntrack -S says, in the namespace viewed (also through --netns), and
# show a full table dropping packets.
#
# The table of a fresh namespace is filled to nf_conntrack_max (the limit
# counts each namespace's own entries, so no sysctl is changed: faults.sh
# does the same) by tools/ctgen, with ASSURED entries that the kernel
# cannot evict early; then every datagram to a new port is dropped and
# counted ("drop").  Needs root; without it every test is skipped, loudly.
#
# Run from the repository root, under the lock the root suites share:
#   flock /tmp/lsct-root.lock bash tests/integration/health.sh
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"

cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

SUITE=health
N_TESTS=36
NS_TOOLS="python3 tmux"
NS_TAG=hl
. tests/integration/nslib.sh

TMUX_SOCK=lsct-health-$$
tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }
suite_cleanup() {
	tm kill-server 2>/dev/null
}
UTF8="LANG=C.UTF-8 LC_ALL=C.UTF-8"
CTGEN=${CTGEN:-build/tools/ctgen}
MAXFILE=/proc/sys/net/netfilter/nf_conntrack_max
KEYS='drop early_drop insert_failed invalid found insert error search_restart clash_resolve chaintoolong'

ns_new "$H" || ns_skip_all "cannot create a network namespace"
ns_track "$H" || ns_fail "nft in $H"
inh sysctl -qw net.netfilter.nf_conntrack_acct=1
inh ip addr add 198.18.0.1/32 dev lo
inh ip addr add 2001:2::1/128 dev lo

# conntrack -S summed over CPUs, as one JSON object of the counters it printed.
ct_sums() {
	inh conntrack -S 2>/dev/null | tr ' \t' '\n\n' | grep -E '^[a-z_]+=[0-9]+$' |
		awk -F= '$1 != "cpu" { s[$1] += $2 }
			 END { printf "{"; n = 0
			       for (k in s) printf "%s\"%s\":%d", n++ ? "," : "", k, s[k]
			       printf "}\n" }'
}

# The same counters of lsconntrack's object, as conntrack -S names them.
ours() {	# JSON
	printf '%s\n' "$1" | jq -c --arg keys "$KEYS" \
		'. as $o | [$keys | split(" ")[] | select($o[.] != null) | {(.): $o[.]}] | add'
}

# send.py SECONDS FIRSTPORT NPORTS RATE: datagrams to ever new loopback
# ports, at most RATE a second; in a full table each is dropped.
cat >"$TMP/send.py" <<'PY'
import socket, sys, time
secs, first, n, rate = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
start = time.monotonic()
i = 0
while time.monotonic() < start + secs:
    try:
        s.sendto(b"x", ("127.0.0.1", first + i % n))
    except OSError:
        pass    # a full table drops the packet: that is the point
    i += 1
    lag = start + i / rate - time.monotonic()
    if lag > 0:
        time.sleep(lag)
PY

# ---------------------------------------------------------------------------
# a calm table

inh python3 "$TMP/send.py" 0.5 20000 100 400
OUT=$(inh "$LSCT" --stats --json 2>"$TMP/err")
RC=$?
assert_eq "calm --stats --json: exit 0, stderr empty" "$RC:$(cat "$TMP/err")" "0:"
assert_eq "calm --stats --json: one object, every key" \
	"$(printf '%s\n' "$OUT" | jq -c 'keys_unsorted')" \
	'["entries","max","drop","early_drop","insert_failed","invalid","found","insert","error","search_restart","clash_resolve","chaintoolong"]'
assert_eq "calm --stats: no drops" "$(printf '%s\n' "$OUT" | jq '.drop + .early_drop + .insert_failed')" 0
assert_eq "calm --stats: the namespace's entries and the maximum" \
	"$(printf '%s\n' "$OUT" | jq -c '[.entries, .max]')" \
	"[$(inh cat /proc/sys/net/netfilter/nf_conntrack_count),$(cat "$MAXFILE")]"
assert_eq "calm --stats: every counter a number (this kernel keeps all ten)" \
	"$(printf '%s\n' "$OUT" | jq '[.[]] | all(type == "number")')" true
assert_eq "calm --stats: the counters of conntrack -S" "$(ours "$OUT" | jq -S -c .)" \
	"$(ct_sums | jq -S -c .)"

# The text form: one "name value" line each, in the documented order.
OUT=$(inh "$LSCT" --stats 2>"$TMP/err")
assert_eq "calm --stats: exit 0" "$?" 0
assert_eq "calm --stats: the names, in order" "$(printf '%s\n' "$OUT" | awk '{ print $1 }' | paste -sd' ')" \
	"entries max used $KEYS"
assert_match "calm --stats: drop 0" "$OUT" '^drop +0$'

# The monitor at 120 columns: the share and the zero rates, all plain.
tm new-session -d -s mon -x 120 -y 24 \
	"ip netns exec $H env $UTF8 $LSCT -n -d 1 --max-cpu 0 2>$TMP/mon.err" ||
	ns_fail "tmux new-session"
wait_mon() {	# ERE [SECONDS]
	local i
	for i in $(seq $(( ${2:-10} * 10 ))); do
		SCREEN=$(tm capture-pane -p -t mon 2>/dev/null)
		printf '%s\n' "$SCREEN" | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
if wait_mon '  drop 0/s  early_drop 0/s  insert_failed 0/s  invalid [0-9.]+/s$' 10; then
	t_ok "calm header: the four rates, 0 drops, after two dumps"
else
	t_fail "calm header: the four rates, 0 drops, after two dumps" "$SCREEN"
fi
assert_match "calm header: entries N/M and the share" "$(printf '%s\n' "$SCREEN" | sed -n 1p)" \
	"  entries [0-9]+/$(cat "$MAXFILE")  [0-9]+% full  "
assert_no_match "calm header: nothing in the warning colour" "$(tm capture-pane -p -e -t mon | head -n 2)" \
	$'\e\\[([0-9;]*;)?31(;[0-9;]*)?m'
tm kill-session -t mon 2>/dev/null

# ---------------------------------------------------------------------------
# a full table that drops

max=$(cat "$MAXFILE")
if [ ! -x "$CTGEN" ] || [ "$max" -gt 1100000 ]; then
	why="$CTGEN is not built (make tools)"
	[ -x "$CTGEN" ] && why="nf_conntrack_max is $max: too many to fill here"
	for t in "filled" "ndjson lines" "ndjson first rates null" "ndjson entries" \
		"ndjson drop rate" "ndjson drop counter grows" "ndjson rates never negative" \
		"ndjson older keys" "header full" "header full in the warning colour" \
		"header drops" "header drops in the warning colour" "header 80 columns fit" \
		"header 80 columns keep the drops" "stats exit" "stats drops" \
		"stats entries" "stats vs conntrack -S" "stats text used" "stats text drop" \
		"netns exit" "netns drops" "netns vs conntrack -S" "host differs"; do
		t_skip "full table: $t" "$why"
	done
	t_summary "$SUITE"
fi

inh conntrack -F >/dev/null 2>&1
inh "$CTGEN" fill -n $((max + 1000)) >"$TMP/fill" 2>&1
full=$(inh cat /proc/sys/net/netfilter/nf_conntrack_count)
assert_eq "full table: filled to nf_conntrack_max ($full of $max; $(tr '\n' ' ' <"$TMP/fill"))" \
	"$full" "$max"

# Datagrams to new ports all along (kept under what a dump can keep up with).
bg "$H" python3 "$TMP/send.py" 600 30000 30000 2000

# NDJSON: every line ends with "table"; the first has no rates yet, the
# others count the drops.  (--aport 9: no flow shown, the dump filtered by
# the kernel; the table's health is the whole namespace's.)
OUT=$(inh "$LSCT" -n -a --aport 9 --json -c 3 -d 1 --max-cpu 0 2>"$TMP/err")
assert_eq "full table: ndjson lines (exit $?)" "$(printf '%s\n' "$OUT" | grep -c '"table":{')" 3
assert_eq "full table: ndjson first rates null" "$(printf '%s\n' "$OUT" | head -n1 | jq -c .table.rates)" null
assert_eq "full table: ndjson entries and max" \
	"$(printf '%s\n' "$OUT" | jq -c '[.table.entries, .table.max]' | sort -u)" "[$max,$max]"
r2=$(printf '%s\n' "$OUT" | sed -n 3p | jq .table.rates.drop)
assert_gt "full table: ndjson drop rate ($r2/s)" "${r2%.*}" 100
assert_eq "full table: ndjson drop counter grows" \
	"$(printf '%s\n' "$OUT" | jq -s '.[0].table.drop < .[1].table.drop and .[1].table.drop < .[2].table.drop')" true
assert_eq "full table: ndjson rates never negative" \
	"$(printf '%s\n' "$OUT" | sed -n '2,$p' | jq -s '[.[].table.rates | to_entries[] | .value // 0 | select(. < 0)] | length')" 0
assert_eq "full table: ndjson older keys unchanged" \
	"$(printf '%s\n' "$OUT" | head -n1 | jq -c keys_unsorted)" \
	'["time","interval","period","budget_held","events_lost","flows","table"]'

# The monitor: the full table and the drops, in the warning colour.
tm new-session -d -s mon -x 120 -y 24 \
	"ip netns exec $H env $UTF8 $LSCT -n -d 1 --max-cpu 0 2>$TMP/mon.err" ||
	ns_fail "tmux new-session"
if wait_mon "entries $max/$max \\(100% full\\)" 15; then
	t_ok "full table: header full"
else
	t_fail "full table: header full" "$SCREEN"
fi
CE=$(tm capture-pane -p -e -t mon | head -n 2)
assert_match "full table: header full in the warning colour" "$CE" \
	$'\e\\[([0-9;]*;)?31(;[0-9;]*)?m(\e\\[[0-9;]*m)*entries '"$max/$max"
# Not 0: only drops that happened are said first, in the warning colour.
if wait_mon '  drop ([1-9][0-9.]*|0\.[0-9])[KMG]?/s( |$)' 15; then
	t_ok "full table: header drops"
else
	t_fail "full table: header drops" "$SCREEN"
fi
CE=$(tm capture-pane -p -e -t mon | head -n 2)
assert_match "full table: header drops in the warning colour" "$CE" \
	$'\e\\[([0-9;]*;)?31(;[0-9;]*)?m(\e\\[[0-9;]*m)*drop [0-9.]+[KMG]?/s'
tm resize-window -t mon -x 80 -y 24 2>/dev/null
sleep 1.5
SCREEN=$(tm capture-pane -p -t mon)
assert_match "full table: header 80 columns fit the full table whole" \
	"$(printf '%s\n' "$SCREEN" | sed -n 1p)" "entries $max/$max \\(100% full\\)(  |\$)"
assert_match "full table: header 80 columns keep the drops whole" \
	"$(printf '%s\n' "$SCREEN" | sed -n 2p)" "(^|  )drop [0-9.]+[KMG]?/s( |\$)"
tm kill-session -t mon 2>/dev/null

# Stop the datagrams: from here the counters stand still, and --stats
# must say exactly what conntrack -S says.
for pid in "${PIDS[@]}"; do
	kill_tree "$pid"
	wait "$pid" 2>/dev/null
done
PIDS=()
sleep 0.2
OUT=$(inh "$LSCT" --stats --json 2>"$TMP/err")
assert_eq "full table: stats exit 0" "$?" 0
assert_gt "full table: stats drops" "$(printf '%s\n' "$OUT" | jq .drop)" 1000
assert_eq "full table: stats entries" "$(printf '%s\n' "$OUT" | jq -c '[.entries, .max]')" "[$max,$max]"
assert_eq "full table: stats vs conntrack -S" "$(ours "$OUT" | jq -S -c .)" "$(ct_sums | jq -S -c .)"
TXT=$(inh "$LSCT" --stats)
assert_match "full table: stats text used 100%" "$TXT" '^used +100%$'
assert_match "full table: stats text drop" "$TXT" "^drop +$(printf '%s\n' "$OUT" | jq .drop)\$"

# --netns from outside: the namespace's statistics, not the host's.
NOUT=$("$LSCT" --netns "$H" --stats --json 2>"$TMP/err")
assert_eq "full table: netns exit 0" "$?" 0
assert_eq "full table: netns drops" "$(printf '%s\n' "$NOUT" | jq -c '[.drop, .entries, .max]')" \
	"$(printf '%s\n' "$OUT" | jq -c '[.drop, .entries, .max]')"
assert_eq "full table: netns vs conntrack -S" "$(ours "$NOUT" | jq -S -c .)" "$(ct_sums | jq -S -c .)"
HOUT=$("$LSCT" --stats --json 2>/dev/null)
assert_ne "full table: the host's own statistics differ" \
	"$(printf '%s\n' "$HOUT" | jq -c '[.drop, .entries]')" "$(printf '%s\n' "$NOUT" | jq -c '[.drop, .entries]')"

inh conntrack -F >/dev/null 2>&1
t_summary "$SUITE"
