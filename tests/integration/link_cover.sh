#!/usr/bin/env bash
# A link that gets nothing of a busy stretch of its sender's log still
# has its checkpoint moved past it: an empty batch covers the stretch
# once it is COVER_AFTER (256) positions long (node/feed.c), so the
# sender's queue counts it exactly and a restarted feed rereads little.
# The root sends 2,000 mails to hagiang; caobang, its other child, gets
# none of them, and its checkpoint at the root follows the head. 2,000
# is past what queue reads of a lane here (16,384 / (3 x 3) entries):
# left uncovered, caobang's count would be a floor ("partial").
cd "$(dirname "$0")/../.." && . tests/lib.sh

make_node tw
make_node hagiang tw
make_node caobang tw
start_tree tw hagiang caobang
check "both provinces link up" wait_for 20 tree_up hagiang caobang

for i in $(seq 1 2000); do
	printf '{"from": "vanthu@tw", "to": "vanthu@hagiang", "subject": "m%d", "text": "x"}\n' "$i"
done >"$T/mails.jsonl"
check "2,000 mails to hagiang go in" ctl tw send --batch "$T/mails.jsonl"
check "hagiang gets all 2,000" wait_for 30 mail_at_least hagiang vanthu 2000
check "and not one twice" test "$(mail_count hagiang vanthu)" = 2000
check "caobang gets none of them" test "$(mail_count caobang vanthu)" = 0

peer() {	# field $2 of the root's peer $1
	ctl tw --json peers | jq -e --arg p "$1" ".peers[] |
	    select(.name == \$p) | .$2"
}
# The head moved some 2,000 positions; caobang's checkpoint follows it to
# within 256, though nothing went to it.
covered() {
	local head acked
	head=$(peer hagiang acked) && acked=$(peer caobang acked) &&
	    [ "$head" -ge 2000 ] && [ $((head - acked)) -lt 256 ]
}
check "caobang's checkpoint at the root is within 256 of the head" \
    wait_for 20 covered
check "the root's queue for caobang: nothing, counted exactly" \
    wait_for 10 eval 'ctl tw --json queue | jq -e '\''.links[] |
	select(.peer == "caobang") | [.urgent, .normal, .bulk] |
	all(.records == 0 and .partial == false)'\'' >/dev/null'
check "caobang still takes mail" \
    eval 'echo x | ctl tw send --from vanthu@tw --subject after vanthu@caobang >/dev/null &&
	wait_for 20 mail_at_least caobang vanthu 1'
finish
