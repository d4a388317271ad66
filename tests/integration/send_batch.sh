#!/usr/bin/env bash
# node-ctl send --batch FILE: many messages in a few requests, each line
# with its key. Bad lines are named and the rest go; the same file sent
# again stores nothing twice; --json gives the counts; - reads stdin.
cd "$(dirname "$0")/../.." && . tests/lib.sh

make_node tw
check "the node starts" start_node tw
N=600
for i in $(seq 1 $N); do
	case $i in
	17)	echo 'this is not JSON' ;;
	300)	echo '{"from": "vanthu@tw", "to": "chutich@tw", "subject": "x"}' ;;
	450)	echo '{"from": "vanthu@tw", "to": "chutich@tw", "subject": "x", "text": "y", "priority": "soon"}' ;;
	*)	printf '{"from": "vanthu@tw", "to": "chutich@tw", "subject": "b-%d", "text": "Thu so %d"}\n' $i $i ;;
	esac
done >"$T/batch.jsonl"
# A list of recipients; one the node has no mailbox for gets a report.
echo '{"from": "vanthu@tw", "to": ["chutich@tw", "nobody@tw"], "subject": "z", "text": "z"}' >>"$T/batch.jsonl"

ctl tw send --batch "$T/batch.jsonl" >"$T/out1" 2>"$T/err1"
rc=$?
check "a file with bad lines: exit 1" test $rc = 1
check "the summary counts what went and what did not" \
    grep -q "^$((N - 2)) sent (0 of them before, not again), 3 failed" "$T/out1"
check "each bad line is named with why" \
    eval 'grep -q "line 17: not a JSON object" "$T/err1" &&
	grep -q "line 300: from, to, subject and text are needed" "$T/err1" &&
	grep -q "line 450: priority: urgent, normal or bulk" "$T/err1"'
check "the mailbox holds every good line once" \
    test "$(mail_count tw chutich)" = $((N - 2))
check "in a few commits, not one a message" \
    test "$(ctl tw --json status | jq .counters.commits)" -lt 50

ctl tw send --batch "$T/batch.jsonl" >"$T/out2" 2>/dev/null
check "the same file again sends nothing twice" \
    eval 'grep -q "^$((N - 2)) sent ($((N - 2)) of them before, not again), 3 failed" "$T/out2" &&
	test "$(mail_count tw chutich)" = $((N - 2))'

printf '{"from": "vanthu@tw", "to": "chutich@tw", "subject": "k", "text": "k", "key": "own-key-1"}\n' >"$T/one.jsonl"
id=$(echo "k" | ctl tw send --from vanthu@tw --subject k --key own-key-1 chutich@tw)
check "a line with its own key is that key's message" \
    eval 'ctl tw --json send --batch - <"$T/one.jsonl" | jq -e ".sent == 1 and .before == 1 and .failed == 0" >/dev/null &&
	test "$(mail_count tw chutich)" = $((N - 1))'
check "--json lists the failed lines" \
    eval 'ctl tw --json send --batch "$T/batch.jsonl" 2>/dev/null | jq -e "[.errors[].line] == [17, 300, 450]" >/dev/null'
check "--batch takes no recipients or --from" \
    eval '! ctl tw send --batch "$T/one.jsonl" --from vanthu@tw 2>/dev/null &&
	! ctl tw send --batch "$T/one.jsonl" chutich@tw 2>/dev/null'
check "send without --batch still needs a recipient" \
    eval '! echo x | ctl tw send --from vanthu@tw 2>/dev/null'
finish
