#!/usr/bin/env bash
# A purged document says what happened to it: deleted, and purged. Its
# records are gone but its revision tree stays (node/purge.c), and every
# command shows that tree and invents nothing: no 1970 time, no origin,
# no parents it does not know, no "unreadable or corrupt".
#
# The province writes a document (two revisions) and deletes it; the
# root and the province purge it once each holds the stub. At the root:
# doc rm, doc history, doc get (with and without --rev), doc put, doc
# resolve and doc attachment, human and --json; then the same history
# read with node-ctl -d from the stopped root's store.
cd "$(dirname "$0")/../.." && . tests/lib.sh

p=hagiang
make_node tw
make_node $p tw
start_tree tw $p
check "the province links up" wait_for 30 tree_up $p
ctl tw db create shared '*' '*=editor' >/dev/null
check "the database reaches the province" wait_for 20 db_at shared $p

out=$(ctl $p doc put shared title="một") && id=${out%% *} && r1=${out#* }
out=$(ctl $p doc put shared "$id" title="hai") && r2=${out#* }
out=$(ctl $p doc rm shared "$id") && r3=${out##* }
check "the province wrote three revisions, the last a delete" \
    eval '[[ "$r1 $r2 $r3" =~ ^[0-9a-f]{64}\ [0-9a-f]{64}\ [0-9a-f]{64}$ ]]'
purged() { ctl "$1" --json doc get shared "$id" | jq -e .purged >/dev/null; }
check "the root purges it once the province holds the stub" \
    wait_for 30 purged tw
check "so does the province" wait_for 30 purged $p

# Expected of each revision: depth, flags, in the tree's order.
flags='[[1, false, false, false], [2, false, false, false], [3, true, true, true]]'
jqt() {
	local n=$1 f=$2; shift 2
	ctl "$n" --json "$@" | jq -e --arg r1 "$r1" --arg r2 "$r2" \
	    --arg r3 "$r3" --argjson flags "$flags" "$f" >/dev/null
}

# doc rm: not "unreadable or corrupt", and not just "deleted".
ctl tw doc rm shared "$id" >"$T/rm.out" 2>"$T/rm.err"
rc=$?
check "doc rm of it: exit 1, one line saying it is deleted and purged" \
    eval '[ $rc -eq 1 ] && [ ! -s "$T/rm.out" ] && [ "$(wc -l <"$T/rm.err")" -eq 1 ] &&
    grep -q "deleted already, and purged here" "$T/rm.err" &&
    ! grep -q "unreadable\|corrupt" "$T/rm.err"'
check "doc rm --json: the same error" \
    eval '! ctl tw --json doc rm shared "$id" >"$T/rm.json";
    jq -e ".ok == false and (.error | test(\"deleted already, and purged\"))" "$T/rm.json" >/dev/null'

# doc history: the tree, said to be what is left.
check "doc history --json: the document deleted and purged" \
    jqt tw '.deleted == true and .purged == true' doc history shared "$id"
check "doc history --json: each revision, its depth and flags, marked purged" \
    jqt tw '[.revs[] | .rev] == [$r1, $r2, $r3] and
    [.revs[] | [.depth, .deleted, .leaf, .winner]] == $flags and
    all(.revs[]; .purged == true)' doc history shared "$id"
check "doc history --json: no time, origin or parents it no longer knows" \
    jqt tw 'all(.revs[]; has("created_ms") or has("origin") or
    has("parents") | not) and all(.revs[]; has("error") | not)' \
    doc history shared "$id"
ctl tw doc history shared "$id" >"$T/history"
check "doc history (human): no 1970, no time at all" \
    eval '! grep -q "1970" "$T/history" && ! grep -qE "[0-9]{4}-[0-9]{2}-[0-9]{2}T" "$T/history"'
check "doc history (human): it says the document is deleted and purged" \
    grep -q "^(deleted, and purged here: " "$T/history"
check "doc history (human): a line per revision, flagged purged" \
    eval 'grep -qE "^ +1 $r1 purged +- +- +\? \(record purged\)$" "$T/history" &&
    grep -qE "^ +2 $r2 purged +- " "$T/history" &&
    grep -qE "^ +3 $r3 winner,leaf,deleted,purged +- " "$T/history"'

# doc get: what the tree knows of the winner, or of the revision asked.
check "doc get --json: the winner, its depth, deleted and purged" \
    jqt tw '.rev == $r3 and .depth == 3 and .deleted and .purged and
    (has("created_ms") or has("origin") or has("fields") | not)' \
    doc get shared "$id"
check "doc get --rev --json: an older revision of the tree, not deleted" \
    jqt tw '.rev == $r1 and .depth == 1 and .deleted == false and .purged' \
    doc get shared "$id" --rev "$r1"
check "doc get --rev of no revision of it: refused" \
    eval '! ctl tw doc get shared "$id" --rev "$(printf "%064d" 0)" 2>"$T/err" &&
    grep -q "no such revision of this document" "$T/err"'
ctl tw doc get shared "$id" >"$T/get"
check "doc get (human): deleted (purged), its depth, and what that means" \
    eval 'grep -qx "deleted: yes (purged)" "$T/get" && grep -qx "depth: 3" "$T/get" &&
    grep -q "^(the document is deleted, and purged here" "$T/get" && ! grep -q 1970 "$T/get"'

# The writes and doc attachment: deleted and purged, nothing corrupt.
for c in "doc put shared $id title=ba" "doc resolve shared $id" \
    "doc attachment shared $id a.txt -o $T/a.txt"; do
	check "${c%% shared*}: refused, saying it is deleted and purged" \
	    eval '! ctl tw $c 2>"$T/err" &&
	    grep -q "that document is deleted, and purged here" "$T/err" &&
	    ! grep -q "unreadable\|corrupt" "$T/err"'
done

# node-ctl -d reads the same tree from the stopped store.
stop_node tw
"$B/node-ctl" -d "$T/tw" doc history shared "$id" >"$T/dhistory"
check "-d doc history: the same tree, no 1970" \
    eval '! grep -q 1970 "$T/dhistory" && grep -q "^(deleted, and purged here: " "$T/dhistory" &&
    [ "$(grep -cE "purged +- +- " "$T/dhistory")" -eq 3 ]'
finish
