#!/usr/bin/env bash
# Subtree addresses (proto/README.md, "Subtree addresses"): one record
# to the mailbox vanthu at every node below a node.
#
#   tw <- hagiang <- bacquang.hagiang <- tanthanh, quyetthang, ngocha
#                 <- vixuyen.hagiang  <- tanthanh, quyetthang
#
# ngocha.bacquang.hagiang has no mailbox vanthu. hagiang also accepts
# links from any node below it, so a hostile commune can hand it a
# record directly.
#
# 1. node-ctl route shows where one goes. A subtree address reaches
#    every node below, once each, and nothing else; it crosses each
#    link into the subtree once and no other; a recipient sees the
#    subtree address, no other office's; receipts name each office that
#    delivered, one each; a node without the mailbox is no recipient
#    (no report).
# 2. The whole network ("vanthu@*") from the root; failure reports: a
#    subtree nobody knows, and expiry on the way to a commune that was
#    down, once per next hop.
# 3. Who may address a subtree: refused at submission, and at every
#    relay a hostile office hands one to (records_bad, logged); one
#    handed up from below is refused even if its origin may send it;
#    honest broadcasts still flow.
# 4. A peer of a protocol version before subtree addresses (2) is never
#    sent one: its sender gets a failure report saying why; a peer of
#    this version is.
cd "$(dirname "$0")/../.." && . tests/lib.sh && . tests/hostile.sh

P=hagiang BQ=bacquang.hagiang VX=vixuyen.hagiang
BQC="tanthanh.$BQ quyetthang.$BQ ngocha.$BQ"
VXC="tanthanh.$VX quyetthang.$VX"
ALL="tw $P $BQ $VX $BQC $VXC"
build_tree() {
	local c
	make_node tw && make_node $P tw && make_node $BQ $P &&
	    make_node $VX $P || return 1
	for c in $BQC; do
		if [ "$c" = "ngocha.$BQ" ]; then
			MAILBOXES=chutich make_node "$c" $BQ
		else
			make_node "$c" $BQ
		fi
	done
	for c in $VXC; do make_node "$c" $VX; done
	sed -i "s/^\\[node\\]/[node]\\naccept = *.$P/" "$T/$P.conf"
	# shellcheck disable=SC2086
	start_tree $ALL && wait_for 20 tree_up $ALL
}
check "a tree of two districts and five communes starts and links up" \
    build_tree

# Messages with subject $3 in mailbox $2 at each node of $1 (a list).
counts() {
	local n
	for n in $1; do
		ctl "$n" --json mail ls "$2" 2>/dev/null |
		    jq --arg s "$3" '[.messages[]? | select(.subject == $s)] | length'
	done | tr '\n' ' '
}
# Are there exactly $4 (default 1) of subject $3 in mailbox $2 at each
# node of $1?
each_has() {
	local c
	for c in $(counts "$1" "$2" "$3"); do
		[ "$c" -eq "${4:-1}" ] || return 1
	done
}
dups() {	# records_dup of every node, summed
	local n t=0
	for n in $ALL; do t=$((t + $(counter "$n" records_dup))); done
	echo $t
}
# The reports in mailbox $2 of node $1 about message $3, as JSON lines.
reports() {
	ctl "$1" --json mail ls "$2" | jq -c --arg id "$3" \
	    '.messages[] | select(.kind == "report" and .report.message_id == $id)'
}
send() {	# NODE FROM SUBJECT [ARGS...] TO...: prints the id
	local n=$1 from=$2 s=$3; shift 3
	echo "văn bản: $s" | ctl "$n" --json send --from "$from" --subject "$s" \
	    "$@" | jq -r .id
}

# --- 1. A district's communes, from the province ----------------------------
check "node-ctl route: the district sends vanthu@*.$BQ down to its 3 communes" \
    eval 'ctl $BQ --json route "vanthu@*.$BQ" | jq -e "(.links | map(.peer) |
	sort) == (\"$BQC\" | split(\" \") | sort) and .local == false and
	.next == \"down\"" >/dev/null'
check "a commune: delivered there, nowhere further" \
    eval 'ctl tanthanh.$BQ --json route "vanthu@*.$P" |
	jq -e ".links == [] and .local and .next == \"local\"" >/dev/null'
d0=$(dups)
id=$(send $P vanthu@$P "chỉ thị huyện" --receipt "vanthu@*.$BQ")
check "the province sends to vanthu@*.$BQ" test -n "$id"
check "every commune of $BQ with a vanthu gets it" \
    wait_for 20 each_has "tanthanh.$BQ quyetthang.$BQ" vanthu "chỉ thị huyện"
check "each receipt names the office that delivered, one each" \
    wait_for 20 eval 'test "$(reports $P vanthu "$id" |
	jq -s -c "map(select(.report.result == \"delivered\")) |
	    map([.from, .report.recipients]) | sort")" = \
	"[[\"quyetthang.$BQ\",[\"vanthu@quyetthang.$BQ\"]],[\"tanthanh.$BQ\",[\"vanthu@tanthanh.$BQ\"]]]"'
sleep 2	# anything duplicated or misrouted would have arrived by now
check "it was delivered once at each" \
    each_has "tanthanh.$BQ quyetthang.$BQ" vanthu "chỉ thị huyện"
check "and nowhere else: not the district itself, its sibling, above" \
    each_has "tw $P $BQ $VX $VXC" vanthu "chỉ thị huyện" 0
check "the commune without vanthu holds the record, delivers nothing" \
    eval 'holds ngocha.$BQ "$id" && [ "$(ctl ngocha.$BQ --json mail ls chutich |
	jq ".messages | length")" -eq 0 ]'
check "and sends no report: it is no recipient" \
    test "$(reports $P vanthu "$id" | jq -s 'length')" -eq 2
check "no node outside the subtree or its path holds the record" \
    eval '! holds tw "$id" && ! holds $VX "$id" && ! holds tanthanh.$VX "$id"'
check "no node received it twice (records_dup)" test "$(dups)" -eq "$d0"
seq=$(ctl tanthanh.$BQ --json mail ls vanthu |
    jq '.messages[] | select(.subject == "chỉ thị huyện") | .seq')
check "a recipient sees the subtree address as the recipient, and no other" \
    eval 'ctl tanthanh.$BQ --json mail cat vanthu $seq |
	jq -e --arg a "vanthu@*.$BQ" ".to == [\$a]" >/dev/null'
check "node-ctl mail cat shows it so" \
    eval 'ctl tanthanh.$BQ mail cat vanthu $seq | grep -q "^To: *vanthu@\*\.$BQ\$"'
check "no other office's name is in the record it holds" \
    eval '! ctl tanthanh.$BQ --json mail cat vanthu $seq |
	grep -qE "quyetthang|ngocha|vixuyen"'

# Each link into the subtree once, and no other: the trace from the
# province, hop by hop.
sorted() { printf '%s\n' "$@" | LC_ALL=C sort | tr '\n' ' '; }
edges() {	# the "sent" custody events along the path: FROM>TO, sorted
	# shellcheck disable=SC2046
	sorted $(ctl "$1" --json trace "$2" | jq -r '.hops[] | .node as $n |
	    .events[] | select(.event == "sent") | "\($n)>\(.peer)"')
}
received() {	# how many "received" events each node on the path has
	# shellcheck disable=SC2046
	sorted $(ctl "$1" --json trace "$2" | jq -r '.hops[] | .node as $n |
	    [.events[] | select(.event == "received")] | "\($n):\(length)"')
}
want=$(sorted "$P>$BQ" "$BQ>ngocha.$BQ" "$BQ>quyetthang.$BQ" \
    "$BQ>tanthanh.$BQ")
check "it crossed each link into the subtree once, and no other link" \
    wait_for 10 eval '[ "$(edges $P "$id")" = "$want" ]'
check "each node on its way received it once" \
    test "$(received $P "$id")" = "$(sorted $P:0 $BQ:1 ngocha.$BQ:1 \
    quyetthang.$BQ:1 tanthanh.$BQ:1)"

# A whole province, from the root: the districts and their communes.
d0=$(dups)
id=$(send tw chutich@tw "chỉ thị tỉnh" "vanthu@*.$P")
check "the root's broadcast to vanthu@*.$P reaches every node below" \
    wait_for 20 each_has "$BQ $VX tanthanh.$BQ quyetthang.$BQ $VXC" vanthu \
    "chỉ thị tỉnh"
sleep 2
check "once each, and not the province nor the root" \
    eval 'each_has "$BQ $VX tanthanh.$BQ quyetthang.$BQ $VXC" vanthu "chỉ thị tỉnh" &&
	each_has "tw $P" vanthu "chỉ thị tỉnh" 0'
check "no receipt was asked, none came; no failure either" \
    test "$(reports tw chutich "$id" | jq -s length)" -eq 0
want=$(sorted "tw>$P" "$P>$BQ" "$P>$VX" "$BQ>ngocha.$BQ" \
    "$BQ>quyetthang.$BQ" "$BQ>tanthanh.$BQ" "$VX>quyetthang.$VX" \
    "$VX>tanthanh.$VX")
check "one record went down each of the 8 links, once" \
    wait_for 10 eval '[ "$(edges tw "$id")" = "$want" ]'
check "no node received it twice (records_dup)" test "$(dups)" -eq "$d0"

# --- 2. The network; reports --------------------------------------------------
id=$(send tw chutich@tw "toàn quốc" "vanthu@*")
check "the root's vanthu@* reaches every node but the root, once" \
    wait_for 20 each_has "$P $BQ $VX tanthanh.$BQ quyetthang.$BQ $VXC" \
    vanthu "toàn quốc"
check "not the root itself" each_has tw vanthu "toàn quốc" 0

id=$(send $P vanthu@$P "không ai" "vanthu@*.nosuch.$P")
check "a subtree nobody knows comes back as one failure report naming it" \
    wait_for 10 eval 'reports $P vanthu "$id" | jq -s -e --arg a "vanthu@*.nosuch.$P" \
	"any(.[]; .report.result == \"failed\" and .report.reason == 2 and
	    .report.recipients == [\$a] and .from == \"$P\")" >/dev/null'

stop_node quyetthang.$VX
id=$(send $P vanthu@$P "hết hạn" --expires 3 "vanthu@*.$VX" chutich@tw)
check "a broadcast with an expiry reaches the commune that is up" \
    wait_for 10 each_has "tanthanh.$VX" vanthu "hết hạn"
sleep 4
check "the commune that was down comes back" \
    eval 'start_node quyetthang.$VX && wait_for 20 link_up quyetthang.$VX $VX'
check "its district reports the expiry on the way to it, naming the address" \
    wait_for 10 eval 'reports $P vanthu "$id" | jq -s -e --arg a "vanthu@*.$VX" \
	"any(.[]; .report.result == \"failed\" and .report.reason == 3 and
	    .report.recipients == [\$a] and .from == \"$VX\")" >/dev/null'
sleep 1
check "once, and nothing else failed" \
    test "$(reports $P vanthu "$id" | jq -s length)" -eq 1
check "the commune did not get it" each_has quyetthang.$VX vanthu "hết hạn" 0

# --- 3. Who may address a subtree -------------------------------------------
refused_send() {	# NODE TO: node-ctl send refuses it, naming why
	! echo x | ctl "$1" send --from "vanthu@$1" --subject no "$2" \
	    >"$T/send.out" 2>&1 && grep -q "may address" "$T/send.out"
}
check "a commune may not address its province's subtree" \
    refused_send tanthanh.$BQ "vanthu@*.$P"
check "nor a district its sibling's" refused_send $BQ "vanthu@*.$VX"
check "nor the province the whole network" refused_send $P "vanthu@*"
check "a commune may address the (empty) subtree below itself" \
    quiet send tanthanh.$BQ vanthu@tanthanh.$BQ "dưới xã" "vanthu@*.tanthanh.$BQ"

# Hand-signed by hostile offices, past their own node's check.
EV=ev.$BQ EP=ep.$P
new_key $EV && issue $BQ $EV >/dev/null
new_key $EP && issue $P $EP >/dev/null
bad() { counter "$1" records_bad; }
refused() {	# NODE PEER TEXT: NODE refused a record of PEER saying TEXT
	grep -F "event=record_refused peer=$2 " "$T/$1.log" | grep -qF -- "$3"
}
b0=$(bad $BQ)
check "a commune's mail to vanthu@*.$P is acked past by its district" \
    evil $EV $BQ send -T "vanthu@*.$P" -s "evil-province"
check "the district refuses it (records_bad)" test "$(bad $BQ)" -eq $((b0 + 1))
check "and logs why" refused $BQ $EV \
    "reason=\"mail to vanthu@*.$P: only the root or an office at or above $P may address that subtree\""
b0=$(bad $P)
check "the same handed to the province directly is acked past" \
    evil $EV $P send -T "vanthu@*.$P" -s "evil-province2"
check "the province refuses it too (records_bad)" \
    test "$(bad $P)" -eq $((b0 + 1))
b0=$(bad $P)
check "a district-level office's mail to its sibling's subtree is acked past" \
    evil $EP $P send -T "vanthu@*.$BQ" -s "evil-sibling"
check "and to every node" evil $EP $P send -T "vanthu@*" -s "evil-nation"
check "the province refuses both (records_bad)" \
    test "$(bad $P)" -eq $((b0 + 2))
check "and logs why" refused $P $EP \
    'reason="mail to vanthu@*: only the root may address every node"'
delivered_any() {	# SUBJECT...: is one of them in a vanthu anywhere?
	local s
	for s; do
		[ -z "$(counts "$ALL" vanthu "$s" | tr -d ' 0')" ] || return 0
	done
	return 1
}
check "none of them was delivered anywhere" never_for 3 delivered_any \
    evil-province evil-province2 evil-sibling evil-nation
b0=$(bad $P)
check "an office's mail to its own subtree, handed up to its parent, is acked past" \
    evil $EP $P send -T "vanthu@*.$EP" -s "evil-up"
check "it is refused too (records_bad): a broadcast only ever comes down" \
    eval '[ "$(bad $P)" -eq $((b0 + 1)) ] && refused $P $EP \
	"reason=\"mail to vanthu@*.$EP from $EP, which is not above this node: a subtree address only comes down\""'
id=$(send $P vanthu@$P "vẫn chạy" "vanthu@*.$BQ")
check "honest broadcasts still flow" \
    wait_for 20 each_has "tanthanh.$BQ quyetthang.$BQ" vanthu "vẫn chạy"
check "the relays refused nothing honest" \
    eval '[ "$(bad $BQ)" -eq 1 ] && [ "$(bad tanthanh.$BQ)" -eq 0 ]'

# --- 4. A peer of a version before subtree addresses ----------------------
V=$(sed -n 's/^#define WIRE_PROTOCOL_VERSION[[:space:]]*\([0-9]*\).*/\1/p' \
    node/lib/wire.h)
PV=2	# the newest without them (proto/README.md, "Versions")
OLD=old.$BQ NEW=new.$BQ
new_key $OLD && issue $BQ $OLD >/dev/null
new_key $NEW && issue $BQ $NEW >/dev/null
id=$(send $P vanthu@$P "cho xã mới" --clear "vanthu@*.$BQ")	# clear: only its address holds it back
check "a peer of version $PV below the district links up" \
    evil $OLD $BQ hello -V $PV -l 1500
check "it is sent no subtree mail, nor any mail at all" \
    eval '! evil_said $OLD hello "got kind 10"'
check "the sender hears that it was not carried there, naming the link" \
    wait_for 10 eval 'reports $P vanthu "$id" | jq -s -e --arg a "vanthu@*.$BQ" \
	"any(.[]; .report.result == \"failed\" and .report.recipients == [\$a] and
	    (.report.detail | contains(\"not carried: $OLD runs protocol version $PV\")))" >/dev/null'
check "a peer of version $V below the district links up" \
    evil $NEW $BQ hello -l 1500
check "it is sent the district's subtree mail" \
    evil_said $NEW hello "got kind 10"
check "the district refused nothing more" test "$(bad $BQ)" -eq 1
finish
