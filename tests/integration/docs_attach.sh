#!/usr/bin/env bash
# Attachments: a 16 MiB scan travels as 256 chunk records; the district
# is killed (SIGKILL) in the middle and, restarted, receives only the
# chunks it lacked; the file comes out byte-identical. The same file
# attached again is not written or sent again. node-ctl -d reads an
# attachment from a stopped store, whole or not at all.
cd "$(dirname "$0")/../.." && . tests/lib.sh

make_node tw
make_node hagiang tw
make_node d1.hagiang hagiang
# One chunk per round trip, so that the transfer takes a while.
sed -i 's/^\[limits\]/[limits]\nbatch_max = 1/' "$T/hagiang.conf"
sed -i 's/^\[limits\]/[limits]\ncredit = 1\nbatch_max = 1/' "$T/d1.hagiang.conf"
start_node tw && enrol hagiang && start_node hagiang &&
    enrol d1.hagiang && start_node d1.hagiang
check "the tree links up" wait_for 20 link_up d1.hagiang hagiang

ctl hagiang db create ds hagiang '*.hagiang=editor' >/dev/null
head -c $((16 * 1024 * 1024)) /dev/urandom >"$T/scan.pdf"
out=$(ctl hagiang --json doc put ds ten="Bản đồ sạt lở" \
    --attach scan.pdf="$T/scan.pdf" --type application/pdf)
doc=$(jq -r .id <<<"$out")
check "the province writes a document with a 16 MiB attachment" \
    test -n "$doc" -a "$doc" != null
held() { ctl "$1" --json doc get ds "$doc" | jq -r '.attachments[0].held'; }
partway() {
	local h
	h=$(held d1.hagiang) || return 1
	[ "$h" -ge 3 ] && [ "$h" -lt 200 ]
}
check "chunks arrive at the district one after another" wait_for 30 partway
kill_node d1.hagiang
before=$("$B/node-ctl" -d "$T/d1.hagiang" --json doc get ds "$doc" |
    jq -r '.attachments[0].held')
check "killed in the middle: $before of 256 chunks held" \
    eval '[ "$before" -ge 3 ] && [ "$before" -lt 256 ]'
"$B/node-ctl" -d "$T/d1.hagiang" doc attachment ds "$doc" scan.pdf \
    -o "$T/part.pdf" 2>"$T/part.err"
rc=$?
check "-d doc attachment of one not all here: exit 1, says so, writes no file" \
    eval '[ $rc -eq 1 ] && grep -q "is not complete here" "$T/part.err" &&
        [ ! -e "$T/part.pdf" ]'
start_node d1.hagiang
check "restarted, it gets the rest" \
    wait_for 60 eval '[ "$(held d1.hagiang)" = 256 ]'
got=$(ctl d1.hagiang --json status | jq .counters.records_in)
check "only the missing chunks crossed again ($got records for $((256 - before)) missing)" \
    test "$got" -le $((256 - before + 4))
ctl d1.hagiang doc attachment ds "$doc" scan.pdf -o "$T/got.pdf" >/dev/null
check "the attachment comes out byte-identical" cmp -s "$T/scan.pdf" "$T/got.pdf"
check "doc get shows it whole" \
    eval 'ctl d1.hagiang doc get ds $doc | grep -q "scan.pdf (application/pdf, 16777216 bytes, 256 of 256 chunks here)"'

written=$(ctl hagiang --json status | jq .counters.chunks_written)
again=$(ctl hagiang --json doc put ds ten="Bản sao" --attach bando.pdf="$T/scan.pdf" | jq -r .id)
check "the same bytes attached again are not written again" \
    test "$(ctl hagiang --json status | jq .counters.chunks_written)" = "$written"
check "and the copy is whole at the district at once" \
    wait_for 20 eval '[ "$(ctl d1.hagiang --json doc get ds $again | jq .attachments[0].held)" = 256 ]'
check "with no chunk sent again" \
    test "$(ctl d1.hagiang --json status | jq .counters.records_in)" -le $((got + 2))
check "an attachment that is not a file is refused" \
    eval '! ctl hagiang doc put ds ten=x --attach a=/nonexistent 2>/dev/null'

# A revision refused by its database's rules keeps none of the chunks
# its attachment wrote: an author may add documents and edit its own,
# not another's.
ctl hagiang db create dp hagiang '*.hagiang=author' >/dev/null
xdoc=$(ctl hagiang --json doc put dp ten=goc | jq -r .id)
check "the district holds the province's document of dp" \
    wait_for 20 eval 'ctl d1.hagiang --json doc get dp "$xdoc" >/dev/null 2>&1'
head -c 5000 /dev/urandom >"$T/note.bin"
chunks() { ctl d1.hagiang --json status | jq -c '.counters |
    [.chunks_written, .chunks_reused]'; }
c0=$(chunks)
check "an author's edit of another's document, with an attachment, is refused" \
    eval '! ctl d1.hagiang doc put dp "$xdoc" ten=sua --attach note.bin="$T/note.bin" 2>"$T/dep.err" &&
        grep -q "an author cannot change another" "$T/dep.err"'
check "and a new document of the author's own is taken" \
    eval 'ctl d1.hagiang doc put dp ten=moi --attach note.bin="$T/note.bin" >/dev/null'
# Counters count what was kept: the refused one's chunk not at all.
check "its chunk was written anew: the refused one kept none" \
    test "$(chunks)" = "$(jq -c '[.[0] + 1, .[1]]' <<<"$c0")"

# -d reads an attachment from a stopped node's store, and only reads.
stop_node d1.hagiang
sum=$(md5sum <"$T/d1.hagiang/data.mdb")
"$B/node-ctl" -d "$T/d1.hagiang" doc attachment ds "$doc" scan.pdf \
    -o "$T/stopped.pdf" >/dev/null
check "-d doc attachment on the stopped district: byte-identical" \
    cmp -s "$T/scan.pdf" "$T/stopped.pdf"
check "-d left the store as it was" \
    eval '[ "$(md5sum <"$T/d1.hagiang/data.mdb")" = "$sum" ]'
# Each record listed by kind: none unnamed.
kinds_named() {
	local k line='^ *[0-9]+  [0-9a-f]{16}  '

	"$B/node-store" ls "$T/d1.hagiang" 1 >"$T/ls.out" || return 1
	for k in chunk doc acl cert; do
		grep -qE "$line$k " "$T/ls.out" || return 1
	done
	! grep -qE "$line\? " "$T/ls.out"
}
check "node-store ls names every kind it lists: chunk, doc, acl, cert" \
    kinds_named
finish
