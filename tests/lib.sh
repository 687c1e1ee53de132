# tests/lib.sh - a tiny test helper, sourced by the suites (POSIX sh / bash).
#
#   t_ok NAME                 record a pass
#   t_fail NAME MSG           record a failure (MSG is printed, indented)
#   t_skip NAME WHY           record a skip
#   assert_eq NAME GOT WANT   pass when the strings are equal
#   assert_ne NAME GOT NOT    pass when the strings differ
#   assert_match NAME TEXT ERE   pass when a line of TEXT matches ERE (grep -E)
#   assert_no_match NAME TEXT ERE
#   assert_ge NAME GOT MIN    numeric GOT >= MIN
#   assert_gt NAME GOT MIN    numeric GOT > MIN
#   assert_lines NAME TEXT N  TEXT has exactly N lines (an empty TEXT has 0)
#   t_summary SUITE           prints "SUITE: N passed, N failed, N skipped",
#                             exits 1 if anything failed, else 0
#
# Set T_VERBOSE=1 to print passes too.

T_PASS=0
T_FAIL=0
T_SKIP=0

t_ok() {
	T_PASS=$((T_PASS + 1))
	[ "${T_VERBOSE:-0}" = 1 ] && printf 'ok   %s\n' "$1"
	return 0
}

t_fail() {
	T_FAIL=$((T_FAIL + 1))
	printf 'FAIL %s\n' "$1"
	if [ -n "$2" ]; then
		printf '%s\n' "$2" | sed -n '1,40s/^/       /p'
	fi
	return 1
}

t_skip() {
	T_SKIP=$((T_SKIP + 1))
	printf 'skip %s: %s\n' "$1" "$2"
	return 0
}

assert_eq() {
	if [ "$2" = "$3" ]; then
		t_ok "$1"
	else
		t_fail "$1" "$(printf -- '--- got:\n%s\n--- want:\n%s' "$2" "$3")"
	fi
}

assert_ne() {
	if [ "$2" != "$3" ]; then
		t_ok "$1"
	else
		t_fail "$1" "$(printf -- 'got the value it must not be:\n%s' "$2")"
	fi
}

assert_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		t_ok "$1"
	else
		t_fail "$1" "$(printf -- 'no line matches /%s/ in:\n%s' "$3" "$2")"
	fi
}

assert_no_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		t_fail "$1" "$(printf -- 'a line matches /%s/ in:\n%s' "$3" "$2")"
	else
		t_ok "$1"
	fi
}

# Numbers: decimal integers or decimals (compared with awk).
_t_num() {
	printf '%s' "$1" | grep -Eq '^-?[0-9]+(\.[0-9]+)?$'
}

assert_ge() {
	if _t_num "$2" && _t_num "$3" && awk -v a="$2" -v b="$3" 'BEGIN { exit !(a + 0 >= b + 0) }'; then
		t_ok "$1"
	else
		t_fail "$1" "want a number >= $3, got '$2'"
	fi
}

assert_gt() {
	if _t_num "$2" && _t_num "$3" && awk -v a="$2" -v b="$3" 'BEGIN { exit !(a + 0 > b + 0) }'; then
		t_ok "$1"
	else
		t_fail "$1" "want a number > $3, got '$2'"
	fi
}

assert_lt() {
	if _t_num "$2" && _t_num "$3" && awk -v a="$2" -v b="$3" 'BEGIN { exit !(a + 0 < b + 0) }'; then
		t_ok "$1"
	else
		t_fail "$1" "want a number < $3, got '$2'"
	fi
}

assert_lines() {
	if [ -z "$2" ]; then
		_t_n=0
	else
		_t_n=$(printf '%s\n' "$2" | wc -l | tr -d ' ')
	fi
	if [ "$_t_n" = "$3" ]; then
		t_ok "$1"
	else
		t_fail "$1" "$(printf -- 'want %s line(s), got %s:\n%s' "$3" "$_t_n" "$2")"
	fi
}

# rate_cells ROW_ERE MIN_OUT_DELTA < TABLE_STREAM: checks each later
# snapshot's In/s, Out/s, InPkt/s, OutPkt/s (fields 9-12) of the rows matching
# ROW_ERE against the differences of Inbytes, Outbytes, Inpkts, Outpkts
# (fields 5, 7, 4, 6) over the printed interval (1% for its rounding).  Every
# delta must be above 0, and Outbytes' at least MIN_OUT_DELTA.  Prints "N
# rate cells right", and a line for each wrong one.
rate_cells() {
	awk -v row="$1" -v min_out="$2" '
	/^# time / { iv = $5; next }
	$0 ~ row {
		split("5 7 4 6", from, " ")
		for (c = 1; c <= 4 && iv != "-"; c++) {
			d = $(from[c]) - prev[c]
			want = d / iv
			got = $(8 + c)
			if (d <= 0 || (c == 2 && d < min_out) ||
			    got < want * 0.99 - 0.1 || got > want * 1.01 + 0.1)
				printf "bad rate column %d: got %s, want %.1f (delta %d over %s s)\n", c, got, want, d, iv
			else
				ok++
		}
		for (c = 1; c <= 4; c++)
			prev[c] = $(from[c])
	}
	END { printf "%d rate cells right\n", ok }'
}

t_summary() {
	printf '%s: %d passed, %d failed, %d skipped\n' "$1" "$T_PASS" "$T_FAIL" "$T_SKIP"
	[ "$T_FAIL" -eq 0 ] && exit 0
	exit 1
}
