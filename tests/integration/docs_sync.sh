#!/usr/bin/env bash
# Deletes and catch-up: an office offline across a delete and many later
# edits comes back, and the deleted document stays deleted there. A
# delete stub is purged at a node once every peer replicating the
# database holds it, and not before (the district keeps it while its
# commune is away). A district whose store is replaced (data directory
# wiped, re-enrolled with a new key) is resynced in full.
cd "$(dirname "$0")/../.." && . tests/lib.sh

c1=c1.d1.hagiang
c2=c2.d1.hagiang
make_node tw
make_node hagiang tw
make_node d1.hagiang hagiang
make_node $c1 d1.hagiang
make_node $c2 d1.hagiang
NODES=(tw hagiang d1.hagiang $c1 $c2)
start_tree "${NODES[@]}"
all_up() { tree_up "${NODES[@]}"; }
check "the tree links up" wait_for 30 all_up

holds() { ctl "$1" --json doc get "$2" "$3" >/dev/null 2>&1; }
# Document $3 of database $2 at node $1: "deleted purged" as true/false.
state() { ctl "$1" --json doc get "$2" "$3" | jq -r '"\(.deleted) \(.purged)"'; }
is() { [ "$(state "$1" "$2" "$3")" = "$4" ]; }
digest() { ctl "$1" --json db digest "$2" | jq -r '"\(.digest) \(.docs)"'; }
same_digest() {
	local n d=$(digest hagiang "$1")
	for n in "${NODES[@]:2}"; do
		[ "$(digest "$n" "$1")" = "$d" ] || return 1
	done
}

ctl hagiang db create ds hagiang '*.hagiang=editor' >/dev/null
check "the database reaches the communes" wait_for 20 db_at ds $c1 $c2
doomed=$(ctl $c1 --json doc put ds ten="sẽ bị xoá" | jq -r .id)
check "a commune's document reaches the other commune" wait_for 20 holds $c2 ds "$doomed"

stop_node $c2
ctl hagiang doc rm ds "$doomed" >/dev/null
check "the delete is a stub at the province" is hagiang ds "$doomed" "true false"
for i in $(seq 1 40); do
	ctl hagiang doc put ds so:number="$i" >/dev/null
done
kept=$(ctl d1.hagiang --json doc put ds ten="giữ lại" | jq -r .id)
for i in 1 2 3; do
	ctl hagiang doc put ds "$kept" lan:number="$i" >/dev/null
done
check "the province purges the stub once its peers hold it" \
    wait_for 20 is hagiang ds "$doomed" "true true"
check "the district, whose commune is away, keeps it" \
    is d1.hagiang ds "$doomed" "true false"
sleep 5	# more than two purge passes
check "and still keeps it later" is d1.hagiang ds "$doomed" "true false"
check "the purged document's history is gone at the province" \
    eval 'ctl hagiang --json doc history ds $doomed | jq -e "[.revs[] | select(.purged == true)] | length == 2"'

start_node $c2
check "the returning commune catches up: its replica matches" \
    wait_for 30 same_digest ds
check "the deleted document stays deleted there" is $c2 ds "$doomed" "true false"
check "the district purges the stub now that its commune holds it" \
    wait_for 20 is d1.hagiang ds "$doomed" "true true"
check "the commune holds every later edit" \
    test "$(ctl $c2 --json doc get ds "$kept" | jq -r .fields.lan)" = 3
stop_node $c2
check "a purged store passes node-store check" "$B/node-store" check "$T/$c2"
start_node $c2

# The district's machine is replaced: a new store, a new key.
before=$(digest hagiang ds)
stop_node d1.hagiang
rm -rf "$T/d1.hagiang"
mkdir -p "$T/d1.hagiang" && chmod 700 "$T/d1.hagiang"
"$B/node" init -c "$T/d1.hagiang.conf" >"$T/d1.hagiang/pub" 2>/dev/null
check "the province certifies the new machine" enrol d1.hagiang
for n in $c1 $c2; do
	sed -i "/^\[link d1.hagiang\]/,/^\[/ s/^key = .*/key = $(cat "$T/d1.hagiang/pub")/" "$T/$n.conf"
	stop_node $n
done
start_node d1.hagiang
start_node $c1 && start_node $c2
check "the new district links up" wait_for 20 all_up
check "its replica is resynced in full (same digest and documents)" \
    wait_for 30 eval '[ "$(digest d1.hagiang ds)" = "$before" ]'
check "documents its communes wrote come back too" holds d1.hagiang ds "$kept"
newdoc=$(ctl $c1 --json doc put ds ten="sau khi thay máy" | jq -r .id)
check "and it replicates as before" wait_for 20 holds hagiang ds "$newdoc"
finish
