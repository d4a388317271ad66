#!/usr/bin/env bash
# Trace of a message fanned out to more than 64 nodes (issue 14, item 3),
# and of one whose next hop answers without end.
#
#   tw <- hagiang <- bacquang.hagiang <- c1 ... c68.bacquang.hagiang
#   tw <- evil (evil_peer)
#
# A letter from tw to the 68 communes: node-ctl trace at tw lists every
# one of its 71 hops, whole, though the district's answer (69 hops) and
# the province's (70) are more than the 64 an answer once held: with
# trace_page_hops = 16 each goes up in five pages, each asked for. evil
# asks tw about it as a node from before pages (one frame: 64 hops, the
# last saying how many more there were) and as one of this version
# (every page). Then two letters to evil, whose answers are pages that
# never end: of small hops (cut at the hops one trace holds) and of
# frames near the size limit (cut at its bytes); tw answers in time,
# says where and why it cut, stops asking, and its memory stays bounded.
cd "$(dirname "$0")/../.." && . tests/lib.sh && . tests/hostile.sh

NC=${NC:-68}
p=hagiang d=bacquang.hagiang
COMMUNES=$(for i in $(seq 1 "$NC"); do echo "c$i.$d"; done)
make_node tw
make_node $p tw
make_node $d $p
for c in $COMMUNES; do
	make_node "$c" $d
done
for n in tw $p $d; do
	set_limit $n trace_page_hops 16
done

# Enrols the nodes named, then starts them all at once and waits for
# each control socket.
start_many() {
	local n
	for n; do enrol "$n" || return 1; done
	for n; do
		"$B/node" -c "$T/$n.conf" >>"$T/$n.log" 2>&1 &
		PID[$n]=$!
	done
	for n; do wait_for 20 ctl "$n" status || return 1; done
}
# Are $2 links up at node $1?
links_up() {
	ctl "$1" --json peers |
	    jq -e --argjson n "$2" '[.peers[] | select(.state == "up")] | length == $n' >/dev/null
}
t0=$SECONDS
check "tw, the province and the district start" start_tree tw $p $d
# shellcheck disable=SC2086
check "$NC communes start" start_many $COMMUNES
check "the district has its parent and $NC communes up" wait_for 30 links_up $d $((NC + 1))
echo "# $((NC + 3)) nodes up in $((SECONDS - t0)) s"

# evil: a child of tw, certified by it.
new_key evil
check "tw certifies evil" eval '[ -n "$(issue tw evil)" ]'

# --- A letter to every commune.
# shellcheck disable=SC2046
m=$(echo "to every commune" | ctl tw --json send --from chutich@tw \
    --subject wide $(for c in $COMMUNES; do echo "vanthu@$c"; done) | jq -r .id)
check "tw sends a letter to $NC communes" test "${#m}" -eq 64

# Does tw's trace of the letter hold every hop, each commune's with its
# delivery, and nothing noted missing? (Its reply in $T/trace.json.)
traced_all() {
	ctl tw --json trace "$m" >"$T/trace.json" &&
	    jq -e --argjson n $((NC + 3)) '.complete == true and (.hops | length) == $n and
	    ([.hops[] | select(.events | map(.event) | index("delivered"))] | length) == $n - 3' \
	    "$T/trace.json" >/dev/null
}
check "tw's trace lists all $((NC + 3)) hops, whole, every commune's delivery in it" \
    wait_for 60 traced_all
check "every node once: tw, the province, the district, each commune" \
    eval '[ "$(jq -r ".hops[].node" "$T/trace.json" | LC_ALL=C sort)" = "$(printf "%s\n" tw $p $d $COMMUNES | LC_ALL=C sort)" ]'
check "each commune: received from the district, delivered to vanthu" \
    eval 'jq -e --arg d $d "[.hops[] | select(.node | endswith(\".\" + \$d)) |
        (.events | map(select(.event == \"received\" and .peer == \$d)) | length) == 1 and
        (.events | map(select(.event == \"delivered\" and .peer == \"vanthu\")) | length) == 1] |
        length == $NC and all" "$T/trace.json" >/dev/null'
check "no hop has a note" \
    eval '[ "$(jq "[.hops[] | select(has(\"note\"))] | length" "$T/trace.json")" -eq 0 ]'
check "node-ctl trace prints every hop and no gap" \
    eval 'ctl tw trace $m >"$T/trace.txt" && [ "$(grep -c "^at " "$T/trace.txt")" -eq $((NC + 3)) ] &&
        ! grep -q "incomplete\|did not answer" "$T/trace.txt"'
t=$(date +%s%N)
ctl tw --json trace "$m" >/dev/null
echo "# trace of the letter at tw: $(( ($(date +%s%N) - t) / 1000000 )) ms"

# --- evil asks tw about it, as an old node and as a new one.
evil evil tw trace-ask -t 20 -w "$m"
rc=$?
check "evil_peer asked tw twice (exit $rc)" test $rc -eq 0
check "as a node from before pages: one frame of 64 hops, the last saying 8 more" \
    evil_said evil trace-ask 'evil_peer: trace answer hops=64 note="8 more hops not sent: the asker takes at most 64 in an answer (an older version)"'
check "as a node of this version: every hop, in 5 pages of 16" \
    evil_said evil trace-ask 'evil_peer: paged answer pages=5 hops=71 total=71'

# --- Answers without end. evil_peer MODE runs in the background; a
# letter to evil is traced once tw's custody says evil holds it.
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/${PID[tw]}/status"; }
sent_to_evil() {	# the letter $1 acked by evil at tw
	"$B/tests/ctl_raw" "$T/tw/control.sock" \
	    "{\"cmd\":\"trace\",\"id\":\"$1\",\"path\":false}" |
	    jq -e '.events | map(select(.event == "sent" and .peer == "evil")) | length == 1' >/dev/null
}
# flood MODE: a letter to evil, traced at tw while evil answers in MODE;
# the reply in $T/MODE.json, the time it took in $T/MODE.ms.
flood() {
	local mode=$1 id t
	evil evil tw "$mode" -t 30 &
	local epid=$!
	wait_for 15 link_up tw evil || return 1
	id=$(echo "for evil" | ctl tw --json send --from chutich@tw \
	    --subject "$mode" vanthu@evil | jq -r .id)
	wait_for 15 sent_to_evil "$id" || return 1
	t=$(date +%s%N)
	ctl tw --json trace "$id" >"$T/$mode.json" || return 1
	echo $(( ($(date +%s%N) - t) / 1000000 )) >"$T/$mode.ms"
	wait "$epid"
}
# The trace queries evil answered in MODE.
answered() {
	evil_output evil "$1" | sed -nE 's/^evil_peer: answered ([0-9]+) trace queries.*/\1/p'
}
rss0=$(rss_kib)
check "an endless answer of small hops: the trace comes back" flood trace-endless
echo "# $(cat "$T/trace-endless.ms") ms; $(answered trace-endless) pages asked"
check "in at most 3.5 s" test "$(cat "$T/trace-endless.ms")" -le 3500
check "cut at the hops one trace holds, and said so on evil's last hop" \
    jq -e '(.hops | length) <= 32769 and .complete == false and
        (.hops[-1] | .node == "evil" and (.note | test("^answer cut: [0-9]+ of 4000000000 of its hops taken, as many as one trace holds here")))' \
    "$T/trace-endless.json" >/dev/null
check "tw stopped asking: evil answered at most 9 pages" \
    eval '[ "$(answered trace-endless)" -le 9 ]'
check "an endless answer of 7 MiB pages: the trace comes back" flood trace-huge
echo "# $(cat "$T/trace-huge.ms") ms; $(answered trace-huge) pages asked"
check "in at most 3.5 s" test "$(cat "$T/trace-huge.ms")" -le 3500
check "cut at the bytes one trace holds, and said so" \
    jq -e '.complete == false and (.hops | length) < 100 and
        (.hops[-1] | .node == "evil" and (.note | test("^answer cut: [0-9]+ of 4000000000 of its hops taken, as many as one trace holds here")))' \
    "$T/trace-huge.json" >/dev/null
check "tw stopped asking: evil answered at most 3 pages" \
    eval '[ "$(answered trace-huge)" -le 3 ]'
rss1=$(rss_kib)
echo "# tw's RSS: $rss0 KiB before the floods, $rss1 KiB after"
# ASan holds freed memory back (its quarantine, 256 MiB by default).
bound=65536
ldd "$B/node" 2>/dev/null | grep -q libasan && bound=$((bound + 262144))
check "tw's memory after them is within $((bound / 1024)) MiB of before" \
    test $((rss1 - rss0)) -le $bound
check "tw still answers, and traces the letter to the communes whole" traced_all
finish
