#!/bin/bash
# bench/procs.sh - -P (the process behind each flow) on the real kernel,
# at 100,000 sockets and 5,000 processes.  Part of `make bench` (root).
#
# Two network namespaces joined by a veth: in the server's, one
# build/bench/procsgen serve holds every connection (its own RLIMIT_NOFILE
# raised; conntrack off there: nft notrack); in the clients' (where
# lsconntrack runs), procsgen clients forks BENCH_PROCS_N processes
# (default 5000), each holding BENCH_PROCS_K (default 20) connections to
# an address of its own (10.9.x.y:80, the server's AnyIP route), so each
# process is one active flow of its own.  Then, inside the clients' namespace:
#
#  1. attribution, build/bench/procsreal: the socket dump and
#     procs_attribute() against the real /proc, as the dumping thread does
#     each refresh: the first (full walk), steady state (median of 5), a
#     burst of 1,000 new sockets in 50 new processes, and a burst of one new
#     connection in each of 1,000 existing processes;
#  2. owners shown: `lsconntrack -P -n -b --json`, and the last snapshot of
#     a -P stream, against the PID each process wrote: the share of the
#     namespace's active flows (all with live sockets) that show their
#     process, and how many show a wrong one;
#  3. the -P stream's CPU per refresh, from outside (user + sys of
#     `-c 11` minus `-c 1`, over 10 refreshes), with and without -P;
#  4. one snapshot (`-n -b --json`) with -P and without: median wall time
#     of BENCH_PROCS_RUNS (default 5) interleaved runs, and the ratio.
#
# Host sysctls are left alone (nf_conntrack_max must already hold the
# entries: it says so otherwise); per-namespace ones are set.  Every
# process it starts is killed by PID and every namespace deleted on exit,
# Ctrl-C, TERM or HUP.  Writes its block between the bench-procs markers
# of doc/performance.md (BENCH_OUT).  Runtime: about 2 minutes.
# Backticks in the labels are markdown, meant literally.
# shellcheck disable=SC2016
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
BENCH_NAME=bench-procs
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
LSCT=$ROOT/lsconntrack
GEN=$ROOT/build/bench/procsgen
PR=$ROOT/build/bench/procsreal
TIMEIT=$ROOT/build/bench/timeit
NPROC=${BENCH_PROCS_N:-5000}
CONNS=${BENCH_PROCS_K:-20}
RUNS=${BENCH_PROCS_RUNS:-5}
BURST_PROCS=50
BURST_CONNS=20
OUT=${BENCH_OUT:-$ROOT/doc/performance.md}
NS=lsct-bprocs-$$
NSS=$NS-s
TMP=$(mktemp -d /tmp/lsct-bprocs.XXXXXX) || exit 1
PIDS=()
MADE_NS=()

# Processes by PID: the generators first (they kill and reap their own
# children), then any child left (from the maps), then the rest.
cleanup() {
	local p f
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for _ in $(seq 50); do
		f=0
		for p in "${PIDS[@]}"; do
			kill -0 "$p" 2>/dev/null && f=1
		done
		[ "$f" = 0 ] && break
		sleep 0.1
	done
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	for f in "$TMP"/map*; do
		[ -f "$f" ] || continue
		while read -r p _; do
			case $p in *[!0-9]* | '') continue ;; esac
			# Only if it is still one of ours (a pg<N> child).
			grep -q '^pg[0-9]*$' "/proc/$p/comm" 2>/dev/null && kill -KILL "$p" 2>/dev/null
		done <"$f"
	done
	wait 2>/dev/null
	for n in "${MADE_NS[@]}"; do
		ip netns del "$n" 2>/dev/null
	done
	[ -n "${BENCH_PROCS_KEEP:-}" ] && cp -r "$TMP" "$BENCH_PROCS_KEEP"
	rm -rf "$TMP"
}
trap 'trap "" INT TERM HUP; cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

[ "$(id -u)" = 0 ] || die "needs root"
command -v ip >/dev/null || die "ip (iproute2) is missing"
command -v jq >/dev/null || die "jq is missing"
for t in "$GEN" "$PR" "$TIMEIT"; do
	[ -x "$t" ] || die "$t is missing: run make bench-tools"
done
[ -x "$LSCT" ] || die "$LSCT is missing: run make"
command -v modprobe >/dev/null && modprobe -q nf_conntrack_netlink 2>/dev/null
need=$((NPROC * CONNS + 2 * BURST_PROCS * BURST_CONNS + 1000))
max=$(cat "$MAXFILE")
[ "$max" = 0 ] || [ "$max" -ge "$need" ] ||
	die "nf_conntrack_max is $max, below the $need entries this bench makes (machine-wide: not changed here)"

inns() { ip netns exec "$NS" "$@"; }
inss() { ip netns exec "$NSS" "$@"; }
# (Never in the background: $! would be a subshell, not the command.)

# wait_line FILE PATTERN SECS PID: until FILE has a line matching PATTERN.
wait_line() {
	for _ in $(seq $(($3 * 10))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$4" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

wait_file() {
	for _ in $(seq $(($2 * 10))); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# ours PID: PID is the generator itself (ip netns exec execs it), so that
# signals reach it; dies otherwise.
ours() {
	for _ in $(seq 50); do
		[ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$2" ] && return 0
		kill -0 "$1" 2>/dev/null || break
		sleep 0.02
	done
	die "process $1 is not $2"
}

median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1
		print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

START=$(date +%s)
ip netns add "$NS" || die "cannot create a namespace"
MADE_NS+=("$NS")
ip netns add "$NSS" || die "cannot create a namespace"
MADE_NS+=("$NSS")
ip -n "$NS" link set lo up
ip -n "$NSS" link set lo up
ip -n "$NS" link add vc type veth peer name vs netns "$NSS" || die "veth"
ip -n "$NS" addr add 10.8.0.1/24 dev vc
ip -n "$NSS" addr add 10.8.0.2/24 dev vs
ip -n "$NS" link set vc up
ip -n "$NSS" link set vs up
ip -n "$NS" route add 10.9.0.0/16 via 10.8.0.2 || die "route"
# Every 10.9.x.y is the server's own (AnyIP).
ip -n "$NSS" route add local 10.9.0.0/16 dev lo || die "local route"
inns sh -c 'echo 1 >/proc/sys/net/netfilter/nf_conntrack_acct &&
	echo "1024 65000" >/proc/sys/net/ipv4/ip_local_port_range' || die "clients' sysctls"
inss sh -c 'echo 65535 >/proc/sys/net/core/somaxconn &&
	echo 65535 >/proc/sys/net/ipv4/tcp_max_syn_backlog' || die "server's sysctls"
# Conntrack tracks a namespace's packets only once a rule asks for it.
command -v nft >/dev/null || die "nft (nftables) is missing"
inns nft -f - <<-'EOF' || die "nft in the clients' namespace"
	table inet lsctbench {
		chain output { type filter hook output priority 0; ct state established accept; }
	}
	EOF
# The server's namespace keeps no conntrack entries of its own.
if true; then
	inss nft -f - <<-'EOF' || echo "$BENCH_NAME: nft notrack failed: the server's namespace tracks too" >&2
	table inet raw {
		chain pre { type filter hook prerouting priority raw; notrack; }
		chain out { type filter hook output priority raw; notrack; }
	}
	EOF
fi

ip netns exec "$NSS" "$GEN" serve 80 >"$TMP/srv.out" 2>"$TMP/srv.err" &
PIDS+=($!)
SRV=$!
ours "$SRV" "$GEN"
wait_line "$TMP/srv.out" listening 10 "$SRV" || die "server: $(cat "$TMP/srv.err")"

ip netns exec "$NS" "$GEN" clients -n "$NPROC" -k "$CONNS" -b 0 -o "$TMP/map" >"$TMP/cli.out" 2>"$TMP/cli.err" &
PIDS+=($!)
CLI=$!
ours "$CLI" "$GEN"
wait_line "$TMP/cli.out" '^ready' 240 "$CLI" || die "clients: $(head -c 300 "$TMP/cli.err")"
echo "$BENCH_NAME: $NPROC processes holding $((NPROC * CONNS)) connections at $(($(date +%s) - START)) s" >&2

# ---- 1. attribution (the dumping thread's work) -------------------------
ip netns exec "$NS" "$PR" once:first steady:5 sync:"$TMP/s1" once:burst-new steady:5 \
	sync:"$TMP/s2" once:burst-existing steady:5 >"$TMP/pr.out" 2>"$TMP/pr.err" &
PIDS+=($!)
PRP=$!
ours "$PRP" "$PR"
wait_file "$TMP/s1.wait" 120 || die "procsreal: $(cat "$TMP/pr.err")"
ip netns exec "$NS" "$GEN" clients -n "$BURST_PROCS" -k "$BURST_CONNS" -b "$NPROC" -o "$TMP/map2" \
	>"$TMP/cli2.out" 2>"$TMP/cli2.err" &
PIDS+=($!)
CLI2=$!
ours "$CLI2" "$GEN"
wait_line "$TMP/cli2.out" '^ready' 60 "$CLI2" || die "burst clients: $(head -c 300 "$TMP/cli2.err")"
touch "$TMP/s1.go"
wait_file "$TMP/s2.wait" 60 || die "procsreal: $(cat "$TMP/pr.err")"
kill -USR1 "$CLI"
wait_line "$TMP/cli.out" '^more' 60 "$CLI" || die "clients (one more each): $(head -c 300 "$TMP/cli.err")"
touch "$TMP/s2.go"
wait "$PRP" || die "procsreal: $(cat "$TMP/pr.err")"
cat "$TMP/pr.out" >&2
# field LABEL KEY: a value of procsreal's line LABEL (the last such line).
field() { awk -v l="$1" -v k="$2" '$1 == l { for (i = 2; i <= NF; i++) { split($i, kv, "=");
	if (kv[1] == k) v = kv[2] } } END { print v }' "$TMP/pr.out"; }
STEADY=$(awk '$1 == "steady" { sub("attr_ms=", "", $2); print $2 }' "$TMP/pr.out" | median)
SOCKETS=$(field steady sockets)
ENTRIES=$(inns cat /proc/sys/net/netfilter/nf_conntrack_count)
[ "$ENTRIES" -ge "$((NPROC * CONNS))" ] || die "the clients' namespace holds $ENTRIES conntrack entries, fewer than its $((NPROC * CONNS)) connections"
HOSTPROCS=$(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)

# ---- 2. owners shown ----------------------------------------------------
cat "$TMP/map" "$TMP/map2" >"$TMP/want"
# share JSONFILE: "shown wrong missing total" over the active flows to 10.9/16.
share() {
	jq -r --slurpfile w <(awk '{ printf "{\"a\":\"%s\",\"p\":%s}\n", $2, $1 }' "$TMP/want") '
		($w | map({(.a): .p}) | add) as $want
		| [.[] | select(.direction == "active" and (.peer.addr | startswith("10.9.")))]
		| [ (map(select(.process.pid != null and .process.pid == $want[.peer.addr])) | length),
		    (map(select(.process.pid != null and .process.pid != $want[.peer.addr])) | length),
		    (map(select(.process.pid == null)) | length), length ] | @tsv' "$1"
}
inns "$LSCT" -P -n -b --json >"$TMP/snap.json" 2>"$TMP/err" || die "lsconntrack -P: $(cat "$TMP/err")"
read -r s_ok s_bad s_none s_all < <(share "$TMP/snap.json")
inns "$LSCT" -P -n -b --json -c 4 -d 1 >"$TMP/stream.json" 2>"$TMP/err" ||
	die "lsconntrack -P -c 4: $(cat "$TMP/err")"
tail -n 1 "$TMP/stream.json" | jq '.flows' >"$TMP/last.json"
read -r m_ok m_bad m_none m_all < <(share "$TMP/last.json")
want=$((NPROC + BURST_PROCS))
[ "$s_all" = "$want" ] || die "the snapshot shows $s_all active flows to 10.9/16, not $want"
echo "$BENCH_NAME: owners: snapshot $s_ok/$s_all (wrong $s_bad), stream $m_ok/$m_all (wrong $m_bad)" >&2

# ---- 3 and 4: CPU per refresh, one snapshot -----------------------------
declare -A CMD
CMD[p1]="$LSCT -P -n -b --json -c 1 -d 0 --max-cpu 0"
CMD[p11]="$LSCT -P -n -b --json -c 11 -d 0 --max-cpu 0"
CMD[n1]="$LSCT -n -b --json -c 1 -d 0 --max-cpu 0"
CMD[n11]="$LSCT -n -b --json -c 11 -d 0 --max-cpu 0"
CMD[snapP]="$LSCT -P -n -b --json"
CMD[snap]="$LSCT -n -b --json"
ROWS="snap snapP n1 n11 p1 p11"
for round in $(seq 0 "$RUNS"); do
	for r in $ROWS; do
		# shellcheck disable=SC2086 # the command's words
		line=$(inns "$TIMEIT" -r 1 -q -i /dev/null -- ${CMD[$r]} 2>"$TMP/err.$r") ||
			die "$r failed: $line $(head -c 300 "$TMP/err.$r")"
		[ "$round" = 0 ] && continue
		echo "$line" >>"$TMP/t.$r"
	done
done
wall() { sed 's/seconds=\([0-9.]*\).*/\1/' "$TMP/t.$1" | median; }
cpu() { sed 's/.*user=\([0-9.]*\) sys=\([0-9.]*\).*/\1 \2/' "$TMP/t.$1" | awk '{ print $1 + $2 }' | median; }
T_SNAP=$(wall snap)
T_SNAPP=$(wall snapP)
C_N=$(awk -v a="$(cpu n11)" -v b="$(cpu n1)" 'BEGIN { printf "%.2f", (a - b) * 100 }')
C_P=$(awk -v a="$(cpu p11)" -v b="$(cpu p1)" 'BEGIN { printf "%.2f", (a - b) * 100 }')

result=$(
	echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) cores; /proc held $HOSTPROCS processes, the clients' namespace $ENTRIES conntrack entries and $SOCKETS sockets (after both bursts)"
	echo "- \`procsgen clients\`: $NPROC processes × $CONNS connections, each process one active flow of its own (10.9.x.y:80 in another namespace); bursts: $BURST_PROCS new processes × $BURST_CONNS connections, then 1 more connection in each of 1,000 existing processes; all in this host's root cgroup (no cgroup ids to narrow the search)"
	echo
	echo '| refresh (build/bench/procsreal: socket dump, then `procs_attribute()` on the real /proc) | attribution | socket dump | processes read | descriptors read | sockets left without a process |'
	echo '|---|---:|---:|---:|---:|---:|'
	awk '{ delete kv; for (i = 2; i <= NF; i++) { split($i, x, "="); kv[x[1]] = x[2] }
		lab = "burst: 1 new socket in each of 1,000 existing processes"
		if ($1 == "first") lab = "first (full walk of /proc)"
		if ($1 == "steady") lab = "steady (median of 5)"
		if ($1 == "burst-new") lab = "burst: 1,000 new sockets in 50 new processes"
		printf "| %s | %.1f ms | %.1f ms | %d | %d | %d |\n", lab, kv["attr_ms"],
			kv["dump_ms"], kv["scans"], kv["fds"], kv["unknown"] }' "$TMP/pr.out"
	echo
	echo "Steady-state attribution: median $STEADY ms over all steady refreshes (goal ≤ 5 ms; a burst ≤ 50 ms)."
	echo
	echo '| owners shown (active flows to the clients'"'"' server, all with a live socket) | right process | wrong process | none | flows |'
	echo '|---|---:|---:|---:|---:|'
	awk -v a="$s_ok" -v b="$s_bad" -v c="$s_none" -v n="$s_all" 'BEGIN {
		printf "| `lsconntrack -P -n -b --json` (one snapshot) | %d (%.2f%%) | %d | %d | %d |\n", a, 100 * a / n, b, c, n }'
	awk -v a="$m_ok" -v b="$m_bad" -v c="$m_none" -v n="$m_all" 'BEGIN {
		printf "| `lsconntrack -P -n -b --json -c 4 -d 1`, the 4th snapshot | %d (%.2f%%) | %d | %d | %d |\n", a, 100 * a / n, b, c, n }'
	echo
	echo '| at '"$ENTRIES"' entries | without -P | with -P | ratio |'
	echo '|---|---:|---:|---:|'
	awk -v a="$T_SNAP" -v b="$T_SNAPP" 'BEGIN {
		printf "| one snapshot, `lsconntrack [-P] -n -b --json >/dev/null`, median wall time | %.3f s | %.3f s | %.2f× |\n", a, b, b / a }'
	awk -v a="$C_N" -v b="$C_P" 'BEGIN {
		printf "| a stream'"'"'s CPU per refresh (user + sys of `-c 11 -d 0 --max-cpu 0` minus `-c 1`, / 10) | %.1f ms | %.1f ms | %.2f× (+%.1f ms) |\n", a, b, b / a, b - a }'
	echo
	echo "Medians of $RUNS interleaved runs after a warm-up round."
)
printf '%s\n' "$result"
command -v python3 >/dev/null || die "python3 is missing: $OUT not written"
python3 "$ROOT/bench/mdblock.py" "$OUT" procs procs.sh "Processes (-P) on the real kernel" "$result"
echo "$BENCH_NAME: wrote $OUT ($(($(date +%s) - START)) s)" >&2
