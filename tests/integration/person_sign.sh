#!/usr/bin/env bash
# Personal signatures on a four-tier chain (proto/README.md, "Personal
# signatures"): the commune's chairman has a personal key in a
# passphrase-sealed file, certified by the commune. A letter and a
# document he signs with node-ctl --sign-as are checked at every replica
# and shown with who signed and whether the certificate held then and
# holds now. Forged signatures (one moved from other content), an
# expired and a revoked personal certificate are refused at every node
# they reach, with a clear reason: each is written straight into the
# stores of the commune, the district and the province
# (tests/helpers/forge_person), so that each of the district, the
# province and the root receives it. A wrong passphrase is refused with
# words that name nothing of the key. Honest traffic keeps flowing.
cd "$(dirname "$0")/../.." && . tests/lib.sh

chain_up
PASS='mật khẩu của chủ tịch xã'
KEY=$T/chutich.key
ME=chutich@$C

# with_pass PASSPHRASE CMD...: CMD reads the passphrase from descriptor 3.
with_pass() {
	local p=$1; shift
	NODE_PASSPHRASE_FD=3 "$@" 3< <(printf '%s\n' "$p")
}
# Node $1 refused a record for a reason that has $2: logged, or, when the
# node's log budget for that peer was spent (event=log_suppressed), still
# the last error its peers list shows for the link it came by.
refused_at() {
	grep -F "event=record_refused" "$T/$1.log" | grep -qF -- "$2" ||
	    ctl "$1" --json peers | jq -e --arg r "record refused: $2" \
	    'any(.peers[]; .error | startswith($r))' >/dev/null
}
seq_of() {	# the seq of subject $3 in mailbox $2 of node $1
	ctl "$1" --json mail ls "$2" |
	    jq -r --arg s "$3" '[.messages[] | select(.subject == $s)][0].seq // empty'
}
count_subject() {
	ctl "$1" --json mail ls "$2" |
	    jq --arg s "$3" '[.messages[] | select(.subject == $s)] | length'
}
arrived() { test "$(count_subject tw chutich "$1")" -ge 1; }
cert_state() {	# the state node $1 shows for certificate id $2
	ctl "$1" --json cert ls | jq -r --arg i "$2" '.certs[] | select(.id == $i) | .state'
}
letter() {	# an honest, unsigned letter from the commune to the root
	echo "thư thường" | ctl $C send --from vanthu@$C --subject "$1" \
	    chutich@tw >/dev/null
}
# forge_all MODE PERSON SUBJECT [PKEYFILE]: the same kind of forged
# mail, from the commune, written into the commune's, the district's
# and the province's stores, so that the district, the province and
# the root each receive one.
forge_all() {
	local n mode=$1 person=$2 subject=$3; shift 3
	stop_node $C; stop_node $D; stop_node $P
	for n in $C $D $P; do
		with_pass "$PASS" "$B/tests/forge_person" "$T/$n" \
		    "$T/$C/node.key" $C "$mode" "$person" chutich@tw \
		    "$subject" "$@" >/dev/null || return 1
	done
	start_node $P && start_node $D && start_node $C &&
	    wait_for 20 tree_up $P $D $C
}

# The key file.
pub=$(with_pass "$PASS" "$B/node-key" person new "$KEY")
check "node-key person new prints a public key" test ${#pub} -eq 64
check "the key file is 0600" test "$(stat -c %a "$KEY")" = 600
check "its public key shows without the passphrase" \
    test "$("$B/node-key" person public "$KEY")" = "$pub"
check "the passphrase is not in the file" eval '! grep -aqF "$PASS" "$KEY"'
check "a second node-key person new does not overwrite it" \
    eval '! with_pass "$PASS" "$B/node-key" person new "$KEY" 2>/dev/null'
check "a passphrase under 8 bytes is refused" \
    eval '! with_pass short "$B/node-key" person new "$T/short.key" 2>/dev/null'

# The certificate: the commune's alone to issue.
cid=$(ctl $C --json cert issue "$ME" "$pub" --days 30 | jq -r .id)
check "the commune certifies its chairman" test ${#cid} -eq 64
check "the district may not certify the commune's official" \
    eval '! ctl $D cert issue "$ME" "$pub" 2>$T/err && grep -q "outside its issuer" $T/err'
check "the root holds the chairman's certificate as valid" \
    wait_for 20 eval 'test "$(cert_state tw $cid)" = valid'
check "cert ls of the commune's subtree lists its official" \
    eval 'ctl tw --json cert ls $C | jq -e --arg s "$ME" ".certs[] | select(.subject == \$s)" >/dev/null'

# A signed letter, verified at every replica on its way.
bad0=$(counter $D records_bad)
id=$(echo "Quyết định số 5 của xã" | with_pass "$PASS" ctl $C send \
    --from vanthu@$C --subject "Quyết định 5" --sign-as "$KEY" chutich@tw)
check "a signed letter is sent" test ${#id} -eq 64
check "it reaches the root" wait_for 20 arrived "Quyết định 5"
for n in $D $P; do
	check "$n took it in (verified the signature)" \
	    eval 'ctl $n --json trace $id | jq -e ".events[] | select(.event == \"received\")" >/dev/null'
done
check "the district refused nothing" test "$(counter $D records_bad)" = "$bad0"
seq=$(seq_of tw chutich "Quyết định 5")
cat_json() { ctl tw --json mail cat chutich "$seq"; }
check "mail cat names the signer and the certifying office" \
    eval 'cat_json | jq -e --arg p "$ME" --arg o "$C" ".signed_by.person == \$p and .signed_by.office == \$o" >/dev/null'
check "mail cat: valid when signed, and now" \
    eval 'cat_json | jq -e ".signed_by.when_signed == \"valid\" and .signed_by.now == \"valid\"" >/dev/null'
check "mail cat says so in words" \
    eval 'ctl tw mail cat chutich $seq | grep -qF "Signed:  $ME, certified by $C: valid when signed, and now"'

# A wrong passphrase: refused, the same words as a damaged file, no key.
before=$(count_subject tw chutich "Sai mật khẩu")
echo x | with_pass "wrong passphrase" ctl $C send --from vanthu@$C \
    --subject "Sai mật khẩu" --sign-as "$KEY" chutich@tw >/dev/null 2>$T/wrong
rc=$?
check "a wrong passphrase is refused" test $rc -ne 0
check "in words that say only that" \
    grep -qxF "node-ctl: --sign-as $KEY: wrong passphrase, or the key file is damaged" $T/wrong
check "naming nothing of the key" eval '! grep -qiF "${pub:0:8}" $T/wrong'
cp "$KEY" "$T/damaged.key"
printf '\x01' | dd of="$T/damaged.key" bs=1 seek=130 conv=notrunc 2>/dev/null
echo x | with_pass "$PASS" ctl $C send --from vanthu@$C --subject "Sai mật khẩu" \
    --sign-as "$T/damaged.key" chutich@tw >/dev/null 2>$T/damaged
check "a damaged key file gets the same words" \
    test "$(sed "s|$T/damaged.key|F|" $T/damaged)" = "$(sed "s|$KEY|F|" $T/wrong)"
check "nothing was sent" test "$(count_subject $C vanthu "Sai mật khẩu")" = 0

# A signed revision, checked at every replica of the database.
ctl tw db create congvan '*' '*=author' >/dev/null
check "the database reaches the commune" wait_for 20 ctl $C db acl congvan
doc=$(with_pass "$PASS" ctl $C --json doc put congvan --sign-as "$KEY" \
    title="Quyết định 6" so:number=6 | jq -r .id)
check "a signed revision is written" test ${#doc} -eq 32
signed_doc() {
	ctl "$1" --json doc get congvan "$doc" |
	    jq -e --arg p "$ME" '.signed_by.person == $p and .signed_by.now == "valid" and (.signed_by.fields | join(",")) == "so,title"'
}
for n in $D $P tw; do
	check "$n holds it, signed by the chairman" wait_for 20 signed_doc $n
done
check "doc history shows who signed" \
    eval 'ctl tw doc history congvan $doc | grep -qF "signed: $ME, certified by $C, fields so,title: valid when signed, and now"'

# A signature moved from other content: refused wherever it arrives.
forge_all moved "$ME" "Chữ ký chuyển" "$KEY"
for n in $D $P tw; do
	check "$n refuses a signature moved to other content" \
	    wait_for 20 refused_at $n "personal signature of $ME does not verify over the content"
done
check "the district counts it in records_bad" \
    test "$(counter $D records_bad)" -gt "$bad0"

# An expired personal certificate.
forge_all expired "cu@$C" "Hết hạn"
for n in $D $P tw; do
	check "$n refuses a letter signed with an expired personal key" \
	    wait_for 20 refused_at $n "personal key of cu@$C not certified: certificate expired: cu@$C's ended"
done

# Revoked: the old letter still shows, marked; new signatures refused.
ctl $C cert revoke "$cid" "thôi giữ chức" >/dev/null
check "the root learns of the revocation" \
    wait_for 20 eval 'test "$(cert_state tw $cid)" = revoked'
check "the letter signed before still shows: valid when signed, revoked now" \
    eval 'ctl tw mail cat chutich $seq | grep -qF "Signed:  $ME, certified by $C: valid when signed; now: certificate or its key is revoked"'
check "and the revision likewise" \
    eval 'ctl tw --json doc get congvan $doc | jq -e ".signed_by.when_signed == \"valid\" and .signed_by.now == \"certificate or its key is revoked\"" >/dev/null'
echo x | with_pass "$PASS" ctl $C send --from vanthu@$C --subject "Đã thu hồi" \
    --sign-as "$KEY" chutich@tw >/dev/null 2>$T/revoked
check "the commune refuses a new signature by the revoked key" \
    grep -qF "personal key of $ME not certified: certificate or its key is revoked" $T/revoked
forge_all signed "$ME" "Đã thu hồi" "$KEY"
for n in $D $P tw; do
	check "$n refuses a letter signed with a revoked key" \
	    wait_for 20 refused_at $n "personal key of $ME not certified: certificate or its key is revoked"
done
check "no forged letter was delivered" eval \
    'test "$(count_subject tw chutich "Chữ ký chuyển")$(count_subject tw chutich "Hết hạn")$(count_subject tw chutich "Đã thu hồi")" = 000'

# Honest traffic flows on.
letter "Thư thường sau cùng"
check "an honest letter still reaches the root" wait_for 20 arrived "Thư thường sau cùng"
check "the chain is still linked" tree_up $P $D $C

finish
