#!/bin/bash
# tests/completion.sh - the shell completions (completions/) and make
# install/uninstall.  No root, no kernel.
#
# The completion files hold their own lists of options and values; this
# suite keeps them true: every option `lsconntrack --help` documents is
# completed, with the same kind of argument, and nothing else is; every
# --proto, --sort and --owner value the parsers know (their tables in
# src/) is completed and every completed one is accepted by the binary.
# Then it drives both: bash through COMP_WORDS/COMP_CWORD and the
# function, zsh in a pseudo-terminal (zsh/zpty) with compinit.
#
# Run from the repository root: bash tests/completion.sh
# The binary is $LSCT (default ./lsconntrack).  T_VERBOSE=1 prints passes.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"

cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

LSCT=${LSCT:-./lsconntrack}
case $LSCT in /*) ;; */*) LSCT=$PWD/$LSCT ;; esac
BASH_FILE=completions/lsconntrack.bash
ZSH_FILE=completions/_lsconntrack
if [ ! -x "$LSCT" ]; then
	t_fail "binary exists" "$LSCT missing (run make first)"
	t_summary "completion"
fi
# zsh is a test dependency (make deps-test): missing is a failure.
HAVE_ZSH=1
command -v zsh >/dev/null 2>&1 || { HAVE_ZSH=0; t_fail "zsh is installed (make deps-test)"; }

TMP=$(mktemp -d /tmp/lsct-compl.XXXXXX) || exit 1
trap '[ -n "$KEEP" ] || rm -rf "$TMP"' EXIT

# sorted WORDS...: one a line, sorted, no duplicates.
sorted() {
	printf '%s\n' "$@" | sed '/^$/d' | LC_ALL=C sort -u
}

# same_set NAME GOT WANT (both one a line): names what is missing or extra.
same_set() {
	_miss=$(LC_ALL=C comm -13 <(printf '%s\n' "$2") <(printf '%s\n' "$3") | paste -sd' ' -)
	_extra=$(LC_ALL=C comm -23 <(printf '%s\n' "$2") <(printf '%s\n' "$3") | paste -sd' ' -)
	if [ -z "$3" ]; then
		t_fail "$1" "the reference list is empty (did its source move?)"
	elif [ -z "$_miss$_extra" ]; then
		t_ok "$1"
	else
		t_fail "$1" "missing: ${_miss:-none}; not documented/known: ${_extra:-none}"
	fi
}

# ---------------------------------------------------------------------------
# The references: --help, and the parsers' tables.

# The option lines of --help are indented 2 or 6 spaces (descriptions 28):
# names, then a metavariable (a value), or [=X] (an optional value).
"$LSCT" --help >"$TMP/help" 2>&1
help_opts() { # KIND: flag, value or optional
	sed -nE 's/^ {2,6}(-[^ ].*)$/\1/p' "$TMP/help" | sed -E 's/  +[^ ].*$//' |
	while IFS= read -r head; do
		case $head in
		*'[='*) kind=optional ;;
		*' '[A-Z]* | *' ['[A-Z]*) kind=value ;;
		*) kind=flag ;;
		esac
		[ "$kind" = "$1" ] || continue
		printf '%s\n' "$head" | grep -oE '(^|[ ,])--?[A-Za-z0-9][-A-Za-z0-9]*' | tr -d ' ,'
	done | LC_ALL=C sort -u
}
HELP_FLAG=$(help_opts flag)
HELP_VALUE=$(help_opts value)
HELP_OPTIONAL=$(help_opts optional)
assert_match "--help: the option lines are found" "$HELP_FLAG" '^--help$'

# The parsers' tables: --proto's names (cli.c), the sort keys and the
# owner kinds (view.c).
REF_PROTO=$(sed -n '/^static int proto_list_parse/,/^}/p' src/cli.c |
	sed -n '/names\[\] = {/,/};/p' | grep -oE '\{ "[a-z0-9]+"' | tr -d '{" ' | LC_ALL=C sort -u)
REF_SORT=$(sed -n '/sort_names\[.*\] = {/,/};/p' src/view.c | grep -oE '"[a-z0-9]+"' | tr -d '"' |
	LC_ALL=C sort -u)
REF_KIND=$(sed -n '/^int owner_filter_parse/,/^}/p' src/view.c | grep -E 'kinds\[\] = \{' |
	grep -oE '"[a-z0-9]+"' | tr -d '"' | LC_ALL=C sort -u)

# ---------------------------------------------------------------------------
# bash

bash -n "$BASH_FILE" && t_ok "bash: $BASH_FILE parses" || t_fail "bash: $BASH_FILE parses"

# comp WORDS...: COMPREPLY for the last word (the cursor at the line's end),
# one a line, sorted.  Runs in a fresh bash with only the file sourced.
comp() {
	LSCT_COMP_NETNS_DIR=${NETNS_DIR:-/nonexistent} bash -c '
		. "$1" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_lsconntrack lsconntrack "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' bash "$BASH_FILE" lsconntrack "$@" | sed '/^$/d' | LC_ALL=C sort
}

# The lists in the file, by kind, and what completion offers for "-" and "--".
blist() {
	bash -c '. "$1"; printf "%s\n" ${!2}' bash "$BASH_FILE" "$1" | LC_ALL=C sort -u
}
B_FLAG=$(blist _lsconntrack_opts_flag)
B_VALUE=$(blist _lsconntrack_opts_value)
B_OPTIONAL=$(blist _lsconntrack_opts_optional)
same_set "bash: the options without a value are --help's" "$B_FLAG" "$HELP_FLAG"
same_set "bash: the options with a value are --help's" "$B_VALUE" "$HELP_VALUE"
same_set "bash: the options with an optional value are --help's" "$B_OPTIONAL" "$HELP_OPTIONAL"
ALL_HELP=$(sorted $HELP_FLAG $HELP_VALUE $HELP_OPTIONAL)
same_set "bash: -<TAB> and --<TAB> offer every option of --help" \
	"$( (comp -; comp --) | sed 's/=$//' | LC_ALL=C sort -u)" "$ALL_HELP"
assert_eq "bash: -<TAB> lists the single letters" "$(comp - | grep -vcE '^-[^-]$')" 0
assert_match "bash: -<TAB> has -s" "$(comp -)" '^-s$'

# The binary agrees on each option's kind: a flag or an optional value
# parses before --help, a value option alone needs its value.
bad=""
for o in $B_FLAG $B_OPTIONAL; do
	"$LSCT" "$o" --help >/dev/null 2>&1 || bad="$bad $o"
done
for o in $B_VALUE; do
	"$LSCT" "$o" </dev/null 2>&1 | grep -q "needs a value" || bad="$bad $o"
done
assert_eq "bash: the binary parses each option as its list says" "$bad" ""

same_set "bash: --proto values are cli.c's" "$(blist _lsconntrack_protos)" "$REF_PROTO"
same_set "bash: --sort values are view.c's" "$(blist _lsconntrack_sorts)" "$REF_SORT"
same_set "bash: --owner kinds are view.c's" "$(blist _lsconntrack_owner_kinds)" "$REF_KIND"
# Values are checked while parsing, before --help prints (a bad one: exit 2).
bad=""
"$LSCT" --sort nosuchkey --help >/dev/null 2>&1 && bad="a bad --sort passes"
for p in $(blist _lsconntrack_protos); do
	"$LSCT" --proto "$p" --help >/dev/null 2>&1 || bad="$bad proto:$p"
done
for s in $(blist _lsconntrack_sorts); do
	"$LSCT" --sort "$s" --help >/dev/null 2>&1 || bad="$bad sort:$s"
	grep -qw -- "$s" "$TMP/help" || bad="$bad help-lacks-sort:$s"
done
for k in $(blist _lsconntrack_owner_kinds); do
	"$LSCT" --owner "$k:x" --help >/dev/null 2>&1 || bad="$bad owner:$k"
done
assert_eq "bash: the binary accepts every completed value (and --help names the sort keys)" "$bad" ""

# The cases a user types.
assert_eq "bash: --pro<TAB>" "$(comp --pro)" "$(sorted --proc --proc= --processes --proto)"
assert_eq "bash: --proto tcp,u<TAB> (after the last comma)" "$(comp --proto tcp,u)" \
	"$(sorted tcp,udp tcp,udplite)"
assert_eq "bash: --proto=icmp,g<TAB> (one word)" "$(comp --proto=icmp,g)" "--proto=icmp,gre"
assert_eq "bash: --proto = i<TAB> ('=' splits words)" "$(comp --proto = i)" "$(sorted icmp icmpv6)"
assert_eq "bash: --sort <TAB>" "$(comp --sort '')" "$REF_SORT"
assert_eq "bash: -s in<TAB>" "$(comp -s in)" "$(sorted inbytes inpkts inpps inrate)"
assert_eq "bash: -sort out<TAB> (one dash)" "$(comp -sort out)" "$(sorted outbytes outpkts outpps outrate)"
assert_eq "bash: --owner <TAB>" "$(comp --owner '')" "$(sorted container: host: netns: pod:)"
assert_eq "bash: --zone <TAB>: no guesses for numbers" "$(comp --zone '')" ""
assert_eq "bash: -c <TAB>: no guesses for numbers" "$(comp -c '')" ""
assert_eq "bash: a port after -a: nothing" "$(comp -a '')" ""
assert_eq "bash: -p<TAB> (the letter, and long names with one dash)" "$(comp -p)" \
	"$(sorted -p -passive -passive-port -pport -proc -proc= -processes -proto)"
mkdir -p "$TMP/files/sub" && : >"$TMP/files/ct.txt" && : >"$TMP/files/other"
assert_eq "bash: --proc=FILE<TAB> (one word)" "$(comp "--proc=$TMP/files/c")" "--proc=$TMP/files/ct.txt"
assert_eq "bash: --proc = FILE<TAB> ('=' splits words)" "$(comp --proc = "$TMP/files/c")" "$TMP/files/ct.txt"
mkdir -p "$TMP/netns" && : >"$TMP/netns/blue" && : >"$TMP/netns/red"
assert_eq "bash: --netns <TAB> lists the names of the netns directory" \
	"$(NETNS_DIR=$TMP/netns comp --netns '')" "$(sorted blue red)"
assert_eq "bash: --netns b<TAB>" "$(NETNS_DIR=$TMP/netns comp --netns b)" "blue"
assert_eq "bash: --netns PATH<TAB> (a '/': files)" "$(NETNS_DIR=$TMP/netns comp --netns "$TMP/files/o")" \
	"$TMP/files/other"
assert_eq "bash: --netns <TAB> without a netns directory: nothing" "$(comp --netns '')" ""
# The default directory, when a real named namespace can be made (root).
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null 2>&1; then
	ns=lsct-compl-$$
	if ip netns add "$ns" 2>/dev/null; then
		assert_match "bash: --netns <TAB> lists /run/netns (a real namespace)" \
			"$(LSCT_COMP_NETNS_DIR= bash -c '. "$1"; COMP_WORDS=(lsconntrack --netns "")
				COMP_CWORD=2; _lsconntrack; printf "%s\n" "${COMPREPLY[@]}"' bash "$BASH_FILE")" "^$ns\$"
		ip netns del "$ns"
	else
		t_skip "bash: --netns <TAB> lists /run/netns" "ip netns add failed"
	fi
else
	t_skip "bash: --netns <TAB> lists /run/netns (a real namespace)" "needs root and ip"
fi
# Loaded the way bash-completion loads it: "complete -p" names the function.
assert_match "bash: the file registers _lsconntrack" \
	"$(bash -c '. "$1"; complete -p lsconntrack' bash "$BASH_FILE")" '-F _lsconntrack lsconntrack$'

# ---------------------------------------------------------------------------
# zsh

if [ "$HAVE_ZSH" = 1 ]; then
	zsh -n "$ZSH_FILE" 2>"$TMP/zerr" && t_ok "zsh: zsh -n $ZSH_FILE" ||
		t_fail "zsh: zsh -n $ZSH_FILE" "$(cat "$TMP/zerr")"
	cp "$ZSH_FILE" "$TMP/_lsconntrack"
	zsh -fc "zcompile '$TMP/_lsconntrack'" 2>"$TMP/zerr" && [ -s "$TMP/_lsconntrack.zwc" ] &&
		t_ok "zsh: zcompile" || t_fail "zsh: zcompile" "$(cat "$TMP/zerr")"
	assert_eq "zsh: #compdef on the first line" "$(head -n1 "$ZSH_FILE")" "#compdef lsconntrack"

	# The specs between the markers, one option (or letter and name) a
	# line: the names before the '[', a trailing '=' a value, '=-' an
	# optional one after '='.
	zspecs() {
		sed -n '/# options begin/,/# options end/p' "$ZSH_FILE" | grep -v '^ *#' |
		sed -E "s/^ *'?(\\([^)]*\\)|\\*)?'?//; s/\\[.*$//" | tr -d "'\"{}" | tr ',' '\n' |
		while IFS= read -r spec; do
			[ -n "$spec" ] || continue
			case $spec in
			*=-) kind=optional ;;
			*=) kind=value ;;
			*) kind=flag ;;
			esac
			# -s with --sort= on one line: the letter takes a value too.
			if [ "$kind" = flag ] && grep -qE "\{$spec,--[a-z-]+=\}" "$ZSH_FILE"; then kind=value; fi
			[ "$kind" = "$1" ] && printf '%s\n' "${spec%%=*}"
		done | LC_ALL=C sort -u
	}
	same_set "zsh: the options without a value are --help's" "$(zspecs flag)" "$HELP_FLAG"
	same_set "zsh: the options with a value are --help's" "$(zspecs value)" "$HELP_VALUE"
	same_set "zsh: the options with an optional value are --help's" "$(zspecs optional)" "$HELP_OPTIONAL"
	zvals() {
		sed -n '/# values begin/,/# values end/p' "$ZSH_FILE" | tr '\n' ' ' |
			grep -oE "$1=\\( [^)]*\\)" | sed -E 's/^[a-z]+=\( //; s/ *\)$//' | tr -s ' ' '\n' |
			LC_ALL=C sort -u
	}
	same_set "zsh: --proto values are cli.c's" "$(zvals protos)" "$REF_PROTO"
	same_set "zsh: --sort values are view.c's" "$(zvals sorts)" "$REF_SORT"
	same_set "zsh: --owner kinds are view.c's" "$(zvals kinds)" "$REF_KIND"

	# Completion for real: an interactive zsh in a pseudo-terminal with
	# compinit and only this file's directory added to $fpath; LINE and a
	# TAB are typed, and the listing (or the line completed in place) is
	# read back without the terminal's escape sequences.
	cat >"$TMP/drive.zsh" <<'EOF'
zmodload zsh/zpty || exit 1
zpty -b z zsh -f -i
zpty -w z "stty rows 100 columns 250; PS1='> '; export LSCT_COMP_NETNS_DIR='$2'"
zpty -w z "fpath=('$1' \$fpath); autoload -Uz compinit; compinit -u -d '$1/zcompdump'; LISTMAX=1000"
zpty -w z 'print READY-$((40+2))'
out='' n=0
while (( n++ < 100 )); do
	zpty -r -t z chunk && out+=$chunk || sleep 0.05
	[[ $out == *READY-42* ]] && break
done
zpty -n -w z "$3"$'\t'
# Until the terminal has been quiet for a second (at most 15 s).
out='' quiet=0 n=0
while (( n++ < 300 )); do
	if zpty -r -t z chunk; then
		out+=$chunk quiet=0
	else
		(( ++quiet >= 20 )) && [[ -n $out ]] && break
		sleep 0.05
	fi
done
zpty -d z
print -r -- "$out"
EOF
	mkdir -p "$TMP/zfp" && cp "$ZSH_FILE" "$TMP/zfp/"
	zcomp() {
		timeout 20 zsh -f "$TMP/drive.zsh" "$TMP/zfp" "$TMP/netns" "$1" 2>&1 |
			sed 's/\x1b\[[0-9;?]*[A-Za-z]/ /g' | tr -d '\r\a\b'
	}
	out=$(zcomp 'lsconntrack --sort ')
	miss=""
	for s in $REF_SORT; do printf '%s\n' "$out" | grep -qw -- "$s" || miss="$miss $s"; done
	if printf '%s\n' "$out" | grep -q 'closed'; then
		assert_eq "zsh: --sort <TAB> lists every sort key" "$miss" ""
	else
		t_fail "zsh: --sort <TAB> lists every sort key" "no listing; the terminal showed: $out"
	fi
	out=$(zcomp 'lsconntrack --pro')
	assert_match "zsh: --pro<TAB> offers --proc, described" "$out" '--proc +-- read /proc'
	assert_match "zsh: --pro<TAB> offers --proto, described" "$out" '--proto +-- protocols'
	assert_match "zsh: --proto tcp,u<TAB> completes after the comma" \
		"$(zcomp 'lsconntrack --proto tcp,u')" 'lsconntrack --proto tcp,udp'
	assert_match "zsh: --owner <TAB> lists the kinds" "$(zcomp 'lsconntrack --owner ')" \
		'container +host +netns +pod'
	assert_match "zsh: --netns <TAB> lists the netns directory's names" \
		"$(zcomp 'lsconntrack --netns ')" 'blue +red'
	assert_match "zsh: -<TAB> lists letters and names" "$(zcomp 'lsconntrack -')" '--active .* -a '
	out=$(zcomp 'lsconntrack --sort ')
	assert_no_match "zsh: no errors from the completion function" "$out" '_arguments:|parse error|command not found'
fi

# ---------------------------------------------------------------------------
# make install / uninstall into a DESTDIR: the files where they belong,
# and nothing left afterwards.

dest=$TMP/root
make -s install DESTDIR="$dest" PREFIX=/usr/local >"$TMP/mk" 2>&1 ||
	t_fail "make install DESTDIR" "$(cat "$TMP/mk")"
bdir=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null)
bdir=${bdir:-/usr/local/share/bash-completion/completions}
assert_eq "install: the bash completion as $bdir/lsconntrack" \
	"$(cmp "$BASH_FILE" "$dest$bdir/lsconntrack" 2>&1 && echo same)" same
assert_eq "install: the zsh completion in site-functions" \
	"$(cmp "$ZSH_FILE" "$dest/usr/local/share/zsh/site-functions/_lsconntrack" 2>&1 && echo same)" same
assert_eq "install: the binary and the man page" \
	"$( [ -x "$dest/usr/local/bin/lsconntrack" ] && [ -f "$dest/usr/local/share/man/man1/lsconntrack.1" ] && echo yes)" yes
make -s uninstall DESTDIR="$dest" PREFIX=/usr/local >"$TMP/mk" 2>&1 ||
	t_fail "make uninstall DESTDIR" "$(cat "$TMP/mk")"
assert_eq "uninstall: no file left in DESTDIR" "$(find "$dest" ! -type d)" ""

# Without bash-completion's pkg-config file: the fallback under PREFIX.
dest=$TMP/root2
make -s install DESTDIR="$dest" PREFIX=/opt/lsct PKG_CONFIG=false >"$TMP/mk" 2>&1 ||
	t_fail "make install without pkg-config" "$(cat "$TMP/mk")"
assert_eq "install: without pkg-config, PREFIX/share/bash-completion/completions" \
	"$( [ -f "$dest/opt/lsct/share/bash-completion/completions/lsconntrack" ] && echo yes)" yes
make -s uninstall DESTDIR="$dest" PREFIX=/opt/lsct PKG_CONFIG=false >"$TMP/mk" 2>&1 ||
	t_fail "make uninstall without pkg-config" "$(cat "$TMP/mk")"
assert_eq "uninstall: without pkg-config, no file left" "$(find "$dest" ! -type d)" ""

t_summary "completion"
