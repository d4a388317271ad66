#!/usr/bin/env bash
# node-ctl's db and doc commands on a province and its district, in human
# and JSON form: create, ls and the ACL; put and get with every field
# type; ls and its pages; history after an edit; rm; digests equal once
# synced; a conflict made while the link is down, seen on both sides and
# resolved; usage errors (exit 2) and errors (exit 1, one line); -d on a
# stopped node's store.
cd "$(dirname "$0")/../.." && . tests/lib.sh

p=hagiang
d=d1.$p
make_node tw
make_node $p tw
make_node $d $p
start_node tw && enrol $p && start_node $p && enrol $d && start_node $d
check "three tiers link up" wait_for 15 link_up $d $p

J() { local n=$1; shift; ctl "$n" --json "$@"; }
# jqt NODE FILTER ARGS...: the JSON reply of node-ctl ARGS passes FILTER.
jqt() { local n=$1 f=$2; shift 2; J "$n" "$@" | jq -e "$f" >/dev/null; }
# exits N CMD...: CMD exits with status N.
exits() { local want=$1; shift; "$@" >/dev/null 2>&1; [ $? -eq "$want" ]; }
# one_line CMD...: CMD fails (exit 1) with one line "node-ctl: ..." on
# stderr and nothing on stdout.
one_line() {
	local out err rc
	out=$("$@" 2>"$T/err"); rc=$?
	err=$(cat "$T/err")
	[ $rc -eq 1 ] && [ -z "$out" ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
	    [[ $err == "node-ctl: "* ]]
}
hex() { [[ $1 =~ ^[0-9a-f]{$2}$ ]]; }
digest() { J "$1" db digest "$2" | jq -r .digest; }
same_digest() { local a; a=$(digest $p "$1") && [ -n "$a" ] && [ "$a" = "$(digest $d "$1")" ]; }

# db create, human and JSON; db ls on the creator, then at the district.
out=$(ctl $p db create shared $p '*=reader' "*.$p=editor")
check "db create (human) names the database and its ACL record" \
    eval '[[ $out =~ ^created\ shared\ \(acl\ [0-9a-f]{64}\)$ ]]'
check "db create --json: the db and a 64-hex acl_id" \
    jqt $p '.ok and .db == "notes" and (.acl_id | test("^[0-9a-f]{64}$"))' \
    db create notes $p "*.$p=author"
check "db create of a scope outside this node's subtree is an error" \
    one_line ctl $p db create elsewhere tw
check "db ls --json on the creator: scope, replica, manager, creator" \
    jqt $p '[.dbs[] | select(.db == "shared")] | length == 1 and
        (.[0] | .scope == "hagiang" and .replica == true and
        .level == "manager" and .creator == "hagiang" and .docs == 0)' db ls
check "db ls (human) lists both databases in columns" \
    eval 'ctl $p db ls | grep -qE "^shared +hagiang +manager +yes +0 +0 +0  hagiang$" &&
        ctl $p db ls | grep -qE "^notes +hagiang +manager +yes "'
check "the database reaches the district, an editor there" \
    wait_for 20 jqt $d '.dbs[] | select(.db == "shared") |
        .replica == true and .level == "editor"' db ls
check "the root, outside the scope, holds no replica" \
    eval '! J tw db ls | jq -e ".dbs[]? | select(.db == \"shared\" and .replica)" >/dev/null'

# db acl: show, change (human and JSON), and a non-manager refused.
check "db acl --json shows the entries, with the creator as manager" \
    jqt $p '.db == "shared" and .scope == "hagiang" and .creator == "hagiang" and
        ([.entries[] | "\(.pattern)=\(.level)"] | sort ==
        ["*.hagiang=editor", "*=reader", "hagiang=manager"])' db acl shared
check "db acl (human) shows the scope and a PATTERN LEVEL table" \
    eval 'ctl $p db acl shared >"$T/acl" && grep -qx "scope    hagiang" "$T/acl" &&
        grep -qE "^\*\.hagiang +editor$" "$T/acl" && grep -qE "^PATTERN +LEVEL$" "$T/acl"'
check "db acl DB PATTERN=LEVEL adds an entry and shows the result" \
    eval 'ctl $p db acl shared tw=author | grep -qE "^tw +author$"'
check "the changed ACL reaches the district" \
    wait_for 20 jqt $d '.entries | any(.pattern == "tw" and .level == "author")' db acl shared
check "db acl --json ... remove deletes the entry" \
    jqt $p '.ok and (.entries | any(.pattern == "tw") | not) and (.entries | length == 3)' \
    db acl shared tw=remove
check "an editor may not change the ACL (exit 1, one line)" \
    one_line ctl $d db acl shared x=reader

# doc put with every type, at the province; doc get at the district.
printf 'abc\000def' >"$T/att.bin"	# 7 bytes, one of them NUL
d0=$(digest $p shared)
out=$(ctl $p doc put shared title="Nghị quyết" count:number=12.5 n:number=3 \
    due:time=2026-11-26T10:00:00Z seen:time=1700000000123 \
    tags:list=a,b,c empty:list= scan:bytes=@"$T/att.bin")
id=${out%% *} rev1=${out#* }
check "doc put (human) prints the new id and revision" \
    eval 'hex "$id" 32 && hex "$rev1" 64'
check "the document reaches the district" wait_for 20 ctl $d doc get shared "$id"
got=$(J $d doc get shared "$id")
check "doc get --json at the district: every field with its type" \
    eval 'jq -e --arg b64 "$(base64 -w0 "$T/att.bin")" --arg rev "$rev1" \
        ".fields == {title: \"Nghị quyết\", count: 12.5, n: 3,
        due: {time_ms: 1795687200000}, seen: {time_ms: 1700000000123},
        tags: [\"a\", \"b\", \"c\"], empty: [], scan: {b64: \$b64}} and
        .rev == \$rev and .deleted == false and .conflicts == [] and
        .origin == \"hagiang\" and .depth == 1" <<<"$got" >/dev/null'
ctl $d doc get shared "$id" >"$T/get"
check "doc get (human): one name: value line per field, then rev and conflicts" \
    eval 'grep -qx "title: Nghị quyết" "$T/get" && grep -qx "count: 12.5" "$T/get" &&
        grep -qx "n: 3" "$T/get" && grep -qx "due: 2026-11-26T10:00:00Z" "$T/get" &&
        grep -qx "seen: 2023-11-14T22:13:20.123Z" "$T/get" &&
        grep -qx "tags: a, b, c" "$T/get" && grep -qx "scan: <7 bytes>" "$T/get" &&
        grep -qx "rev: $rev1" "$T/get" && grep -qx "conflicts: none" "$T/get" &&
        [ "$(tail -1 "$T/get")" = "conflicts: none" ]'
r=$(J $p doc put shared t:time=2026-11-26T10:00:00.250+07:00)
tdoc=$(jq -r .id <<<"$r")
check "doc put --json: the new id and revision" \
    eval 'jq -e ".ok and (.rev | test(\"^[0-9a-f]{64}$\"))" <<<"$r" >/dev/null && hex "$tdoc" 32'
check "a time with an offset and milliseconds" \
    jqt $p '.fields.t.time_ms == 1795662000250' doc get shared "$tdoc"
check "the digest changed with the new documents" \
    eval '[ "$(digest $p shared)" != "$d0" ]'

# Terminal safety: a field's escape sequence is shown escaped (esc()).
out=$(ctl $p doc put shared $'note=red\e[31m!\x07')
evil=${out%% *}
check "doc get (human) prints control characters escaped" \
    eval 'ctl $p doc get shared "$evil" | grep -qxF "note: red\\x1b[31m!\\x07"'
check "doc get (human) prints no escape byte at all" \
    eval '! ctl $p doc get shared "$evil" | grep -q $'"'"'\e'"'"''
check "doc get --json keeps the value as it is" \
    jqt $p '.fields.note == "red\u001b[31m!\u0007"' doc get shared "$evil"

# doc put from a JSON object on stdin, with a readers list (in the other
# database: the district's replica of it will differ).
r=$(echo '{"fields": {"kind": "báo cáo", "at": {"time_ms": 5}, "size": 2.5},
    "readers": ["hagiang"]}' | J $p doc put notes)
only=$(jq -r .id <<<"$r")
check "doc put from stdin JSON: fields and readers as given" \
    jqt $p '.fields == {kind: "báo cáo", at: {time_ms: 5}, size: 2.5} and
        .readers == ["hagiang"]' doc get notes "$only"
check "doc get (human) lists the readers and the time" \
    eval 'ctl $p doc get notes "$only" >"$T/get" && grep -qx "readers: hagiang" "$T/get" &&
        grep -qx "at: 1970-01-01T00:00:00.005Z" "$T/get"'
check "doc put from stdin that is not JSON is an error" \
    eval 'echo "nope" | one_line ctl $p doc put shared'
last=$(ctl $p doc put notes mark=last)
last=${last%% *}
check "a later document reaches the district" wait_for 20 ctl $d doc get notes "$last"
check "the province-only document did not (its readers list)" \
    one_line ctl $d doc get notes "$only"

# doc ls, human and JSON, and --from.
ls_json=$(J $p doc ls shared)
check "doc ls --json lists the 3 documents, in id order, no next page" \
    eval 'jq -e --arg id "$id" "[.docs[].id] as \$ids | (\$ids == (\$ids | sort)) and
        (\$ids | index(\$id) != null) and (\$ids | length == 3) and (has(\"next\") | not)" \
        <<<"$ls_json" >/dev/null'
check "doc ls --json: depth, deleted and author of each" \
    eval 'jq -e --arg id "$id" ".docs[] | select(.id == \$id) |
        .depth == 1 and .deleted == false and .conflicts == 0 and .author == \"hagiang\"" \
        <<<"$ls_json" >/dev/null'
second=$(jq -r '.docs[1].id' <<<"$ls_json")
check "doc ls --from ID starts there" \
    eval '[ "$(J $p doc ls shared --from "$second" | jq -c "[.docs[].id]")" = \
        "$(jq -c "[.docs[1:][].id]" <<<"$ls_json")" ]'
check "doc ls (human): a header and one line per document" \
    eval 'ctl $p doc ls shared >"$T/ls" && head -1 "$T/ls" | grep -qE "^ID +REV +DEPTH +CONFLICTS +DELETED +AUTHOR$" &&
        [ "$(grep -c "^[0-9a-f]\{32\} [0-9a-f]\{16\} " "$T/ls")" -eq 3 ] &&
        grep -qE "^$id ${rev1:0:16} +1 +0 +hagiang$" "$T/ls"'

# Pages: 1001 documents in a database only the district holds.
check "db create at the district, scoped to itself" \
    quiet ctl $d db create pages $d
for i in $(seq 1001); do
	ctl $d doc put pages i:number="$i" >/dev/null || break
done
J $d doc ls pages >"$T/page1"
page1=$(cat "$T/page1")
next=$(jq -r '.next // empty' <<<"$page1")
check "doc ls: 1000 on the first page, and where the next starts" \
    eval '[ "$(jq ".docs | length" <<<"$page1")" -eq 1000 ] && hex "$next" 32'
check "doc ls --from NEXT: the last one, and no further page" \
    eval 'J $d doc ls pages --from "$next" | jq -e --slurpfile p1 "$T/page1" \
        "(.docs | length == 1) and (has(\"next\") | not) and
        ([\$p1[0].docs[].id, .docs[].id] | unique | length == 1001)" >/dev/null'
check "doc ls (human) says how to get the next page" \
    eval '[ "$(ctl $d doc ls pages | tail -1)" = "(more: node-ctl doc ls pages --from $next)" ]'
check "db ls counts them" jqt $d '.dbs[] | select(.db == "pages") | .docs == 1001' db ls

# An edit: history lists both revisions; the old one is still readable.
out=$(ctl $p doc put shared "$id" count:number=13 title:null=)
rev2=${out#* }
check "doc put ID edits it: the same id, a new revision" \
    eval '[ "${out%% *}" = "$id" ] && hex "$rev2" 64 && [ "$rev2" != "$rev1" ]'
check "the edit starts from the winner: title removed, count changed, tags kept" \
    jqt $p '(.fields | has("title") | not) and .fields.count == 13 and
        .fields.tags == ["a", "b", "c"] and .depth == 2' doc get shared "$id"
check "doc get --rev shows the first revision, at its own depth" \
    eval 'J $p doc get shared "$id" --rev "$rev1" |
        jq -e ".rev == \"$rev1\" and .depth == 1 and .fields.count == 12.5 and .fields.title == \"Nghị quyết\"" >/dev/null'
check "doc history --json: 2 revisions, oldest first, the edit naming the first" \
    eval 'J $p doc history shared "$id" | jq -e "(.revs | length == 2) and
        .revs[0].rev == \"$rev1\" and .revs[1].rev == \"$rev2\" and
        .revs[1].parents == [\"$rev1\"] and .revs[0].parents == [] and
        .revs[1].winner and .revs[1].leaf and (.revs[0].leaf | not) and
        .revs[0].depth == 1 and .revs[1].depth == 2" >/dev/null'
check "doc history (human): a header and one line per revision" \
    eval 'ctl $p doc history shared "$id" >"$T/hist" &&
        [ "$(wc -l <"$T/hist")" -eq 3 ] &&
        grep -qE "^ +2 $rev2 winner,leaf +[0-9T:.Z-]+ +hagiang +${rev1:0:16}$" "$T/hist" &&
        grep -qE "^ +1 $rev1 - " "$T/hist"'
check "the edit reaches the district" \
    wait_for 20 eval 'J $d doc get shared "$id" | jq -e ".rev == \"$rev2\"" >/dev/null'

# doc rm: the document shows deleted, here and at the district.
out=$(ctl $p doc rm shared "$evil")
check "doc rm (human) names the delete revision" \
    eval '[[ $out =~ ^deleted\ $evil\ rev\ [0-9a-f]{64}$ ]]'
check "doc get of it shows it deleted (JSON)" \
    jqt $p '.deleted == true' doc get shared "$evil"
# (The stub may be purged as soon as the district holds it.)
check "doc get of it shows it deleted (human)" \
    eval 'ctl $p doc get shared "$evil" | grep -qxE "deleted: yes( \(purged\))?"'
check "the delete reaches the district" \
    wait_for 20 jqt $d '.deleted == true' doc get shared "$evil"
check "once the district holds the stub, the province purges it" \
    wait_for 20 eval 'ctl $p doc get shared "$evil" | grep -qx "deleted: yes (purged)"'
check "doc ls leaves it out" \
    eval '! J $p doc ls shared | jq -e ".docs[] | select(.id == \"$evil\")" >/dev/null'
check "doc ls --deleted lists it, deleted" \
    eval 'J $p doc ls shared --deleted | jq -e ".docs[] | select(.id == \"$evil\") | .deleted" >/dev/null &&
        ctl $p doc ls shared --deleted | grep -qE "^$evil [0-9a-f]{16} +2 +0 yes "'
out=$(J $p doc rm shared "$tdoc")
check "doc rm --json: the id and the stub's revision" \
    eval 'jq -e ".ok and .id == \"$tdoc\" and (.rev | test(\"^[0-9a-f]{64}$\"))" <<<"$out" >/dev/null'

# Digests: equal on both replicas once synced, human and JSON.
check "db digest: equal on both replicas once synced" wait_for 20 same_digest shared
check "db digest (human): the same line on both" \
    eval '[ "$(ctl $p db digest shared)" = "$(ctl $d db digest shared)" ] &&
        ctl $p db digest shared | grep -qE "^[0-9a-f]{64}  shared  docs [0-9]+, conflicts 0$"'
check "db ls counts 1 live document and 2 deleted" \
    jqt $p '.dbs[] | select(.db == "shared") | .docs == 1 and .deleted == 2' db ls
check "db digest --json counts the documents as db ls does" \
    eval '[ "$(J $p db digest shared | jq "[.db, .docs, .conflicts]" -c)" = \
        "$(J $p db ls | jq -c "[.dbs[] | select(.db == \"shared\") | .db, .docs, .conflicts]")" ]'

# A conflict: the link down, the same documents edited on both sides.
# (The district cannot be written while it is stopped: the province
# stops in turn while the district edits.)
out=$(ctl $p doc put shared other=1); id3=${out%% *}
check "a second document reaches the district" \
    wait_for 20 ctl $d doc get shared "$id3"
check "digests equal before the split" wait_for 20 same_digest shared
stop_node $d
rp=$(ctl $p doc put shared "$id" count:number=20); rp=${rp#* }
ctl $p doc put shared "$id3" other=province >/dev/null
stop_node $p
start_node $d
rd=$(ctl $d doc put shared "$id" count:number=30 by=district); rd=${rd#* }
ctl $d doc put shared "$id3" other=district >/dev/null
check "the district wrote its own revision while apart" \
    eval 'hex "$rd" 64 && [ "$rd" != "$rp" ]'
start_node $p
check "the link comes back" wait_for 20 link_up $d $p
conflicted() {	# node: both documents show a conflict there
	J "$1" doc conflicts shared | jq -e --arg a "$id" --arg b "$id3" \
	    '[.docs[] | select((.id == $a or .id == $b) and (.conflicts | length) == 1)] | length == 2' >/dev/null
}
check "both documents show the conflict at the province" wait_for 30 conflicted $p
check "and at the district" wait_for 30 conflicted $d
check "digests equal with the conflicts" wait_for 20 same_digest shared
check "db digest --json counts the conflicts" \
    jqt $d '.conflicts == 2' db digest shared
check "both replicas pick the same winner" \
    eval '[ "$(J $p doc conflicts shared | jq -cS .docs)" = "$(J $d doc conflicts shared | jq -cS .docs)" ]'
check "the winner and its conflict are the two revisions written apart" \
    eval 'J $p doc conflicts shared | jq -e --arg id "$id" --arg a "$rp" --arg b "$rd" \
        ".docs[] | select(.id == \$id) | [.rev, .conflicts[0]] | sort == ([\$a, \$b] | sort)" >/dev/null'
check "doc conflicts (human): a winner line and a conflict line per document" \
    eval 'ctl $d doc conflicts shared >"$T/conf" &&
        [ "$(grep -cE "^[0-9a-f]{32} [0-9a-f]{64} winner$" "$T/conf")" -eq 2 ] &&
        [ "$(grep -cE "^ {33}[0-9a-f]{64} conflict$" "$T/conf")" -eq 2 ]'
check "doc get shows the conflicting revision" \
    eval 'ctl $p doc get shared "$id" | grep -qE "^conflicts: [0-9a-f]{64}$"'
check "doc history: four revisions, two of them leaves" \
    jqt $d '(.revs | length == 4) and ([.revs[] | select(.leaf)] | length == 2) and
        ([.revs[] | select(.winner)] | length == 1)' doc history shared "$id"
check "db ls counts the conflicts" \
    jqt $p '.dbs[] | select(.db == "shared") | .conflicts == 2' db ls

# doc resolve: keeping the district's revision (human), the winner (JSON).
out=$(ctl $p doc resolve shared "$id" --keep "$rd")
check "doc resolve --keep (human) names the merge revision" \
    eval '[[ $out =~ ^resolved\ $id\ rev\ [0-9a-f]{64}$ ]]'
check "the merge keeps the district's fields and ends the conflict" \
    jqt $p '.fields.count == 30 and .fields.by == "district" and .conflicts == [] and
        .depth == 4' doc get shared "$id"
check "doc resolve --json: the id and the merge revision" \
    eval 'J $d doc resolve shared "$id3" | jq -e ".ok and .id == \"$id3\" and (.rev | test(\"^[0-9a-f]{64}$\"))" >/dev/null'
check "the merge names both leaves as parents" \
    eval 'J $d doc history shared "$id3" | jq -e "(.revs | last | .parents | length) == 2 and
        ([.revs[] | select(.leaf)] | length == 1)" >/dev/null'
check "no conflicts left at the province" \
    wait_for 20 jqt $p '.docs == []' doc conflicts shared
check "nor at the district" wait_for 20 jqt $d '.docs == []' doc conflicts shared
check "doc conflicts (human) says there are none" \
    eval '[ "$(ctl $d doc conflicts shared | tail -1)" = "(no conflicts)" ]'
check "digests equal after the resolution" wait_for 20 same_digest shared
check "the resolution reached the district" \
    jqt $d '.fields.count == 30 and .conflicts == []' doc get shared "$id"

# Usage errors: exit 2. Errors: exit 1, one line.
check "db create without a scope: exit 2" exits 2 ctl $p db create x
check "db with no command: exit 2" exits 2 ctl $p db
check "db nosuch: exit 2" exits 2 ctl $p db frobnicate
check "doc get without an id: exit 2" exits 2 ctl $p doc get shared
check "doc get of a malformed id: exit 2" exits 2 ctl $p doc get shared xyz
check "doc get --rev of a malformed revision: exit 2" \
    exits 2 ctl $p doc get shared "$id" --rev 12
check "doc ls with an option of another command: exit 2" \
    exits 2 ctl $p doc ls shared --keep "$rev1"
check "doc put of a malformed number: exit 2" exits 2 ctl $p doc put shared n:number=12x
check "doc put of a malformed time: exit 2" \
    exits 2 ctl $p doc put shared t:time=2026-02-30T00:00:00Z
check "doc put of an unknown type: exit 2" exits 2 ctl $p doc put shared t:colour=red
check "db acl with a bad level: exit 2" exits 2 ctl $p db acl shared x=boss
check "a usage error says the synopsis" \
    eval '[ "$(ctl $p doc get shared 2>&1)" = "usage: node-ctl doc get DB ID [--rev REV]" ]'
check "doc put --help: exit 0, the synopsis and the types" \
    eval 'ctl $p doc put --help >"$T/help" &&
        grep -q "^usage: .* doc put DB \[ID\] " "$T/help" && grep -q "NAME:bytes=@FILE" "$T/help"'
check "db --help lists the db commands" \
    eval '[ "$(ctl $p db --help | grep -c "^  db ")" -eq 6 ]'
check "doc put of a missing file: exit 1, one line" \
    one_line ctl $p doc put shared b:bytes=@"$T/nosuch"
check "an unknown database: exit 1, one line (doc ls)" one_line ctl $p doc ls nosuch
check "an unknown database: exit 1, one line (db digest)" one_line ctl $p db digest nosuch
check "an unknown database: exit 1, one line (doc put)" one_line ctl $p doc put nosuch a=b
check "an unknown document: exit 1, one line" \
    one_line ctl $p doc get shared 00000000000000000000000000000000
check "an unknown database with --json: exit 1, ok false and the error" \
    eval 'out=$(J $p db digest nosuch); [ $? -eq 1 ] &&
        jq -e ".ok == false and (.error | length > 0)" <<<"$out" >/dev/null'

# -d: the district's store, stopped, read-only.
dg=$(digest $d shared)
dls=$(J $d doc ls shared)
stop_node $d
sum=$(md5sum <"$T/$d/data.mdb")
dctl() { "$B/node-ctl" -d "$T/$d" "$@"; }
check "-d db ls --json lists both databases" \
    eval 'dctl --json db ls | jq -e "[.dbs[].db] | index(\"shared\") != null and index(\"pages\") != null" >/dev/null'
check "-d db ls --json: level and replica, the node named by its chain file" \
    eval 'dctl --json db ls | jq -e ".dbs[] | select(.db == \"shared\") |
        .level == \"editor\" and .replica == true and .docs == 2 and .deleted == 2" >/dev/null'
check "-d db ls (human)" eval 'dctl db ls | grep -qE "^pages +d1\.hagiang +manager +yes +1001 "'
check "-d db digest --json: the digest the running node had" \
    eval '[ "$(dctl --json db digest shared | jq -r .digest)" = "$dg" ]'
check "-d db digest (human)" eval '[[ $(dctl db digest shared) == "$dg  shared  "* ]]'
check "-d doc ls --json: the same list as the running node" \
    eval '[ "$(dctl --json doc ls shared | jq -cS .docs)" = "$(jq -cS .docs <<<"$dls")" ]'
check "-d doc ls (human)" eval 'dctl doc ls shared | grep -q "^$id "'
check "-d doc get --json: the resolved fields" \
    eval 'dctl --json doc get shared "$id" | jq -e ".fields.count == 30 and .conflicts == []" >/dev/null'
check "-d doc get (human)" eval 'dctl doc get shared "$id" | grep -qx "count: 30"'
check "-d doc get --rev: an older revision" \
    eval 'dctl --json doc get shared "$id" --rev "$rev1" | jq -e ".fields.count == 12.5" >/dev/null'
check "-d doc history: five revisions" \
    eval 'dctl --json doc history shared "$id" | jq -e ".revs | length == 5" >/dev/null'
check "-d doc conflicts: none" eval 'dctl --json doc conflicts shared | jq -e ".docs == []" >/dev/null'
check "-d db acl shows the ACL" eval 'dctl db acl shared | grep -qE "^hagiang +manager$"'
check "-d refuses db acl with entries, saying so" \
    eval '[[ $(dctl db acl shared x=reader 2>&1) == *"needs a running node"* ]]'
check "-d refuses doc put (exit 1, one line)" one_line dctl doc put shared a=b
check "-d left the store as it was" eval '[ "$(md5sum <"$T/$d/data.mdb")" = "$sum" ]'
check "node-store check passes on the district's store" \
    quiet "$B/node-store" check "$T/$d"
finish
