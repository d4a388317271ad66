#!/usr/bin/env bash
# A commune catching up behind its district makes few commits: each
# batch of the backlog says another follows (Batch.more), and the
# commune holds its commit, and its ack, for it, to 1,024 records or 1 s.
# The district relays in small batches here (batch_max 8, as when it
# relays piece by piece), so a receiver that committed whenever it had
# nothing else to do would commit over and over. Nothing is lost or
# stored twice, and the batch that ends the backlog is acked: a lone
# document after it arrives as ever.
cd "$(dirname "$0")/../.." && . tests/lib.sh

N=1500		# documents behind
K=8		# commits the commune may make for them: 2 for the records,
		# one a second held, and the others of a busy machine
d=d1.hagiang c=c1.d1.hagiang
make_node tw
make_node hagiang tw
make_node $d hagiang
make_node $c $d
set_limit $d batch_max 8
NODES=(tw hagiang $d $c)
start_tree "${NODES[@]}"
all_up() { tree_up "${NODES[@]}"; }
check "the tree links up" wait_for 30 all_up

digest() { ctl "$1" --json db digest cv 2>/dev/null | jq -r '"\(.digest) \(.docs)"'; }
same() { [ "$(digest $c)" = "$(digest hagiang)" ]; }
ctl hagiang db create cv hagiang '*.hagiang=reader' >/dev/null
check "a database shared with the province's subtree reaches the commune" \
    wait_for 30 same

stop_node $d
for i in $(seq 1 $N); do
	printf '{"db": "cv", "fields": {"so": %d}}\n' "$i"
done >"$T/docs.jsonl"
check "the province writes $N documents while the district is down" \
    eval 'ctl hagiang doc import "$T/docs.jsonl" >/dev/null'

# Records the commune took in from the district, each once committed.
rin() { ctl $c --json peers | jq -e --arg d $d '.peers[] | select(.name == $d) | .records_in'; }
k0=$(counter $c commits) new0=$(counter $c records_new) in0=$(rin)
start_node $d
check "the district back, the commune catches up: its replica matches" \
    wait_for 60 same
k1=$(counter $c commits) new1=$(counter $c records_new) in1=$(rin)
echo "# the commune made $((k1 - k0)) commits for $N documents;" \
    "$((in1 - in0)) records in from the district, $((new1 - new0)) new"
check "it stored each of the $N documents" test $((new1 - new0)) -ge $N
check "and the district sent it each once" test $((in1 - in0)) -eq $N
check "in at most $K commits" test $((k1 - k0)) -le $K
check "and says it caught up the $N records from its district" \
    grep -q "event=caught_up peer=$d lane=1 upto=[0-9]* records=$N " "$T/$c.log"

one=$(ctl hagiang --json doc put cv so:number=0 | jq -r .id)
check "a lone document after the backlog reaches the commune" \
    wait_for 20 eval 'ctl $c --json doc get cv $one >/dev/null 2>&1'
check "and the district has every ack of the commune: nothing owed" \
    wait_for 20 eval '[ "$(ctl $d --json peers | jq --arg c $c \
	"[.peers[] | select(.name == \$c) | .lag_out] | .[0]")" = 0 ]'
finish
