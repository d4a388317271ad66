#!/usr/bin/env bash
# The repair frames (proto/README.md, "Repair") played by a hostile
# office: evil_peer, certified by the district, with hand-made Wants and
# Founds.
#
# Tree: tw <- hagiang <- bacquang.hagiang <- {tanthanh (a commune),
#   ev (evil_peer: asks, answers, forges), cham (evil_peer as an honest
#   neighbour that holds good copies but is slow to answer)}
#
#   1. a Want gets only what the asker's link would carry anyway
#   2. a Found brings in nothing that is not sought
#   3. a forged copy does not repair a sought record; an honest one does
#   4. a neighbour's "missing" counts once a round, however often said
#   5. a Want in a version 1 session, or outside the limits, gets nothing
#
# What must not happen is checked after something that must happen on the
# same link: the district takes a link's frames in order, so an answer it
# would give comes before the ack of a batch sent after.
cd "$(dirname "$0")/../.." && . tests/lib.sh && . tests/hostile.sh

make_chain
E=ev.$D
H=cham.$D
set_limit $D repair_wait_s 1
# Nothing the district writes or gets but what this test sends: its own
# status reports wait an hour; the commune's come every second, until it
# stops (one is needed below).
set_limit $D status_s 3600
set_limit $C status_s 1
chain_up
new_key $E
e_cert=$(issue $D $E)
new_key $H
issue $D $H >/dev/null

# run OUT NAME MODE [OPTION...]: evil_peer as NAME against the district,
# its output in $T/OUT (and in evil.log); returns its exit status.
run() {
	local out=$T/$1 name=$2 mode=$3 rc; shift 3
	"$EVIL" "$@" "$T/$name/node.key" "$T/$name/node.chain" "$name" \
	    "tcp://127.0.0.1:${PORT[$D]}" "$(cat "$T/$D/pub")" "$mode" \
	    >"$out" 2>&1
	rc=$?
	{ echo "== $name $mode $*"; cat "$out"; echo "== exit $rc"; } \
	    >>"$T/evil.log"
	return $rc
}
said() { grep -qF -- "$2" "$T/$1"; }		# OUT TEXT
made() {	# OUT SUBJECT: the id of the record evil_peer made with it
	awk -v s="subject=$2" '$2 == "record" && $5 == s { print $3 }' "$T/$1"
}
damaged() { ctl $D --json status | jq -r ".damaged.$1"; }

# --- The records the district holds -----------------------------------------
ctl $P db create congvan $P "*.$P=editor" >/dev/null
rev=$(ctl $P --json doc put --readers "$D,$C" congvan ten="mat" | jq -r .rev)
letter() { echo "$2" | ctl $P send --from vanthu@$P --subject "$2" "$1"; }
lc=$(letter vanthu@$C "cho xa")
l0=$(letter vanthu@$E "cho ev")
l1=$(letter vanthu@$H "cho cham 1")
l2=$(letter vanthu@$H "cho cham 2")
check "the district holds the letters, the revision and the certificate" \
    wait_for 20 eval 'for id in $lc $l0 $l1 $l2 $rev $e_cert; do
	holds $D $id || exit 1; done'
# The commune's newest status report, as the district keeps it (the
# status table: name -> record id), once the commune is stopped.
check "the district holds a status report of the commune" \
    wait_for 20 eval 'ctl $D --json network |
	jq -e ".nodes[] | select(.name == \"$C\")"'
stop_node $C
hex() { printf %s "$1" | od -An -tx1 | tr -d ' \n'; }
st=$(mdb_dump -s status "$T/$D" | awk -v k=" $(hex $C)" '
	f { sub(/^ /, ""); print substr($0, 1, 64); exit } $0 == k { f = 1 }')
check "it is a record the district holds" eval '[ ${#st} = 64 ] && holds $D $st'

# --- 1. A Want gets only what the link would carry ---------------------------
check "the evil commune asks the district for five records; a Found answers" \
    run want1 $E want -w "$lc,$rev,$st" -w "$l0,$e_cert" -R "$T/E.rec"
check "it holds two records and three ids missing" \
    said want1 "got found records=2 missing=3"
check "a letter to another commune is missing, not sent" \
    eval 'said want1 "found missing $lc" && ! said want1 "found record $lc"'
check "a revision whose readers leave it out is missing, not sent" \
    eval 'said want1 "found missing $rev" && ! said want1 "found record $rev"'
check "a status report (for the parent only) is missing, not sent" \
    eval 'said want1 "found missing $st" && ! said want1 "found record $st"'
check "a letter to the evil commune itself comes back" \
    said want1 "found record $l0 kind mail"
check "so does a certificate" said want1 "found record $e_cert kind cert"
check "the slow neighbour fetches its two letters the same way" \
    eval 'run want2 $H want -w "$l1,$l2" -R "$T/H.rec" &&
	said want2 "got found records=2 missing=0"'

# --- 5. Wants outside the rules ---------------------------------------------
run want-v1 $E want -V 1 -M 1 -w "$l0"
rc=$?
check "in a version 1 session a Want gets no Found (refused with exit 1)" \
    eval '[ $rc = 1 ] && said want-v1 "no Found before the ack"'
check "that session runs at version 1 and still carries a record (acked)" \
    eval 'logged $D "event=link_up peer=$E version=1 " &&
	said want-v1 "ack lane 1 seq=1 "'
f0=$(counter $D frames_bad)
check "Wants of 65 ids, of an id of 31 or 33 bytes, of none: no Found, the next record acked" \
    run want-bad $E want-bad
check "the district counts each as a bad frame (frames_bad +4)" \
    test "$(counter $D frames_bad)" -eq $((f0 + 4))

# --- 2. A Found brings nothing unasked in -----------------------------------
b0=$(counter $D records_bad)
n0=$(counter $D records_new)
check "an unasked Found, then a record in a batch: the record is acked" \
    run found $E found -T chutich@$D
unasked=$(made found found-unasked)
badsig=$(made found found-badsig)
check "the district stores the batch's record alone (records_new +1)" \
    test "$(counter $D records_new)" -eq $((n0 + 1))
check "it counts the record with a bad signature (records_bad +1)" \
    test "$(counter $D records_bad)" -eq $((b0 + 1))
check "it holds neither record of the Found" \
    eval '[ ${#unasked} = 64 ] && [ ${#badsig} = 64 ] &&
	! holds $D $unasked && ! holds $D $badsig'
check "the batch's letter is delivered, the Found's are not" \
    eval '[ "$(subject_count $D chutich found)" = 1 ] &&
	[ "$(subject_count $D chutich found-unasked)" = 0 ] &&
	[ "$(subject_count $D chutich found-badsig)" = 0 ]'
check "the ids in its missing leave nothing sought or lost" \
    eval '[ "$(damaged sought)" = 0 ] && [ "$(damaged lost)" = 0 ]'

# --- 3. A forged copy does not repair ---------------------------------------
# Three letters rot in the district's store while it and the province are
# stopped: restarted, it seeks them, and only evil_peer links.
stop_node $D
stop_node $P
check "three letters of the district rot" \
    eval '[ "$("$B/tests/store_flip" "$T/$D" $l0 $l1 $l2)" = 3 ]'
start_node $D
check "restarted alone, the district seeks all three" \
    wait_for 20 eval '[ "$(damaged sought)" = 3 ]'
b0=$(counter $D records_bad)
check "the evil commune answers its Want with forged copies, then a record (acked)" \
    run forge $E forge -t 30 -R "$T/E.rec" -T chutich@$D
forged=$(made forge forge-forged)
check "each forged copy counts in records_bad (FORGE_FOUNDS, 10, of one)" \
    test "$(counter $D records_bad)" -eq $((b0 + 10))
check "the letters are still sought, nothing repaired" \
    eval '[ "$(damaged sought)" = 3 ] &&
	[ "$(counter $D records_repaired)" = 0 ]'
check "the record nobody asked for is not held" \
    eval '[ ${#forged} = 64 ] && ! holds $D $forged'
# Rounds come every 5 s; the ten Founds took about one. Each of them
# starting a round of its own would have drawn ten Wants.
check "forged Founds do not make the district ask again (fewer than 3 Wants)" \
    eval '[ "$(awk "/Wants came meanwhile/ { print \$2 }" "$T/forge")" -lt 3 ]'
check "the evil commune's record in its batch is delivered" \
    eval '[ "$(subject_count $D chutich forge)" = 1 ]'

# --- 4. "missing" counts once a neighbour and round ----------------------------
# cham holds good copies of two of the letters but answers no Want until
# told; meanwhile ev says they are missing, again and again, in one round,
# and from a second session. Both were asked: the letters are not lost.
# (The province cannot play the slow neighbour: it answers the Want it
# gets on linking at once.) No sleep decides anything: ev returns only
# once the next round's Want came, and every round first counts the one
# before, so the letters are checked after the count and before cham
# answers.
rm -f "$T/go"
"$EVIL" -t 60 -R "$T/H.rec" -G "$T/go" "$T/$H/node.key" "$T/$H/node.chain" \
    $H "tcp://127.0.0.1:${PORT[$D]}" "$(cat "$T/$D/pub")" slow \
    >"$T/slow" 2>&1 &
slow_pid=$!
check "the slow neighbour links" wait_for 15 link_up $D $H
check "the evil commune says missing: thrice in a Found, in four, from a second session" \
    run missing $E missing -t 30 -w "$l1,$l2" -T chutich@$D
check "after the round is counted, no letter is lost" \
    eval '[ "$(damaged lost)" = 0 ] && [ "$(counter $D records_lost)" = 0 ]'
check "not the one said missing thrice in one Found" \
    eval '! logged $D "event=record_lost id=$l1"'
check "not the one said missing again from a second session" \
    eval '! logged $D "event=record_lost id=$l2"'
touch "$T/go"
wait $slow_pid
rc=$?
{ echo "== $H slow"; cat "$T/slow"; echo "== exit $rc"; } >>"$T/evil.log"
check "the slow neighbour answers with its two copies (acked)" \
    eval '[ $rc = 0 ] && said slow "answering with 2 good copies"'
check "the district repairs both from it" \
    wait_for 20 eval '[ "$(counter $D records_repaired)" = 2 ] &&
	[ "$(damaged sought)" = 1 ]'
check "and never called either lost" \
    eval '[ "$(counter $D records_lost)" = 0 ] &&
	! logged $D "event=record_lost"'

# --- 3, the end: the honest parent comes back -------------------------------
start_node $P
check "the province answers with a good copy: the forged-at letter is repaired" \
    wait_for 30 eval '[ "$(counter $D records_repaired)" = 3 ] &&
	[ "$(damaged sought)" = 0 ] && [ "$(damaged lost)" = 0 ]'
trace_has() {	# ID EVENT PEER: does the district's trace of ID show it?
	ctl $D --json trace "$1" | jq -e --arg e "$2" --arg p "$3" \
	    '.events[] | select(.event == $e and .peer == $p)' >/dev/null
}
check "its custody says: damaged here, repaired by the province" \
    eval 'trace_has $l0 damaged $D && trace_has $l0 repaired $P &&
	! trace_has $l0 repaired $E'
check "the district logs the repair from the province, none from the evil commune" \
    eval 'logged $D "event=record_repaired id=$l0 from=$P" &&
	! grep -q "event=record_repaired.* from=$E" "$T/$D.log"'
check "every custody event was stored" \
    eval '! grep -q "event=custody_unrecorded" "$T"/*.log'
for n in tw $P $D; do
	check "$n is still running" is_running $n
done
[ "$FAILED" -eq 0 ] || sed 's/^/# /' "$T/evil.log"
finish
