#!/usr/bin/env bash
# Undeliverable mail comes back as signed failure reports: an unknown
# mailbox, an unknown node, and a message that expired while its next
# hop was down. A receipt, when asked for, comes back too. Mail to a node
# no certificate names cannot be sealed: it is refused at once, and sent
# --clear the network reports on it.
cd "$(dirname "$0")/../.." && . tests/lib.sh

make_node tw
make_node hagiang tw
make_node bacquang.hagiang hagiang
start_node tw && enrol hagiang && start_node hagiang &&
    enrol bacquang.hagiang && start_node bacquang.hagiang
check "three tiers link up" wait_for 15 link_up bacquang.hagiang hagiang

# Reports for the sender's mailbox, as JSON lines: reason and recipient.
reports() {
	ctl "$1" --json mail ls "$2" |
	    jq -c '.messages[] | select(.kind == "report")'
}
failed_for() {	# node mailbox recipient -> 0 if a failure report is there
	local n=$1 mb=$2 r=$3 seq
	for seq in $(ctl $n --json mail ls $mb | jq '.messages[] | select(.kind == "report") | .seq'); do
		ctl $n --json mail cat $mb $seq |
		    jq -e --arg r "$r" '.report.result == "failed" and .report.recipient == $r' >/dev/null && return 0
	done
	return 1
}

b=bacquang.hagiang
echo "x" | ctl $b send --from vanthu@$b --subject unknown-mailbox nobody@tw >/dev/null
check "an unknown mailbox is reported back to the sender" \
    wait_for 15 failed_for $b vanthu nobody@tw
check "sealed mail to an unknown node is refused at once, saying why" \
    eval '! echo x | ctl $b send --from vanthu@$b vanthu@nowhere.tw \
	2>"$T/err" >/dev/null && grep -q "no certificate of nowhere.tw holds here" "$T/err"'
echo "x" | ctl $b send --clear --from vanthu@$b --subject unknown-node vanthu@nowhere.tw >/dev/null
check "an unknown node is reported back to the sender" \
    wait_for 15 failed_for $b vanthu vanthu@nowhere.tw

# A node under the district that does not exist: the district, not the
# root, knows there is no such child, and says so.
echo "x" | ctl tw send --clear --from chutich@tw --subject unknown-child vanthu@nosuch.$b >/dev/null
check "an unknown node below a district is reported back to the sender" \
    wait_for 15 failed_for tw chutich vanthu@nosuch.$b
check "the district is the one that reported it" \
    test "$(ctl $b --json status | jq .counters.reports_sent)" -ge 1

# Expiry: the district is down, so the province holds the message past
# its expiry; when the link returns it is not delivered but reported.
stop_node $b
echo "x" | ctl tw send --from chutich@tw --subject soon-stale --expires 1 vanthu@$b >/dev/null
sleep 2
start_node $b
check "an expired message is reported back to the sender" \
    wait_for 20 failed_for tw chutich vanthu@$b
check "the expired message was not delivered" \
    test "$(ctl $b --json mail ls vanthu | jq '[.messages[] | select(.subject == "soon-stale")] | length')" -eq 0

echo "x" | ctl tw send --from chutich@tw --subject with-receipt --receipt vanthu@$b >/dev/null
delivered_receipt() {
	reports tw chutich | jq -e 'select(.subject == "delivered")' >/dev/null
}
check "a receipt comes back when asked for" wait_for 20 delivered_receipt
check "the expiry was reported once, not once per retry" \
    test "$(reports tw chutich | jq -s --arg r vanthu@$b 'map(select(.subject == "delivery failed" and .report.recipient == $r)) | length')" -eq 1
finish
