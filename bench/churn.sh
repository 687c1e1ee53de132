#!/bin/bash
# bench/churn.sh - are short connections counted, with their bytes?  Part of
# `make bench` (root).
#
# Two network namespaces joined by a veth: S runs `churngen serve` on
# 10.213.0.1 port 7000 (TCP and UDP), C is the host under test (source
# addresses 10.213.1.1-64), with conntrack on (an nft ruleset using
# `ct state`), accounting on (nf_conntrack_acct=1), the default timeouts but
# TIME_WAIT (nf_conntrack_tcp_timeout_time_wait, BENCH_CHURN_TIME_WAIT,
# default 1 s, so closed connections leave the table within the run).  The
# same ruleset counts, with named nft counters in the input and output
# hooks, every packet between C and the server port, per protocol: the
# ground truth for bytes (layer 3, as conntrack counts them).
#
# For each rate in BENCH_CHURN_RATES (default "2000 20000" exchanges a
# second), in C:
#
#   1. lsconntrack -n --json -d PERIOD -c N starts (PERIOD: BENCH_CHURN_PERIOD,
#      default 5); N covers the run and the flush below.
#   2. Once its first snapshot is out, churngen client runs for
#      BENCH_CHURN_SECONDS (default 60): 75% TCP (a quarter of them closed
#      with an RST, the rest with FINs), 25% one-datagram UDP exchanges, each
#      on a source tuple of its own, 100 bytes out and 1000 back.
#   3. The stream goes on for BENCH_CHURN_FLUSH seconds (default 45: UDP
#      entries time out after 30 s, RST-closed ones after 10 s) and ends.
#
# Then, for the flows to 10.213.0.1:7000 (one TCP, one UDP), it compares
# the stream's sums over its intervals of delta.new_connections and
# delta.closed_connections with the generator's counts, and of
# delta.inbound_bytes + delta.outbound_bytes with the nft counters; and
# prints events_lost of the stream's last line (null when events are off).
# The generator starts after the first snapshot and every connection has
# left the table before the last one (checked: "left" is the number of the
# server's entries still in C's table at the end, which should be 0), so
# nothing is counted outside the stream.  The goal (issue 12): at 2,000/s
# new = closed = opened, bytes within 0.5%, 0 lost; at 20,000/s any
# shortfall equals the lost count.
#
# Prints a table and writes it between the bench-churn markers of
# doc/performance.md (BENCH_OUT).  About (SECONDS + FLUSH + 10) per rate:
# 4 minutes with the defaults.  BENCH_CHURN_KEEP=1 keeps the streams and
# generator outputs (their directory is printed).
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
LSCT=$ROOT/lsconntrack
GEN=$ROOT/build/tools/churngen
RATES=${BENCH_CHURN_RATES:-2000 20000}
SECS=${BENCH_CHURN_SECONDS:-60}
PERIOD=${BENCH_CHURN_PERIOD:-5}
FLUSH=${BENCH_CHURN_FLUSH:-45}
TIME_WAIT=${BENCH_CHURN_TIME_WAIT:-1}
THREADS=${BENCH_CHURN_THREADS:-2}
OUT=${BENCH_OUT:-$ROOT/doc/performance.md}
C=lsct-chc-$$
S=lsct-chs-$$
SRV=10.213.0.1
PORT=7000
SOURCES=64
PIDS=()
NSS=()
TMP=$(mktemp -d /tmp/lsct-bchurn.XXXXXX) || exit 1

die() {
	echo "bench-churn: $*" >&2
	exit 1
}

# kill_tree PID: PID and its descendants, by PID (a function run in the
# background is a subshell whose child runs the command).
kill_tree() {
	local kid
	for kid in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		kill_tree "$kid"
	done
	kill "$1" 2>/dev/null
}

cleanup() {
	local p ns
	for p in "${PIDS[@]}"; do
		kill_tree "$p"
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	for ns in "${NSS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${BENCH_CHURN_KEEP:-}" ]; then
		echo "bench-churn: kept $TMP" >&2
	else
		rm -rf "$TMP"
	fi
}
trap 'trap "" INT TERM HUP; cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

[ "$(id -u)" = 0 ] || die "needs root"
for t in ip nft jq; do
	command -v "$t" >/dev/null || die "$t is missing"
done
[ -x "$GEN" ] || die "$GEN is missing: run make bench-tools"
[ -x "$LSCT" ] || die "$LSCT is missing: run make"
command -v modprobe >/dev/null && modprobe -q nf_conntrack_netlink 2>/dev/null

inc() { ip netns exec "$C" "$@"; }
ins() { ip netns exec "$S" "$@"; }

# ---- the namespaces ----------------------------------------------------------

ip netns add "$C" || die "cannot create a namespace"
NSS+=("$C")
ip netns add "$S" || die "cannot create a namespace"
NSS+=("$S")
ip -n "$C" link set lo up
ip -n "$S" link set lo up
ip -n "$C" link add vc type veth peer name vs netns "$S" || die "veth"
ip -n "$S" addr add "$SRV/16" dev vs
for i in $(seq "$SOURCES"); do
	ip -n "$C" addr add "10.213.1.$i/16" dev vc || die "address 10.213.1.$i"
done
ip -n "$C" link set vc up
ip -n "$S" link set vs up
inc sysctl -qw net.netfilter.nf_conntrack_acct=1 || die "nf_conntrack_acct=1 in $C"
inc sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_time_wait="$TIME_WAIT" ||
	die "nf_conntrack_tcp_timeout_time_wait in $C"
# The counters come before the rule that uses conntrack, so they see every
# packet, whatever conntrack thinks of it.
inc nft -f - <<EOF || die "nft in $C"
table inet lsctchurn {
	counter tcp_in { }
	counter tcp_out { }
	counter udp_in { }
	counter udp_out { }
	chain input {
		type filter hook input priority 0; policy accept;
		iifname "vc" ip saddr $SRV tcp sport $PORT counter name "tcp_in"
		iifname "vc" ip saddr $SRV udp sport $PORT counter name "udp_in"
		ct state established accept
	}
	chain output {
		type filter hook output priority 0; policy accept;
		oifname "vc" ip daddr $SRV tcp dport $PORT counter name "tcp_out"
		oifname "vc" ip daddr $SRV udp dport $PORT counter name "udp_out"
		ct state established accept
	}
}
EOF

ins "$GEN" serve -l "$SRV" -p "$PORT" -t "$THREADS" >"$TMP/serve.json" 2>"$TMP/serve.err" &
SERVE=$!
PIDS+=("$SERVE")
for i in $(seq 50); do
	grep -q serving "$TMP/serve.err" && break
	kill -0 "$SERVE" 2>/dev/null || die "churngen serve: $(cat "$TMP/serve.err")"
	sleep 0.1
done

# nft counter NAME: "bytes" of the named counter.
counter() {
	inc nft -j list counter inet lsctchurn "$1" | jq '.nftables[] | select(.counter) | .counter.bytes'
}

# ---- one rate ----------------------------------------------------------------

NEXT=0
COUNT=$(( (SECS + FLUSH + PERIOD - 1) / PERIOD + 2 ))
START=$(date +%s)
: >"$TMP/rows"
for rate in $RATES; do
	tag=$TMP/r$rate
	tcp0=$(( $(counter tcp_in) + $(counter tcp_out) ))
	udp0=$(( $(counter udp_in) + $(counter udp_out) ))
	echo "bench-churn: $rate/s for $SECS s, stream -d $PERIOD -c $COUNT" \
		"(at $(( $(date +%s) - START )) s)" >&2
	# times: the stream's CPU (user, system) once it exits.
	inc bash -c '"$@" >"'"$tag"'.ndjson" 2>"'"$tag"'.err"; echo "status $?"; times' \
		lsct "$LSCT" -n -t -u --json -d "$PERIOD" -c "$COUNT" >"$tag.times" &
	STREAM=$!
	PIDS+=("$STREAM")
	for i in $(seq 600); do
		[ "$(wc -l 2>/dev/null <"$tag.ndjson" || echo 0)" -ge 1 ] && break
		kill -0 "$STREAM" 2>/dev/null || break
		sleep 0.1
	done
	[ "$(wc -l 2>/dev/null <"$tag.ndjson" || echo 0)" -ge 1 ] ||
		die "no first snapshot after 60 s: $(head -c 300 "$tag.err")"
	inc "$GEN" client -c "$SRV" -p "$PORT" -L 10.213.1.1 -N "$SOURCES" -r "$rate" \
		-d "$SECS" -t "$THREADS" -o "$NEXT" >"$tag.gen" 2>"$tag.generr" ||
		echo "bench-churn: churngen client: $(head -c 300 "$tag.generr")" >&2
	[ -s "$tag.gen" ] || die "churngen client printed nothing"
	NEXT=$(jq '.next_offset' "$tag.gen")
	wait "$STREAM"
	tcp1=$(( $(counter tcp_in) + $(counter tcp_out) ))
	udp1=$(( $(counter udp_in) + $(counter udp_out) ))
	left=$(inc conntrack -L -d "$SRV" 2>/dev/null | grep -c "dport=$PORT")
	grep -q '^status 0$' "$tag.times" ||
		echo "bench-churn: the stream failed: $(head -c 300 "$tag.err")" >&2
	cpu=$(sed -n 3p "$tag.times" | awk '{
		s = 0
		for (i = 1; i <= NF; i++) { split($i, p, "m"); sub("s", "", p[2]); s += p[1] * 60 + p[2] }
		printf "%.1f", s }')
	jq -r -s --arg srv "$SRV" --arg port "$PORT" --argjson rate "$rate" \
		--argjson tcpnft $((tcp1 - tcp0)) --argjson udpnft $((udp1 - udp0)) \
		--argjson left "$left" --arg cpu "$cpu" --slurpfile gen "$tag.gen" '
		def flows($p): [ .[] | .flows[]? | select(.direction == "active" and
			.peer.addr == $srv and .peer.port == $port and .proto == $p) ];
		def sum($p; f): [ flows($p)[] | .delta // {} | f // 0 ] | add // 0;
		(.[-1].events_lost) as $lost
		| ([ .[] | .interval // 0 ] | max) as $maxint
		| $gen[0] as $g
		| ["tcp", "udp"][] as $p
		| (if $p == "tcp" then $tcpnft else $udpnft end) as $nft
		| sum($p; .inbound_bytes + .outbound_bytes) as $bytes
		| [ $rate, $g.rate_reached, $p, $g[$p].opened,
		    sum($p; .new_connections), sum($p; .closed_connections),
		    $nft, $bytes,
		    (if $nft > 0 then (($bytes - $nft) / $nft * 100 * 100 | round) / 100 else null end),
		    (if $lost == null then "null" else $lost end),
		    $left, ($maxint * 10 | round) / 10, $cpu,
		    (if $p == "tcp" then "\($g.tcp.fin) FIN, \($g.tcp.rst) RST, \($g.tcp.failed + $g.tcp.timeouts) failed"
		     else "\($g.udp.answered) answered, \($g.udp.lost + $g.udp.failed) lost" end),
		    $g.slow, $g.max_ms ]
		| @tsv' "$tag.ndjson" >>"$TMP/rows" ||
		die "cannot read the stream of $rate/s"
done

# ---- report ------------------------------------------------------------------

table() {
	echo '| rate asked | reached | proto | opened (generator) | new (stream) | closed (stream) | bytes (nft) | bytes (stream) | bytes diff | events lost | left in table | longest interval | stream CPU | closes (generator) | > 100 ms / longest |'
	echo '|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|'
	awk -F'\t' '{
		printf "| %d/s | %.0f/s | %s | %d | %d | %d | %d | %d | %s%% | %s | %d | %s s | %s s | %s | %d / %.0f ms |\n",
			$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16 }' "$TMP/rows"
}

# Per rate: what the stream missed (both flows) against the lost events, and
# the worst byte difference; the issue's goals.
summary() {
	awk -F'\t' '{
		r = $1
		if (!(r in order)) { order[r] = ++n; rates[n] = r }
		mnew[r] += $4 - $5; mclosed[r] += $4 - $6
		d = $9 == "" ? 100 : ($9 < 0 ? -$9 : $9)
		if (d > worst[r]) worst[r] = d
		lost[r] = $10; left[r] += $11
	} END {
		for (i = 1; i <= n; i++) {
			r = rates[i]
			verdict = "meets the goal"
			if (lost[r] == "null")
				verdict = "events are off"
			else if (mnew[r] == 0 && mclosed[r] == 0 && worst[r] <= 0.5 && lost[r] == 0)
				verdict = "meets the goal (exact counts, bytes within 0.5%, nothing lost)"
			else if (lost[r] > 0 && mnew[r] == lost[r] && mclosed[r] == lost[r])
				verdict = "the shortfall equals the lost events"
			else
				verdict = "MISSES the goal"
			printf "- %d/s: the stream missed %d openings and %d closings; %s events lost; bytes off by %.2f%% at most; %d entries left in the table: %s\n",
				r, mnew[r], mclosed[r], lost[r], worst[r], left[r] / 2, verdict
		}
	}' "$TMP/rows"
}

result=$(
	echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) cores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- \`churngen client\` for $SECS s per rate ($THREADS threads; 75% TCP, a quarter of them RST-closed; 25% UDP; 100 B out, 1000 B back), stream \`lsconntrack -n --json -d $PERIOD -c $COUNT\` in the client namespace, $FLUSH s of flush after the generator; TIME_WAIT timeout $TIME_WAIT s, the other timeouts the defaults"
	echo
	table
	echo
	summary
)
printf '%s\n' "$result"
command -v python3 >/dev/null || die "python3 is missing: $OUT not written"
python3 "$ROOT/bench/mdblock.py" "$OUT" churn churn.sh "Short connections" "$result"
echo "bench-churn: wrote $OUT ($(( $(date +%s) - START )) s)" >&2
