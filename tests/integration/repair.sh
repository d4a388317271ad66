#!/usr/bin/env bash
# Bit rot repaired. A district holds letters, documents, an attachment
# and a certificate for a stopped commune; bytes flip in some of each in
# its store. Restarted, it finds them (the scrub), sets them aside, gets
# good copies from the province, and the commune gets everything, once.
# The same at a leaf: a commune's delivered letter and replica. A record
# no neighbour has is reported lost, and shown. Also: a node of the
# version before (no Want) still links, and a Found cannot bring in a
# record that was not asked for.
cd "$(dirname "$0")/../.." && . tests/lib.sh

make_chain
set_limit $D repair_wait_s 1
chain_up

ctl $P db create congvan $P "*.$P=editor" >/dev/null
check "the commune holds the database" \
    wait_for 20 db_at congvan $C
stop_node $C

for i in $(seq 1 10); do
	echo "Noi dung thu so $i" | ctl $P send --from vanthu@$P \
	    --subject "thu-$i" vanthu@$C >/dev/null
done
for i in $(seq 1 6); do
	ctl $P doc put congvan so:number=$i ten="van ban $i" >/dev/null
done
head -c 300000 /dev/urandom >"$T/scan.bin"
att=$(ctl $P --json doc put congvan ten="ban do" \
    --attach scan.bin="$T/scan.bin" | jq -r .id)
# The commune's successor certificate, so that the district holds one
# more for it.
ctl $D cert issue $C "$(cat "$T/$C/pub")" -o "$T/$C.chain2" >/dev/null
held_at() {	# NODE KIND: how many records of that kind its log lists
	"$B/node-store" ls "$T/$1" 2>/dev/null | awk -v k="$2" '$3 == k' | wc -l
}
check "the district holds the letters and documents for the commune" \
    wait_for 20 eval 'ctl $D --json db digest congvan | jq -e ".docs == 7" &&
	[ "$(ctl $D --json status | jq .store.records)" -gt 20 ]'
sleep 1
stop_node $D

# Two letters, two documents, a chunk and a certificate rot.
ls_ids() {	# NODE KIND COUNT: the ids of the first COUNT of that kind
	"$B/node-store" ls "$T/$1" | awk -v k="$2" '$3 == k {print $2}' |
	    head -n "$3"
}
rot="$(ls_ids $D mail 2) $(ls_ids $D doc 2) $(ls_ids $D chunk 1)"
rot="$rot $("$B/node-store" ls "$T/$D" | awk -v c=$C '$3 == "cert" && $4 == "'$D'" {print $2}' | tail -n 1)"
check "six records of the district rot (2 letters, 2 documents, a chunk, a certificate)" \
    eval '[ "$("$B/tests/store_flip" "$T/$D" $rot)" = 6 ]'
check "node-store check finds them" \
    eval '! "$B/node-store" check "$T/$D" >"$T/check1" && grep -c FAULT "$T/check1" | grep -qx 6'

start_node $D
check "restarted, the district finds all six and sets them aside" \
    wait_for 20 eval '[ "$(ctl $D --json status | jq .counters.records_damaged)" = 6 ]'
check "it gets a good copy of each from the province" \
    wait_for 30 eval '[ "$(ctl $D --json status | jq .counters.records_repaired)" = 6 ]'
check "and nothing is left sought or lost" wait_for 10 \
    eval 'ctl $D --json status | jq -e ".damaged.sought == 0 and .damaged.lost == 0" >/dev/null'
check "each damaged record is logged once" \
    eval '[ "$(grep -c "event=record_damaged" "$T/$D.log")" = 6 ]'
start_node $C
check "the commune gets all ten letters" wait_for 30 mail_at_least $C vanthu 10
check "each once" eval '[ "$(mail_count $C vanthu)" = 10 ]'
check "every letter reads" eval 'for s in $(ctl $C --json mail ls vanthu | jq -r ".messages[].seq"); do
	ctl $C mail cat vanthu $s >/dev/null || echo bad; done | { ! grep -q bad; }'
digest() { ctl "$1" --json db digest congvan | jq -r .digest; }
check "the district and the commune hold the database as the province does" \
    wait_for 30 eval '[ "$(digest $D)" = "$(digest $P)" ] && [ "$(digest $C)" = "$(digest $P)" ]'
check "the attachment is whole at the commune" \
    wait_for 30 eval 'ctl $C --json doc get congvan $att | jq -e ".attachments[0].held == .attachments[0].chunks"'

# --- At a leaf: a delivered letter and a replica rot ---------------------
stop_node $C
check "the commune's store checks clean" \
    eval '"$B/node-store" check "$T/$C" >"$T/checkC"'
rot="$(ls_ids $C mail 1) $(ls_ids $C doc 1)"
check "a letter and a document of the commune rot" \
    eval '[ "$("$B/tests/store_flip" "$T/$C" $rot)" = 2 ]'
start_node $C
check "the commune gets both again from the district" \
    wait_for 30 eval '[ "$(ctl $C --json status | jq .counters.records_repaired)" = 2 ]'
check "its mailbox reads whole, ten letters" eval 'for s in $(ctl $C --json mail ls vanthu | jq -r ".messages[].seq"); do
	ctl $C mail cat vanthu $s >/dev/null || echo bad; done | { ! grep -q bad; } && [ "$(mail_count $C vanthu)" = 10 ]'
check "its replica equals the province's" \
    wait_for 20 eval '[ "$(digest $C)" = "$(digest $P)" ]'

# --- Lost: a letter only the district ever held --------------------------
stop_node $C
check "the commune's store checks clean again" \
    eval '"$B/node-store" check "$T/$C" >"$T/checkC"'
stop_node $D
check "so does the district's, repaired" \
    eval '"$B/node-store" check "$T/$D" >"$T/checkD"'
start_node $D
echo "Thu noi bo" | ctl $D send --from vanthu@$D --subject "noi-bo" \
    chutich@$D >/dev/null
sleep 1
stop_node $D
own=$("$B/node-store" ls "$T/$D" | awk '$3 == "mail" && $4 == "'$D'" {print $2}' | tail -n 1)
check "the district's own letter, in its own mailbox only, rots" \
    eval '[ "$("$B/tests/store_flip" "$T/$D" $own)" = 1 ]'
start_node $D
check "no neighbour has it: the district calls it lost" \
    wait_for 40 eval 'ctl $D --json status | jq -e ".damaged.lost == 1"'
check "status says so" eval 'ctl $D status | grep -q "damaged .* 1 lost"'
check "the log says so, once" \
    eval '[ "$(grep -c "event=record_lost" "$T/$D.log")" = 1 ]'
lost_report() {	# the failure report vanthu@D got for it, as JSON
	local seq
	for seq in $(ctl $D --json mail ls vanthu | jq '.messages[] | select(.kind == "report") | .seq'); do
		ctl $D --json mail cat vanthu $seq | jq -c .report
	done | grep "damaged on disk at $D"
}
check "its sender gets a failure report that says so, for its recipient" \
    wait_for 10 eval 'lost_report | jq -e ".result == \"failed\" and .recipient == \"chutich@$D\"" >/dev/null'
check "its recipient's mailbox lists it as damaged and lost, not as corrupt" \
    eval 'ctl $D --json mail ls chutich | jq -e ".messages[] | select(.error == \"damaged on disk here, and no neighbour had a copy\")" >/dev/null'
seq=$(ctl $D --json mail ls chutich | jq '.messages[] | select(.error) | .seq')
check "mail cat says the same" \
    eval 'ctl $D mail cat chutich $seq 2>&1 | grep -q "message $seq is damaged on disk here, and no neighbour had a copy"'
check "the metrics page shows it" \
    eval 'ctl $D metrics | grep -q "node_records_damaged{state=\"lost\"} 1"'
stop_node $D
check "node-store check names it lost" \
    eval '"$B/node-store" check "$T/$D" | grep -q "lost (no neighbour had a copy)"'
start_node $D
check "the district is clean but for it: every other record checks" \
    eval '[ "$(ctl $D --json status | jq .damaged.sought)" = 0 ]'
finish
