#!/usr/bin/env bash
# The control protocol (proto/control.md), pinned reply by reply: a root
# and a province, linked, with mail, certificates and a database with a
# conflict; every command the daemon serves is sent as a raw JSON request
# (tests/helpers/ctl_raw), its success and its errors, and the SHAPE of
# each reply is compared with tests/vectors/control/COMMAND.json.
#
# A shape is the reply with its volatile values (ids, hashes, keys, times,
# sequence numbers, counters, sizes, versions, texts) replaced by their
# JSON type ("string", "number", "boolean"), and its stable ones ("ok",
# error strings, states, names the test chose) kept; an array becomes
# the sorted set of its elements' shapes. A field renamed, removed or
# added, or one of another type, fails its command's check with a diff.
#
# Changed a reply on purpose? Regenerate the golden files, then read the
# diff (git diff tests/vectors/control) and update proto/control.md:
#
#   UPDATE=1 B=build bash tests/integration/control_golden.sh
cd "$(dirname "$0")/../.." && . tests/lib.sh

GOLD=tests/vectors/control
GOT=$T/got
mkdir -p "$GOT"

# The shape of a reply (or a request): see above. "error" is kept at the
# top (the reply's own error) and typed below it (a link's last error);
# "reason" is kept (a report's reason, an enum); "stale" depends on time;
# "path" is a file of this run.
SHAPE='
def shape($key; $depth):
	if type == "object" then
		with_entries(.key as $k | .value |= shape($k; $depth + 1))
	elif type == "array" then map(shape($key; $depth)) | unique
	elif type == "number" then
		if $key == "reason" then . else "number" end
	elif type == "boolean" then
		if $key == "stale" then "boolean" else . end
	elif type == "string" then
		if test("^[0-9a-f]{16,}$") or
		    ($key | IN("version", "text", "text_b64", "b64",
		    "last_error", "path")) or ($key == "error" and $depth > 1)
		then "string" else . end
	else . end;
def shape: shape(""; 0);
'

declare -A ERRS
# ask FILE NODE CASE REQUEST, or ask FILE NODE CASE --size N | --file F |
# --multipart: sends the request to NODE's control socket as it is, and
# records the case, the request's shape and the reply's shape in FILE
# (a command's name, or "envelope": there the request is kept as text).
# The reply is left in $T/last.
ask() {
	local file=$1 node=$2 case=$3 req reply; shift 3
	reply=$("$B/tests/ctl_raw" "$T/$node/control.sock" "$@") ||
	    reply='"no reply"'
	printf '%s\n' "$reply" >"$T/last"
	if [ "$file" = envelope ]; then
		req=$(jq -cn --arg r "$*" '$r')
	elif [ "$1" = --file ]; then
		req=$(jq -c "$SHAPE shape" "$2")
	else
		req=$(jq -c "$SHAPE shape" <<<"$1")
	fi
	jq -e '.ok == false' "$T/last" >/dev/null 2>&1 &&
	    ERRS[$node]=$(( ${ERRS[$node]:-0} + 1 ))
	jq -cn --arg case "$case" --argjson req "$req" \
	    --argjson reply "$reply" "$SHAPE"'
	    {case: $case, request: $req, reply: ($reply | shape)}' \
	    >>"$GOT/$file.jsonl" ||
	    echo "{\"case\": \"$case\", \"reply\": \"not JSON\"}" >>"$GOT/$file.jsonl"
}
# A value from the last reply.
last() { jq -r "$1" "$T/last"; }

p=hagiang
make_node tw
make_node $p tw
for n in tw $p; do	# status reports every second: network has them
	set_limit $n status_s 1
done
start_tree tw $p
check "the province links up to the root" wait_for 15 tree_up $p

# --- Databases, and a conflict made while the link is down ------------
ask db_create tw "the root creates a database every node holds" \
    '{"cmd":"db_create","db":"shared","scope":"*","acl":[{"pattern":"*","level":"editor"}]}'
ask db_create tw "one where every other node only reads" \
    '{"cmd":"db_create","db":"notice","scope":"*","acl":[{"pattern":"*","level":"reader"},{"pattern":"d9.hagiang","level":"editor"}]}'
ask doc_put tw "a new document, a field of each kind" \
    '{"cmd":"doc_put","db":"shared","fields":{"title":"Nghị quyết","count":12,"tags":["dang","chinhquyen"],"issued":{"time_ms":1700000000000},"seal":{"b64":"AAEC"}},"readers":["*"]}'
doc=$(last .id)
ask doc_put tw "a second document, with a key" \
    '{"cmd":"doc_put","db":"shared","fields":{"title":"Công văn"},"key":"put-2"}'
doc2=$(last .id)
ask doc_put tw "whole: the same fields again, nothing written" \
    "{\"cmd\":\"doc_put\",\"db\":\"shared\",\"id\":\"$doc2\",\"fields\":{\"title\":\"Công văn\"},\"whole\":true,\"key\":\"put-3\"}"
ask doc_put tw "whole: a field the request leaves out is dropped" \
    "{\"cmd\":\"doc_put\",\"db\":\"shared\",\"id\":\"$doc2\",\"fields\":{\"so\":2},\"whole\":true}"
check "the documents reach the province" \
    wait_for 20 eval 'ctl $p doc get shared $doc && ctl $p doc get shared $doc2 &&
        ctl $p db acl notice'
# Apart: the root edits once, the province twice, so the province's
# revision (deeper) wins everywhere and the root's is its conflict.
stop_node $p
ask doc_put tw "a new revision of a document (its id given)" \
    "{\"cmd\":\"doc_put\",\"db\":\"shared\",\"id\":\"$doc\",\"fields\":{\"count\":20}}"
stop_node tw
start_node $p
ctl $p doc put shared "$doc" count:number=30 >/dev/null
ctl $p doc put shared "$doc" by=province >/dev/null
start_node tw
check "the link comes back" wait_for 20 tree_up $p
ERRS=()	# both nodes restarted: their ctl_bad counts from 0 again
conflicted() {	# node: the document shows its conflict there
	ctl "$1" --json doc conflicts shared |
	    jq -e --arg id "$doc" '.docs[] | select(.id == $id) | .conflicts | length == 1' >/dev/null
}
check "the conflict shows at the root" wait_for 30 conflicted tw
check "and at the province" wait_for 30 conflicted $p

# --- Mail ----------------------------------------------------------------
ask send tw "a message" \
    "{\"cmd\":\"send\",\"from\":\"chutich@tw\",\"to\":[\"vanthu@$p\"],\"subject\":\"m1\",\"text\":\"Kính gửi\"}"
m1=$(last .id)
ask send tw "a message that asks for a receipt" \
    "{\"cmd\":\"send\",\"from\":\"chutich@tw\",\"to\":[\"vanthu@$p\"],\"subject\":\"m2\",\"text\":\"x\",\"receipt\":true,\"expires_ms\":4000000000000}"
ask send tw "with a key: written" \
    "{\"cmd\":\"send\",\"from\":\"chutich@tw\",\"to\":[\"vanthu@$p\"],\"subject\":\"m3\",\"text\":\"x\",\"key\":\"req-1\"}"
k1=$(last .id)
ask send tw "with the same key again: the first one's id, duplicate" \
    "{\"cmd\":\"send\",\"from\":\"chutich@tw\",\"to\":[\"vanthu@$p\"],\"subject\":\"m3\",\"text\":\"x\",\"key\":\"req-1\"}"
check "send: a repeated key answers with the first id" test "$(last .id)" = "$k1"
ask send_batch tw "two messages, one already sent (key req-1), one refused" \
    "{\"cmd\":\"send_batch\",\"items\":[{\"from\":\"chutich@tw\",\"to\":[\"vanthu@$p\"],\"subject\":\"b1\",\"text\":\"x\",\"key\":\"batch-1\"},{\"from\":\"chutich@tw\",\"to\":[\"vanthu@$p\"],\"subject\":\"m3\",\"text\":\"x\",\"key\":\"req-1\"},{\"from\":\"nobody@tw\",\"to\":[\"vanthu@tw\"],\"subject\":\"s\",\"text\":\"x\"},7]}"
check "send_batch: one result an item, in order" \
    eval '[ "$(last ".results | map(has(\"id\")) | tostring")" = "[true,true,false,false]" ] &&
	[ "$(last ".results[1].id")" = "$k1" ]'
ask send_batch tw "no items" '{"cmd":"send_batch","items":[]}'
ask send_batch tw "257 items" \
    "$(jq -cn '{cmd: "send_batch", items: [range(257) | {}]}')"
ask send tw "clear: readable on the way, not sealed" \
    "{\"cmd\":\"send\",\"from\":\"chutich@tw\",\"to\":[\"vanthu@$p\"],\"subject\":\"c1\",\"text\":\"x\",\"clear\":true}"
ask send tw "sealed for a node no certificate names here" \
    "{\"cmd\":\"send\",\"from\":\"chutich@tw\",\"to\":[\"vanthu@nosuch.$p\"],\"subject\":\"s\",\"text\":\"x\"}"
ask send $p "to a subtree it may not address" \
    "{\"cmd\":\"send\",\"from\":\"vanthu@$p\",\"to\":[\"vanthu@*\"],\"subject\":\"s\",\"text\":\"x\"}"
ask send tw "text as base64 (not UTF-8), bulk priority" \
    "{\"cmd\":\"send\",\"from\":\"chutich@tw\",\"to\":[\"chutich@$p\"],\"subject\":\"m4\",\"text_b64\":\"/3g=\",\"priority\":2}"
ask send tw "no recipients" \
    '{"cmd":"send","from":"chutich@tw","to":[],"subject":"s","text":"x"}'
ask send tw "257 recipients" \
    "$(jq -cn '{cmd: "send", from: "chutich@tw", to: [range(257) | "vanthu@hagiang"], subject: "s", text: "x"}')"
ask send tw "both text and text_b64" \
    '{"cmd":"send","from":"chutich@tw","to":["vanthu@tw"],"subject":"s","text":"x","text_b64":"eA=="}'
ask send tw "no subject" \
    '{"cmd":"send","from":"chutich@tw","to":["vanthu@tw"],"text":"x"}'
ask send tw "a recipient that is not a string" \
    '{"cmd":"send","from":"chutich@tw","to":[7],"subject":"s","text":"x"}'
ask send tw "a recipient that is not an address" \
    '{"cmd":"send","from":"chutich@tw","to":["not an address"],"subject":"s","text":"x"}'
ask send tw "from a mailbox of another node" \
    "{\"cmd\":\"send\",\"from\":\"vanthu@$p\",\"to\":[\"vanthu@tw\"],\"subject\":\"s\",\"text\":\"x\"}"
ask send tw "from a mailbox this node does not have" \
    '{"cmd":"send","from":"nobody@tw","to":["vanthu@tw"],"subject":"s","text":"x"}'
ask send tw "a key with a space" \
    '{"cmd":"send","from":"chutich@tw","to":["vanthu@tw"],"subject":"s","text":"x","key":"a b"}'
ask send tw "text_b64 that is not base64" \
    '{"cmd":"send","from":"chutich@tw","to":["vanthu@tw"],"subject":"s","text_b64":"!!!"}'
jq -cn '{cmd: "send", from: "chutich@tw", to: ["vanthu@tw"], subject: "s",
    text: ("x" * 131073)}' >"$T/big_text.json"
ask send tw "text over 128 KiB" --file "$T/big_text.json"
jq -cn '{cmd: "send", from: "chutich@tw", to: ["vanthu@tw"], subject: "s",
    text_b64: ("eHh4" * 43700)}' >"$T/big_b64.json"
ask send tw "text_b64 over 128 KiB" --file "$T/big_b64.json"
ask send tw "a command name is exact (case matters)" '{"cmd":"Send"}'

check "the messages reach the province" wait_for 20 mail_at_least $p vanthu 4
check "and the one in the bulk lane" wait_for 20 mail_at_least $p chutich 1
check "the receipt comes back to the root" wait_for 20 mail_at_least tw chutich 1

ask mail_ls $p "a mailbox" '{"cmd":"mail_ls","mailbox":"vanthu"}'
seq1=$(last '.messages[] | select(.subject == "m1") | .seq')
seq2=$(last '.messages[] | select(.subject == "m2") | .seq')
seq3=$(last '.messages[] | select(.subject == "m3") | .seq')
seqc=$(last '.messages[] | select(.subject == "c1") | .seq')
ask mail_ls $p "from a message number on" \
    "{\"cmd\":\"mail_ls\",\"mailbox\":\"vanthu\",\"from\":$seq2}"
ask mail_ls $p "a configured mailbox with nothing in it" \
    '{"cmd":"mail_ls","mailbox":"chutich","from":1000}'
ask mail_ls $p "no mailbox" '{"cmd":"mail_ls"}'
ask mail_ls $p "from 0" '{"cmd":"mail_ls","mailbox":"vanthu","from":0}'
ask mail_ls $p "a mailbox this node does not have" \
    '{"cmd":"mail_ls","mailbox":"nosuch"}'

ask mail_cat $p "a message (now marked read)" \
    "{\"cmd\":\"mail_cat\",\"mailbox\":\"vanthu\",\"seq\":$seq1}"
ask mail_cat $p "a clear message" \
    "{\"cmd\":\"mail_cat\",\"mailbox\":\"vanthu\",\"seq\":$seqc}"
ask mail_cat $p "a message whose text is not UTF-8: base64 only" \
    '{"cmd":"mail_cat","mailbox":"chutich","seq":1}'
ask mail_cat $p "no seq" '{"cmd":"mail_cat","mailbox":"vanthu"}'
ask mail_cat $p "a seq that is a string" \
    '{"cmd":"mail_cat","mailbox":"vanthu","seq":"1"}'
ask mail_cat $p "no such message" '{"cmd":"mail_cat","mailbox":"vanthu","seq":99}'
ask mail_ls $p "after mail_cat: read" '{"cmd":"mail_ls","mailbox":"vanthu"}'

# trace: custody here and at the next hop, asked over the link.
traced() {
	ctl tw --json trace "$m1" | jq -e '[.hops[].events[].event] |
	    index("sent") != null and index("delivered") != null' >/dev/null
}
check "the root's trace of the message reaches the province" wait_for 20 traced
ask trace tw "a message handed on: here and at the next hop (answered later)" \
    "{\"cmd\":\"trace\",\"id\":\"$m1\"}"
ask trace tw "path false: this node only" \
    "{\"cmd\":\"trace\",\"id\":\"$m1\",\"path\":false}"
ask trace tw "a record never seen here" \
    '{"cmd":"trace","id":"0000000000000000000000000000000000000000000000000000000000000000"}'
ask trace tw "an id that is not 64 hex digits" '{"cmd":"trace","id":"abc"}'

ask mail_fail $p "a gateway gives up on a message: a report to its sender" \
    "{\"cmd\":\"mail_fail\",\"mailbox\":\"vanthu\",\"seq\":$seq2,\"reason\":\"unknown_mailbox\",\"detail\":\"550 5.1.1 no such user\"}"
ask mail_fail $p "a reason it does not know" \
    "{\"cmd\":\"mail_fail\",\"mailbox\":\"vanthu\",\"seq\":$seq3,\"reason\":\"lost\",\"detail\":\"x\"}"
ask mail_fail $p "no detail" \
    "{\"cmd\":\"mail_fail\",\"mailbox\":\"vanthu\",\"seq\":$seq3,\"reason\":\"refused\"}"
ask mail_fail $p "a detail over 1000 bytes" \
    "$(jq -cn --argjson s "$seq3" '{cmd: "mail_fail", mailbox: "vanthu", seq: $s, reason: "refused", detail: ("x" * 1001)}')"
ask mail_fail $p "the message is gone already" \
    "{\"cmd\":\"mail_fail\",\"mailbox\":\"vanthu\",\"seq\":$seq2,\"reason\":\"refused\",\"detail\":\"x\"}"

ask mail_rm $p "a message" \
    "{\"cmd\":\"mail_rm\",\"mailbox\":\"vanthu\",\"seq\":$seq3}"
ask mail_rm $p "the same again" \
    "{\"cmd\":\"mail_rm\",\"mailbox\":\"vanthu\",\"seq\":$seq3}"
ask mail_rm $p "seq 0" '{"cmd":"mail_rm","mailbox":"vanthu","seq":0}'

check "the failure report reaches the sender's mailbox" \
    wait_for 20 mail_at_least tw chutich 2
ask mail_ls tw "a mailbox holding a receipt and a failure report" \
    '{"cmd":"mail_ls","mailbox":"chutich"}'
fseq=$(last '.messages[] | select(.report.result == "failed") | .seq')
ask mail_cat tw "a failure report" \
    "{\"cmd\":\"mail_cat\",\"mailbox\":\"chutich\",\"seq\":$fseq}"

# --- The node, its links and routes --------------------------------------
ask status $p "the node" '{"cmd":"status"}'
ask status tw "the root (its tier: central)" '{"cmd":"status","verbose":true}'
ask status tw "a command name is exact" '{"cmd":"status "}'
ask peers $p "the links" '{"cmd":"peers"}'
ask peers $p "a command name is exact" '{"cmd":"PEERS"}'
ask queue $p "what each link owes" '{"cmd":"queue"}'
ask queue $p "a command name is exact" '{"cmd":"Queue"}'
ask metrics $p "Prometheus text" '{"cmd":"metrics"}'
ask metrics $p "a command name is exact" '{"cmd":"metric"}'
check "the province's status report reaches the root, both up" \
    wait_for 20 eval 'ctl tw --json network | jq -e "[.nodes[] | [.name, .state]] == [[\"$p\", \"up\"], [\"tw\", \"up\"]]" >/dev/null'
ask network tw "every node, from their status reports" '{"cmd":"network"}'
ask network $p "below a province: itself" '{"cmd":"network"}'
ask network tw "a command name is exact" '{"cmd":"net work"}'
ask network tw "from a name on, that one included" \
    '{"cmd":"network","from":"tw"}'
ask network tw "from: not a node name" '{"cmd":"network","from":"Bad Name"}'
ask network tw "a subtree: the province and the nodes below it" \
    "{\"cmd\":\"network\",\"under\":\"$p\"}"
ask network tw "one state: none stale" '{"cmd":"network","state":"stale"}'
ask network tw "a page of one, and next" '{"cmd":"network","limit":1}'
ask network tw "summary: per province, by state" '{"cmd":"network","summary":true}'
ask network tw "under: not a node name" '{"cmd":"network","under":"Bad Name"}'
ask network $p "under: outside this node's subtree" '{"cmd":"network","under":"tw"}'
ask network tw "state: not a state" '{"cmd":"network","state":"asleep"}'
ask network tw "limit: 0" '{"cmd":"network","limit":0}'
ask network tw "limit: over 1000" '{"cmd":"network","limit":1001}'
ask replicate $p "every link" '{"cmd":"replicate"}'
ask replicate $p "one link" '{"cmd":"replicate","peer":"tw"}'
ask replicate $p "no such peer" '{"cmd":"replicate","peer":"nosuch"}'

# --- Certificates ----------------------------------------------------------
d=d1.$p
new_pub() { "$B/node-key" generate "$T/$1.key"; }
dkey=$(new_pub d1)
ask cert_issue $p "a node below" \
    "{\"cmd\":\"cert_issue\",\"subject\":\"$d\",\"key\":\"$dkey\",\"days\":30}"
dcert=$(last .id)
ask cert_issue $p "a name outside its subtree" \
    "{\"cmd\":\"cert_issue\",\"subject\":\"other\",\"key\":\"$dkey\"}"
ask cert_issue $p "days 0" \
    "{\"cmd\":\"cert_issue\",\"subject\":\"$d\",\"key\":\"$dkey\",\"days\":0}"
ask cert_issue $p "a key that is not 64 hex digits" \
    "{\"cmd\":\"cert_issue\",\"subject\":\"$d\",\"key\":\"abc\"}"
ask route $p "a mailbox here" "{\"cmd\":\"route\",\"address\":\"vanthu@$p\"}"
ask route $p "up to the parent" '{"cmd":"route","address":"chutich@tw"}'
ask route $p "a node below, certified, never linked" \
    "{\"cmd\":\"route\",\"address\":\"vanthu@$d\"}"
ask route $p "inside the subtree, no node below covers it" \
    "{\"cmd\":\"route\",\"address\":\"vanthu@nosuch.$p\"}"
ask route tw "down to a child, linked" "{\"cmd\":\"route\",\"address\":\"vanthu@$p\"}"
ask route tw "the root: no node below covers it" \
    '{"cmd":"route","address":"vanthu@nosuch"}'
ask route tw "not an address" '{"cmd":"route","address":"not an address"}'
ask route tw "a subtree address: down each link into it" \
    "{\"cmd\":\"route\",\"address\":\"vanthu@*.$p\"}"
ask route $p "a subtree address: here and down to a node certified, never linked" \
    '{"cmd":"route","address":"vanthu@*"}'
ask route $p "a subtree address: no node of it known here" \
    "{\"cmd\":\"route\",\"address\":\"vanthu@*.nosuch.$p\"}"
ask cert_ls $p "every certificate held" '{"cmd":"cert_ls"}'
ask cert_revoke $p "a node below's certificate" \
    "{\"cmd\":\"cert_revoke\",\"id\":\"$dcert\",\"reason\":\"machine stolen\"}"
ask cert_ls $p "within a subtree, one revoked" "{\"cmd\":\"cert_ls\",\"under\":\"$d\"}"
ask cert_ls $p "not a node name" '{"cmd":"cert_ls","under":"Bad Name"}'
first=$(ctl $p --json cert ls | jq -r '.certs[0].id')
ask cert_ls $p "from the first certificate on, that one included" \
    "{\"cmd\":\"cert_ls\",\"from\":\"$first\"}"
ask cert_ls $p "from: a record that is not a certificate" \
    "{\"cmd\":\"cert_ls\",\"from\":\"$m1\"}"
ask cert_ls $p "from: not an id" '{"cmd":"cert_ls","from":"x"}'
pcert=$(ctl $p --json cert ls $p | jq -r --arg p $p '.certs[] | select(.subject == $p) | .id')
ask cert_revoke $p "its own certificate (not below it)" \
    "{\"cmd\":\"cert_revoke\",\"id\":\"$pcert\"}"
ask cert_revoke $p "a record that is not a certificate" \
    "{\"cmd\":\"cert_revoke\",\"id\":\"$m1\"}"
ask cert_revoke $p "an id held nowhere" \
    '{"cmd":"cert_revoke","id":"0000000000000000000000000000000000000000000000000000000000000000"}'
ask cert_revoke $p "an id that is not 64 hex digits" '{"cmd":"cert_revoke","id":"x"}'

# --- Databases and documents -----------------------------------------------
printf 'tệp đính kèm\n' >"$T/att.txt"
ask db_create $p "a database of this node's subtree (scope defaults to it)" \
    '{"cmd":"db_create","db":"local"}'
ask db_create $p "a database only a node below holds" \
    "{\"cmd\":\"db_create\",\"db\":\"below\",\"scope\":\"$d\"}"
ask db_create tw "a name in use" '{"cmd":"db_create","db":"shared"}'
ask db_create tw "the root: a scope that is not a name" \
    '{"cmd":"db_create","db":"x","scope":"Bad Name"}'
ask db_create $p "a scope outside this node's subtree" \
    '{"cmd":"db_create","db":"x","scope":"*"}'
ask db_create $p "not a database name" '{"cmd":"db_create","db":"Bad"}'
ask db_create $p "acl not a list" '{"cmd":"db_create","db":"x","acl":{}}'
ask db_create $p "an entry that is not a pattern" \
    '{"cmd":"db_create","db":"x","acl":[{"pattern":"a b","level":"reader"}]}'
ask db_create $p "an entry with no such level" \
    '{"cmd":"db_create","db":"x","acl":[{"pattern":"*","level":"owner"}]}'

ask db_ls tw "the databases" '{"cmd":"db_ls"}'
ask db_ls $p "at the province" '{"cmd":"db_ls"}'
ask db_ls $p "a command name is exact" '{"cmd":"db-ls"}'
ask db_ls tw "from a name on, that one included" \
    '{"cmd":"db_ls","from":"shared"}'
ask db_ls tw "from: not a database name" '{"cmd":"db_ls","from":"Bad"}'

ask db_acl tw "show" '{"cmd":"db_acl","db":"notice"}'
ask db_acl tw "set: an entry added, another removed" \
    "{\"cmd\":\"db_acl\",\"db\":\"notice\",\"set\":[{\"pattern\":\"*.$p\",\"level\":\"author\"},{\"pattern\":\"d9.$p\",\"level\":\"remove\"}]}"
ask db_acl tw "set: a level it does not know" \
    '{"cmd":"db_acl","db":"notice","set":[{"pattern":"*","level":"owner"}]}'
ask db_acl tw "show: no such database" '{"cmd":"db_acl","db":"nosuch"}'
ask db_acl tw "set: no such database" \
    '{"cmd":"db_acl","db":"nosuch","set":[]}'
ask db_acl $p "set by a node that is not a manager" \
    '{"cmd":"db_acl","db":"shared","set":[{"pattern":"*","level":"reader"}]}'

ask db_digest $p "a replica's digest" '{"cmd":"db_digest","db":"shared"}'
ask db_digest $p "no such database" '{"cmd":"db_digest","db":"nosuch"}'
ask db_digest $p "not a database name" '{"cmd":"db_digest"}'

ask doc_put $p "an attachment, read by the node from a path" \
    "{\"cmd\":\"doc_put\",\"db\":\"local\",\"fields\":{\"title\":\"scan\"},\"attach\":[{\"name\":\"a.txt\",\"path\":\"$T/att.txt\",\"media_type\":\"text/plain\"}]}"
adoc=$(last .id)
ask doc_put $p "with a key: written" \
    '{"cmd":"doc_put","db":"local","fields":{"title":"k"},"key":"put-1"}'
kdoc=$(last .id) krev=$(last .rev)
ask doc_put $p "the same key again: the first one's document and revision" \
    '{"cmd":"doc_put","db":"local","fields":{"title":"other"},"key":"put-1"}'
check "doc_put: a repeated key answers with the first document and revision" \
    eval '[ "$(last .id)" = "$kdoc" ] && [ "$(last .rev)" = "$krev" ]'
ask doc_put_batch $p "a new document, a revision of it, a key held, refusals" \
    "{\"cmd\":\"doc_put_batch\",\"items\":[{\"db\":\"local\",\"fields\":{\"n\":1},\"key\":\"bput-1\"},{\"db\":\"local\",\"id\":\"$kdoc\",\"fields\":{\"n\":2}},{\"db\":\"local\",\"fields\":{},\"key\":\"put-1\"},{\"db\":\"nosuch\",\"fields\":{}},{\"db\":\"local\",\"fields\":{},\"attach\":[{\"name\":\"a\",\"path\":\"$T/att.txt\"}]},7]}"
check "doc_put_batch: one result an item, in order" \
    eval '[ "$(last ".results | map(has(\"rev\")) | tostring")" = "[true,true,true,false,false,false]" ] &&
	[ "$(last ".results[1].id")" = "$kdoc" ] && [ "$(last ".results[2].rev")" = "$krev" ]'
ask doc_put_batch $p "no items" '{"cmd":"doc_put_batch","items":[]}'
ask doc_put_batch $p "items not a list" '{"cmd":"doc_put_batch","items":{}}'
ask doc_put_batch $p "257 items" \
    "$(jq -cn '{cmd: "doc_put_batch", items: [range(257) | {}]}')"
ask doc_put $p "a key held, with an attachment: its file is not read" \
    '{"cmd":"doc_put","db":"local","fields":{},"attach":[{"name":"a","path":"/nonexistent/file"}],"key":"put-1"}'
ask doc_put $p "a key that is not one" \
    '{"cmd":"doc_put","db":"local","fields":{},"key":"a b"}'
ask doc_put tw "a key a send used" \
    '{"cmd":"doc_put","db":"shared","fields":{},"key":"req-1"}'
ask doc_put $p "an id of this node's choosing" \
    '{"cmd":"doc_put","db":"local","id":"0123456789abcdef0123456789abcdef","fields":{}}'
ask doc_put $p "no fields" '{"cmd":"doc_put","db":"local"}'
ask doc_put $p "readers not a list" \
    '{"cmd":"doc_put","db":"local","fields":{},"readers":"*"}'
ask doc_put $p "a reader that is not a pattern" \
    '{"cmd":"doc_put","db":"local","fields":{},"readers":["a b"]}'
ask doc_put $p "a value of no known kind" \
    '{"cmd":"doc_put","db":"local","fields":{"x":{"y":1}}}'
ask doc_put $p "a field name over 64 bytes" \
    "{\"cmd\":\"doc_put\",\"db\":\"local\",\"fields\":{\"$(printf 'n%.0s' {1..65})\":1}}"
ask doc_put $p "an id that is not 32 hex digits" \
    '{"cmd":"doc_put","db":"local","id":"abc","fields":{}}'
ask doc_put $p "attach not a list" \
    '{"cmd":"doc_put","db":"local","fields":{},"attach":{}}'
ask doc_put $p "an attachment without a path" \
    '{"cmd":"doc_put","db":"local","fields":{},"attach":[{"name":"a"}]}'
ask doc_put $p "an attachment whose file is not there" \
    '{"cmd":"doc_put","db":"local","fields":{},"attach":[{"name":"a","path":"/nonexistent/file"}]}'
ask doc_put $p "no such database" '{"cmd":"doc_put","db":"nosuch","fields":{}}'
ask doc_put $p "a database this node holds no replica of" \
    '{"cmd":"doc_put","db":"below","fields":{}}'
ask doc_put $p "refused by the database's rules (a reader)" \
    '{"cmd":"doc_put","db":"notice","fields":{"x":"y"}}'

ask doc_get tw "a document with a conflict" \
    "{\"cmd\":\"doc_get\",\"db\":\"shared\",\"id\":\"$doc\"}"
ask doc_get $p "with an attachment" \
    "{\"cmd\":\"doc_get\",\"db\":\"local\",\"id\":\"$adoc\"}"
ask doc_get tw "no such revision" \
    "{\"cmd\":\"doc_get\",\"db\":\"shared\",\"id\":\"$doc\",\"rev\":\"0000000000000000000000000000000000000000000000000000000000000000\"}"
ask doc_get tw "no such document" \
    '{"cmd":"doc_get","db":"shared","id":"00000000000000000000000000000000"}'
ask doc_get tw "an id that is not 32 hex digits" \
    '{"cmd":"doc_get","db":"shared","id":"xyz"}'

ask doc_history tw "the revisions, oldest first" \
    "{\"cmd\":\"doc_history\",\"db\":\"shared\",\"id\":\"$doc\"}"
rev2=$(last '.revs[1].rev')
ask doc_history tw "from a revision on, that one included" \
    "{\"cmd\":\"doc_history\",\"db\":\"shared\",\"id\":\"$doc\",\"from\":\"$rev2\"}"
ask doc_history tw "from: not a revision of this document" \
    "{\"cmd\":\"doc_history\",\"db\":\"shared\",\"id\":\"$doc\",\"from\":\"$m1\"}"
ask doc_history tw "no such document" \
    '{"cmd":"doc_history","db":"shared","id":"00000000000000000000000000000000"}'

ask doc_conflicts tw "the documents in conflict" \
    '{"cmd":"doc_conflicts","db":"shared"}'
ask doc_conflicts tw "no such database" '{"cmd":"doc_conflicts","db":"nosuch"}'
ask doc_conflicts tw "from an id on" \
    '{"cmd":"doc_conflicts","db":"shared","from":"00000000000000000000000000000000"}'
ask doc_conflicts tw "from: not an id" \
    '{"cmd":"doc_conflicts","db":"shared","from":"x"}'

ask doc_resolve tw "keep a revision that is not there" \
    "{\"cmd\":\"doc_resolve\",\"db\":\"shared\",\"id\":\"$doc\",\"keep\":\"0000000000000000000000000000000000000000000000000000000000000000\"}"
ask doc_resolve tw "merge every live leaf, keeping the winner's fields" \
    "{\"cmd\":\"doc_resolve\",\"db\":\"shared\",\"id\":\"$doc\"}"
ask doc_resolve tw "no conflicts left" \
    "{\"cmd\":\"doc_resolve\",\"db\":\"shared\",\"id\":\"$doc\"}"
ask doc_resolve tw "no such document" \
    '{"cmd":"doc_resolve","db":"shared","id":"00000000000000000000000000000000"}'

# doc_rm; once the province holds the stub, the root purges the
# document (node/purge.c), and says so. The province is away until the
# deleted (not yet purged) document has been asked about.
stop_node $p
ask doc_rm tw "a document, with a key" \
    "{\"cmd\":\"doc_rm\",\"db\":\"shared\",\"id\":\"$doc2\",\"key\":\"rm-1\"}"
ask doc_rm tw "the same key again: the first stub, not deleted already" \
    "{\"cmd\":\"doc_rm\",\"db\":\"shared\",\"id\":\"$doc2\",\"key\":\"rm-1\"}"
ask doc_put tw "a deleted document" \
    "{\"cmd\":\"doc_put\",\"db\":\"shared\",\"id\":\"$doc2\",\"fields\":{}}"
ask doc_rm tw "no such document" \
    '{"cmd":"doc_rm","db":"shared","id":"00000000000000000000000000000000"}'
ERRS[$p]=0	# restarted: its ctl_bad counts from 0 again
start_node $p
check "the root purges the deleted document" \
    wait_for 20 eval 'ctl tw --json doc get shared $doc2 | jq -e .purged >/dev/null'
ask doc_get tw "a purged document" \
    "{\"cmd\":\"doc_get\",\"db\":\"shared\",\"id\":\"$doc2\"}"
ask doc_history tw "a purged document: the tree without the records" \
    "{\"cmd\":\"doc_history\",\"db\":\"shared\",\"id\":\"$doc2\"}"
first=$(last '.revs[0].rev')
ask doc_get tw "a purged document, a revision of its tree" \
    "{\"cmd\":\"doc_get\",\"db\":\"shared\",\"id\":\"$doc2\",\"rev\":\"$first\"}"
ask doc_rm tw "a purged document" "{\"cmd\":\"doc_rm\",\"db\":\"shared\",\"id\":\"$doc2\"}"
ask doc_rm tw "a purged document, the key of its delete: the request's ids" \
    "{\"cmd\":\"doc_rm\",\"db\":\"shared\",\"id\":\"$doc2\",\"key\":\"rm-1\"}"
ask doc_put tw "the key of a purged document's revision, no id" \
    '{"cmd":"doc_put","db":"shared","fields":{},"key":"put-2"}'
ask doc_put tw "a purged document" \
    "{\"cmd\":\"doc_put\",\"db\":\"shared\",\"id\":\"$doc2\",\"fields\":{}}"
ask doc_resolve tw "a purged document" \
    "{\"cmd\":\"doc_resolve\",\"db\":\"shared\",\"id\":\"$doc2\"}"
ask doc_attachment tw "a purged document" \
    "{\"cmd\":\"doc_attachment\",\"db\":\"shared\",\"id\":\"$doc2\",\"name\":\"a.txt\"}"

ask doc_ls tw "the live documents" '{"cmd":"doc_ls","db":"shared"}'
ask doc_ls tw "with the deleted ones, from an id on" \
    '{"cmd":"doc_ls","db":"shared","deleted":true,"from":"00000000000000000000000000000000"}'
ask doc_ls tw "from: not an id" '{"cmd":"doc_ls","db":"shared","from":"x"}'
ask doc_ls tw "no such database" '{"cmd":"doc_ls","db":"nosuch"}'

ask doc_attachment $p "an attachment, every chunk here" \
    "{\"cmd\":\"doc_attachment\",\"db\":\"local\",\"id\":\"$adoc\",\"name\":\"a.txt\"}"
ask doc_attachment $p "no such attachment" \
    "{\"cmd\":\"doc_attachment\",\"db\":\"local\",\"id\":\"$adoc\",\"name\":\"b.txt\"}"
ask doc_attachment $p "no name" \
    "{\"cmd\":\"doc_attachment\",\"db\":\"local\",\"id\":\"$adoc\"}"

# --- The envelope ---------------------------------------------------------
ask envelope tw "not JSON" 'not json'
ask envelope tw "a JSON array" '[1,2]'
ask envelope tw "an empty message" ''
ask envelope tw "a key twice" '{"cmd":"status","cmd":"peers"}'
ask envelope tw "a NUL in a string" '{"cmd":"st\u0000atus"}'
ask envelope tw "no cmd" '{"db":"shared"}'
ask envelope tw "a cmd that is not a string" '{"cmd":["status"]}'
ask envelope tw "an unknown command" '{"cmd":"rm -rf"}'
ask envelope tw "over 1 MiB" --size 1048577
ask envelope tw "a multipart message" --multipart

# Every refused request counted, at each node (since its last start).
bad_counted() {
	local n
	for n in tw $p; do
		[ "$(ctl $n --json status | jq .counters.ctl_bad)" -eq "${ERRS[$n]:-0}" ] ||
		    return 1
	done
}
check "every error reply was counted in ctl_bad" bad_counted

# --- The province gone: what the root says -----------------------------
stop_node $p
check "the root sees the province's link down" \
    wait_for 20 eval '! link_up tw $p'
ask trace tw "a next hop that is not connected: not asked" \
    "{\"cmd\":\"trace\",\"id\":\"$m1\"}"
ask replicate tw "a link down that the other side makes" '{"cmd":"replicate"}'
ask queue tw "a link down" '{"cmd":"queue"}'
ask peers tw "a link down" '{"cmd":"peers"}'
# A stub the province does not hold yet is not purged: deleted, again.
ask doc_put tw "a document written while the province is down" \
    '{"cmd":"doc_put","db":"shared","fields":{"title":"x"}}'
doc3=$(last .id)
ask doc_rm tw "it, deleted" "{\"cmd\":\"doc_rm\",\"db\":\"shared\",\"id\":\"$doc3\"}"
ask doc_rm tw "deleted already" "{\"cmd\":\"doc_rm\",\"db\":\"shared\",\"id\":\"$doc3\"}"
ask doc_get tw "a deleted document, not purged: its stub" \
    "{\"cmd\":\"doc_get\",\"db\":\"shared\",\"id\":\"$doc3\"}"

# --- Compare ---------------------------------------------------------------
for f in "$GOT"/*.jsonl; do
	jq -S -s . "$f" >"${f%l}"	# keys sorted: their order is no contract
	rm "$f"
done
if [ -n "${UPDATE:-}" ]; then
	rm -f "$GOLD"/*.json
	mkdir -p "$GOLD"
	cp "$GOT"/*.json "$GOLD"/
	echo "# wrote $(ls "$GOLD" | wc -l) golden files to $GOLD"
fi
same_shape() {	# FILE: the replies of this run as the golden file has them
	[ -f "$GOLD/$1" ] && [ -f "$GOT/$1" ] && cmp -s "$GOLD/$1" "$GOT/$1" && return
	diff -u "$GOLD/$1" "$GOT/$1" 2>&1 | sed 's/^/#   /'
	return 1
}
for f in $( (ls "$GOLD"; ls "$GOT") | sort -u); do
	check "${f%.json}: $(jq length "$GOT/$f" 2>/dev/null || echo no) replies of the golden shapes" \
	    same_shape "$f"
done

# Every command the daemon serves is pinned, with a success and an
# error, and written down in the contract.
served() {
	sed -n 's/^	{ "\([a-z_]*\)", cmd_[a-z_]* },$/\1/p' node/ctl_admin.c node/ctl_mail.c node/ctl_doc.c |
	    sort
}
unpinned() {
	local c missing=
	for c in $(served); do
		jq -e 'any(.reply.ok == true) and any(.reply.ok == false)' \
		    "$GOLD/$c.json" >/dev/null 2>&1 || missing+=" $c"
	done
	[ -z "$missing" ] || { echo "# not pinned:$missing"; return 1; }
}
check "the daemon serves $(served | wc -l) commands; each is pinned ok and refused" \
    unpinned
undocumented() {
	local c missing=
	for c in $(served); do
		grep -qs "^### \`$c\`" proto/control.md || missing+=" $c"
	done
	[ -z "$missing" ] || { echo "# not in proto/control.md:$missing"; return 1; }
}
check "proto/control.md has a section for each" undocumented
finish
