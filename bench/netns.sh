#!/bin/bash
# bench/netns.sh - what the owner table costs (issue 13): finding and
# labelling every network namespace of the machine, and the steady-state
# refresh that runs per snapshot.  Part of `make bench` (root).
#
# Makes BENCH_NETNS_COUNT (default 200) named namespaces, each with lo up
# and one address (10.217.x.y/32); one in four gets a sleeping member, moved
# (when a cgroup v2 hierarchy is mounted) into a test cgroup named like a
# Docker container's (docker-<64 hex>.scope), so the cgroup tier and the
# config.v2.json look-up run too.  Then build/tools/nsls -b 50:
#
#   build      the first owner_table_refresh(): scan /run/netns,
#              /run/docker/netns and every /proc/PID/ns/net, enter each
#              namespace (addresses and listeners), label it; goal 200 ms
#   refresh    a refresh that finds nothing new (the per-snapshot cost):
#              the scan again, no namespace entered; best and median of 50;
#              goal 5 ms
#   ways       on the namespaces with a member: netns_load() (setns,
#              RTM_GETADDR, sock_diag, back) against reading the member's
#              /proc/PID/net tables whole without parsing them
#
# Best of 3 runs of nsls for the build.  Prints a table and writes it
# between the bench-netns markers of doc/performance.md (BENCH_OUT).
# Everything it makes (namespaces, processes by PID, cgroups) is removed on
# exit.  About 10 seconds.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
BENCH_NAME=bench-netns
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
NSLS=$ROOT/build/tools/nsls
COUNT=${BENCH_NETNS_COUNT:-200}
OUT=${BENCH_OUT:-$ROOT/doc/performance.md}
TAG=lsct-bns-$$
PIDS=()
CG=

cleanup() {
	local pid i d
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	for ((i = 0; i < COUNT; i++)); do
		ip netns del "$TAG-$i" 2>/dev/null
	done
	if [ -n "$CG" ]; then
		for d in "$CG"/*/; do
			[ -d "$d" ] && rmdir "$d"
		done
		rmdir "$CG"
	fi
}
trap 'trap "" INT TERM HUP; cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

[ "$(id -u)" = 0 ] || die "needs root"
[ -x "$NSLS" ] || die "$NSLS is missing: run make tools"

CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ -n "$CG2" ] && mkdir "$CG2/$TAG" 2>/dev/null; then
	CG=$CG2/$TAG
fi
t0=$(date +%s.%N)
members=0
for ((i = 0; i < COUNT; i++)); do
	ns=$TAG-$i
	ip netns add "$ns" || die "ip netns add $ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "10.217.$((i / 250)).$((i % 250 + 1))/32" dev lo
	if ((i % 4 == 0)); then
		ip netns exec "$ns" sleep 600 &
		PIDS+=($!)
		members=$((members + 1))
		if [ -n "$CG" ]; then
			hex=$(printf '%064x' "$i")
			mkdir "$CG/docker-$hex.scope" &&
				echo "${PIDS[-1]}" >"$CG/docker-$hex.scope/cgroup.procs" 2>/dev/null
		fi
	fi
done
sleep 0.3
echo "$BENCH_NAME: $COUNT namespaces ($members with a member) made in $(awk -v a="$(date +%s.%N)" -v b="$t0" "BEGIN { printf \"%.1f\", a - b }") s" >&2

best_build= line=
for _ in 1 2 3; do
	l=$("$NSLS" -b 50) || die "nsls failed"
	b=$(printf '%s\n' "$l" | sed -n 's/.*build_ms=\([0-9.]*\).*/\1/p' | head -n 1)
	if [ -z "$best_build" ] || awk -v a="$b" -v c="$best_build" 'BEGIN { exit !(a < c) }'; then
		best_build=$b line=$l
	fi
done
echo "$BENCH_NAME: $line" >&2
kv() { printf '%s\n' "$line" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
labelled=$("$NSLS" | awk -F'\t' -v t="$TAG" '$1 == "container" { c++ } END { print c + 0 }')
nproc_=$(ls -d /proc/[0-9]* | wc -l)

result=$(
	echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) cores; $COUNT named namespaces made by the script ($members with a sleeping member$([ -n "$CG" ] && echo ", each in a docker-<id>.scope test cgroup: $labelled labelled container")), $(kv namespaces) owners in all (the machine's others too), $nproc_ processes"
	echo
	echo '| what | time | goal |'
	echo '|---|---:|---:|'
	echo "| build: scan, enter and load every namespace, label it (best of 3) | $(kv build_ms) ms | ≤ 200 ms |"
	echo "| steady-state refresh, nothing new (best of 50) | $(kv refresh_best_ms) ms | ≤ 5 ms |"
	echo "| the same, median of 50 | $(kv refresh_median_ms) ms | |"
	echo "| one namespace entered: setns, RTM_GETADDR, sock_diag, back (mean of $(kv compared)) | $(kv setns_us) µs | |"
	echo "| its member's /proc/PID/net tables read whole, not parsed (mean of $(kv compared)) | $(kv proc_us) µs | |"
)
printf '%s\n' "$result"
python3 "$ROOT/bench/mdblock.py" "$OUT" netns netns.sh "Owners: the machine's network namespaces" "$result"
