#!/bin/bash
# tests/soak.sh - the full-screen monitor left running under churn: does
# its memory stay flat, and does it still answer at the end?
#
# A namespace H gets a steady churn of conntrack entries (tools/ctgen.c,
# churn: SOAK_RATE created and as many destroyed each second, the
# table holding SOAK_KEEP; about 4300 flows stay while their connections
# churn, and RATE/40 flows a second come and go with peer addresses never
# seen before) plus a little real traffic.  Two monitors run side by side on it, each in a tmux window
# of 120x40, refreshing every 0.5 s:
#
#   numeric   lsconntrack -n: the collector, the delta store, the flow
#             table, frames and views
#   names     lsconntrack with names (its default): the same, plus the
#             resolver's threads and cache; the new peers sort first in
#             the Passive pane, so names are asked for new peers all along
#
# Every 10 s each monitor's RSS is sampled (/proc/PID/status), with the
# table's entry count.  A sample is the highest RSS of the 10 s before it:
# VmHWM, which the previous sample reset to the RSS of that moment
# (/proc/PID/clear_refs, 5).  A single reading of VmRSS is noisy: each
# frame copies every flow (0.6 MB here), up to three frames live at
# once, and malloc gives freed ones back to the kernel and takes them again,
# at moments that depend on the load of the machine; the "now" columns show
# VmRSS at the sample.  The peak of each period moves only when the monitor
# needs more memory than before.
#
# RSS must stay flat: after a warm-up (samples at 30 s and before), the
# largest and the smallest sample must be within SOAK_TOLERANCE percent
# (default 5) of the MEAN of the samples after the warm-up.  At the end
# each monitor must still be alive and answer keys (? shows "Keys"), and q
# must exit 0.
#
#   SOAK_SECONDS   how long (default 1800; CI runs 120)
#   SOAK_RATE      entries created (and destroyed) a second (default 5000)
#   SOAK_KEEP      entries the churn keeps in the table (default 10000)
#   SOAK_ARGS      more options for both monitors (default "-t -u")
#   CT_CHURN       the churn tool (ctgen); default build/tools/ctgen, which
#                  is brought up to date with make
#
# Needs root; skips loudly without.  Run from anywhere: bash tests/soak.sh
# Everything it starts (namespaces, processes, its tmux server) is gone
# when it exits, also on Ctrl-C.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
SUITE=soak
N_TESTS=20
NS_TOOLS="tmux make"
. tests/integration/nslib.sh

SECS=${SOAK_SECONDS:-1800}
RATE=${SOAK_RATE:-5000}
TABLE=${SOAK_KEEP:-10000}	# not KEEP: nslib.sh keeps $TMP when KEEP is set
TOL=${SOAK_TOLERANCE:-5}
ARGS=${SOAK_ARGS--t -u}
STEP=10		# seconds between samples
WARMUP=30	# samples at this age or younger are the warm-up
INTERVAL=0.5
NAMES=(numeric names)
declare -A OPTS=([numeric]="-n $ARGS" [names]="$ARGS")
declare -A WIN MON DEAD FROZEN CLOCK RSS

TM=(tmux -L "lsct-soak-$$" -f /dev/null)
SOCK=
CHURN_PID=

tm() { "${TM[@]}" "$@"; }

suite_cleanup() {
	local m
	[ -n "$CHURN_PID" ] && kill "$CHURN_PID" 2>/dev/null
	tm kill-server 2>/dev/null
	[ -n "$SOCK" ] && rm -f "$SOCK"
	# The hung-up terminal ends the monitors; one still there goes by PID.
	for m in "${MON[@]}"; do
		if kill -0 "$m" 2>/dev/null; then
			sleep 0.5
			kill -KILL "$m" 2>/dev/null
		fi
	done
}

count() { ip netns exec "$H" cat /proc/sys/net/netfilter/nf_conntrack_count; }

# What a monitor's screen says: "flows real took" (flows of both panes,
# the real interval and the cost of the newest snapshot).
shown() {	# WINDOW
	screen "$1" | awk '
		NR == 1 && match($0, /real [0-9.]+s, took [0-9.]+m?s/) {
			split(substr($0, RSTART, RLENGTH), w, /[ ,]+/); real = w[2]; took = w[4] }
		/ (Active|Passive) / && match($0, / [0-9]+ (of [0-9]+ )?flows? /) {
			n = split(substr($0, RSTART, RLENGTH), w, " "); flows += w[n - 1] }
		END { print flows + 0, (real == "" ? "-" : real), (took == "" ? "-" : took) }'
}

# ---------------------------------------------------------------------------
# The churn tool, built (or found current) by the Makefile's rule.

CHURN=${CT_CHURN:-build/tools/ctgen}
if [ -z "$CT_CHURN" ]; then
	make --no-print-directory -s "$CHURN" >"$TMP/cc.err" 2>&1 ||
		ns_fail "cannot build $CHURN: $(cat "$TMP/cc.err")"
fi
case $CHURN in /*) ;; *) CHURN=$PWD/$CHURN ;; esac

ns_setup
# Real traffic beside the synthetic entries: a connection each way that
# stays and trickles, and short transfers that come and go.
ns_traffic 20000 0.5

ip netns exec "$H" "$CHURN" churn -l "$H4" -L "$H6" -r "$RATE" -k "$TABLE" \
	>"$TMP/churn.out" 2>&1 </dev/null &
CHURN_PID=$!
PIDS+=("$CHURN_PID")
for i in $(seq 100); do
	[ "$(count)" -ge "$TABLE" ] && break
	sleep 0.1
done

# ---------------------------------------------------------------------------
# The monitors, typed into interactive shells.

tm new-session -d -s soak -x 120 -y 40 -n idle "sleep 100000" || ns_fail "tmux new-session"
SOCK=$(tm display -p '#{socket_path}')
for m in "${NAMES[@]}"; do
	WIN[$m]=$(tm new-window -d -P -F '#{window_id}' -t soak: "env -u ENV PS1='$ ' sh -i")
	tm resize-window -t "${WIN[$m]}" -x 120 -y 40
	tm send-keys -t "${WIN[$m]}" -l "ip netns exec $H $LSCT ${OPTS[$m]} -d $INTERVAL; echo EXIT=\$?"
	tm send-keys -t "${WIN[$m]}" Enter
done
for m in "${NAMES[@]}"; do
	w=${WIN[$m]}
	wait_screen "$w" "$(title Passive)" 15
	sp=$(tm display -p -t "$w" '#{pane_pid}')
	for i in $(seq 50); do
		MON[$m]=$(pgrep -P "$sp" -x lsconntrack)
		[ -n "${MON[$m]}" ] && break
		sleep 0.1
	done
	if [ -n "${MON[$m]}" ] && screen "$w" | grep -Eq "$(title Active)"; then
		t_ok "$m: the monitor is up (pid ${MON[$m]})"
	else
		t_fail "$m: the monitor is up" "$(screen "$w")"
	fi
	DEAD[$m]=0 FROZEN[$m]=0 CLOCK[$m]='' RSS[$m]=''
done

# ---------------------------------------------------------------------------
# Samples every STEP seconds.

# sample PID: "peak now threads": VmHWM since the last sample, VmRSS; then
# the peak starts again from now.
sample() {
	awk '$1 == "VmHWM:" { hwm = $2 } $1 == "VmRSS:" { rss = $2 } $1 == "Threads:" { thr = $2 }
	     END { if (rss != "") print hwm, rss, thr }' "/proc/$1/status" 2>/dev/null
	echo 5 2>/dev/null >"/proc/$1/clear_refs"
}

echo "soak: ${SECS}s; churn $RATE entries/s, $TABLE in the table; lsconntrack [-n] $ARGS -d $INTERVAL, 120x40"
printf '%6s  %9s %9s %6s %6s %6s  %9s %9s %6s  %9s\n' "" "numeric" "" "" "" "" "names" "" "" ""
printf '%6s  %9s %9s %6s %6s %6s  %9s %9s %6s  %9s\n' 't(s)' 'peak(kB)' 'now(kB)' flows real took \
	'peak(kB)' 'now(kB)' flows conntrack
for m in "${NAMES[@]}"; do
	sample "${MON[$m]:-0}" >/dev/null
done
start=$SECONDS
minct='' maxct=0
for ((t = STEP; t <= SECS; t += STEP)); do
	while [ $((SECONDS - start)) -lt "$t" ]; do
		sleep 0.5
	done
	line=$(printf '%6s' "$t")
	for m in "${NAMES[@]}"; do
		read -r rss now thr <<<"$(sample "${MON[$m]:-0}")"
		if [ -z "${MON[$m]}" ] || [ -z "$rss" ]; then
			DEAD[$m]=$((DEAD[$m] + 1))
			line="$line  $(printf '%9s' gone)"
			continue
		fi
		read -r flows real took <<<"$(shown "${WIN[$m]}")"
		if [ "$m" = numeric ]; then
			line="$line  $(printf '%9s %9s %6s %6s %6s' "$rss" "$now" "$flows" "$real" "$took")"
		else
			line="$line  $(printf '%9s %9s %6s' "$rss" "$now" "$flows")"
		fi
		[ "$t" -gt "$WARMUP" ] && RSS[$m]="${RSS[$m]} $rss"
		# The header's clock is the newest snapshot's time: it must move.
		clock=$(screen "${WIN[$m]}" | head -n 1 | grep -Eo '[0-9]{2}:[0-9]{2}:[0-9]{2}' | head -n 1)
		if [ -z "$clock" ] || [ "$clock" = "${CLOCK[$m]}" ]; then
			FROZEN[$m]=$((FROZEN[$m] + 1))
		fi
		CLOCK[$m]=$clock
	done
	ct=$(count)
	printf '%s  %9s\n' "$line" "$ct"
	if [ -z "$minct" ] || [ "$ct" -lt "$minct" ]; then minct=$ct; fi
	[ "$ct" -gt "$maxct" ] && maxct=$ct
done

kill "$CHURN_PID" 2>/dev/null
wait "$CHURN_PID" 2>/dev/null
CHURN_PID=
churned=$(cat "$TMP/churn.out")

# ---------------------------------------------------------------------------

assert_ge "the table stayed busy (entries between $minct and $maxct)" "${minct:-0}" $((TABLE * 9 / 10))
created=$(printf '%s\n' "$churned" | awk '$1 == "created" { print $2 }')
refused=$(printf '%s\n' "$churned" | awk '$1 == "created" { print $6 }')
assert_ge "the churn kept its rate ($churned)" "${created:-0}" $((RATE * SECS * 9 / 10))
assert_eq "the kernel took every churn request" "${refused:-none}" 0
n=$(echo "${RSS[numeric]}" | wc -w)
assert_ge "samples after the warm-up ($n)" "$n" 3

for m in "${NAMES[@]}"; do
	w=${WIN[$m]}
	assert_eq "$m: alive at every sample" "${DEAD[$m]}" 0
	assert_eq "$m: the screen refreshed between every two samples" "${FROZEN[$m]}" 0
	if [ -n "${RSS[$m]}" ]; then
		# shellcheck disable=SC2086  # one sample a word
		read -r mean lo hi <<<"$(printf '%s\n' ${RSS[$m]} |
			awk '{ s += $1; if (NR == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
			     END { printf "%.0f %d %d\n", s / NR, lo, hi }')"
		dev() { awk -v v="$1" -v m="$mean" 'BEGIN { printf "%+.1f", (v - m) * 100 / m }'; }
		echo "soak: $m: peak RSS per ${STEP}s after ${WARMUP}s: mean $mean kB, min $lo kB ($(dev "$lo")%), max $hi kB ($(dev "$hi")%)"
		assert_eq "$m: RSS max within +$TOL% of the mean ($hi kB, mean $mean kB)" \
			"$(awk -v v="$hi" -v m="$mean" -v t="$TOL" 'BEGIN { print (v <= m * (1 + t / 100)) }')" 1
		assert_eq "$m: RSS min within -$TOL% of the mean ($lo kB, mean $mean kB)" \
			"$(awk -v v="$lo" -v m="$mean" -v t="$TOL" 'BEGIN { print (v >= m * (1 - t / 100)) }')" 1
	else
		t_fail "$m: RSS max within +$TOL% of the mean" "no sample"
		t_fail "$m: RSS min within -$TOL% of the mean" "no sample"
	fi
	tm send-keys -t "$w" '?'
	if wait_screen "$w" 'Keys' 10; then
		t_ok "$m: still answers keys at the end (? shows the help)"
	else
		t_fail "$m: still answers keys at the end (? shows the help)" "$(screen "$w")"
	fi
	tm send-keys -t "$w" Escape
	wait_screen "$w" "$(title Active)" 10
	tm send-keys -t "$w" q
	assert_eq "$m: q exits 0" "$(exit_of "$w" 15)" 0
	gone=
	for _ in $(seq 50); do
		kill -0 "${MON[$m]:-0}" 2>/dev/null || { gone=gone; break; }
		sleep 0.1
	done
	assert_eq "$m: the monitor is gone" "$gone" gone
done

t_summary "$SUITE"
