#!/usr/bin/env bash
# No control request reads the store without a bound (proto/control.md,
# "Bounds on work"). A root whose [limits] ctl_scan_max is 20, far below
# the default, holds 51 documents, one of them with 25 revisions, and a
# province sends it status reports. Each command that steps through the
# store stops at 20 entries and says so ("partial", "scanned", "next"),
# node-ctl prints it, following "next" reaches everything, db digest
# refuses rather than answer for a part, the node answers every other
# request and keeps its link meanwhile. Then the root again with a
# budget of 1 for network and cert ls, which hold two entries each.
cd "$(dirname "$0")/../.." && . tests/lib.sh

BUDGET=20
p=hagiang
make_node tw
make_node $p tw
for n in tw $p; do	# status reports every second: network has them
	set_limit $n status_s 1
done
set_limit tw ctl_scan_max $BUDGET
start_tree tw $p
check "the province links up to the root" wait_for 15 tree_up $p

J() { local n=$1; shift; ctl "$n" --json "$@"; }
# jqt NODE FILTER ARGS...: the JSON reply of node-ctl ARGS passes FILTER
# ($b: the budget).
jqt() {
	local n=$1 f=$2; shift 2
	J "$n" "$@" | jq -e --argjson b "$BUDGET" "$f" >/dev/null
}
# jqf FILTER FILE: a reply kept in FILE passes FILTER.
jqf() { jq -e --argjson b "$BUDGET" "$1" "$2" >/dev/null; }

written=0
quiet ctl tw db create big '*' '*=editor'
for i in $(seq 50); do
	ctl tw doc put big i:number="$i" >/dev/null && written=$((written + 1))
done
out=$(ctl tw doc put big i:number=0) && written=$((written + 1))
long=${out%% *}
for i in $(seq 24); do	# 25 revisions in all
	ctl tw doc put big "$long" v:number="$i" >/dev/null &&
	    written=$((written + 1))
done
check "51 documents and 24 more revisions written" test "$written" -eq 75

# --- doc ls: a page stops at the budget, and the pages reach every one --
J tw doc ls big >"$T/page"
check "doc ls: partial, $BUDGET read, $BUDGET listed, and a next" \
    jqf '.ok and .partial == true and .scanned == $b and
        (.docs | length) == $b and (.next | test("^[0-9a-f]{32}$"))' "$T/page"
pages=0 total=0 from=
while :; do
	J tw doc ls big ${from:+--from "$from"} >"$T/page" || break
	pages=$((pages + 1)) total=$((total + $(jq '.docs | length' "$T/page")))
	jqf '.scanned <= $b' "$T/page" || break
	from=$(jq -r '.next // empty' "$T/page")
	[ -n "$from" ] && [ $pages -lt 10 ] || break
done
check "doc ls pages of at most $BUDGET reach all 51 documents ($total in $pages pages)" \
    eval '[ "$total" -eq 51 ] && [ "$pages" -eq 3 ]'
check "the last page is whole" jqf '.partial == false and (has("next") | not)' "$T/page"
ctl tw doc ls big >"$T/human"
check "node-ctl doc ls says it is partial and how to go on" \
    grep -qE "^\(partial: read $BUDGET entries, the most the node reads for one request; more: node-ctl doc ls big --from [0-9a-f]{32}\)$" "$T/human"

# --- db ls: the counts of a database over the budget are floors --------
check "db ls: partial, and big's counts are floors" \
    jqt tw '.partial == true and .scanned == $b and
        (.dbs[] | select(.db == "big") | .partial == true and
        .docs + .deleted < 51)' db ls
check "node-ctl db ls marks the floors and says it is partial" \
    eval 'ctl tw db ls >"$T/human" &&
        grep -qE "^big .* [0-9]+\+ +[0-9]+\+ +[0-9]+\+  tw$" "$T/human" &&
        grep -q "^(partial: read $BUDGET entries, the most the node reads for one request; a count with + is a floor)$" "$T/human"'
check "db ls at the province, within its budget, is whole" \
    wait_for 20 jqt $p '.partial == false and
        (.dbs[] | select(.db == "big") | .partial == false and .docs == 51)' db ls

# --- doc conflicts: none, but it reads the heads within the budget ------
check "doc conflicts: partial, none found yet, and a next" \
    jqt tw '.partial == true and .scanned == $b and
        (.docs | length) == 0 and (.next | test("^[0-9a-f]{32}$"))' doc conflicts big
check "node-ctl doc conflicts says how to go on, not that there are none" \
    eval 'ctl tw doc conflicts big >"$T/human" &&
        ! grep -q "no conflicts" "$T/human" &&
        grep -qE "^\(partial: read $BUDGET entries, .*; more: node-ctl doc conflicts big --from [0-9a-f]{32}\)$" "$T/human"'

# --- doc history: the revisions read, oldest first --------------------
J tw doc history big "$long" >"$T/hist"
check "doc history: partial, $BUDGET of 25 revisions, oldest first" \
    jqf '.partial == true and .scanned == $b and
        (.revs | length) == $b and ([.revs[].depth] | . == sort)' "$T/hist"
check "node-ctl doc history says it is partial" \
    eval 'ctl tw doc history big "$long" | tail -1 |
        grep -q "^(partial: read $BUDGET entries, the most the node reads for one request; those not read are not shown)$"'
second=$(jq -r '.revs[1].rev' "$T/hist")
depth=$(jq -r '.revs[1].depth' "$T/hist")
check "doc history --from a revision starts there" \
    jqt tw ".revs[0].rev == \"$second\" and ([.revs[].depth] | min) == $depth" \
    doc history big "$long" --from "$second"
check "doc history at the province, within its budget, has all 25" \
    wait_for 20 jqt $p '.partial == false and (.revs | length) == 25' \
    doc history big "$long"

# --- db digest: all or nothing ------------------------------------------
check "db digest refuses a database over the budget, saying why" \
    eval 'J tw db digest big | jq -e --arg b $BUDGET ".ok == false and
        (.error | contains(\"over the \" + \$b + \" entries\"))" >/dev/null'
check "node-ctl db digest: exit 1, the reason on one line" \
    eval 'ctl tw db digest big 2>"$T/err"; [ $? -eq 1 ] &&
        grep -q "no digest" "$T/err" && [ "$(wc -l <"$T/err")" -eq 1 ]'

# --- meanwhile the node answers the rest and replicates -----------------
check "status answers" jqt tw '.ok and .running' status
check "a small database lists whole" \
    eval 'quiet ctl tw db create small tw &&
        jqt tw ".partial == false and (.docs | length) == 0" doc ls small'
check "the link to the province is still up" link_up $p tw
out=$(ctl tw doc put big last=yes)
check "a document written now reaches the province" \
    wait_for 20 quiet ctl $p doc get big "${out%% *}"
check "network answers while its reports fit" \
    wait_for 10 jqt tw '.partial == false and (.nodes | length) == 2' network

# --- a budget of 1: network and cert ls, two entries each ---------------
BUDGET=1
stop_node tw
sed -i "s/^ctl_scan_max = .*/ctl_scan_max = $BUDGET/" "$T/tw.conf"
start_node tw
check "network: the first report, partial, and the next name" \
    jqt tw '.partial == true and .scanned == $b and
        [.nodes[].name] == ["hagiang"] and .next == "tw"' network
check "network --from the next name: the rest" \
    jqt tw '.partial == false and [.nodes[].name] == ["tw"] and
        (has("next") | not)' network --from tw
check "node-ctl network says how to go on" \
    eval 'ctl tw network | tail -1 |
        grep -qx "(partial: read 1 entry, the most the node reads for one request; more: node-ctl network --from tw)"'
"$B/node-key" generate "$T/extra.key" >"$T/extra.pub"
quiet ctl tw cert issue quangninh "$(cat "$T/extra.pub")" -o "$T/extra.chain"
J tw cert ls >"$T/certs"
check "cert ls: one certificate, partial, and the next one's id" \
    jqf '.partial == true and .scanned == $b and (.certs | length) == 1 and
        (.next | test("^[0-9a-f]{64}$"))' "$T/certs"
check "cert ls --from it: the other one" \
    eval 'J tw cert ls --from "$(jq -r .next "$T/certs")" | jq -e --slurpfile a "$T/certs" \
        "([\$a[0].certs[].subject, .certs[].subject] | sort) == [\"hagiang\", \"quangninh\"]" >/dev/null'
check "node-ctl cert ls says how to go on" \
    eval 'ctl tw cert ls | tail -1 |
        grep -qE "^\(partial: read 1 entry, .*; more: node-ctl cert ls --from [0-9a-f]{64}\)$"'

finish
