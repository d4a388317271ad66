#!/usr/bin/env bash
# Every node-ctl command on a running four-tier network (tw; hagiang;
# d1.hagiang, d2.hagiang; c1.d1.hagiang, c1.d2.hagiang), in human form
# (the header and what the lines name) and in --json form (parsed with jq,
# concrete values checked): status, peers, queue, route, send, mail
# ls/cat/rm, trace (hop by hop), cert issue/ls/revoke, replicate, network,
# metrics (the Prometheus format check), db create/ls/acl/digest and doc
# put/get/ls/rm/history/conflicts/resolve (docs_ctl.sh goes deeper). Then:
# --help of every command (exit 0, a usage line), exit codes (1 error,
# 2 usage), a stopped commune read with -d (read-only: the store stays
# byte-identical) and, with status_s = 1, the stopped commune shown stale
# by `network` at the root while the others stay fresh.
cd "$(dirname "$0")/../.." && . tests/lib.sh

p=hagiang
d1=d1.$p d2=d2.$p
c1=c1.$d1 c2=c1.$d2
ALL="tw $p $d1 $d2 $c1 $c2"
make_node tw
make_node $p tw
make_node $d1 $p
make_node $d2 $p
make_node $c1 $d1
make_node $c2 $d2
for n in $ALL; do	# a status report every second (make_node writes [limits])
	sed -i 's/^\[limits\]/[limits]\nstatus_s = 1/' "$T/$n.conf"
done
check "every config has status_s = 1 under [limits]" \
    eval '[ "$(grep -lx "status_s = 1" "$T"/*.conf | wc -l)" -eq 6 ]'
start_node tw && enrol $p && start_node $p &&
    enrol $d1 && start_node $d1 && enrol $d2 && start_node $d2 &&
    enrol $c1 && start_node $c1 && enrol $c2 && start_node $c2
check "four tiers link up (both communes)" \
    eval 'wait_for 15 link_up $c1 $d1 && wait_for 15 link_up $c2 $d2'

J() { local n=$1; shift; ctl "$n" --json "$@"; }
# jqt NODE [--arg NAME VALUE]... FILTER ARGS...: the JSON reply of
# node-ctl ARGS passes FILTER (with those jq variables).
jqt() {
	local n=$1 a=() f
	shift
	while [ "$1" = --arg ]; do a+=(--arg "$2" "$3"); shift 3; done
	f=$1; shift
	J "$n" "$@" | jq -e "${a[@]}" "$f" >/dev/null
}
# H NODE ARGS...: the human output of node-ctl ARGS into $T/h (and its
# status); has RE: a line of it matches RE.
H() { local n=$1; shift; ctl "$n" "$@" >"$T/h" 2>&1; }
has() { grep -qE -- "$1" "$T/h"; }
# exits N CMD...: CMD exits with status N.
exits() { local want=$1; shift; "$@" >/dev/null 2>&1 </dev/null; [ $? -eq "$want" ]; }
# err1 CMD...: exit 1, nothing on stdout, one "node-ctl: ..." line on stderr.
err1() {
	local out rc
	out=$("$@" 2>"$T/err" </dev/null); rc=$?
	[ $rc -eq 1 ] && [ -z "$out" ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
	    grep -q "^node-ctl: " "$T/err"
}
hex() { [[ $1 =~ ^[0-9a-f]{$2}$ ]]; }
METRIC_RE='^(#.*|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.eE+-]+)$'

# --- status: every node, human and JSON.
for n in $ALL; do
	check "status --json at $n: its name, running, a version, a store, all links up" \
	    jqt $n --arg n $n '.ok and .name == $n and .running == true and
	        (.version | test("^[0-9]+\\.[0-9]+")) and .store.records > 0 and
	        .store.map_used > 0 and .store.map_size >= .store.map_used and
	        (.uptime_s | type == "number") and .peers >= 1 and
	        .peers_up == .peers and (.counters.records_in | type == "number")' status
	check "status (human) at $n: name, version, store and peers lines" \
	    eval 'H $n status && has "^name +$n$" && has "^tier +(central|province|district|commune)$" && has "^version +[0-9]+\.[0-9]+" &&
	        has "^uptime +[0-9]+ s$" && has "^store +[0-9]+ records, log at [0-9]+, map [0-9]+ of [0-9]+ bytes used$" &&
	        has "^peers +([0-9]+) up of \1$" && has "^  records_in +[0-9]+$"'
done

# --- peers: the parent up (out) at a commune; parent and children at the
# province.
check "peers --json at a commune: its district, outgoing, up, nothing owed" \
    jqt $c1 --arg d $d1 '[.peers[] | select(.name == $d)] | length == 1 and
        (.[0] | .direction == "out" and .state == "up" and .lag_out == 0 and
        .error == "" and (.key | test("^[0-9a-f]{64}$")) and .last_rx_ms_ago >= 0)' peers
check "peers --json at the province: tw out, both districts in, all up" \
    jqt $p '[.peers[] | "\(.name) \(.direction) \(.state)"] | sort ==
        ["d1.hagiang in up", "d2.hagiang in up", "tw out up"]' peers
check "peers (human) at the province: the header and a line per link" \
    eval 'H $p peers && has "^PEER +DIR +STATE +SENT +ACKED +LAG +RECEIVED +LAG_IN +IN +OUT +REJ +IDLE_S +RETRY_S +CLOCK +LAST ERROR$" &&
        has "^tw +out +up .* ok  " && has "^$d1 +in +up " && has "^$d2 +in +up " &&
        [ "$(wc -l <"$T/h")" -eq 4 ]'

# --- route: local, down by longest suffix, up by the default route.
check "route --json at a commune, an address in the other district: the parent" \
    jqt $c1 --arg d $d1 --arg c $c2 '.next == $d and .link == "up" and
        (.why | test("default")) and .node == $c and .address == "vanthu@\($c)"' \
    route vanthu@$c2
check "route --json at the province: down to the district, longest suffix" \
    jqt $p --arg d $d2 '.next == $d and .link == "up" and .why == "longest suffix match"' \
    route vanthu@$c2
check "route --json at the root: down to the province" \
    jqt tw '.next == "hagiang" and .link == "up" and .why == "longest suffix match"' \
    route vanthu@$c2
check "route --json at the receiver: local" jqt $c2 '.next == "local"' route vanthu@$c2
check "route (human): the address, the link, its state and why" \
    eval 'H $c1 route vanthu@$c2 &&
        [ "$(cat "$T/h")" = "vanthu@$c2: $d1 (link up): default route: the parent" ]'

# --- send, human (with a receipt) and JSON.
text=$'Kính mời dự họp\ndòng hai: 14h ngày 26/11\n'
id=$(printf %s "$text" | ctl $c1 send --from chutich@$c1 --subject "Giấy mời" --receipt vanthu@$c2)
check "send (human) prints the message id" hex "$id" 64
r=$(J $c1 send --from chutich@$c1 --subject "thứ hai" vanthu@$c2 <<<"bản hai")
id2=$(jq -r .id <<<"$r")
check "send --json: ok and the id" eval 'jq -e .ok <<<"$r" >/dev/null && hex "$id2" 64 && [ "$id2" != "$id" ]'
check "both letters cross the four tiers" wait_for 20 mail_at_least $c2 vanthu 2
check "the receipt comes back to the sender" wait_for 20 mail_at_least $c1 chutich 1

# --- mail ls / cat / rm.
check "mail ls --json: both, in order, from the sender, unread" \
    jqt $c2 --arg a "$id" --arg b "$id2" --arg f chutich@$c1 \
    '[.messages[] | [.seq, .id, .from, .subject, .read]] ==
        [[1, $a, $f, "Giấy mời", false], [2, $b, $f, "thứ hai", false]]' mail ls vanthu
check "mail ls (human): the header and both subjects" \
    eval 'H $c2 mail ls vanthu && has "^ +SEQ +READ +FROM +ID +SUBJECT$" &&
        has "^ +1 +chutich@$c1 +${id:0:12} Giấy mời$" && has "^ +2 +chutich@$c1 +${id2:0:12} thứ hai$"'
check "mail cat --json: the text exactly as sent, the addresses" \
    eval 'J $c2 mail cat vanthu 1 | jq -e --arg t "$text" --arg id "$id" --arg c "$c2" \
        ".text == \$t and .id == \$id and .to == [\"vanthu@\" + \$c] and .subject == \"Giấy mời\" and .seq == 1" >/dev/null'
check "mail cat (human): the headers, then the text" \
    eval 'H $c2 mail cat vanthu 1 && has "^Id: +$id$" && has "^From: +chutich@$c1$" &&
        has "^To: +vanthu@$c2$" && has "^Subject: Giấy mời$" &&
        has "^Date: +[0-9]{4}-[0-9]{2}-[0-9]{2} " && has "^Kính mời dự họp$" &&
        has "^dòng hai: 14h ngày 26/11$"'
check "mail cat marked it read" \
    jqt $c2 '.messages[0].read == true and .messages[1].read == false' mail ls vanthu
check "the receipt at the sender: a delivered report for the letter" \
    jqt $c1 --arg id "$id" --arg c vanthu@$c2 '.report.result == "delivered" and
        .report.message_id == $id and .report.recipient == $c' mail cat chutich 1
check "mail rm --json: the mailbox and seq" \
    jqt $c2 '.ok and .mailbox == "vanthu" and .seq == 2' mail rm vanthu 2
check "it is gone from mail ls" jqt $c2 '[.messages[].seq] == [1]' mail ls vanthu
echo "ba" | ctl $c1 send --from chutich@$c1 --subject "thứ ba" vanthu@$c2 >/dev/null
check "a third letter arrives" \
    wait_for 20 jqt $c2 '[.messages[].subject] == ["Giấy mời", "thứ ba"]' mail ls vanthu
check "mail rm (human) says what it removed" \
    eval 'H $c2 mail rm vanthu 1 && [ "$(cat "$T/h")" = "removed vanthu 1" ]'

# --- trace: custody at the sender, along the path, at the receiver.
check "trace --json at the receiver: received, then delivered" \
    jqt $c2 --arg id "$id" --arg d $d2 '.id == $id and ([.events[].event] == ["received", "delivered"]) and
        .events[0].peer == $d and .events[1].peer == "vanthu"' trace "$id"
check "trace --json at the sender: submitted, then sent to its district" \
    jqt $c1 --arg d $d1 '[.events[] | [.event, .peer]] | .[0][0] == "submitted" and .[1] == ["sent", $d]' \
    trace "$id"
check "trace --json at the sender asks along the path: 5 hops, delivered at the end" \
    wait_for 10 jqt $c1 --arg c $c2 '[.hops[].node] == ["c1.d1.hagiang", "d1.hagiang", "hagiang", "d2.hagiang", $c] and
        ([.hops[-1].events[].event] | index("delivered") != null) and
        ([.hops[1:-1][] | [.events[].event] == ["received", "sent"]] | all)' trace "$id"
check "trace (human): each node, sent at the sender, delivered at the receiver" \
    eval 'H $c1 trace "$id" && has "^at $c1:$" && has "^at $c2:$" &&
        has "^  [0-9-]+ [0-9:.]+Z +sent +$d1$" && has "^  [0-9-]+ [0-9:.]+Z +delivered +vanthu$"'
check "trace of an id never seen: no custody, exit 0" \
    eval 'H $p trace $(printf "%064d" 0) && has "no custody record here"'

# --- queue: every link, numeric lanes, nothing owed once delivered.
check "queue --json at the province: tw, d1, d2, each lane numeric, nothing owed" \
    wait_for 10 jqt $p '([.links[].peer] | sort == ["d1.hagiang", "d2.hagiang", "tw"]) and
        ([.links[] | .state == "up" and ([.urgent, .normal, .bulk][] |
        (.records | type == "number") and (.bytes | type == "number") and .records == 0)] | all)' queue
check "queue (human): the header and a line per link" \
    eval 'H $p queue && has "^PEER +STATE +URGENT +NORMAL +BULK$" &&
        has "^tw +up( +[0-9]+\+? / [0-9]+B){3}$" && has "^$d1 +up( +[0-9]+\+? / [0-9]+B){3}$" &&
        has "^$d2 +up( +[0-9]+\+? / [0-9]+B){3}$"'

# --- replicate: all links, or one.
check "replicate --json PEER at a commune: that link only" \
    jqt $c1 --arg d $d1 '.ok and .peers == [{"peer": $d, "action": "sent"}]' replicate $d1
check "replicate (human) at the province: a line per link" \
    eval 'H $p replicate && has "^tw +sent$" && has "^$d1 +sent$" && has "^$d2 +sent$"'
check "replicate --json without a peer: every link" \
    jqt $p '[.peers[].peer] | sort == ["d1.hagiang", "d2.hagiang", "tw"]' replicate

# --- cert issue / ls / revoke, for names that never run.
"$B/node-key" generate "$T/c9.key" >"$T/c9.pub"
"$B/node-key" generate "$T/c8.key" >"$T/c8.pub"
check "cert issue (human): the file, the certificate, the chain length" \
    eval 'H $d1 cert issue c9.$d1 "$(cat "$T/c9.pub")" -o "$T/c9.chain" &&
        has "^$T/c9.chain: certificate [0-9a-f]{64} for c9.$d1 \(3 in chain\)$" && [ -s "$T/c9.chain" ]'
c9id=$(sed -E 's/.*certificate ([0-9a-f]{64}) .*/\1/' "$T/h")
r=$(J $d1 cert issue c8.$d1 "$(cat "$T/c8.pub")" -o "$T/c8.chain" --days 2)
c8id=$(jq -r .id <<<"$r")
check "cert issue --json: the id and a chain of 3, written to the file" \
    eval 'jq -e ".ok and (.chain | length == 3)" <<<"$r" >/dev/null && hex "$c8id" 64 && [ -s "$T/c8.chain" ]'
check "cert ls --json SUBTREE: the new certificate, valid, with its key" \
    jqt $d1 --arg id "$c9id" --arg k "$(cat "$T/c9.pub")" \
    '.certs == [.certs[0]] and (.certs[0] | .id == $id and .subject == "c9.d1.hagiang" and
        .key == $k and .state == "valid" and .not_after_ms > 0)' cert ls c9.$d1
check "cert ls --json: --days 2 ends within 2 days" \
    jqt $d1 '.certs[0].not_after_ms < (now + 2 * 86400 + 60) * 1000' cert ls c8.$d1
check "cert ls (human) of the district: the header, itself, its communes" \
    eval 'H $d1 cert ls $d1 && has "^SUBJECT +STATE +NOT BEFORE +NOT AFTER +KEY +ID$" &&
        has "^$d1 +valid " && has "^$c1 +valid " && has "^c9.$d1 +valid .* $c9id$"'
check "cert revoke (human) names the revocation record" \
    eval 'H $d1 cert revoke "$c9id" "key lost" && has "^revoked by [0-9a-f]{64}$"'
check "cert revoke --json: the revocation's id" \
    jqt $d1 '.ok and (.id | test("^[0-9a-f]{64}$"))' cert revoke "$c8id"
check "cert ls --json shows both revoked" \
    jqt $d1 '[.certs[] | select(.subject == "c9.d1.hagiang" or .subject == "c8.d1.hagiang") | .state] == ["revoked", "revoked"]' \
    cert ls $d1
check "cert ls (human) shows it revoked" eval 'H $d1 cert ls c9.$d1 && has "^c9.$d1 +revoked "'
check "the revocation reaches the province" \
    wait_for 20 jqt $p '.certs[0].state == "revoked"' cert ls c9.$d1
check "the running commune's certificate is untouched" \
    jqt $d1 '.certs[0].state == "valid"' cert ls $c1

# --- db and doc, in the province's database, across the tiers.
check "db create (human): the database and its ACL record" \
    eval 'H $p db create admin $p "*.$p=author" && has "^created admin \(acl [0-9a-f]{64}\)$"'
check "db create --json: the db and the ACL id" \
    jqt $p '.ok and .db == "notes" and (.acl_id | test("^[0-9a-f]{64}$"))' db create notes $p
check "db ls --json at the province: manager, replica, no documents" \
    jqt $p '.dbs[] | select(.db == "admin") | .scope == "hagiang" and .level == "manager" and
        .replica == true and .docs == 0 and .creator == "hagiang"' db ls
author_at() { jqt "$1" '.dbs[] | select(.db == "admin") | .replica and .level == "author"' db ls; }
check "the database reaches a commune of each district, an author there" \
    wait_for 20 eval 'author_at $c1 && author_at $c2'
check "db ls (human) at a commune: the header and the database" \
    eval 'H $c2 db ls && has "^DB +SCOPE +LEVEL +REPLICA +DOCS +DELETED +CONFLICTS +CREATOR$" &&
        has "^admin +hagiang +author +yes +0 +0 +0  hagiang$"'
check "the root, outside the scope, holds no replica" \
    eval '! J tw db ls | jq -e ".dbs[]? | select(.db == \"admin\" and .replica)" >/dev/null'
check "db acl --json: the entries" \
    jqt $c1 '[.entries[] | "\(.pattern)=\(.level)"] | sort == ["*.hagiang=author", "hagiang=manager"]' \
    db acl admin
check "db acl (human) with an entry: changed, and shown" \
    eval 'H $p db acl admin "$d1=editor" && has "^PATTERN +LEVEL$" && has "^$d1 +editor$" && has "^scope +hagiang$"'
check "db acl --json ... remove" \
    jqt $p '(.entries | any(.pattern == "d1.hagiang") | not) and (.entries | length == 2)' \
    db acl admin "$d1=remove"

out=$(ctl $p doc put admin loai="công văn" so:number=42)
pdoc=${out%% *} prev=${out#* }
check "doc put (human): the new id and revision" eval 'hex "$pdoc" 32 && hex "$prev" 64'
r=$(J $c1 doc put admin tieude="báo cáo" tags:list=a,b)
cdoc=$(jq -r .id <<<"$r")
check "doc put --json at a commune (an author): id and revision" \
    eval 'jq -e ".ok and (.rev | test(\"^[0-9a-f]{64}$\"))" <<<"$r" >/dev/null && hex "$cdoc" 32'
check "both documents reach the other district's commune" \
    wait_for 20 eval 'ctl $c2 doc get admin "$pdoc" >/dev/null && ctl $c2 doc get admin "$cdoc" >/dev/null'
check "doc get --json there: the fields, revision, origin" \
    jqt $c2 --arg rev "$prev" '.fields == {loai: "công văn", so: 42} and .rev == $rev and
        .origin == "hagiang" and .deleted == false and .conflicts == []' doc get admin "$pdoc"
check "doc get (human): name: value lines, rev, conflicts" \
    eval 'H $c2 doc get admin "$cdoc" && has "^tieude: báo cáo$" && has "^tags: a, b$" &&
        has "^rev: [0-9a-f]{64}$" && has "^conflicts: none$"'
check "doc ls --json: both, authored where they were written" \
    jqt $c2 --arg a "$pdoc" --arg b "$cdoc" '[.docs[] | [.id, .author, .depth]] | sort ==
        ([[$a, "hagiang", 1], [$b, "c1.d1.hagiang", 1]] | sort)' doc ls admin
check "doc ls (human): the header and a line each" \
    eval 'H $c2 doc ls admin && has "^ID +REV +DEPTH +CONFLICTS +DELETED +AUTHOR$" &&
        has "^$pdoc [0-9a-f]{16} +1 +0 +hagiang$" && has "^$cdoc [0-9a-f]{16} +1 +0 +$c1$"'
out=$(ctl $p doc put admin "$pdoc" so:number=43)
prev2=${out#* }
check "doc history --json after an edit: two revisions, the second naming the first" \
    jqt $p --arg a "$prev" --arg b "$prev2" '[.revs[] | [.rev, .parents, .winner]] ==
        [[$a, [], false], [$b, [$a], true]]' doc history admin "$pdoc"
check "doc history (human): the header and a line per revision" \
    eval 'H $p doc history admin "$pdoc" && has "^DEPTH +REV +FLAGS +CREATED +ORIGIN +PARENTS$" &&
        has "^ +2 $prev2 winner,leaf " && has "^ +1 $prev - "'
out=$(ctl $c1 doc put admin tmp=1); tmpdoc=${out%% *}
out=$(ctl $c1 doc put admin tmp=2); tmpdoc2=${out%% *}
check "doc rm (human): the delete revision" \
    eval 'H $c1 doc rm admin "$tmpdoc" && has "^deleted $tmpdoc rev [0-9a-f]{64}$"'
check "doc rm --json: the id and the stub's revision" \
    jqt $c1 --arg id "$tmpdoc2" '.ok and .id == $id and (.rev | test("^[0-9a-f]{64}$"))' doc rm admin "$tmpdoc2"
check "doc get of it: deleted" jqt $c1 '.deleted == true' doc get admin "$tmpdoc"
check "doc conflicts --json: none yet" jqt $c2 '.docs == []' doc conflicts admin
check "doc conflicts (human) says so" \
    eval 'H $c2 doc conflicts admin && [ "$(tail -1 "$T/h")" = "(no conflicts)" ]'
check "doc resolve of a document without conflicts: an error (exit 1, one line)" \
    err1 ctl $p doc resolve admin "$pdoc"

# A conflict: the other district down, the commune's documents edited on
# both sides (the commune by itself, the province as manager).
out=$(ctl $c2 doc put admin n:number=1); x=${out%% *}
out=$(ctl $c2 doc put admin n:number=1); y=${out%% *}
check "the commune's documents reach the province" \
    wait_for 20 eval 'ctl $p doc get admin "$x" >/dev/null && ctl $p doc get admin "$y" >/dev/null'
stop_node $d2
rc=$(ctl $c2 doc put admin "$x" n:number=2 by=commune); rc=${rc#* }
ctl $c2 doc put admin "$y" n:number=2 >/dev/null
rp=$(ctl $p doc put admin "$x" n:number=3 by=province); rp=${rp#* }
ctl $p doc put admin "$y" n:number=3 >/dev/null
start_node $d2
check "the district comes back" \
    wait_for 20 eval 'link_up $c2 $d2 && link_up $d2 $p'
conflicted() {
	J "$1" doc conflicts admin | jq -e --arg a "$x" --arg b "$y" \
	    '[.docs[] | select((.id == $a or .id == $b) and (.conflicts | length) == 1)] | length == 2' >/dev/null
}
check "the conflict shows at the province and at the commune" \
    wait_for 30 eval 'conflicted $p && conflicted $c2'
check "doc conflicts (human): winner and conflict lines" \
    eval 'H $c2 doc conflicts admin && has "^$x [0-9a-f]{64} winner$" && has "^ {33}[0-9a-f]{64} conflict$"'
check "doc resolve (human) at the province, keeping the commune's revision" \
    eval 'H $p doc resolve admin "$x" --keep "$rc" && has "^resolved $x rev [0-9a-f]{64}$"'
check "doc resolve --json at the commune (its own document)" \
    jqt $c2 --arg id "$y" '.ok and .id == $id and (.rev | test("^[0-9a-f]{64}$"))' doc resolve admin "$y"
check "the resolution keeps the commune's fields" \
    jqt $p '.fields == {n: 2, by: "commune"} and .conflicts == []' doc get admin "$x"
digest() { J "$1" db digest admin | jq -r .digest; }
same_digests() {
	local want n
	want=$(digest $p) && hex "$want" 64 || return 1
	for n in $d1 $d2 $c1 $c2; do [ "$(digest $n)" = "$want" ] || return 1; done
}
check "all five replicas reach one digest, without conflicts" \
    wait_for 30 eval 'same_digests && jqt $c1 ".docs == []" doc conflicts admin'
check "db digest --json: the counts" jqt $c1 '.db == "admin" and .docs == 4 and .conflicts == 0' db digest admin
check "db digest (human): the same line at both communes" \
    eval 'H $c1 db digest admin && has "^[0-9a-f]{64}  admin  docs 4, conflicts 0$" &&
        [ "$(cat "$T/h")" = "$(ctl $c2 db digest admin)" ]'

# --- metrics: the format check, at every node, human and JSON.
for n in $ALL; do
	ctl $n metrics >"$T/metrics.$n"
	check "metrics at $n: every line a comment or name{labels} value" \
	    eval '[ -s "$T/metrics.$n" ] && ! grep -vE "$METRIC_RE" "$T/metrics.$n"'
done
check "metrics at a commune: its link to the district is up" \
    grep -qx "node_peer_up{peer=\"$d1\"} 1" "$T/metrics.$c1"
check "metrics --json: the same format, in .text" \
    eval 'J $p metrics | jq -j .text >"$T/mj" && grep -q "^node_records_in_total [0-9]" "$T/mj" &&
        ! grep -vE "$METRIC_RE" "$T/mj"'

# --- network: every node of the tree, fresh.
fresh_all() {	# node, names...: the network at node lists exactly these, fresh
	local n=$1; shift
	J "$n" network | jq -e --arg want "$*" '($want | split(" ") | sort) as $w |
	    ([.nodes[].name] | sort) == $w and ([.nodes[] | .stale == false and
	    .age_s <= 2 and .peers_up == .peers and .version != "" and
	    (.uptime_s | type == "number") and (.backlog | type == "number")] | all)' >/dev/null
}
check "network --json at the root: all 6 nodes, fresh, every link up" \
    wait_for 15 fresh_all tw $ALL
check "network --json at the province: itself and the 4 below" \
    wait_for 10 fresh_all $p $p $d1 $d2 $c1 $c2
check "network --json at a district: itself and its commune" \
    wait_for 10 fresh_all $d1 $d1 $c1
check "network --json: a version as status says" \
    eval '[ "$(J tw network | jq -r ".nodes[] | select(.name == \"$c2\") | .version")" = "$(J $c2 status | jq -r .version)" ]'
check "network (human) at the root: the header and 6 nodes ok" \
    eval 'H tw network && has "^NODE +VERSION +UPTIME +PEERS +BACKLOG +ERRORS +AGE +STATE$" &&
        [ "$(grep -cE "^[a-z0-9.]+ +[0-9]+\.[0-9.]+ +[0-9]+s +[0-9]+/[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+s  ok$" "$T/h")" -eq 6 ]'

# --- --help of every command: exit 0, a usage line on stdout.
for c in status peers queue send "mail ls" "mail cat" "mail rm" replicate trace route \
    network metrics "cert issue" "cert ls" "cert revoke"; do
	check "$c --help: exit 0, its own usage line and what it does" \
	    eval 'out=$(ctl $c1 $c --help 2>/dev/null) &&
	        head -1 <<<"$out" | grep -qE "^usage: node-ctl .*\] $c( |$)" &&
	        [ "$(wc -l <<<"$out")" -ge 3 ]'
done
for c in "db create" "db ls" "db acl" "db digest" "doc put" "doc get" "doc ls" "doc rm" \
    "doc history" "doc conflicts" "doc resolve"; do
	check "$c --help: exit 0, its own usage line" \
	    eval 'out=$(ctl $c1 $c --help 2>/dev/null) && [[ $(head -1 <<<"$out") == "usage: node-ctl "*" $c"* ]]'
done
check "--help alone: exit 0, the usage line" \
    eval '[[ $("$B/node-ctl" --help) == "usage: node-ctl "* ]]'

# --- exit codes: 2 usage, 1 error.
check "an unknown command: exit 2" exits 2 ctl $p frobnicate
check "no command: exit 2" exits 2 ctl $p
check "an unknown option: exit 2" exits 2 ctl $p --frob status
check "status with an argument: exit 2" exits 2 ctl $p status extra
check "route without an address: exit 2" exits 2 ctl $p route
check "trace without an id: exit 2" exits 2 ctl $p trace
check "mail cat without a seq: exit 2" exits 2 ctl $c2 mail cat vanthu
check "mail without a command: exit 2" exits 2 ctl $c2 mail
check "send without --from: exit 2" exits 2 ctl $c1 send vanthu@$c2
check "send without a recipient: exit 2" exits 2 ctl $c1 send --from chutich@$c1
check "cert issue without -o: exit 2" exits 2 ctl $d1 cert issue c7.$d1 "$(cat "$T/c9.pub")"
check "cert frob: exit 2" exits 2 ctl $d1 cert frob
check "replicate with two peers: exit 2" exits 2 ctl $p replicate tw $d1
check "db create without a scope: exit 2" exits 2 ctl $p db create x
check "doc get without an id: exit 2" exits 2 ctl $p doc get admin
check "mail cat with a seq that is not a number: exit 2" exits 2 ctl $c2 mail cat vanthu abc
check "send with an unknown priority: exit 2" exits 2 ctl $c1 send --from chutich@$c1 --priority frob vanthu@$c2
check "cert issue with --days x: exit 2" exits 2 ctl $d1 cert issue c7.$d1 "$(cat "$T/c9.pub")" -o "$T/x.chain" --days x
check "mail ls of a mailbox the node does not have: exit 1, saying so" \
    eval '! ctl $c2 mail ls nosuch 2>"$T/err" && grep -q "no mailbox nosuch here" "$T/err"'
check "a usage error prints the usage on stderr, nothing on stdout" \
    eval '[ -z "$(ctl $p frobnicate 2>"$T/err")" ] && grep -q "^usage: node-ctl " "$T/err"'
check "mail cat of a missing seq: exit 1, one line" err1 ctl $c2 mail cat vanthu 999
check "mail cat --json of a missing seq: exit 1, ok false and the error" \
    eval 'out=$(J $c2 mail cat vanthu 999); [ $? -eq 1 ] &&
        jq -e ".ok == false and (.error | test(\"999\"))" <<<"$out" >/dev/null'
check "mail rm of a missing seq: exit 1, one line" err1 ctl $c2 mail rm vanthu 999
check "route of a malformed address: exit 1, one line" err1 ctl $p route "not an address"
check "trace of a malformed id: exit 1, one line" err1 ctl $p trace 00
check "replicate of an unknown peer: exit 1, one line" err1 ctl $p replicate nosuch
check "cert revoke of a malformed id: exit 1, one line" err1 ctl $d1 cert revoke 00
check "cert ls of a bad name: exit 1, one line" err1 ctl $d1 cert ls "Bad Name"
check "send from a mailbox elsewhere: exit 1, one line" \
    eval 'echo x | err1 ctl $c1 send --from chutich@$c2 vanthu@$c2'
check "doc get of an unknown document: exit 1, one line" \
    err1 ctl $p doc get admin 00000000000000000000000000000000
check "db digest of an unknown database: exit 1, one line" err1 ctl $p db digest nosuch
check "a socket nobody listens on: exit 1, saying to use -d" \
    eval 'err1 "$B/node-ctl" -s "$T/nosuch.sock" status && grep -q "use -d DATADIR" "$T/err"'

# --- a commune stopped: read with -d, then stale in the root's network.
echo "bốn" | ctl $c1 send --from chutich@$c1 --subject "chưa đọc" vanthu@$c2 >/dev/null
check "an unread letter reaches the commune" \
    wait_for 20 jqt $c2 '[.messages[] | select(.read == false) | .subject] == ["thứ ba", "chưa đọc"]' mail ls vanthu
dg=$(digest $c2)
dls=$(J $c2 doc ls admin | jq -cS .docs)
stop_node $c2
t0=$(date +%s%N)
sum=$(sha256sum <"$T/$c2/data.mdb")
dctl() { "$B/node-ctl" -d "$T/$c2" "$@"; }
check "-d status --json: not running, the store's records" \
    eval 'dctl --json status | jq -e ".ok and .running == false and .store.records > 0 and
        (.instance | test(\"^[0-9a-f]+$\"))" >/dev/null'
check "-d status (human): stopped, read-only" \
    eval '[[ $(dctl status) == *"(node stopped; read-only)"* ]]'
check "-d mail ls --json: the letters, the last unread" \
    eval 'dctl --json mail ls vanthu | jq -e "[.messages[] | [.subject, .read]] == [[\"thứ ba\", false], [\"chưa đọc\", false]]" >/dev/null'
check "-d mail ls (human)" eval 'dctl mail ls vanthu | grep -qE " chưa đọc$"'
check "-d mail cat --json: its text" \
    eval 'dctl --json mail cat vanthu 4 | jq -e ".text == \"bốn\n\" and .subject == \"chưa đọc\"" >/dev/null'
check "-d mail cat (human)" eval '[[ $(dctl mail cat vanthu 4) == *"Subject: chưa đọc"*"bốn"* ]]'
check "-d mail cat did not mark it read" \
    eval 'dctl --json mail ls vanthu | jq -e ".messages[-1].read == false" >/dev/null'
check "-d trace --json: received and delivered here" \
    eval 'dctl --json trace "$id" | jq -e "[.events[].event] == [\"received\", \"delivered\"]" >/dev/null'
check "-d trace (human)" eval 'dctl trace "$id" | grep -qE " delivered +vanthu$"'
check "-d db ls --json: the replica, an author (named by its chain)" \
    eval 'dctl --json db ls | jq -e ".dbs[] | select(.db == \"admin\") | .replica and .level == \"author\" and .docs == 4" >/dev/null'
check "-d doc ls --json: the list the running node had" \
    eval '[ "$(dctl --json doc ls admin | jq -cS .docs)" = "$dls" ]'
check "-d doc get --json: the resolved fields" \
    eval 'dctl --json doc get admin "$x" | jq -e ".fields == {n: 2, by: \"commune\"}" >/dev/null'
check "-d doc get (human)" eval 'dctl doc get admin "$pdoc" | grep -qx "so: 43"'
check "-d db digest: the digest the running node had" \
    eval '[ "$(dctl --json db digest admin | jq -r .digest)" = "$dg" ] && [[ $(dctl db digest admin) == "$dg  admin  "* ]]'
check "-d send: exit 1, it needs a running node" \
    eval 'echo x | "$B/node-ctl" -d "$T/$c2" send --from chutich@$c2 vanthu@$c1 >/dev/null 2>"$T/err"; [ $? -eq 1 ] &&
        grep -q "needs a running node" "$T/err"'
check "-d doc put: exit 1, one line" err1 dctl doc put admin a=b
check "-d mail rm: exit 1, one line" err1 dctl mail rm vanthu 4
check "-d left data.mdb byte-identical" eval '[ "$(sha256sum <"$T/$c2/data.mdb")" = "$sum" ]'
check "node-store check passes on it" quiet "$B/node-store" check "$T/$c2"

left=$((4500 - ($(date +%s%N) - t0) / 1000000))
[ $left -gt 0 ] && sleep "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))"
J tw network >"$T/net.json"
check "network --json at the root, 4.5 s later: the stopped commune stale" \
    jq -e --arg c $c2 '.nodes[] | select(.name == $c) | .stale == true and .age_s >= 4' "$T/net.json" >/dev/null
check "network --json: the 5 others still fresh" \
    jq -e --arg c $c2 '[.nodes[] | select(.name != $c) | .stale] == [false, false, false, false, false]' "$T/net.json" >/dev/null
check "network (human): the commune STALE, the others ok" \
    eval 'H tw network && has "^$c2 .*  STALE" && [ "$(grep -cE "  ok( |$)" "$T/h")" -eq 5 ] &&
        [ "$(grep -c "STALE" "$T/h")" -eq 1 ]'
start_node $c2
check "back up, it is fresh again" wait_for 15 fresh_all tw $ALL
finish
