#!/usr/bin/env bash
# node-ctl doc import FILE: one document a line, up to 256 to a
# doc_put_batch request. The documents land and replicate (equal
# digests); bad lines are named by number and the rest go in; the same
# file again, or after an interruption, stores nothing twice; a
# doc_put's key holds across a restart; hostile batches are refused and
# the node goes on serving.
cd "$(dirname "$0")/../.." && . tests/lib.sh

p=hagiang
raw() { "$B/tests/ctl_raw" "$T/tw/control.sock" "$@"; }
docs() { ctl "$1" --json db digest kho | jq -e .docs; }
digest() { ctl "$1" --json db digest kho | jq -er .digest; }
same_digest() { [ "$(digest tw)" = "$(digest $p)" ]; }

make_node tw
make_node $p tw
start_tree tw $p
check "the province links up" wait_for 15 tree_up $p
ctl tw db create kho '*' '*=reader' >/dev/null
check "the database reaches the province" wait_for 15 docs $p

N=600
ID=0123456789abcdef0123456789abcdef
for i in $(seq 1 $N); do
	case $i in
	100)	echo '{"db": "kho", "fields": {"so": 100}' ;;
	200)	echo '{"db": "kho", "fields": {"so": {"y": 1}}}' ;;
	300)	echo '{"fields": {"so": 300}}' ;;
	400)	echo '{"db": "kho", "fields": {"so": 400}, "attach": []}' ;;
	450)	echo '[1, 2]' ;;
	500)	echo "{\"db\": \"kho\", \"id\": \"$ID\", \"fields\": {\"so\": 500}, \"readers\": [\"tw\", \"$p\"], \"key\": \"own-key-1\"}" ;;
	*)	printf '{"db": "kho", "fields": {"so": %d, "tieude": "Công văn số %d", "ngay": {"time_ms": %d}}}\n' $i $i $((1700000000000 + i)) ;;
	esac
done >"$T/docs.jsonl"
GOOD=$((N - 4))

# Interrupted after 350 lines (two of them bad): the whole file then.
head -n 350 "$T/docs.jsonl" >"$T/part.jsonl"
ctl tw doc import --db kho "$T/part.jsonl" >"$T/out0" 2>/dev/null
rc=$?
check "part of the file: exit 1, its bad lines counted" \
    eval '[ $rc -eq 1 ] &&
	grep -q "^348 imported (0 of them before, not again), 2 refused" "$T/out0"'
c0=$(counter tw commits)
ctl tw doc import --db kho "$T/docs.jsonl" >"$T/out1" 2>"$T/err1"
rc=$?
c1=$(counter tw commits)
check "a file with bad lines: exit 1" test $rc = 1
check "the whole file after the interruption: the first part not again" \
    grep -q "^$GOOD imported (348 of them before, not again), 4 refused" "$T/out1"
check "each bad line is named, with why" \
    eval 'grep -q "line 100: not a JSON object: .*(column" "$T/err1" &&
	grep -q "line 200: field so: a string, number" "$T/err1" &&
	grep -q "line 400: attach: not a member of a line" "$T/err1" &&
	grep -q "line 450: not a JSON object$" "$T/err1" &&
	! grep -q "line 300" "$T/err1"'
check "the node holds every good line once" test "$(docs tw)" = $GOOD
check "in a few commits, not one a document" test $((c1 - c0)) -lt 20
check "a line's own id, readers and key are taken" \
    eval 'ctl tw --json doc get kho $ID | jq -e ".fields.so == 500 and (.readers | length) == 2" >/dev/null'
check "the import replicates: the province's digest is the root's" \
    wait_for 60 same_digest
check "the province holds them all" test "$(docs $p)" = $GOOD

d0=$(digest tw)
ctl tw --json doc import --db kho "$T/docs.jsonl" >"$T/out2" 2>/dev/null
check "the same file again stores nothing: every line before" \
    eval 'jq -e ".imported == $GOOD and .before == $GOOD and .refused == 4 and
	([.errors[].line] == [100, 200, 400, 450])" "$T/out2" >/dev/null &&
	test "$(docs tw)" = $GOOD && test "$(digest tw)" = "$d0"'
# The same line (number and bytes) with another --db: another key.
one() {	# DB BEFORE: one line on stdin, into DB; BEFORE: it was there
	ctl tw --json doc import --db "$1" - <<<'{"fields": {"so": -9}}' |
	    jq -e ".imported == 1 and .before == $2" >/dev/null
}
ctl tw db create kho2 tw >/dev/null
check "--db is in the key of a line without db" \
    eval 'one kho 0 && one kho2 0 && one kho 1 && test "$(docs tw)" = $((GOOD + 1))'
check "doc import reads stdin and needs a file" \
    eval '! ctl tw doc import 2>/dev/null && ! ctl tw doc import --db "B A D" x 2>/dev/null'

# A doc_put's key, held across a restart.
r1=$(raw '{"cmd":"doc_put","db":"kho","fields":{"so":1},"key":"restart-1"}')
stop_node tw
start_node tw
r2=$(raw '{"cmd":"doc_put","db":"kho","fields":{"so":2},"key":"restart-1"}')
check "a doc_put key repeated after a restart: the first revision, duplicate" \
    eval '[ "$(jq -r .duplicate <<<"$r1")" = false ] &&
	[ "$(jq -r .duplicate <<<"$r2")" = true ] &&
	[ "$(jq -r .rev <<<"$r2")" = "$(jq -r .rev <<<"$r1")" ] &&
	[ "$(jq -r .id <<<"$r2")" = "$(jq -r .id <<<"$r1")" ] &&
	test "$(docs tw)" = $((GOOD + 2))'

# The node killed in the middle of an import, and started again: a
# request whose reply was lost is asked again with its keys (or, sent
# while the node was away, reaches it once it is back).
M=20000
awk -v m=$M 'BEGIN { for (i = 1; i <= m; i++)
    printf "{\"db\": \"kho3\", \"fields\": {\"so\": %d}}\n", i }' >"$T/many.jsonl"
ctl tw db create kho3 tw >/dev/null
r0=$(counter tw records_new)
ctl tw --json doc import "$T/many.jsonl" >"$T/out3" 2>"$T/err3" &
imp=$!
# Killed once its first request is stored, well before its last.
wait_for 20 eval '[ "$(counter tw records_new)" -ge $((r0 + 256)) ]'
kill_node tw
sleep 1
start_node tw
wait $imp
rc=$?
many() { ctl tw --json db digest kho3 | jq -e .docs; }
check "killed and started again during an import: every line once" \
    eval '[ $rc -eq 0 ] && jq -e ".imported == $M and .refused == 0" "$T/out3" >/dev/null &&
	test "$(many)" = $M'

# Hostile batches: each refused, and the node serves the next request.
batch_257() {
	raw "$(jq -cn '{cmd: "doc_put_batch",
	    items: [range(257) | {db: "kho", fields: {}}]}')" |
	    jq -e '.error == "doc_put_batch needs items: 1 to 256 doc_put requests"'
}
not_objects() {
	raw '{"cmd":"doc_put_batch","items":[1,"x",null,[],{"db":"kho","fields":{"so":-1}}]}' |
	    jq -e '[.results[] | .error // "written"] ==
		[range(4) | "an item is an object of doc_put'"'"'s fields"] + ["written"]'
}
over_limit() {
	raw "$(jq -cn '{cmd: "doc_put_batch", items: [{db: "kho",
	    fields: {t: ("x" * 70000)}}, {db: "kho", fields: {so: -2}}]}')" |
	    jq -e '(.results[0].error | test("over 65536 bytes")) and
		(.results[1].rev | length == 64)'
}
bad0=$(counter tw ctl_bad)
check "257 items: refused whole" \
    eval 'quiet batch_257 && test "$(docs tw)" = $((GOOD + 2))'
check "items that are not objects: an error each, in order" quiet not_objects
jq -cn '{cmd: "doc_put_batch", items: [range(20) |
    {db: "kho", fields: {t: ("x" * 60000)}}]}' >"$T/big.json"
check "a batch over 1 MiB: refused by its size" \
    eval 'raw --file "$T/big.json" |
	jq -e ".error == \"request over 1048576 bytes\"" >/dev/null'
check "a field over its limit: that item refused, the other written" \
    quiet over_limit
check "each refused request counted" \
    test "$(counter tw ctl_bad)" -eq $((bad0 + 2))
check "honest traffic goes on: a batch and a doc put" \
    eval 'ctl tw --json doc import - <<<"{\"db\": \"kho\", \"fields\": {\"so\": -3}}" | jq -e ".imported == 1" >/dev/null &&
	ctl tw doc put kho so:number=-4 >/dev/null &&
	test "$(docs tw)" = $((GOOD + 6))'
check "and it replicates" wait_for 30 same_digest
finish
