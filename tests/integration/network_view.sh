#!/usr/bin/env bash
# The root's view of a large network, in small: network filtered by
# subtree and by state, paged (every node exactly once over the pages,
# with a page limit and with a reading budget that cuts pages short),
# summed up per province and per district, and its bad input refused
# with a clear error. Seven nodes: tw; hagiang with two districts and a
# commune; caobang with one district. Reports come every second.
cd "$(dirname "$0")/../.." && . tests/lib.sh

p=hagiang d1=bacquang.hagiang d2=vixuyen.hagiang c1=tanthanh.$d1
q=caobang d3=hoaan.caobang
ALL="tw $p $d1 $d2 $c1 $q $d3"
make_node tw
make_node $p tw
make_node $q tw
make_node $d1 $p
make_node $d2 $p
make_node $c1 $d1
make_node $d3 $q
for n in $ALL; do
	set_limit $n status_s 1
done
# The province reads two reports a request: its pages are cut short.
set_limit $p ctl_scan_max 2
check "seven nodes start" start_tree tw $p $q $d1 $d2 $c1 $d3
check "they link up" wait_for 20 tree_up $p $q $d1 $d2 $c1 $d3

J() { local n=$1; shift; ctl "$n" --json network "$@"; }

# The names of every page of `network ARGS` at node $1, following next,
# one a line in the order listed.
walk() {
	local n=$1 from="" page; shift
	while :; do
		page=$(J "$n" "$@" ${from:+--from "$from"}) || return 1
		jq -r '.nodes[].name' <<<"$page"
		from=$(jq -r '.next // empty' <<<"$page")
		[ -n "$from" ] || return 0
	done
}
# Does walk list exactly these names, each once?
lists() {	# node "names" args...
	local n=$1 want=$2 got; shift 2
	got=$(walk "$n" "$@") || return 1
	[ "$got" = "$(tr ' ' '\n' <<<"$want" | LC_ALL=C sort)" ]
}
all_fresh() {
	J tw | jq -e --argjson n 7 '.nodes | length == $n and all(.state == "up")' >/dev/null
}
check "the root lists all 7, every one up" wait_for 20 all_fresh
check "each node has its state" \
    eval 'J tw | jq -e "[.nodes[] | .state == \"up\" and .stale == false] | all" >/dev/null'

# --- subtree
check "network hagiang at the root: the province and the 3 below it" \
    lists tw "$p $d1 $d2 $c1" $p
check "network caobang: the province and its district" lists tw "$q $d3" $q
check "network of a district: it and its commune" lists tw "$d1 $c1" $d1
check "network of a commune: itself" lists tw "$c1" $c1
check "network tw (the root's own name): every node" lists tw "$ALL" tw
check "network of a name no node has: nothing" lists tw "" nosuch.$p
check "at the province, a page cut by its budget goes on with next" \
    eval 'J $p | jq -e ".partial == true and .scanned == 2 and (.next | type == \"string\")" >/dev/null'
check "at the province, over its cut pages: itself and the 3 below" \
    lists $p "$p $d1 $d2 $c1"
check "at the province, network bacquang.hagiang: 2 nodes" \
    lists $p "$d1 $c1" $d1
check "the human table: its header and the subtree's rows" \
    eval 'out=$(ctl tw network $d1) && grep -qE "^NODE +VERSION +UPTIME +PEERS +BACKLOG +ERRORS +AGE +STATE$" <<<"$out" &&
        [ "$(grep -cE "^($d1|$c1) .*  ok" <<<"$out")" -eq 2 ] && [ "$(wc -l <<<"$out")" -eq 3 ]'

# --- paging: --limit N pages of at most N, every node once.
check "--limit 2 at the root: 4 pages, every node exactly once" \
    eval 'lists tw "$ALL" --limit 2 && [ "$(J tw --limit 2 | jq ".nodes | length")" -eq 2 ]'
check "--limit 1 under hagiang: every node of it once" \
    lists tw "$p $d1 $d2 $c1" $p --limit 1
check "--limit 1000 (the most): one page, no next" \
    eval 'J tw --limit 1000 | jq -e "(.nodes | length) == 7 and has(\"next\") == false" >/dev/null'
check "a page ends at the next node it would list: none after caobang's 2" \
    eval 'J tw $q --limit 2 | jq -e "(.nodes | length) == 2 and has(\"next\") == false" >/dev/null'
check "the human page says how to go on, with its filters" \
    eval 'ctl tw network $p --limit 2 | tail -1 | grep -qx "(more: node-ctl network $p --limit 2 --from $c1)"'

# --- summary, all up
sum() { J "$@" --summary; }
group() {	# node group nodes up degraded stale
	sum "$1" | jq -e --arg g "$2" --argjson c "[$3,$4,$5,$6]" \
	    '.groups[] | select(.name == $g) | [.nodes, .up, .degraded, .stale] == $c' >/dev/null
}
check "summary at the root: a group per province and one for the root" \
    eval '[ "$(sum tw | jq -c "[.groups[].name]")" = "[\"$q\",\"$p\",\"tw\"]" ]'
check "summary: hagiang 4 nodes, all up" group tw $p 4 4 0 0
check "summary: caobang 2 nodes, all up" group tw $q 2 2 0 0
check "summary: the oldest report of a group is one of its nodes" \
    eval 'sum tw | jq -e ".groups[] | select(.name == \"$p\") | (.oldest | test(\"hagiang$\")) and .oldest_ms > 0" >/dev/null'
check "summary under hagiang: per district, and the province itself" \
    eval '[ "$(sum tw $p | jq -c "[.groups[] | [.name, .nodes]]")" = "[[\"$d1\",2],[\"$p\",1],[\"$d2\",1]]" ]'

# --- a commune stopped: stale; its district has a link down.
stop_node $c1
stale_one() {
	[ "$(walk tw --stale)" = "$c1" ]
}
check "the stopped commune is the one stale node" wait_for 15 stale_one
check "its district, a link down, is the one degraded" \
    eval '[ "$(walk tw --degraded)" = "$d1" ]'
check "--up: the other five" lists tw "tw $p $d2 $q $d3" --up
check "--stale under caobang: none" lists tw "" $q --stale
check "--stale under hagiang at the province, over cut pages: the commune" \
    lists $p "$c1" $p --stale
check "the stale commune's state and stale flag agree" \
    eval 'J tw $c1 | jq -e ".nodes[0] | .state == \"stale\" and .stale == true" >/dev/null'
check "summary: hagiang 4 nodes, 2 up, 1 degraded, 1 stale" group tw $p 4 2 1 1
check "summary: its oldest report is the stopped commune's" \
    eval 'sum tw | jq -e ".groups[] | select(.name == \"$p\") | .oldest == \"$c1\"" >/dev/null'
check "summary --stale: only the stale counted" \
    eval 'J tw --summary --stale | jq -e "[.groups[] | [.name, .nodes]] == [[\"$p\", 1]]" >/dev/null'
# The human summary follows every page: at the province, 2 reports a
# request, 4 nodes in all.
check "human summary at the province, merged over its cut pages" \
    eval 'out=$(ctl $p network --summary) &&
        grep -qE "^GROUP +NODES +UP +DEGRADED +STALE +OLDEST REPORT$" <<<"$out" &&
        grep -qE "^$d1 +2 +0 +1 +1  [0-9]+s ago \($c1\)$" <<<"$out" &&
        grep -qE "^$p +1 +1 +0 +0 " <<<"$out" && grep -qE "^$d2 +1 +1 +0 +0 " <<<"$out" &&
        tail -1 <<<"$out" | grep -qx "(4 nodes in 3 groups)"'

# --- bad input: node-ctl says which (exit 2, nothing sent); the node
# refuses the same in a raw request.
usage_err() {	# pattern args...: exit 2 and one line on stderr matching
	local pat=$1 out rc; shift
	out=$(ctl tw network "$@" 2>&1 >/dev/null); rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -q -- "$pat" <<<"$out"
}
check "a subtree that is not a node name" usage_err "SUBTREE: not a node name: Bad_Name" Bad_Name
check "--limit 0" usage_err "--limit: a number of nodes, 1 to 1000: 0" --limit 0
check "--limit 100000" usage_err "--limit: a number of nodes, 1 to 1000: 100000" --limit 100000
check "--limit x" usage_err "--limit: a number of nodes" --limit x
check "--from not a name" usage_err "--from: not a node name" --from "a b"
check "two states" usage_err "one at most" --stale --up
check "--summary with --limit" usage_err "no --limit" --summary --limit 5
check "an unknown option" usage_err "--bogus: not an option of network" --bogus
check "two subtrees" eval '! ctl tw network $p $q 2>/dev/null'
raw() { "$B/tests/ctl_raw" "$T/$1/control.sock" "$2" | jq -r .error; }
check "raw: limit 0" eval '[ "$(raw tw "{\"cmd\":\"network\",\"limit\":0}")" = "limit: 1 to 1000" ]'
check "raw: limit 1001" eval '[ "$(raw tw "{\"cmd\":\"network\",\"limit\":1001}")" = "limit: 1 to 1000" ]'
check "raw: limit not a number" eval '[ "$(raw tw "{\"cmd\":\"network\",\"limit\":\"5\"}")" = "limit: 1 to 1000" ]'
check "raw: under not a name" eval '[ "$(raw tw "{\"cmd\":\"network\",\"under\":\"Bad Name\"}")" = "under: a node name" ]'
check "raw: state unknown" eval '[ "$(raw tw "{\"cmd\":\"network\",\"state\":\"asleep\"}")" = "state: up, degraded or stale" ]'
check "raw: at the province, a subtree outside it" \
    eval '[ "$(raw $p "{\"cmd\":\"network\",\"under\":\"$q\"}")" = "under: $q is neither this node nor below it" ]'
check "node-ctl says the node's refusal, exit 1" \
    eval 'out=$(ctl $p network $q 2>&1 >/dev/null); [ $? -eq 1 ] && [ "$out" = "node-ctl: under: $q is neither this node nor below it" ]'
finish
