#!/usr/bin/env bash
# Sealed mail (proto/README.md, "Sealed mail") on a four-tier tree:
#
#   tw <- hagiang <- bacquang.hagiang <- tanthanh, quyetthang
#                 <- vixuyen.hagiang  <- tanthanh
#
# 1. A commune's letter to a commune of the other district, with an
#    attachment in its text: its recipient reads it whole; the offices
#    it crosses (two districts and the province) hold and relay it, and
#    neither node-store ls nor mdb_dump of their stores, nor their logs,
#    show a word of its subject, text or attachment (nor the sender's
#    store). Its receipt comes back. A letter sent --clear is readable
#    at the relays. A letter the commune's chairman signs with his
#    personal key goes sealed with its signature, which its recipient
#    checks and shows.
# 2. A hostile office: a sealed letter whose ciphertext it changed is
#    refused at the first hop (records_bad, logged), and one that keeps
#    its subject in clear beside the seal; one sealed for another
#    envelope than it has is carried (no relay can tell) and delivered,
#    but its recipient cannot open it and says why. Honest sealed mail
#    from the same office, and from others, still flows.
# 3. A subtree address: sealed for every node below the district whose
#    certificate its sender holds, read at each; a commune enrolled after
#    it was sealed gets it, cannot read it and says so, and the sender
#    hears. Past 256 node keys a subtree is refused sealed, saying to
#    send it clear.
# 4. A commune re-keyed, its old key file lost: mail sealed to that key
#    is delivered, reported unreadable to its sender, and mail cat says
#    why; the old key file put back in old_keys opens it, saying so; with
#    both certificates valid a letter is sealed to both keys, and once
#    the old one is revoked, to the new one alone.
cd "$(dirname "$0")/../.." && . tests/lib.sh && . tests/hostile.sh &&
    . tests/sealed.sh

# The seq of the message with subject $3 in mailbox $2 of node $1.
seq_of() {
	ctl "$1" --json mail ls "$2" |
	    jq -r --arg s "$3" '[.messages[] | select(.subject == $s)][0].seq'
}
# The seq of the message whose record id is $3.
seq_id() {
	ctl "$1" --json mail ls "$2" |
	    jq -r --arg id "$3" '.messages[] | select(.id == $id) | .seq'
}
reports() {	# NODE MAILBOX ID: the reports there about record ID
	ctl "$1" --json mail ls "$2" | jq -c --arg id "$3" \
	    '.messages[] | select(.kind == "report" and .report.message_id == $id)'
}
# tanthanh.bacquang's letter with subject $1 and text $2 (more node-ctl
# send options after them) to tanthanh.vixuyen: prints its id.
letter() {
	local s=$1 t=$2; shift 2
	echo "$t" | ctl $C1 --json send --from vanthu@$C1 --subject "$s" \
	    "$@" vanthu@$C2 | jq -r .id
}
# How many node keys the record with id $2 at node $1 is sealed for.
sealed_for() {
	"$B/node-store" ls "$T/$1" 2>/dev/null | grep "  ${2:0:16}  " |
	    sed -n 's/.*(sealed for \([0-9]*\) node key(s)).*/\1/p'
}

# --- 1. Across two districts ------------------------------------------------
tag=$RANDOM$RANDOM
SUBJ=giaymoi-$tag BODY=noidung-$tag ATT=bienban-$tag
cat >"$T/letter" <<EOF
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Kính gửi xã Tân Thành: mời họp lúc 8 giờ. $BODY
--b1
Content-Type: text/plain; charset=utf-8; name="$ATT.txt"
Content-Disposition: attachment; filename="$ATT.txt"

Biên bản cuộc họp $ATT-noidung
--b1--
EOF
id=$(ctl $C1 --json send --from vanthu@$C1 --subject "$SUBJ" --receipt \
    --file "$T/letter" vanthu@$C2 | jq -r .id)
check "a commune sends a sealed letter to a commune of the other district" \
    test -n "$id"
check "its recipient has it" wait_for 20 mail_at_least $C2 vanthu 1
seq=$(seq_of $C2 vanthu "$SUBJ")
check "and reads its subject, text and attachment, sealed on the way" \
    eval 'ctl $C2 --json mail cat vanthu "$seq" >"$T/cat.json" &&
	jq -e --arg s "$SUBJ" ".sealed and .subject == \$s" "$T/cat.json" >/dev/null &&
	jq -r .text "$T/cat.json" | grep -qF "$BODY" &&
	jq -r .text "$T/cat.json" | grep -qF "$ATT-noidung"'
check "node-ctl mail cat says it was sealed" \
    eval 'ctl $C2 mail cat vanthu "$seq" | grep -q "^Sealed:  yes, opened here$"'
check "its receipt comes back" \
    wait_for 20 eval 'reports $C1 vanthu "$id" | jq -e "select(.report.result == \"delivered\")" >/dev/null'
for n in $BQ $P $VX; do
	check "$n relayed it: it holds the record" holds $n "$id"
	check "$n's store and log show none of it (node-store ls, mdb_dump, log)" \
	    eval '! exposes $n "$SUBJ" && ! exposes $n "$BODY" && ! exposes $n "$ATT"'
	check "$n's node-store ls shows it sealed, for one node key" \
	    test "$(sealed_for $n "$id")" = 1
done
check "nor does the sender's store keep it readable" \
    eval '! exposes $C1 "$SUBJ" && ! exposes $C1 "$BODY"'
check "nor the recipient's store: it is opened as it is read" \
    eval '! mdb_dump -a -p "$T/$C2" | grep -qF "$BODY"'
check "nor any relay's log" \
    eval '! grep -qF "$tag" "$T/$BQ.log" "$T/$P.log" "$T/$VX.log"'

CLR=congkhai-$tag
cid=$(letter "$CLR" "Thông báo $CLR" --clear)
check "a letter sent --clear arrives" \
    wait_for 20 eval '[ "$(subject_count $C2 vanthu "$CLR")" -eq 1 ]'
check "and is readable at a relay, by each of the same means" \
    eval 'holds $P "$cid" && "$B/node-store" ls "$T/$P" | grep -qF "$CLR" &&
	mdb_dump -a "$T/$P" | grep -qF "$(hex "$CLR")" &&
	mdb_dump -a -p "$T/$P" | grep -qF "$CLR"'
check "its recipient sees it was not sealed" \
    eval 'ctl $C2 --json mail cat vanthu "$(seq_of $C2 vanthu "$CLR")" |
	jq -e ".sealed == false" >/dev/null'

# An official's signature, sealed with what it signs.
chairman
b0=$(( $(counter $BQ records_bad) + $(counter $P records_bad) ))
sig=$(with_pass "$PASS" letter "kyten-$tag" "Quyết định $tag" \
    --sign-as "$T/chutich.key")
check "he signs a sealed letter" test ${#sig} -eq 64
check "it arrives, and the relays refused nothing (they cannot check it)" \
    wait_for 20 eval '[ "$(subject_count $C2 vanthu "kyten-$tag")" -eq 1 ] &&
	[ "$(( $(counter $BQ records_bad) + $(counter $P records_bad) ))" -eq "$b0" ]'
check "its recipient opens it, checks the signature and shows who signed" \
    eval 'ctl $C2 --json mail cat vanthu "$(seq_of $C2 vanthu "kyten-$tag")" |
	jq -e --arg p "$ME" ".sealed and .signed_by.person == \$p and
	    .signed_by.when_signed == \"valid\" and .signed_by.now == \"valid\"" >/dev/null'
check "node-ctl mail cat says so" \
    eval 'ctl $C2 mail cat vanthu "$(seq_of $C2 vanthu "kyten-$tag")" |
	grep -qF "Signed:  $ME, certified by $C1: valid when signed, and now"'

# --- 2. A hostile office -----------------------------------------------------
EV=ev.$BQ
new_key $EV && issue $BQ $EV >/dev/null
K2=$(cat "$T/$C2/pub")
bad() { counter "$1" records_bad; }
refused() {	# NODE PEER TEXT: NODE refused a record of PEER saying TEXT
	grep -F "event=record_refused peer=$2 " "$T/$1.log" | grep -qF -- "$3"
}
b0=$(bad $BQ)
check "a sealed letter with a ciphertext byte changed is acked past" \
    evil $EV $BQ tamper -P "$K2" -T vanthu@$C2 -s "kin-tamper"
check "the first hop refuses it (records_bad)" test "$(bad $BQ)" -eq $((b0 + 1))
check "and logs why" refused $BQ $EV "signature does not verify"
b0=$(bad $BQ)
check "a sealed letter with its subject in clear beside the seal is acked past" \
    evil $EV $BQ seal-bad -P "$K2" -T vanthu@$C2 -s "kin-clear"
check "the first hop refuses it too (records_bad)" \
    test "$(bad $BQ)" -eq $((b0 + 1))
check "and logs why" refused $BQ $EV "sealed mail out of bounds"
b0=$(bad $BQ)
check "a letter sealed for another envelope is acked" \
    evil $EV $BQ seal-moved -P "$K2" -T vanthu@$C2 -s "kin-moved"
check "nobody on the way can tell: the district refuses nothing" \
    test "$(bad $BQ)" -eq "$b0"
check "the office's honest sealed letters arrive, and open" \
    wait_for 20 eval '[ "$(subject_count $C2 vanthu kin-tamper)" -eq 1 ] &&
	[ "$(subject_count $C2 vanthu kin-clear)" -eq 1 ] &&
	[ "$(subject_count $C2 vanthu kin-moved)" -eq 1 ]'
check "none of the refused ones arrived" \
    eval '[ "$(subject_count $C2 vanthu kin-tamper-bad)" -eq 0 ] &&
	[ "$(subject_count $C2 vanthu kin-clear-bad)" -eq 0 ]'
moved() {	# the entry of the letter sealed for another envelope
	ctl $C2 --json mail ls vanthu | jq -c --arg f "vanthu@$EV" \
	    '.messages[] | select(.from == $f and .subject == "")'
}
check "the one sealed for another envelope is delivered, and does not open" \
    wait_for 10 eval 'moved | jq -e "(.error | contains(\"does not open with its envelope\")) and .sealed" >/dev/null'
check "mail cat refuses it, saying why" \
    eval '! ctl $C2 mail cat vanthu "$(moved | jq .seq)" 2>"$T/err" &&
	grep -q "is sealed, and does not open here: the sealed content does not open with its envelope" "$T/err"'
letter van-chay "Vẫn chạy" >/dev/null
check "honest mail still flows" \
    wait_for 20 eval '[ "$(subject_count $C2 vanthu van-chay)" -eq 1 ]'
check "the relays refused nothing honest" \
    eval '[ "$(bad $P)" -eq 0 ] && [ "$(bad $VX)" -eq 0 ] && [ "$(bad $C2)" -eq 0 ]'

# --- 3. A subtree address ------------------------------------------------------
sid=$(echo "Chỉ thị huyện $tag" | ctl $BQ --json send --from vanthu@$BQ \
    --subject "chithi-$tag" --receipt "vanthu@*.$BQ" | jq -r .id)
check "the district seals a directive for vanthu@*.$BQ" test -n "$sid"
check "for the three nodes below it that it holds certificates of" \
    test "$(sealed_for $BQ "$sid")" = 3
check "each commune reads it" \
    wait_for 20 eval '[ "$(subject_count $C1 vanthu "chithi-$tag")" -eq 1 ] &&
	[ "$(subject_count $Q1 vanthu "chithi-$tag")" -eq 1 ]'
L=ngocha.$BQ
check "a commune enrolled after it was sealed links up" \
    eval 'make_node $L $BQ && start_tree $L && wait_for 20 link_up $L $BQ'
check "it gets the directive, and cannot read it" \
    wait_for 20 eval 'ctl $L --json mail ls vanthu | jq -e --arg id "$sid" \
	".messages[] | select(.id == \$id) | .sealed and
	    (.error | contains(\"none of them this node\"))" >/dev/null'
check "it says so in its log" logged $L "event=mail_unreadable id=$sid"
check "and the district hears it, from that commune" \
    wait_for 20 eval 'reports $BQ vanthu "$sid" | jq -e --arg l "$L" \
	"select(.from == \$l and .report.result == \"failed\" and
	    (.report.detail | contains(\"sealed to none of this node\")))" >/dev/null'
check "the communes that read it sent receipts" \
    wait_for 20 eval '[ "$(reports $BQ vanthu "$sid" |
	jq -s "map(select(.report.result == \"delivered\")) | length")" -eq 2 ]'

# Past 256 node keys: 257 offices below big.$VX.
mkdir -p "$T/big"
n=0
for i in $(seq 1 257); do
	"$B/node-key" generate "$T/big/$i.key" >"$T/big/$i.pub" &&
	    ctl $VX cert issue "n$i.big.$VX" "$(cat "$T/big/$i.pub")" \
	    -o "$T/big/$i.chain" >/dev/null && n=$((n + 1))
done
check "the district certifies 257 offices below big.$VX" test "$n" -eq 257
check "mail to all of them is refused sealed, saying to send it clear" \
    eval '! echo x | ctl $VX send --from vanthu@$VX "vanthu@*.big.$VX" \
	2>"$T/err" >/dev/null && grep -q "more than 256 keys.*send it clear" "$T/err"'
check "and goes --clear" \
    quiet eval 'echo x | ctl $VX send --clear --from vanthu@$VX "vanthu@*.big.$VX"'

# --- 4. A re-keyed commune ---------------------------------------------------
K1=$K2	# tanthanh.vixuyen's first key
stop_node $C2
id2=$(letter "thu2-$tag" "Thư thứ hai $tag")
check "a letter for the commune waits at its district, sealed to its key" \
    wait_for 20 holds $VX "$id2"
mv "$T/$C2/node.key" "$T/k1.key"
"$B/node-key" generate "$T/$C2/node.key" >"$T/$C2/pub"
K2=$(cat "$T/$C2/pub")
check "the commune is re-keyed, its old key file lost: a new key, certified" \
    enrol $C2
check "it starts and links up with its new key" \
    eval 'start_node $C2 && wait_for 20 link_up $C2 $VX'
check "the letter sealed to its old key is delivered" \
    wait_for 20 eval '[ -n "$(seq_id $C2 vanthu "$id2")" ]'
check "it cannot be read, and the commune logs why" \
    logged $C2 "event=mail_unreadable id=$id2"
check "mail cat says why, naming the key it was sealed to" \
    eval '! ctl $C2 mail cat vanthu "$(seq_id $C2 vanthu "$id2")" 2>"$T/err" &&
	grep -qF "sealed to 1 node key(s), none of them this node" "$T/err" &&
	grep -qF "${K1:0:16}" "$T/err" && grep -q "old_keys" "$T/err"'
check "its sender hears it cannot be read there" \
    wait_for 20 eval 'reports $C1 vanthu "$id2" | jq -e "select(.report.result == \"failed\" and
	(.report.detail | contains(\"sealed to none of this node\")))" >/dev/null'
check "the first letter, already there, does not open either" \
    eval '! ctl $C2 mail cat vanthu "$seq" >/dev/null 2>&1'

stop_node $C2
mkdir -m 700 "$T/$C2/old-keys" && mv "$T/k1.key" "$T/$C2/old-keys/k1.key"
check "the old key file put back in old_keys, the commune starts" \
    eval 'start_node $C2 && logged $C2 "old_keys=1"'
check "both letters sealed to the old key open, saying so" \
    eval 'ctl $C2 --json mail cat vanthu "$(seq_id $C2 vanthu "$id2")" |
	jq -e --arg s "thu2-$tag" ".subject == \$s and .old_key" >/dev/null &&
	ctl $C2 --json mail cat vanthu "$seq" |
	jq -e --arg s "$SUBJ" ".subject == \$s and .old_key" >/dev/null'
check "node-ctl mail cat says which key opened it" \
    eval 'ctl $C2 mail cat vanthu "$seq" | grep -q "with a key this node held before"'
check "it links up again" wait_for 20 link_up $C2 $VX

# Both certificates hold: a letter is sealed to both keys.
certs_at() {	# NODE: tanthanh.vixuyen's certificates there, "KEY STATE"
	ctl "$1" --json cert ls $C2 | jq -r --arg s $C2 \
	    '.certs[] | select(.subject == $s) | "\(.key) \(.state)"'
}
check "the sender holds the new certificate" \
    wait_for 20 eval 'certs_at $C1 | grep -q "^$K2 valid"'
id3=$(letter "thu3-$tag" "Thư ba")
check "with both certificates valid, a letter is sealed to both keys" \
    test "$(sealed_for $C1 "$id3")" = 2
old=$(ctl $VX --json cert ls $C2 | jq -r --arg k "$K1" \
    '.certs[] | select(.key == $k) | .id')
check "the district revokes the old certificate" \
    quiet ctl $VX cert revoke "$old" "máy cũ"
check "the sender holds the revocation" \
    wait_for 20 eval 'certs_at $C1 | grep -q "^$K1 revoked"'
id4=$(letter "thu4-$tag" "Thư bốn")
check "then a letter is sealed to the new key alone" \
    test "$(sealed_for $C1 "$id4")" = 1
check "and opens with it, not an old one" \
    wait_for 20 eval 'ctl $C2 --json mail cat vanthu "$(seq_id $C2 vanthu "$id4")" |
	jq -e --arg s "thu4-$tag" ".subject == \$s and (has(\"old_key\") | not)" >/dev/null'
check "node-ctl -d reads the stopped commune's sealed mail with its keys" \
    eval 'stop_node $C2 && "$B/node-ctl" -d "$T/$C2" --json mail cat vanthu "$seq" |
	jq -e --arg s "$SUBJ" ".subject == \$s and .old_key" >/dev/null'
finish
