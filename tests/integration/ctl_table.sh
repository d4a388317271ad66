#!/usr/bin/env bash
# node-ctl's one command table (tools/node-ctl/table.c) and what is made
# from it: --help lists every command of the table, in its order, and
# nothing else; each command's --help shows its own synopsis; each
# group's --help lists its commands; node-ctl(1) has an entry for each;
# and the commands -d reads, as its refusal lists them, are those that
# node-ctl(1) names.
cd "$(dirname "$0")/../.." && . tests/lib.sh

MAN=tools/man/node-ctl.1
USAGE="usage: node-ctl [-s SOCKET | -c CONFIG | -d DATADIR] [--json]"

# The table's names: the first string of each entry.
mapfile -t cmds < <(sed -nE \
    's/^\t\{ "([a-z]+( [a-z]+)?)", cmd_[a-z_]+,.*/\1/p' tools/node-ctl/table.c)
check "the table is read (${#cmds[@]} commands)" test "${#cmds[@]}" -ge 20

# The names of the command lines of a listing: the lowercase words
# before the arguments.
names() {
	grep -E '^  [a-z]' | awk '{ n = $1; if ($2 ~ /^[a-z]+$/) n = n " " $2; print n }'
}
"$B/node-ctl" --help >"$T/help"
check "--help lists every command of the table, in its order, and no other" \
    eval '[ "$(names <"$T/help")" = "$(printf "%s\n" "${cmds[@]}")" ]'
check "node-ctl alone prints the same list on stderr, exit 2" \
    eval '"$B/node-ctl" 2>"$T/usage"; [ $? -eq 2 ] && cmp -s "$T/help" "$T/usage"'

for c in "${cmds[@]}"; do
	check "$c --help: exit 0, its own synopsis and a paragraph" \
	    eval 'out=$("$B/node-ctl" $c --help) &&
	        [[ $(head -1 <<<"$out") == "$USAGE $c" || $(head -1 <<<"$out") == "$USAGE $c "* ]] &&
	        [ "$(wc -l <<<"$out")" -ge 3 ]'
	check "node-ctl(1) has an entry for $c" \
	    grep -qE "^\.B[IR]? \"?$c( |\"|$)" "$MAN"
done

for g in mail cert db doc; do
	check "$g --help lists the $g commands of the table" \
	    eval '[ "$("$B/node-ctl" $g --help | names)" = "$(printf "%s\n" "${cmds[@]}" | grep "^$g ")" ]'
done

# The -d refusal lists the commands -d reads: the table's.
make_node tw
start_node tw
stop_node tw
"$B/node-ctl" -d "$T/tw" peers 2>"$T/refusal" >/dev/null
rc=$?
check "-d refuses peers: exit 1, one line" \
    eval '[ $rc -eq 1 ] && [ "$(wc -l <"$T/refusal")" -eq 1 ]'
sed -nE 's/.*needs a running node; -d reads a stopped node.s store \((.*)\)$/\1/p' \
    "$T/refusal" | tr -s ', ' '\n ' | sed 's/^ //' | sort >"$T/dlist"
# node-ctl(1): "it reads a stopped node's store instead, read-only: A,
# B (...), ... and Z."
tr '\n' ' ' <"$MAN" | sed -nE 's/.*store instead, read-only: ([^.]*)\..*/\1/p' |
    sed -E 's/ \([^)]*\)//g; s/ and /, /' | tr -s ', ' '\n ' |
    sed 's/^ //' | sort >"$T/mlist"
check "-d reads what node-ctl(1) says it reads ($(paste -sd, "$T/dlist"))" \
    eval '[ -s "$T/dlist" ] && cmp -s "$T/dlist" "$T/mlist"'
check "-d reads doc attachment" grep -qx "doc attachment" "$T/dlist"
finish
