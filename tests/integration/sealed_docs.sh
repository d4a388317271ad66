#!/usr/bin/env bash
# Sealed documents (proto/README.md, "Sealed documents") on a four-tier
# tree:
#
#   tw <- hagiang <- bacquang.hagiang <- tanthanh, quyetthang
#                 <- vixuyen.hagiang  <- tanthanh
#
# 1. A commune of bacquang writes a report, with an attachment, into a
#    province database with readers naming only the province and a
#    commune of vixuyen. It crosses both districts, which are no
#    readers: they hold and relay it, and neither node-store ls nor
#    mdb_dump of their stores, nor their logs, show a word of its field
#    or attachment (nor the writer's store). The readers read it whole
#    (doc get, doc attachment); the relays' doc get says it is sealed
#    and fails, doc history marks it, db export leaves it out; every
#    node that holds it has the same digest; the other commune of
#    bacquang, neither reader nor on the way, holds nothing of it.
# 2. Edits: the same report again, whole (as an import run anew sends
#    it), writes nothing, though sealing its attachment again makes
#    other ciphertext. The province (a reader) edits it, its untouched
#    field and attachment carried over, and the other reader sees both;
#    a relay cannot edit it, and says why. A sealed report deleted is
#    seen deleted at relays and readers alike; an editor that is no
#    reader deletes one without reading it. A report the commune's
#    chairman signs with his personal key is sealed with its signature,
#    which its readers check and show, and no relay sees.
# 3. A hostile office below bacquang: a sealed revision with a
#    ciphertext byte flipped after signing is refused at the first hop
#    (records_bad, logged); one sealed rightly to invalid content is
#    carried by the relay, which cannot tell, and refused at the reader
#    (records_refused, logged why). The good ones it sends next, and the
#    commune's honest reports, still arrive and open.
cd "$(dirname "$0")/../.." && . tests/lib.sh && . tests/hostile.sh &&
    . tests/sealed.sh

# Does node $1's store list record $2 (node-store ls)?
listed() { "$B/node-store" ls "$T/$1" 2>/dev/null | grep -q "  ${2:0:16}  "; }
field() {	# NODE DOC FIELD: its value in the winner there
	ctl "$1" --json doc get baocao "$2" | jq -r --arg f "$3" '.fields[$f]'
}
digest() { ctl "$1" --json db digest baocao | jq -r .digest; }

check "the province makes a database every office of it may write" \
    quiet ctl $P db create baocao $P '*.hagiang=author'
check "the commune holds it" \
    wait_for 20 db_at baocao $C1

# --- 1. Across both districts ------------------------------------------------
tag=$RANDOM$RANDOM
SECRET=matbaocao-$tag ATT=phuluc-$tag
printf 'Phụ lục %s: số liệu dân số\n%s\n' "$ATT" "$(head -c 200000 /dev/urandom | base64)" >"$T/phuluc.txt"
out=$(ctl $C1 --json doc put baocao noidung="Báo cáo $SECRET" \
    --readers "$P,$C2" --attach phuluc.txt="$T/phuluc.txt" --type text/plain)
doc=$(jq -r .id <<<"$out") rev=$(jq -r .rev <<<"$out")
check "a commune writes a report whose readers are the province and a commune of the other district" \
    test ${#rev} -eq 64
check "its writer reads back what it wrote" \
    eval '[ "$(field $C1 "$doc" noidung)" = "Báo cáo $SECRET" ]'
check "the province reads it" \
    wait_for 20 eval '[ "$(field $P "$doc" noidung)" = "Báo cáo $SECRET" ]'
check "the commune of the other district reads it, two districts away" \
    wait_for 20 eval '[ "$(field $C2 "$doc" noidung)" = "Báo cáo $SECRET" ]'
check "and its attachment, byte for byte (4 chunks, opened there)" \
    wait_for 20 eval 'ctl $C2 doc attachment baocao "$doc" phuluc.txt -o "$T/got.txt" >/dev/null &&
	cmp -s "$T/phuluc.txt" "$T/got.txt"'
check "doc get shows it sealed, and the attachment's own size" \
    eval 'ctl $C2 --json doc get baocao "$doc" | jq -e --argjson s "$(stat -c %s "$T/phuluc.txt")" \
	".sealed and .attachments[0].size == \$s and .attachments[0].name == \"phuluc.txt\"" >/dev/null'
for n in $BQ $VX; do
	check "$n relayed it: its store holds the revision, sealed" \
	    eval 'stop_node $n && "$B/node-store" ls "$T/$n" | grep "  ${rev:0:16}  " | grep -q "sealed for 3 node key(s)"'
	check "$n's store and log show nothing of it (node-store ls, mdb_dump, log)" \
	    eval '! exposes $n "$SECRET" && ! exposes $n "$ATT" && ! exposes $n phuluc.txt'
	check "$n holds the attachment's chunks, sealed" \
	    eval '[ "$("$B/node-store" ls "$T/$n" | grep -c "chunk.*(sealed)")" -ge 4 ]'
	start_node $n
done
check "nor does the writer's own store keep it readable" \
    eval '! mdb_dump -a -p "$T/$C1" | grep -qF "$SECRET" &&
	! mdb_dump -a "$T/$C1" | grep -qF "$(hex "$ATT")"'
check "nor the readers' stores: it is opened as it is read" \
    eval '! mdb_dump -a -p "$T/$P" | grep -qF "$SECRET" &&
	! mdb_dump -a -p "$T/$C2" | grep -qF "$SECRET"'
check "the relays link up again" wait_for 20 tree_up $ALL
check "a relay's doc get fails, saying it is not among the readers" \
    eval '! ctl $BQ doc get baocao "$doc" 2>"$T/err" >/dev/null &&
	grep -q "sealed: this node is not among its readers" "$T/err"'
check "and so does its doc attachment" \
    eval '! ctl $VX doc attachment baocao "$doc" phuluc.txt -o "$T/no.txt" 2>"$T/err" &&
	grep -q "not among its readers" "$T/err" && [ ! -s "$T/no.txt" ]'
check "a relay's doc history lists the revision, marked sealed" \
    eval 'ctl $BQ --json doc history baocao "$doc" | jq -e --arg r "$rev" \
	".revs[] | select(.rev == \$r) | .sealed | startswith(\"sealed: this node is not among\")" >/dev/null'
check "node-ctl doc history says so" \
    eval 'ctl $BQ doc history baocao "$doc" | grep -q "^      sealed: this node is not among its readers"'
check "a reader's doc get says it opened it" \
    eval 'ctl $C2 doc get baocao "$doc" | grep -q "^sealed: yes, opened here$"'
check "a reader's doc history marks it opened" \
    eval 'ctl $P --json doc history baocao "$doc" | jq -e --arg r "$rev" \
	".revs[] | select(.rev == \$r) | .sealed == \"opened\"" >/dev/null'
check "every node that holds it has the same digest" \
    eval '( d=$(digest $C1) && [ -n "$d" ] &&
	for n in $BQ $P $VX $C2; do [ "$(digest $n)" = "$d" ] || exit 1; done )'
check "db export at a reader has it" \
    eval 'ctl $P db export baocao --format jsonl -o "$T/p.jsonl" >/dev/null &&
	grep -qF "$SECRET" "$T/p.jsonl"'
check "db export at a relay leaves it out, and says so" \
    eval 'ctl $BQ db export baocao --format jsonl -o "$T/bq.jsonl" |
	grep -q "left out those sealed for other readers" &&
	! grep -qF "$SECRET" "$T/bq.jsonl"'
check "the other commune of bacquang, neither reader nor on the way, holds none of it" \
    eval '! ctl $Q1 doc get baocao "$doc" 2>/dev/null && stop_node $Q1 &&
	! listed $Q1 "$rev" && [ "$("$B/node-store" ls "$T/$Q1" | grep -c "chunk")" -eq 0 ]'
start_node $Q1

# --- 2. Edits ----------------------------------------------------------------
records() { ctl "$1" --json status | jq .store.records; }
same=$(jq -nc --arg id "$doc" --arg t "Báo cáo $SECRET" --arg p "$T/phuluc.txt" \
    --arg r1 $P --arg r2 $C2 '{cmd: "doc_put", db: "baocao", id: $id,
	fields: {noidung: $t}, readers: [$r1, $r2], whole: true,
	attach: [{name: "phuluc.txt", path: $p, media_type: "text/plain"}]}')
n0=$(records $C1)
check "the same report again, whole, is unchanged: no revision, no chunk kept" \
    eval '"$B/tests/ctl_raw" "$T/$C1/control.sock" "$same" | jq -e ".unchanged" >/dev/null &&
	[ "$(records $C1)" -eq "$n0" ]'
out=$(ctl $P --json doc put baocao "$doc" ykien="Đã xem $tag")
rev2=$(jq -r .rev <<<"$out")
check "the province, a reader, edits it" test ${#rev2} -eq 64
check "the other reader sees the edit, the untouched field carried over" \
    wait_for 20 eval '[ "$(ctl $C2 --json doc get baocao "$doc" | jq -r .rev)" = "$rev2" ] &&
	[ "$(field $C2 "$doc" noidung)" = "Báo cáo $SECRET" ] &&
	[ "$(field $C2 "$doc" ykien)" = "Đã xem $tag" ]'
check "and the attachment carried over opens there" \
    eval 'ctl $C2 doc attachment baocao "$doc" phuluc.txt -o "$T/got2.txt" >/dev/null &&
	cmp -s "$T/phuluc.txt" "$T/got2.txt"'
check "its relay holds the edit sealed, and cannot read it" \
    wait_for 20 eval 'holds $VX "$rev2" && ! exposes $VX "Đã xem $tag"'
check "a relay cannot edit it, and says why" \
    eval '! ctl $VX doc put baocao "$doc" ykien=sua 2>"$T/err" >/dev/null &&
	grep -q "only its readers can edit it" "$T/err"'

out=$(ctl $C1 --json doc put baocao noidung="Xóa $tag" --readers "$P,$C2")
ddoc=$(jq -r .id <<<"$out")
check "the commune deletes a sealed report of its own" \
    eval 'wait_for 20 holds $VX "$(jq -r .rev <<<"$out")" &&
	quiet ctl $C1 doc rm baocao "$ddoc"'
check "its stub needs no reader: the relay shows it deleted" \
    wait_for 20 eval 'ctl $VX --json doc get baocao "$ddoc" | jq -e ".deleted" >/dev/null'
check "and so does the far reader" \
    wait_for 20 eval 'ctl $C2 --json doc get baocao "$ddoc" | jq -e ".deleted" >/dev/null'

out=$(ctl $C1 --json doc put baocao noidung="Xóa bởi huyện $tag" --readers "$P,$C2")
edoc=$(jq -r .id <<<"$out")
check "the province makes the district an editor of the database" \
    eval 'wait_for 20 holds $BQ "$(jq -r .rev <<<"$out")" &&
	quiet ctl $P db acl baocao $BQ=editor'
check "an editor that is not among the readers deletes a sealed report, unread" \
    wait_for 20 quiet ctl $BQ doc rm baocao "$edoc"
check "its readers see it deleted" \
    wait_for 20 eval 'ctl $C2 --json doc get baocao "$edoc" | jq -e ".deleted" >/dev/null'

# An official's signature, sealed with what it signs.
chairman
out=$(with_pass "$PASS" ctl $C1 --json doc put baocao noidung="Ký $tag" \
    --readers "$P,$C2" --sign-as "$T/chutich.key")
sdoc=$(jq -r .id <<<"$out")
check "he signs a sealed report" test ${#sdoc} -eq 32
check "its readers check the signature as they open it, and show who signed" \
    wait_for 20 eval 'ctl $C2 --json doc get baocao "$sdoc" | jq -e --arg p "$ME" \
	".sealed and .signed_by.person == \$p and .signed_by.now == \"valid\"" >/dev/null'
check "no relay learns who signed it: its doc history shows no signature" \
    eval 'ctl $VX --json doc history baocao "$sdoc" |
	jq -e ".revs | length == 1 and (.[0] | has(\"signed_by\") | not)" >/dev/null &&
	ctl $C2 --json doc history baocao "$sdoc" | jq -e ".revs[0].signed_by" >/dev/null'

# --- 3. A hostile office -----------------------------------------------------
EV=ev.$BQ
new_key $EV && issue $BQ $EV >/dev/null
KP=$(cat "$T/$P/pub")
forge() { "$B/tests/forge_sealed" "$@" "$T/$EV/node.key" $EV baocao $P "$KP" "$T/forged"; }
refused() {	# NODE TEXT: NODE refused a record saying TEXT
	grep -F "event=record_refused " "$T/$1.log" | grep -qF -- "$2"
}
ids=$(forge -f)
read -r flipped _ <<<"$(sed -n 1p <<<"$ids")"
read -r good gdoc <<<"$(sed -n 2p <<<"$ids")"
b0=$(counter $BQ records_bad)
check "a sealed revision whose ciphertext was changed after signing is acked past" \
    evil $EV $BQ push -f "$T/forged"
check "the first hop refuses it (records_bad)" test "$(counter $BQ records_bad)" -eq $((b0 + 1))
check "and logs why" refused $BQ "signature does not verify"
check "it holds nothing of it" eval '! holds $BQ "$flipped"'
check "the good one sent after it reaches the province, and opens there" \
    wait_for 20 eval 'ctl $P --json doc get baocao "$gdoc" | jq -e --arg r "$good" \
	".rev == \$r and .fields.text == \"forged-sealed\"" >/dev/null'

ids=$(forge -i)
read -r invalid _ <<<"$(sed -n 1p <<<"$ids")"
read -r good2 _ <<<"$(sed -n 2p <<<"$ids")"
b0=$(counter $BQ records_bad) r0=$(counter $P records_refused)
check "a revision sealed rightly to invalid content is acked past" \
    evil $EV $BQ push -f "$T/forged"
check "the relay cannot tell: it refuses nothing, and passes it on" \
    eval '[ "$(counter $BQ records_bad)" -eq "$b0" ] && holds $BQ "$invalid"'
check "the province, its reader, refuses it, counted, saying why" \
    wait_for 20 eval '[ "$(counter $P records_refused)" -eq $((r0 + 1)) ] &&
	refused $P "sealed revision refused by its reader $P: field text: no value of a known kind"'
check "and holds nothing of it" eval '! holds $P "$invalid"'
check "the good one after it arrives" wait_for 20 holds $P "$good2"
out=$(ctl $C1 --json doc put baocao noidung="Báo cáo sau $tag" --readers "$P,$C2")
check "the commune's next sealed report still flows, and opens at the far reader" \
    wait_for 20 eval '[ "$(field $C2 "$(jq -r .id <<<"$out")" noidung)" = "Báo cáo sau $tag" ]'
check "no node refused anything else: the province that one alone" \
    eval '( [ "$(counter $P records_bad)" -eq 1 ] || exit 1
	for n in $VX $C2 $C1 $Q1; do
	[ "$(counter $n records_bad)" -eq 0 ] || exit 1; done )'
finish
