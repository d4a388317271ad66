#!/usr/bin/env bash
# node-ctl db import and db export: Notes exports (DXL, written for the
# tests in tests/data/dxl/) into a database, item by item as README.md
# "Importing from Notes" maps them; the same export again, and a later
# one, write only what changed; each kind of malformed input is named
# by file, line and column and writes nothing; an export reads back to
# the same digest, from a running node and from a stopped one.
cd "$(dirname "$0")/../.." && . tests/lib.sh

D=tests/data/dxl
digest() { ctl tw --json db digest kho | jq -er .digest; }
docs() { ctl tw --json db digest kho | jq -e .docs; }
get() { ctl tw --json doc get kho "$1"; }
# The id of the document of UNID $1 (notes:unid), from doc get of each.
by_unid() {
	local id
	for id in $(ctl tw --json doc ls kho | jq -r '.docs[].id'); do
		get "$id" | jq -e --arg u "$1" '.fields["notes:unid"] == $u' \
		    >/dev/null && { echo "$id"; return; }
	done
	return 1
}

make_node tw
start_tree tw
ctl tw db create kho tw >/dev/null

# --- one export of a whole database: every item type --------------------
ctl tw db import kho $D/congvan.dxl >"$T/out1" 2>"$T/err1"
check "a whole database: one document with its two attachments" \
    eval 'grep -q "^1 imported, 0 unchanged (0 of them by their key), 0 refused, 2 attachments" "$T/out1"'
CV=$(by_unid 5F3E2C1B0A99887766554433221100FF)
get "$CV" >"$T/cv.json"
f() { jq -e "$1" "$T/cv.json" >/dev/null; }
check "text, with its line break, quotes and escapes" \
    eval 'f ".fields.SoKyHieu == \"123/UBND-VP\"" &&
	f ".fields.TrichYeu == \"Về việc triển khai kế hoạch phòng chống lụt bão năm 2010\"" &&
	f ".fields.GhiChu == \"Dòng một\nDòng hai: “trích dẫn” & ký tự <đặc biệt>\""'
check "number" eval 'f ".fields.SoTrang == 12 and .fields.KinhPhi == 1250000.5"'
check "datetime with its zone, date-only, time-only, UTC: times" \
    eval 'f ".fields.NgayBanHanh.time_ms == 1268614800000" &&
	f ".fields.NgayDen.time_ms == 1268697600000" &&
	f ".fields.GioHop.time_ms == 52200000" &&
	f ".fields.NgayUTC.time_ms == 1268787723040"'
check "textlist, numberlist, datetimelist (with a pair): lists" \
    eval 'f ".fields.NoiNhan == [\"Sở Tài chính\", \"Sở Nội vụ\", \"UBND huyện Bắc Quang\"]" &&
	f ".fields.CacSo == [\"1\", \"2.5\", \"-3\"]" &&
	f ".fields.CacNgay == [\"20100401T080000,00+07\", \"20100402T080000,00+07/20100403T170000,00+07\"]"'
check "richtext: its plain text, and its original kept as bytes" \
    eval 'f ".fields.Body == \"Kính gửi: Các sở, ban, ngành\nThực hiện chỉ đạo của Tỉnh ủy về công tác phòng chống lụt bão.\nHình kèm theo.\"" &&
	jq -r ".fields[\"notes:rt:Body\"].b64" "$T/cv.json" | base64 -d |
	    grep -q "<par def=\"1\">Kính gửi: <run><font style=\"bold\"></font>Các sở"'
check "form, UNID, created, modified, revisions, updatedby: fields" \
    eval 'f ".fields[\"notes:form\"] == \"Công văn\"" &&
	f ".fields[\"notes:unid\"] == \"5F3E2C1B0A99887766554433221100FF\"" &&
	f ".fields[\"notes:created\"].time_ms == 1268620212450" &&
	f ".fields[\"notes:revisions\"] | length == 2" &&
	f ".fields[\"notes:updatedby\"][0] == \"CN=Nguyễn Văn An/OU=VanPhong/O=HaGiang\""'
check "each item's kind and flags in notes:items" \
    eval 'f ".fields[\"notes:items\"] | index(\"datetime,summary,dst,zone=+07 NgayBanHanh\") != null" &&
	f ".fields[\"notes:items\"] | index(\"datetime,date NgayDen\") != null" &&
	f ".fields[\"notes:items\"] | index(\"richtext Body\") != null"'
sed -n '/kehoach.pdf/,/<\/filedata>/p' $D/congvan.dxl | sed '1,4d;$d' |
    base64 -d >"$T/kehoach.want"
check "attachments: names, types, sizes, the bytes themselves" \
    eval 'f "[.attachments[] | [.name, .media_type, .size]] == [[\"kehoach.pdf\", \"application/pdf\", 39], [\"danh sách.txt\", \"text/plain\", 67]]" &&
	ctl tw doc attachment kho "$CV" kehoach.pdf -o "$T/kehoach.got" >/dev/null &&
	cmp -s "$T/kehoach.want" "$T/kehoach.got"'
check "the id names this node: its first revision is proven, by tw" \
    eval 'ctl tw --json doc ls kho | jq -e ".docs[0].author == \"tw\"" >/dev/null'

# --- the same export again, and a later one -----------------------------
d0=$(digest)
ctl tw db import kho $D/congvan.dxl >"$T/out2" 2>&1
check "the same export again: unchanged, by its key" \
    eval 'grep -q "^0 imported, 1 unchanged (1 of them by their key)" "$T/out2" && [ "$(digest)" = "$d0" ]'
# Another file first: the numbers, and so the keys, differ; the node
# compares (as it will once the keys expire, after 7 days).
ctl tw db import kho $D/one.dxl $D/congvan.dxl >"$T/out3" 2>&1
check "a single document's export; the other, its keys new: unchanged all the same" \
    eval 'grep -q "^1 imported, 1 unchanged (0 of them by their key)" "$T/out3"'
sed -e 's/20100316T101500,00+07/20100420T160000,00+07/' \
    -e "s/<text>123\\/UBND-VP</<text>123\\/UBND-VP (sửa đổi)</" \
    -e "/<item name='GhiChu'>/d" $D/congvan.dxl >"$T/later.dxl"
ctl tw db import kho "$T/later.dxl" >"$T/out4" 2>&1
check "a later export: the changed document, a new revision; an item gone, a field gone" \
    eval 'grep -q "^1 imported, 0 unchanged" "$T/out4" &&
	get "$CV" | jq -e ".fields.SoKyHieu == \"123/UBND-VP (sửa đổi)\" and (.fields | has(\"GhiChu\") | not)" >/dev/null &&
	[ "$(ctl tw --json doc history kho "$CV" | jq ".revs | length")" = 2 ]'

# --- readers, authors, responses: a document collection -----------------
ctl tw db import kho $D/readers.dxl >"$T/out5" 2>"$T/err5"
rc=$?
check "Readers names without --names: nothing written, each name listed" \
    eval '[ $rc = 1 ] && grep -q "have no mapping (give --names MAPFILE)" "$T/err5" &&
	grep -q "^  CN=Văn thư/OU=TinhUy/O=HaGiang$" "$T/err5" && [ "$(docs)" = 2 ]'
ctl tw db import kho $D/readers.dxl --names $D/names.map >"$T/out6" 2>&1
RA=$(by_unid A0000000000000000000000000000001)
RB=$(by_unid A0000000000000000000000000000002)
check "a collection, with --names: four documents" \
    eval 'grep -q "^4 imported" "$T/out6" && [ "$(docs)" = 6 ]'
check "Readers and Authors names map to the readers list (abbreviated names too)" \
    eval 'get "$RA" | jq -e ".readers == [\"hagiang\", \"bacquang.hagiang\", \"*.bacquang.hagiang\"]" >/dev/null'
check "the Notes names are kept, in their fields" \
    eval 'get "$RA" | jq -e ".fields.DocReaders | length == 3" >/dev/null &&
	get "$RA" | jq -e ".fields.DocAuthors == \"CN=Nguyễn Văn An/OU=TinhUy/O=HaGiang\"" >/dev/null'
check "names that map to no office: only the importing node reads it" \
    eval 'get "$RB" | jq -e ".readers == [\"tw\"]" >/dev/null'
check "responses (parent attribute, \$REF): the parent's UNID and id" \
    eval 'for u in 3 4; do get "$(by_unid A000000000000000000000000000000$u)" |
	    jq -e --arg a "$RA" ".fields[\"notes:parent\"] == \"A0000000000000000000000000000001\" and
		.fields[\"notes:parent_id\"] == \$a" >/dev/null || exit 1; done'

# --- malformed input: named, and nothing written ------------------------
d1=$(digest)
bad_case() {	# WANT FILE...: exit 1, WANT on stderr, the digest as it was
	local want=$1; shift
	ctl tw db import kho "$@" --names $D/names.map >/dev/null 2>"$T/errb"
	[ $? = 1 ] && grep -q -- "$want" "$T/errb" && [ "$(digest)" = "$d1" ] &&
	    grep -q "nothing was written" "$T/errb" || { cat "$T/errb"; return 1; }
}
head -c 2000 $D/congvan.dxl >"$T/truncated.dxl"
check "bad XML: file, line, column" \
    bad_case "bad_xml.dxl:10:48: bad XML: Opening and ending tag mismatch" $D/bad_xml.dxl
check "an unknown item type: file, line, column, the document" \
    bad_case "unknown_type.dxl:11:31: item TinhToan: unknown item type <formula> (document D0000000000000000000000000000002)" $D/unknown_type.dxl
check "broken base64: the line and column of the bad character" \
    bad_case "broken_b64.dxl:11:20: broken base64" $D/broken_b64.dxl
check "a readers name with no mapping: every one listed" \
    eval 'bad_case "2 Notes names" $D/unmapped.dxl &&
	grep -q "^  LocalDomainAdmins$" "$T/errb" &&
	grep -q "^  CN=Phạm Thị Dung/OU=XuanGiang/O=HaGiang$" "$T/errb"'
check "a truncated file" \
    bad_case "truncated.dxl:26:41: the file ends inside" "$T/truncated.dxl"
check "a bad file among good ones: none of them written" \
    bad_case "bad_xml.dxl:10:48" $D/one.dxl $D/bad_xml.dxl
ctl tw --json db import kho $D/unknown_type.dxl --skip-bad >"$T/out7" 2>/dev/null
rc=$?
check "--skip-bad: the good document in, the bad one refused and named" \
    eval '[ $rc = 1 ] && jq -e ".imported == 1 and .refused == 1 and
	(.errors[0].where | test(\"unknown_type.dxl:8: document D0+2\"))" "$T/out7" >/dev/null &&
	[ "$(docs)" = 7 ]'
check "--check reads and writes nothing" \
    eval 'ctl tw db import kho $D/one.dxl --check | grep -q "^1 documents, 0 attachments" &&
	[ "$(docs)" = 7 ]'

# --- export, and back ----------------------------------------------------
ctl tw doc put kho so:number=5 tieude="Văn bản của mạng" --readers tw >/dev/null
ctl tw db export kho -o "$T/kho.dxl" >/dev/null
ctl tw db export kho --format jsonl -o "$T/kho.jsonl" >/dev/null
d2=$(digest)
ctl tw db import kho "$T/kho.dxl" >"$T/out8" 2>&1
check "an export read back: every document unchanged, the same digest" \
    eval 'grep -q "^0 imported, 8 unchanged" "$T/out8" && [ "$(digest)" = "$d2" ]'
check "JSON lines: a document a line, attachments in base64" \
    eval '[ "$(wc -l <"$T/kho.jsonl")" = 8 ] &&
	jq -se "[.[].attachments[] | select(.name == \"kehoach.pdf\") | .b64] | length == 1" "$T/kho.jsonl" >/dev/null'
stop_node tw
check "-d: the same export from the stopped node's store" \
    eval '"$B/node-ctl" -d "$T/tw" db export kho -o "$T/kho-d.dxl" >/dev/null &&
	cmp -s "$T/kho.dxl" "$T/kho-d.dxl"'
finish
