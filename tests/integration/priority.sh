#!/usr/bin/env bash
# An urgent message overtakes a bulk backlog: while the province is cut
# off, the root queues a backlog of bulk mail for it and then one urgent
# directive; when the link returns the directive is delivered among the
# first, not after the backlog.
cd "$(dirname "$0")/../.." && . tests/lib.sh

N=3000
make_node tw
make_node hagiang tw
start_node tw && enrol hagiang && start_node hagiang
check "the link comes up" wait_for 15 link_up hagiang tw
stop_node hagiang
check "the root queues $N bulk messages" quiet env MAIL_FLOOD_PRIORITY=bulk \
    "$B/tests/mail_flood" "$T/tw/control.sock" chutich@tw vanthu@hagiang $N bulk
echo "Khẩn" | ctl tw send --from chutich@tw --subject "khẩn: chỉ thị" \
    --priority urgent vanthu@hagiang >/dev/null
start_node hagiang
urgent_seq() {	# the urgent directive's place in the mailbox, once there
	ctl hagiang --json mail ls vanthu |
	    jq -e '.messages[] | select(.subject == "khẩn: chỉ thị") | .seq'
}
check "the urgent directive arrives" wait_for 60 urgent_seq
seq=$(urgent_seq)
check "it arrives among the first, ahead of the backlog (place $seq)" \
    test "$seq" -le 10
delivered() {
	test "$(ctl hagiang --json status | jq .counters.delivered)" -ge $((N + 1))
}
check "and the whole backlog follows" wait_for 120 delivered
finish
