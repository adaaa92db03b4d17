# lib_strings.sh — string helpers for POSIX sh scripts (source it: `. ./lib_strings.sh`).
# Only POSIX features are used so it also works in dash and busybox ash.

# trim "  text  " -> "text"
trim() {
	printf '%s' "$1" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//'
}

# to_lower "ÉTÉ Mixed" -> "été mixed" (needs a UTF-8 locale for non-ASCII letters)
to_lower() {
	printf '%s' "$1" | tr '[:upper:]' '[:lower:]'
}

# starts_with "prefix" "prefix-and-more" -> exit status 0
starts_with() {
	case "$2" in
		"$1"*) return 0 ;;
		*) return 1 ;;
	esac
}

# slugify "Hello, Wörld! 2024" -> "hello-w-rld-2024"
slugify() {
	printf '%s' "$1" \
		| tr '[:upper:]' '[:lower:]' \
		| sed -e 's/[^a-z0-9]\{1,\}/-/g' -e 's/^-//' -e 's/-$//'
}

# repeat "=" 20 -> "===================="
repeat() {
	_r_out=""
	_r_i=0
	while [ "$_r_i" -lt "$2" ]; do
		_r_out="$_r_out$1"
		_r_i=$((_r_i + 1))
	done
	printf '%s' "$_r_out"
	unset _r_out _r_i
}

# join_by "," a b c -> "a,b,c"
join_by() {
	_j_sep="$1"
	shift
	_j_first=1
	for _j_item in "$@"; do
		if [ "$_j_first" -eq 1 ]; then
			printf '%s' "$_j_item"
			_j_first=0
		else
			printf '%s%s' "$_j_sep" "$_j_item"
		fi
	done
	unset _j_sep _j_first _j_item
}

# banner "Déploiement terminé"  -> a boxed title
banner() {
	_b_len=$(printf '%s' "$1" | wc -m | tr -d ' ')
	echo "+$(repeat - $((_b_len + 2)))+"
	echo "| $1 |"
	echo "+$(repeat - $((_b_len + 2)))+"
	unset _b_len
}
