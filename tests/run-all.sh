#!/bin/sh
# Every suite: unit (cmocka), command line, the monitor on recordings,
# shell completion and make install (no root); integration, faults,
# the monitor's, conntrack events', the kernel port filter's, the
# namespaces', zones' and marks', every protocol's, owners', the
# container host fixture's, the table health's, routed flows', deletion's and
# processes' (root).
# Prints one total line at the end and fails if any suite failed.
status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() {
	"$@" 2>&1 | tee -a "$log"
	# tee hides the status; the suite's own summary line decides.
}
run sh tests/run-unit.sh "$@"
run bash tests/cli/run.sh
run bash tests/tui_replay.sh
run bash tests/completion.sh
run bash tests/integration/run.sh
run bash tests/integration/faults.sh
run bash tests/integration/stream.sh
run bash tests/integration/tui.sh
run bash tests/integration/tui_faults.sh
run bash tests/integration/events.sh
run bash tests/integration/kfilter.sh
run bash tests/integration/netns.sh
run bash tests/integration/zone.sh
run bash tests/integration/proto.sh
run bash tests/integration/owners.sh
run bash tests/integration/containers.sh
run bash tests/integration/health.sh
run bash tests/integration/routed.sh
run bash tests/integration/delete.sh
run bash tests/integration/procs.sh
passed=0 failed=0 skipped=0 suites=0
for suite in unit cli tuireplay completion integration faults stream tui tuifaults events kfilter netns zone proto owners containers health routed delete procs; do
	line=$(grep -E "^$suite: [0-9]+ passed, [0-9]+ failed" "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "check: suite '$suite' printed no summary"
		status=1
		continue
	fi
	suites=$((suites + 1))
	set -- $(printf '%s\n' "$line" | sed -E 's/^[a-z]+: ([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/')
	passed=$((passed + $1)) failed=$((failed + $2)) skipped=$((skipped + ${3:-0}))
done
[ "$failed" -ne 0 ] && status=1
# Skips keep the result green while whole suites did not run: say so, last.
note=""
skips=$(grep -E '^[a-z]+: SKIPPED [0-9]+ tests?: ' "$log")
if [ -n "$skips" ]; then
	nskip=$(printf '%s\n' "$skips" | wc -l)
	why=$(printf '%s\n' "$skips" | sed -E 's/^[a-z]+: SKIPPED [0-9]+ tests?: //' | sort -u | paste -sd';' - | sed 's/;/; /g')
	echo "check: WARNING: $nskip suite(s) did not run at all; a pass here does not cover them:"
	printf '%s\n' "$skips" | sed 's/^/check:   /'
	note=" ($nskip suite(s) skipped: $why)"
fi
[ "$skipped" -ne 0 ] && echo "check: WARNING: $skipped test(s) skipped in total"
echo "check: $passed passed, $failed failed, $skipped skipped$note"
exit $status
