#!/usr/bin/env bash
# What a hostile office cannot take that is not its own, each tried with
# hand-signed records as that office would (tests/helpers/forge_doc writes
# them into its stopped store, evil_peer pushes them as it):
# 1. a province creates a database of the root's name, with an id that
#    wins a tie, and pushes it to the root: the root's creation outranks
#    it at every replica, whichever arrives first;
# 2. a manager the root demoted branches from the ACL before, sets
#    tw=none and adds a level: the root's line stays in force;
# 3. a relay writes its own first revision of another office's document
#    and sends it to its subtree before the real one: the document stays
#    its author's there too.
# Each time the refusal is logged and counted, and honest traffic flows.
# Two managers who change one ACL at once end with the same ACL in force.
cd "$(dirname "$0")/../.." && . tests/lib.sh && . tests/hostile.sh

d1=d1.hagiang
d2=d2.hagiang
c1=c1.$d1
make_node tw
make_node hagiang tw
make_node caobang tw
make_node $d1 hagiang
make_node $d2 hagiang
make_node $c1 $d1
NODES=(tw hagiang caobang $d1 $d2 $c1)
start_tree "${NODES[@]}"
all_up() { tree_up "${NODES[@]}"; }
check "the tree links up" wait_for 30 all_up

J() { local n=$1; shift; ctl "$n" --json "$@"; }
acl_id() { J "$1" db acl "$2" 2>/dev/null | jq -r .acl_id; }
scope_of() { J "$1" db acl "$2" 2>/dev/null | jq -r .scope; }
# all_acl DB ID NODE...: ACL ID is in force for DB at every NODE.
all_acl() {
	local db=$1 want=$2 n; shift 2
	for n; do [ "$(acl_id "$n" "$db")" = "$want" ] || return 1; done
}
has_doc() { J "$1" doc get "$2" "$3" >/dev/null 2>&1; }
# put NODE ARGS...: doc put; prints the document's id, fails if refused.
put() { local n=$1; shift; J "$n" doc put "$@" 2>/dev/null | jq -er .id; }
# is_field NODE DB DOC FIELD VALUE
is_field() {
	[ "$(J "$1" doc get "$2" "$3" 2>/dev/null |
	    jq -r --arg f "$4" '.fields[$f]')" = "$5" ]
}
author_of() {
	J "$1" doc ls "$2" | jq -r --arg d "$3" '.docs[] | select(.id == $d) | .author'
}
digest() { J "$1" db digest "$2" | jq -r .digest; }
same_digest() {
	local db=$1 n d; shift
	d=$(digest "$1" "$db") || return 1
	for n; do [ "$(digest "$n" "$db")" = "$d" ] || return 1; done
}
# refused_from NODE ORIGIN TEXT: NODE refused a record of ORIGIN, saying TEXT.
refused_from() {
	grep -F "event=record_refused" "$T/$1.log" | grep -F "origin=$2 " |
	    grep -qF -- "$3"
}
refused() { counter "$1" records_refused; }
# forge NODE [-o FILE] [-g ID] ARGS...: forge_doc as NODE into its store.
forge() {
	local n=$1 opts=(); shift
	while [[ ${1:-} == -? ]]; do opts+=("$1" "$2"); shift 2; done
	"$B/tests/forge_doc" "${opts[@]}" "$T/$n" "$T/$n/node.key" "$n" "$@"
}

# 1. A province takes over a root database.
ctl tw db create congvan '*' '*=reader' >/dev/null
root_acl=$(acl_id tw congvan)
check "the root's database reaches every office" \
    wait_for 20 all_acl congvan "$root_acl" "${NODES[@]}"
stop_node hagiang
before_tw=$(refused tw)
before_d1=$(refused $d1)
grab=$(forge hagiang -o "$T/grab.chain" -g "$root_acl" congvan hagiang - acl \
    hagiang=manager '*.hagiang=reader')
check "(the province's creation has an id above the root's)" \
    test "$grab" \> "$root_acl"
check "the province pushes its creation of congvan to the root" \
    evil hagiang tw push -f "$T/grab.chain"
start_node hagiang
check "the root refuses it: a higher-ranked creator's creation is held" \
    wait_for 10 refused_from tw hagiang "ranks above hagiang"
check "the root counts it refused" test "$(refused tw)" -gt "$before_tw"
check "the district below the province, which holds both, refuses it too" \
    wait_for 20 refused_from $d1 hagiang "ranks above hagiang"
check "and counts it refused" test "$(refused $d1)" -gt "$before_d1"
check "the root's creation stays in force everywhere" \
    all_acl congvan "$root_acl" "${NODES[@]}"
check "the root still writes its database" \
    eval 'doc=$(put tw congvan so=1)'
check "another province still receives it" wait_for 20 has_doc caobang congvan "$doc"
check "so does the commune below the hostile province" \
    wait_for 20 has_doc $c1 congvan "$doc"

# The other order: the province's creation arrives first, at the root
# (pushed) and at its district (fed), before the root creates the name.
stop_node hagiang
forge hagiang -o "$T/squat.chain" vanban hagiang - acl hagiang=manager >/dev/null
check "the province pushes a creation of a name the root has not used" \
    evil hagiang tw push -f "$T/squat.chain"
start_node hagiang
check "its district takes it, having nothing better" \
    wait_for 20 eval '[ "$(scope_of $d1 vanban)" = hagiang ]'
check "the root creates vanban all the same" \
    quiet ctl tw db create vanban '*' '*=reader'
root_v=$(acl_id tw vanban)
check "the root's creation is in force everywhere, where the province's came first too" \
    wait_for 20 all_acl vanban "$root_v" "${NODES[@]}"
doc=$(put tw vanban so=2)
check "documents of vanban flow from the root to every province" \
    wait_for 20 eval 'has_doc caobang vanban $doc && has_doc $c1 vanban $doc'

# 2. A demoted manager takes the database back.
ctl tw db create hop '*' '*=reader' hagiang=manager >/dev/null
a1=$(acl_id tw hop)
check "a database the province manages reaches every office" \
    wait_for 20 all_acl hop "$a1" "${NODES[@]}"
ctl tw db acl hop hagiang=reader >/dev/null
ctl tw db acl hop caobang=author >/dev/null
a3=$(acl_id tw hop)
check "the root demotes the province, then changes the ACL again" \
    wait_for 20 all_acl hop "$a3" "${NODES[@]}"
check "the province can no longer change the ACL" \
    eval '! ctl hagiang db acl hop x.hagiang=reader 2>/dev/null'
stop_node hagiang
before_tw=$(refused tw)
before_d1=$(refused $d1)
b2=$(forge hagiang hop '*' "$a1" acl hagiang=manager tw=none caobang=none '*=reader')
b3=$(forge hagiang hop '*' "$b2" acl hagiang=manager tw=none caobang=none '*=reader' \
    x.hagiang=reader)
forge hagiang hop '*' "$b3" acl hagiang=manager tw=none caobang=none '*=reader' \
    x.hagiang=reader y.hagiang=reader >/dev/null
start_node hagiang
check "the root refuses the branch from the ACL before the demotion" \
    wait_for 20 refused_from tw hagiang "the root has replaced"
check "the root counts it refused" test "$(refused tw)" -gt "$before_tw"
check "the district refuses it too" \
    wait_for 20 refused_from $d1 hagiang "the root has replaced"
check "and counts it refused" test "$(refused $d1)" -gt "$before_d1"
check "the root's line stays in force everywhere" \
    all_acl hop "$a3" "${NODES[@]}"
check "the root still changes the ACL" quiet ctl tw db acl hop $d2=author
a4=$(acl_id tw hop)
check "and its change reaches every office" wait_for 20 all_acl hop "$a4" "${NODES[@]}"
doc=$(put tw hop so=3)
check "the root still writes, and the province the branch cut off receives it" \
    wait_for 20 has_doc caobang hop "$doc"

# Honest: two managers change the same ACL at once, unable to hear each
# other; every office ends with the same ACL in force, nothing refused
# (counted in the logs: the root restarts, and its counters with it).
ctl tw db create pair '*' '*=reader' hagiang=manager caobang=manager >/dev/null
p1=$(acl_id tw pair)
check "a database with two province managers reaches every office" \
    wait_for 20 all_acl pair "$p1" "${NODES[@]}"
refusals() { grep -c "event=record_refused" "$T/$1.log"; }
declare -A before
for n in "${NODES[@]}"; do before[$n]=$(refusals "$n"); done
stop_node tw
quiet ctl hagiang db acl pair $d1=author
quiet ctl caobang db acl pair x.caobang=author
pc=$(acl_id caobang pair)
start_node tw
check "the tree links up again" wait_for 30 all_up
check "every office puts caobang's change in force (at a fork, the higher-ranked signer)" \
    wait_for 30 all_acl pair "$pc" "${NODES[@]}"
unrefused() {
	local n
	for n in "${NODES[@]}"; do [ "$(refusals "$n")" = "${before[$n]}" ] || return 1; done
}
check "neither change was refused anywhere" unrefused
check "the province's next change extends it and reaches every office" \
    quiet ctl hagiang db acl pair $d1=editor
p3=$(acl_id hagiang pair)
check "(it replaces caobang's)" \
    eval '[ "$p3" != "$pc" ] && wait_for 30 all_acl pair "$p3" "${NODES[@]}"'

# 3. A relay takes over another author's document in its own subtree.
ctl hagiang db create hoso hagiang '*.hagiang=author' >/dev/null
hoso_at() { local n; for n; do [ "$(scope_of "$n" hoso)" = hagiang ] || return 1; done; }
check "a province database of authors reaches its offices" \
    wait_for 20 hoso_at $d1 $d2 $c1
stop_node $d1
out=$(J $d2 doc put hoso ten="của d2")
doc=$(jq -r .id <<<"$out")
check "a district's document reaches the province" wait_for 20 has_doc hagiang hoso "$doc"
before_p=$(refused hagiang)
forge $d1 hoso "$doc" - text >/dev/null	# the relay's own first revision
start_node $d1
check "the province refuses the relay's first revision of the document" \
    wait_for 20 refused_from hagiang $d1 "started by $d2"
check "the province counts it refused" test "$(refused hagiang)" -gt "$before_p"
check "the commune below the relay, sent the relay's revision first, holds the author's" \
    wait_for 20 is_field $c1 hoso "$doc" ten "của d2"
check "its author there is the district that wrote it" \
    test "$(author_of $c1 hoso "$doc")" = $d2
ctl $d2 doc put hoso "$doc" ten="sửa của d2" >/dev/null
check "the author's edit reaches the commune below the relay" \
    wait_for 20 is_field $c1 hoso "$doc" ten "sửa của d2"
check "the relay cannot change it as an author" \
    eval '! ctl $d1 doc put hoso $doc ten=x 2>/dev/null'
check "every replica has the same documents" \
    wait_for 20 same_digest hoso hagiang $d1 $d2 $c1
finish
