# kflib.sh - helpers of the kernel filter suites (kfilter.sh, zone.sh):
# lsconntrack in the namespace $H with an environment, the same command
# with and without the kernel filter, and the entries the kernel sent.
# Sourced after nslib.sh; uses $H, $LSCT and $TMP.
# shellcheck shell=bash

# lsct [ENV=VALUE...] -- ARGS: lsconntrack in H; sets OUT ERR RC.
lsct() {
	local envs=()
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	OUT=$(ip netns exec "$H" env "${envs[@]}" "$LSCT" "$@" 2>"$TMP/err" </dev/null)
	RC=$?
	ERR=$(cat "$TMP/err")
}

# same NAME ARGS...: the output with the kernel filter and without it are
# the same, stdout and stderr; sets OUT to it.
same() {
	local name=$1 out err
	shift
	lsct LSCT_NO_KFILTER=1 -- "$@"
	out=$OUT err=$ERR
	lsct -- "$@"
	assert_eq "$name: exit 0" "$RC" 0
	assert_eq "$name: stdout as without the kernel filter" "$OUT" "$out"
	assert_eq "$name: stderr as without the kernel filter" "$ERR" "$err"
}

# msgs ENV... -- ARGS: the conntrack entry messages lsconntrack received
# in H, counted in strace's decoding of its netlink reads.
msgs() {
	local envs=()
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	ip netns exec "$H" env "${envs[@]}" strace -f -qq -s 65536 -e trace=recvmsg \
		-o "$TMP/strace" "$LSCT" "$@" >/dev/null 2>&1 </dev/null
	grep -o 'IPCTNL_MSG_CT_NEW' "$TMP/strace" | wc -l | tr -d ' '
}
