#!/bin/bash
# bench/recording.sh - what a recording costs (issue 16): a day of 1,000
# busy flows at 10-second snapshots written by tools/recgen with record.c
# (every flow sends in every snapshot: the worst case for the change
# lines), then, with build/bench/recseek, the time replay_open() takes to
# index it, the median and slowest of 50 jumps to random times (each one
# the keyframe before and the change lines up to that time), and the peak
# memory; the same on a file of about 2 GB (11 days), and the whole day
# printed again by `lsconntrack --replay FILE --json`.  CPU and disk only:
# no root, no kernel.  The page cache is warm (the files were just
# written).  Writes the table between the bench-recording markers of
# doc/performance.md (BENCH_OUT).  About a minute and 2.3 GB in $TMPDIR.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
OUT=${BENCH_OUT:-$ROOT/doc/performance.md}
RECGEN=$ROOT/build/tools/recgen
RECSEEK=$ROOT/build/bench/recseek
LSCT=$ROOT/lsconntrack
START=$(date +%s)
for b in "$RECGEN" "$RECSEEK" "$LSCT"; do
	[ -x "$b" ] || { echo "bench-recording: $b missing (make all tools bench-tools)" >&2; exit 1; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lsct-benchrec.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"

"$RECGEN" -n 1000 -S 8640 -i 10 "$TMP/day.rec" >/dev/null
chmod 644 "$TMP/day.rec"
day_bytes=$(stat -c %s "$TMP/day.rec")
day=$("$RECSEEK" -n 50 "$TMP/day.rec")
t0=$(date +%s.%N)
"$LSCT" --replay "$TMP/day.rec" --json | tail -n 1 | jq '.flows | length' >"$TMP/last"
t1=$(date +%s.%N)
full=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
# About 2 GB: 11 days of the same.
"$RECGEN" -n 1000 -S 95040 -i 10 "$TMP/big.rec" >/dev/null
big_bytes=$(stat -c %s "$TMP/big.rec")
big=$("$RECSEEK" -n 50 "$TMP/big.rec")
rm -f "$TMP/big.rec"

word() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
row() {	# NAME BYTES RECSEEK-LINE
	printf '| %s | %s | %.0f MB | %s ms | %s ms | %s ms | %.1f MiB |\n' "$1" "$(word "$3" snapshots)" \
		"$(awk -v b="$2" 'BEGIN { print b / 1e6 }')" "$(word "$3" open_ms)" \
		"$(word "$3" seek_median_ms)" "$(word "$3" seek_max_ms)" \
		"$(awk -v k="$(word "$3" maxrss_kb)" 'BEGIN { print k / 1024 }')"
}
result=$(
	echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) cores; page cache warm"
	echo "- \`recgen -n 1000 -i 10\`: 1,000 flows, every one sending in every snapshot (up to ~70 KB per direction per 10 s), two new flows and about two closing per snapshot; a keyframe every 360 lines (the default)"
	echo "- Goals (issue 16): a day ≤ 200 MB, open ≤ 1 s, a jump to any time ≤ 100 ms, memory bounded"
	echo
	echo '| recording | snapshots | size | open (index) | jump, median | jump, slowest | peak RSS |'
	echo '|---|---:|---:|---:|---:|---:|---:|'
	row "24 h at 10 s" "$day_bytes" "$day"
	row "11 days (~2 GB)" "$big_bytes" "$big"
	echo
	echo "The whole day printed again, \`lsconntrack --replay FILE --json\`: $full s."
)
printf '%s\n' "$result"
python3 "$ROOT/bench/mdblock.py" "$OUT" recording recording.sh "Recordings" "$result"
echo "bench-recording: wrote $OUT ($(( $(date +%s) - START )) s)" >&2
