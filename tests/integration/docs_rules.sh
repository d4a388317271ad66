#!/usr/bin/env bash
# The rules every replica enforces on the revisions it receives, not only
# the node where they were written: ACL levels (a reader cannot write, an
# author changes only its own documents), readers lists (a document stays
# off the replicas not on it), and malformed revisions (refused with a
# clear reason; the link keeps working). Hostile revisions are written
# straight into a stopped office's store (tests/helpers/forge_doc), past
# its own checks, as a tampered node would send them.
cd "$(dirname "$0")/../.." && . tests/lib.sh

c11=c1.d1.hagiang
c12=c1.d2.hagiang
make_node tw
make_node hagiang tw
make_node d1.hagiang hagiang
make_node d2.hagiang hagiang
make_node $c11 d1.hagiang
make_node $c12 d2.hagiang
NODES=(tw hagiang d1.hagiang d2.hagiang $c11 $c12)
start_tree "${NODES[@]}"
all_up() { tree_up "${NODES[@]}"; }
check "the tree links up" wait_for 30 all_up

# $1 holds document $3 of database $2 (with field $4 = $5 if given).
holds() {
	local v
	v=$(ctl "$1" --json doc get "$2" "$3") || return 1
	[ -z "${4:-}" ] || [ "$(jq -r --arg f "$4" '.fields[$f]' <<<"$v")" = "$5" ]
}
refused_at() {	# node $1 logged a refused record with reason matching $2
	grep -E "event=record_refused .*reason=\".*$2" "$T/$1.log" >/dev/null
}
counter() {
	ctl "$1" --json status | jq -r ".counters.$2"
}
# Writes a forged revision into stopped node $1's store; prints its id.
forge() {
	local n=$1; shift
	"$B/tests/forge_doc" "$T/$n" "$T/$n/node.key" "$n" "$@"
}

# A province-only database: every office holds it, only the province writes.
ctl hagiang db create tinh hagiang '*.hagiang=reader' >/dev/null
out=$(ctl hagiang --json doc put tinh title="Quyết định 12" so:number=12)
doc=$(jq -r .id <<<"$out")
rev=$(jq -r .rev <<<"$out")
check "a province document reaches a commune" wait_for 20 holds $c11 tinh "$doc" title "Quyết định 12"
check "a reader cannot write: the commune's node refuses its own edit" \
    eval '! ctl $c11 doc put tinh $doc title=sua 2>$T/err && grep -q "reader may not write" $T/err'

stop_node $c11
bad=$(forge $c11 tinh "$doc" "$rev" text)
start_node $c11
check "the commune's forged edit is refused at the district it reaches" \
    wait_for 20 refused_at d1.hagiang "reader may not write"
check "the district counts it refused" \
    test "$(counter d1.hagiang records_refused)" -ge 1
check "the district does not hold it" \
    eval '! ctl d1.hagiang doc get tinh $doc --rev $bad'
check "the province never sees it" \
    eval '! ctl hagiang doc get tinh $doc --rev $bad'
check "the winner everywhere is still the province's" \
    test "$(ctl d1.hagiang --json doc get tinh "$doc" | jq -r .rev)" = "$rev"

# Authors: each changes its own documents only.
ctl hagiang db create hoso hagiang '*.hagiang=author' >/dev/null
check "the database reaches the districts" wait_for 20 db_at hoso d1.hagiang d2.hagiang
mine=$(ctl d1.hagiang --json doc put hoso ten="Hồ sơ của d1" | jq -r .id)
mrev=$(ctl d1.hagiang --json doc get hoso "$mine" 2>/dev/null | jq -r .rev)
check "an author's document reaches another district" wait_for 20 holds d2.hagiang hoso "$mine"
check "another author's node refuses to change it" \
    eval '! ctl d2.hagiang doc put hoso $mine ten=khac 2>$T/err && grep -q "another" $T/err'
stop_node d2.hagiang
bad=$(forge d2.hagiang hoso "$mine" "$mrev" text)
start_node d2.hagiang
check "a forged edit of another author's document is refused at the province" \
    wait_for 20 refused_at hagiang "an author cannot change another"
check "and reaches no other replica" \
    eval '! ctl d1.hagiang doc get hoso $mine --rev $bad && ! ctl hagiang doc get hoso $mine --rev $bad'

# Malformed revisions from a commune: each refused with its reason.
stop_node $c12
newdoc=0123456789abcdef0123456789abcdef
forge $c12 hoso "$newdoc" - bad-parent >/dev/null
forge $c12 hoso "$newdoc" - oversize >/dev/null
forge $c12 hoso "$newdoc" - no-value >/dev/null
forge $c12 hoso "$newdoc" - log-forge >/dev/null
start_node $c12
check "a revision naming a parent nobody holds is refused" \
    wait_for 20 refused_at d2.hagiang "bad parent reference"
check "an oversize field is refused" \
    wait_for 20 refused_at d2.hagiang "field text: over"
check "a field of no known kind is refused" \
    wait_for 20 refused_at d2.hagiang "no value of a known kind"
check "a field name with a quote and a line break is logged escaped" \
    wait_for 20 grep -qF 'field x\" ok=1\n2026-01-01T00:00:00.000Z node: info: event=forged: over' "$T/d2.hagiang.log"
check "and forges no log line" eval '! grep -q "^2026-01-01T00:00:00.000Z" "$T/d2.hagiang.log"'
check "none of them is stored" eval '! ctl d2.hagiang doc get hoso $newdoc'
good=$(ctl $c12 --json doc put hoso ten="sau lỗi" | jq -r .id)
check "the link keeps working: the commune's next document reaches the province" \
    wait_for 20 holds hagiang hoso "$good" ten "sau lỗi"
check "the link stayed up" link_up $c12 d2.hagiang

# A readers list keeps a document off every replica not on it.
secret=$(ctl hagiang --json doc put hoso ten="chỉ d1" \
    --readers 'd1.hagiang,*.d1.hagiang' | jq -r .id)
srev=$(ctl hagiang --json doc get hoso "$secret" | jq -r .rev)
check "a document for district d1 reaches d1's commune" wait_for 20 holds $c11 hoso "$secret"
marker=$(ctl hagiang --json doc put hoso ten=sau | jq -r .id)
check "a later document reaches d2's commune" wait_for 20 holds $c12 hoso "$marker"
check "the other district and its commune do not have it" \
    eval '! ctl d2.hagiang doc get hoso $secret && ! ctl $c12 doc get hoso $secret'
check "the root, outside the scope, holds no document at all" \
    eval '! ctl tw doc get hoso $marker'
stop_node d2.hagiang
stop_node $c12
check "their stores do not hold its record" \
    eval '! "$B/node-store" ls "$T/d2.hagiang" | grep -q ${srev:0:16} && ! "$B/node-store" ls "$T/$c12" | grep -q ${srev:0:16}'
check "while d1's store does" \
    eval 'stop_node d1.hagiang; "$B/node-store" ls "$T/d1.hagiang" | grep -q ${srev:0:16}'
finish
