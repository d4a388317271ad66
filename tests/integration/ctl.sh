#!/usr/bin/env bash
# node-ctl's view of a running district: route (which link, and why) and
# metrics (Prometheus text: every line a comment or name{labels} value),
# in human and JSON form.
cd "$(dirname "$0")/../.." && . tests/lib.sh

d=bacquang.hagiang
make_node tw
make_node hagiang tw
make_node $d hagiang
make_node tanthanh.$d $d
start_node tw && enrol hagiang && start_node hagiang && enrol $d &&
    start_node $d && enrol tanthanh.$d && start_node tanthanh.$d
check "four tiers link up" wait_for 15 link_up tanthanh.$d $d

route() { ctl $d --json route "$1"; }
check "route: a local mailbox is local" \
    eval '[ "$(route vanthu@$d | jq -r .next)" = local ]'
check "route: a commune goes through itself, by longest suffix" \
    eval 'route vanthu@tanthanh.$d | jq -e ".next == \"tanthanh.$d\" and .why == \"longest suffix match\" and .link == \"up\"" >/dev/null'
check "route: the root goes up the default route" \
    eval 'route chutich@tw | jq -e ".next == \"hagiang\" and (.why | test(\"default\"))" >/dev/null'
check "route: an unknown node below us goes nowhere" \
    eval '[ "$(route x@nosuch.$d | jq -r .next)" = none ]'
check "route: the human form names the link and the reason" \
    eval '[[ $(ctl $d route chutich@tw) == *"hagiang (link up): default route"* ]]'
check "route: a malformed address is an error (exit 1)" \
    eval '! ctl $d route "not an address" 2>/dev/null'

ctl $d metrics >"$T/metrics"
check "metrics: every line is a comment or name{labels} value" \
    eval '! grep -vE "^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\})? [0-9]+)$" "$T/metrics"'
typed() {	# every sample's metric has a TYPE line
	local m
	for m in $(grep -v "^#" "$T/metrics" | sed "s/[{ ].*//" | sort -u); do
		grep -q "^# TYPE $m " "$T/metrics" || return 1
	done
}
check "metrics: every sample has its TYPE line" typed
check "metrics: the link to the commune is up" \
    grep -q "^node_peer_up{peer=\"tanthanh.$d\"} 1$" "$T/metrics"
check "metrics: --json carries the same text" \
    eval 'ctl $d --json metrics | jq -e ".text | test(\"node_records_in_total\")" >/dev/null'

# mail rm: gone from the mailbox, and not delivered again if it returns.
id1=$(echo "một" | ctl tw send --from chutich@tw --subject "xoá tôi" vanthu@$d)
check "a letter reaches the district" wait_for 20 mail_at_least $d vanthu 1
seq=$(ctl $d --json mail ls vanthu | jq '.messages[] | select(.subject == "xoá tôi") | .seq')
check "mail rm removes it" quiet ctl $d mail rm vanthu "$seq"
check "it is no longer listed" \
    eval '[ "$(ctl $d --json mail ls vanthu | jq "[.messages[] | select(.subject == \"xoá tôi\")] | length")" -eq 0 ]'
check "mail rm of it again is an error" eval '! ctl $d mail rm vanthu "$seq" 2>/dev/null'

# replicate: a link backing off for a minute comes back at once.
q=quyetthang.$d
make_node $q $d
sed -i 's/^retry_min_ms = .*/retry_min_ms = 60000/; s/^retry_max_ms = .*/retry_max_ms = 60000/' "$T/$q.conf"
enrol $q && start_node $q
check "a commune with a one-minute backoff links up" wait_for 15 link_up $q $d
stop_node $d
check "its link goes down with the district" \
    wait_for 20 eval '! link_up $q $d'
start_node $d
sleep 2
check "a minute's backoff keeps it down" eval '! link_up $q $d'
check "replicate says it reconnects" \
    eval '[[ $(ctl $q replicate) == *"reconnecting"* ]]'
check "replicate brings it up at once" wait_for 10 link_up $q $d
check "replicate of an unknown peer is an error" \
    eval '! ctl $q replicate nosuch 2>/dev/null'

# queue: what the district owes a commune that is down, per priority.
stop_node $q
check "the district sees the commune down" wait_for 20 eval '! link_up $d $q'
for i in 1 2; do
	echo "thường $i" | ctl tw send --from chutich@tw --subject "q$i" vanthu@$q >/dev/null
done
echo "khẩn" | ctl tw send --from chutich@tw --subject q3 --priority urgent vanthu@$q >/dev/null
owed() {	# lane records -> 0 if the district owes the commune that many
	ctl $d --json queue | jq -e --arg p "$q" --arg l "$1" --argjson n "$2" \
	    '.links[] | select(.peer == $p) | .[$l].records == $n' >/dev/null
}
check "queue: the district owes it 2 normal messages" wait_for 20 owed normal 2
check "queue: and 1 urgent one" owed urgent 1
check "queue: the human form lists it" \
    eval '[[ $(ctl $d queue) == *"$q"* ]]'
start_node $q
check "queue: once it is back, nothing is owed" \
    wait_for 20 eval 'owed normal 0 && owed urgent 0'
check "and the three arrived" wait_for 10 mail_at_least $q vanthu 3

# cert ls: the certificates the district holds, within a subtree, and
# their state.
certs() { ctl $d --json cert ls "$@"; }
check "cert ls of the district's subtree: itself and its communes, valid" \
    eval 'certs $d | jq -e "[.certs[] | select(.state == \"valid\") | .subject] | sort == [\"$d\", \"$q\", \"tanthanh.$d\"]" >/dev/null'
check "cert ls without a subtree lists the tiers above too" \
    eval 'certs | jq -e "[.certs[].subject] | index(\"hagiang\") != null" >/dev/null'
qid=$(certs $q | jq -r '.certs[0].id')
check "cert revoke, then cert ls shows it revoked" \
    eval 'quiet ctl $d cert revoke "$qid" && certs $q | jq -e ".certs[0].state == \"revoked\"" >/dev/null'
check "cert ls in human form" eval '[[ $(ctl $d cert ls $q) == *"revoked"* ]]'
check "cert ls of a bad name is an error" eval '! ctl $d cert ls "Bad Name" 2>/dev/null'

# send --key: a request repeated with the same key is written once.
ksend() { echo "một lần" | ctl $d --json send --from vanthu@$d --subject once --key "$1" chutich@tw; }
k1=$(ksend "req-1") && k2=$(ksend "req-1") && k3=$(ksend "req-2")
check "send --key: the repeat answers with the first id, marked duplicate" \
    eval '[ "$(jq -r .id <<<"$k1")" = "$(jq -r .id <<<"$k2")" ] &&
        jq -e ".duplicate == false" <<<"$k1" >/dev/null &&
        jq -e ".duplicate == true" <<<"$k2" >/dev/null'
check "send --key: another key writes another message" \
    eval '[ "$(jq -r .id <<<"$k3")" != "$(jq -r .id <<<"$k1")" ]'
check "send --key: two messages reach the root, not three" \
    wait_for 20 eval 'test "$(ctl tw --json mail ls chutich | jq "[.messages[] | select(.subject == \"once\")] | length")" = 2'
check "send --key: a key with a space is refused" \
    eval '! echo x | ctl $d send --from vanthu@$d --key "a b" chutich@tw 2>/dev/null'

# Strings from another node reach the terminal escaped (esc()): a
# terminal escape, a C1 control and a right-to-left override.
evil_subject=$'hi\e[2J\xc2\x9b31m\xe2\x80\xaegnp.exe'
echo "x" | ctl $d send --from vanthu@$d --subject "$evil_subject" chutich@tw >/dev/null
check "mail ls at the root shows the subject escaped, no control byte" \
    wait_for 20 eval 'out=$(ctl tw mail ls chutich) &&
        [[ $out == *"hi\x1b[2J\x9b31m\u202egnp.exe"* ]] &&
        ! grep -qP "\x1b|\xc2\x9b|\xe2\x80\xae" <<<"$out"'

# Read-only inspection of a stopped node's store (-d DATADIR).
c=tanthanh.$d
id=$(echo "Kính gửi" | ctl tw send --from chutich@tw --subject "đọc khi dừng" vanthu@$c)
check "a letter reaches the commune" wait_for 20 mail_at_least $c vanthu 1
stop_node $c
dctl() { "$B/node-ctl" -d "$T/$c" "$@"; }
check "-d status reads the stopped node's store" \
    eval 'dctl --json status | jq -e ".running == false and .store.records > 0" >/dev/null'
check "-d status in human form says the node is stopped" \
    eval '[[ $(dctl status) == *"node stopped; read-only"* ]]'
check "-d mail ls lists the letter" \
    eval 'dctl --json mail ls vanthu | jq -e ".messages[0].subject == \"đọc khi dừng\"" >/dev/null'
check "-d mail cat shows its text" \
    eval '[[ $(dctl mail cat vanthu 1) == *"Kính gửi"* ]]'
check "-d mail cat did not mark it read (read-only)" \
    eval 'dctl --json mail ls vanthu | jq -e ".messages[0].read == false" >/dev/null'
check "-d trace shows its custody here" \
    eval 'dctl --json trace "$id" | jq -e "[.events[].event] == [\"received\", \"delivered\"]" >/dev/null'
check "-d refuses what needs a running node, saying so" \
    eval '[[ $(dctl peers 2>&1) == *"needs a running node"* ]]'
check "a stopped node's socket: the error says to use -d" \
    eval '[[ $(ctl $c status 2>&1) == *"use -d DATADIR"* ]]'
check "-d left the store as it was (node-store check passes)" \
    quiet "$B/node-store" check "$T/$c"

# The letter was handed to the commune, which is down now: the trace at
# the district has nobody to ask, answers at once, and the control
# socket keeps answering (it once dropped that reply and wedged).
traced() {
	timeout 10 "$B/node-ctl" -c "$T/$d.conf" --json trace "$id" |
	    jq -e --arg c $c '.hops[] | select(.node == $c) |
	    .note | test("not asked|did not answer")' >/dev/null
}
check "the district sees the commune's link down" \
    wait_for 15 eval '! link_up $d $c'
check "trace of a letter handed to a commune that is down answers" traced
check "and the control socket answers the next request" \
    eval 'timeout 10 "$B/node-ctl" -c "$T/$d.conf" status >/dev/null'
check "a second trace answers too" traced

# queue reads a bounded number of log entries per request (each is
# decoded inside the loop): past it, the figures are floors.
"$B/tests/mail_flood" "$T/$d/control.sock" vanthu@$d vanthu@$c 2500 \
    queued >/dev/null
t0=$(date +%s%3N)
qj=$(ctl $d --json queue)
echo "# queue with 2,500 messages owed: answered in $(( $(date +%s%3N) - t0 )) ms"
check "queue: past its reading budget the commune's lane is a floor (partial)" \
    eval 'jq -e --arg c $c ".links[] | select(.peer == \$c) | .normal |
        .partial == true and .records >= 1000 and .records < 2500" <<<"$qj" >/dev/null'
check "queue: the human form marks the floor with +" \
    eval '[[ $(ctl $d queue) == *"+ / "* ]]'
finish
