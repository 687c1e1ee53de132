# bash completion for lsconntrack                          -*- shell-script -*-
#
# Installed as "lsconntrack" into bash-completion's completionsdir, where it
# is loaded on the first <TAB> after the command; or source it.
#
# The lists below repeat what `lsconntrack --help` documents and what the
# parsers accept (cli.c, view.c).  tests/completion.sh compares them with
# both, so an option or a value added there without being added here fails
# `make check`.

# Options, by what follows them: nothing, a value (the next word, or
# --name=VALUE), an optional value (--proc=FILE only).
_lsconntrack_opts_flag='-a --active -p --passive -t --tcp -u --udp -4 --ipv4 -6 --ipv6
	-n --numeric --names -r --reverse --json -b --batch --no-events --stdin
	--no-owners --delete --yes --stats -R --routed -P --processes -v --version -h --help'
_lsconntrack_opts_value='--aport --active-port --pport --passive-port --proto --zone --mark
	--dns-timeout -s --sort -c --count -d --delay --max-cpu --event-buffer --local --listen
	--netns --owner --record --replay'
_lsconntrack_opts_optional='--proc'

# Values.  --proto takes a comma-separated list of these.
_lsconntrack_protos='tcp udp udplite sctp dccp icmp icmpv6 gre all'
_lsconntrack_sorts='bytes packets inbytes outbytes inpkts outpkts conns peer port
	rate inrate outrate pps inpps outpps new closed rtt retrans'
_lsconntrack_owner_kinds='host container pod netns'

# The value of option $1, typed so far as $2.  Prints nothing for values
# that are numbers or free text: no guesses.
_lsconntrack_value()
{
	local opt=$1 cur=$2 head item w f
	case $opt in
	--proto)
		# Complete the item after the last comma; keep what is before it.
		head=${cur%"${cur##*,}"}
		item=${cur##*,}
		for w in $_lsconntrack_protos; do
			[[ $w == "$item"* ]] && printf '%s\n' "$head$w"
		done
		;;
	-s|--sort)
		compgen -W "$_lsconntrack_sorts" -- "$cur"
		;;
	--owner)
		for w in $_lsconntrack_owner_kinds; do
			[[ $w: == "$cur"* ]] && printf '%s\n' "$w:"
		done
		;;
	--netns)
		# A name of /run/netns, or a path (anything with a '/').  PIDs
		# are not listed: thousands of bare numbers help nobody.
		if [[ $cur == */* ]]; then
			compgen -f -- "$cur"
		else
			# LSCT_COMP_NETNS_DIR: for the tests, instead of /run/netns.
			for f in "${LSCT_COMP_NETNS_DIR:-/run/netns}"/*; do
				[[ -e $f ]] || continue
				w=${f##*/}
				[[ $w == "$cur"* ]] && printf '%s\n' "$w"
			done
		fi
		;;
	--proc|--record|--replay)
		compgen -f -- "$cur"
		;;
	esac
}

# The options that start with $1 (which starts with a dash): the letters
# for "-" and "-x", the long names otherwise; --proc also as --proc=.
_lsconntrack_options()
{
	local w
	for w in $_lsconntrack_opts_flag $_lsconntrack_opts_value $_lsconntrack_opts_optional; do
		[[ $w == "$1"* ]] || continue
		[[ $1 == -* && $1 != --* && $w == --* ]] && continue
		printf '%s\n' "$w"
		[[ " $_lsconntrack_opts_optional " == *" $w "* ]] && printf '%s=\n' "$w"
	done
}

_lsconntrack()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev='' opt='' val='' pre=''
	local values=" "$(printf '%s ' $_lsconntrack_opts_value)
	COMPREPLY=()
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}

	# The option whose value is being typed, if any: "--sort <TAB>",
	# "-s <TAB>", "--proc=<TAB>" (one word, or three where COMP_WORDBREAKS
	# has '=').  One dash works like two (-sort is --sort).
	if [[ $cur == -*=* ]]; then
		opt=${cur%%=*} val=${cur#*=} pre=${cur%%=*}=
	elif [[ $cur == = && $prev == -* ]]; then
		opt=$prev
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		opt=${COMP_WORDS[COMP_CWORD - 2]} val=$cur
	elif [[ $prev == -* && ( $values == *" $prev "* || $values == *" -$prev "* ) ]]; then
		opt=$prev val=$cur
	fi
	[[ $opt == -[!-]?* ]] && opt=-$opt
	if [[ -n $opt ]]; then
		case $opt in
		--proc|--netns) compopt -o filenames 2>/dev/null ;;
		--owner|--proto) compopt -o nospace 2>/dev/null ;;
		esac
		mapfile -t COMPREPLY < <(_lsconntrack_value "$opt" "$val" | sed "s|^|$pre|")
		return 0
	fi

	case $cur in
	--*)
		mapfile -t COMPREPLY < <(_lsconntrack_options "$cur")
		;;
	-)
		mapfile -t COMPREPLY < <(_lsconntrack_options -)
		;;
	-*)
		# -x, or a long name spelt with one dash (-proto).
		mapfile -t COMPREPLY < <(_lsconntrack_options "$cur"
			_lsconntrack_options "-$cur" | sed 's/^-//')
		;;
	esac
	# "--proc=" waits for its value on the same word.
	[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
	return 0
}

complete -F _lsconntrack lsconntrack
