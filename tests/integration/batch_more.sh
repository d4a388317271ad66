#!/usr/bin/env bash
# A child that says another batch follows (Batch.more) on every batch and
# never sends it. A receiver holds its commit for a batch promised, but
# only so long (NODE_HOLD_MS, turn.h): the hostile child's records are
# still committed and acked, one hold each, and an honest child's mail,
# whose acks are not held, flows beside it.
#
# Tree: tw <- hagiang (honest), and evil_peer evmore, a certified child
# of tw. tw logs at debug level: its commit_due lines say why it
# committed.
cd "$(dirname "$0")/../.." && . tests/lib.sh && . tests/hostile.sh

EV=evmore
LOG_LEVEL=debug make_node tw
make_node hagiang tw
check "tw <- hagiang start and link up" \
    eval 'start_tree tw hagiang && wait_for 15 tree_up hagiang'
new_key $EV
issue tw $EV >/dev/null

# A commit that the hold's end made: one record held, 1,000 ms or more.
held_to_bound() {
	grep -qE "event=commit_due idle=[01] hold=1 records=[0-9]+ bytes=[0-9]+ ms=[0-9]{4,}$" \
	    "$T/tw.log"
}

check "alone, each of its 2 promised batches is acked all the same" \
    evil $EV tw send -m -r 2 -b 1 -t 30 -s promised
check "tw committed them when the hold ran out" held_to_bound
check "tw holds both" \
    test "$(subject_count tw chutich promised)" = 2

# Beside an honest child: evmore promises 3 more, hagiang sends 20.
evil $EV tw send -m -r 3 -b 1 -t 60 -s again &
epid=$!
"$B/tests/mail_flood" "$T/hagiang/control.sock" vanthu@hagiang \
    chutich@tw 20 honest >/dev/null &
fpid=$!
check "hagiang's 20 are accepted" wait $fpid
check "evmore's 3 are acked too" wait $epid
check "tw holds evmore's 3" \
    wait_for 10 eval '[ "$(subject_count tw chutich again)" = 3 ]'
check "and hagiang's 20" wait_for 20 mail_at_least tw chutich 25
check "no record was refused" test "$(counter tw records_bad)" = 0
finish
