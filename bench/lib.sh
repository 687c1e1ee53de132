# shellcheck shell=bash
# bench/lib.sh - what the bench scripts that fill a table share: dying with
# their name, and the machine-wide nf_conntrack_max raised for a fill and
# put back on exit.  Sourced; the caller sets BENCH_NAME ("bench-busy").

MAXFILE=/proc/sys/net/netfilter/nf_conntrack_max
OLDMAX=
SETMAX=

die() {
	echo "$BENCH_NAME: $*" >&2
	exit 1
}

# bench_raise_max NEED: nf_conntrack_max at least NEED (0 is no limit).
bench_raise_max() {
	local cur
	cur=$(cat "$MAXFILE")
	if [ "$cur" != 0 ] && [ "$cur" -lt "$1" ]; then
		OLDMAX=$cur
		SETMAX=$1
		echo "$BENCH_NAME: raising net.netfilter.nf_conntrack_max (machine-wide) from $cur to $1;" \
			"it is put back on exit, Ctrl-C, TERM or HUP (after SIGKILL: sysctl -w" \
			"net.netfilter.nf_conntrack_max=$cur)" >&2
		echo "$1" >"$MAXFILE" || die "cannot raise nf_conntrack_max"
	fi
}

# bench_restore_max: put it back, unless something else changed it since.
bench_restore_max() {
	[ -n "$SETMAX" ] || return 0
	if [ "$(cat "$MAXFILE")" = "$SETMAX" ]; then
		echo "$OLDMAX" >"$MAXFILE" &&
			echo "$BENCH_NAME: nf_conntrack_max put back to $OLDMAX" >&2
	else
		echo "$BENCH_NAME: nf_conntrack_max changed by something else: left alone (it was $OLDMAX)" >&2
	fi
	SETMAX=
}
