#!/usr/bin/env bash
# A province imports a Notes database (a DXL export made by
# tests/helpers/dxl_gen: 300 documents, a tenth with an attachment, some
# with Readers items); its district and a commune under it replicate it
# to the same digest, and a district the Readers names leave out holds
# none of the restricted documents, which the province wrote sealed. The same export again writes
# nothing. (bench/bench_dxl.sh does the same at full size.)
cd "$(dirname "$0")/../.." && . tests/lib.sh

N=300
P=hagiang D=bacquang.hagiang C=tanthanh.bacquang.hagiang X=vixuyen.hagiang
digest() { ctl "$1" --json db digest vanban | jq -er .digest; }
docs() { ctl "$1" --json db digest vanban | jq -e .docs; }
same_digest() { [ "$(digest $D)" = "$(digest $P)" ] &&
    [ "$(digest $C)" = "$(digest $P)" ]; }

"$B/tests/dxl_gen" -n $N -a 100 -s 4 -S 64 -r 300 -p $P -m "$T/names.map" \
    >"$T/vanban.dxl"
R=$(grep -c "name='DocReaders'" "$T/vanban.dxl")
A=$(grep -c "name='\$FILE'" "$T/vanban.dxl")
make_node tw
make_node $P tw
make_node $D $P
make_node $C $D
make_node $X $P
start_tree tw $P $D $C $X
check "five offices link up" wait_for 20 tree_up $P $D $C $X
ctl $P db create vanban $P '*.hagiang=reader' >/dev/null
check "the province's database reaches its offices" \
    wait_for 20 eval 'docs $C && docs $X'

ctl $P db import vanban "$T/vanban.dxl" --names "$T/names.map" >"$T/out1" 2>&1
check "the province imports $N documents, $A attachments, $R with readers" \
    eval 'grep -q "^$N imported, 0 unchanged (0 of them by their key), 0 refused, $A attachments" "$T/out1" &&
	[ "$(docs $P)" = $N ]'
check "the district and the commune hold the province's digest" \
    wait_for 50 same_digest
check "a district the Readers names leave out holds none of those documents" \
    wait_for 20 eval '[ "$(docs $X)" = $((N - R)) ]'
# A document with readers and one with an attachment, at the commune.
ids=$(ctl $P --json doc ls vanban | jq -r '.docs[].id')
for id in $ids; do
	r=$(ctl $P --json doc get vanban "$id")
	if [ -z "${RID:-}" ] && jq -e '.readers | length > 0' <<<"$r" >/dev/null
	then RID=$id; fi
	if [ -z "${AID:-}" ] && jq -e '.attachments | length > 0' <<<"$r" >/dev/null
	then AID=$id; fi
done
check "a document with readers: at the commune, sealed, not at the other district" \
    eval 'ctl $C --json doc get vanban $RID | jq -e "(.readers | index(\"*.bacquang.hagiang\")) and .sealed" >/dev/null &&
	! ctl $X doc get vanban $RID >/dev/null 2>&1'
check "an attachment: whole at the commune, the same bytes" \
    eval 'ctl $C --json doc get vanban $AID | jq -e ".attachments[0] | .held == .chunks" >/dev/null &&
	name=$(ctl $C --json doc get vanban $AID | jq -r ".attachments[0].name") &&
	ctl $C doc attachment vanban $AID "$name" -o "$T/c.bin" >/dev/null &&
	ctl $P doc attachment vanban $AID "$name" -o "$T/p.bin" >/dev/null &&
	cmp -s "$T/c.bin" "$T/p.bin"'
d0=$(digest $P)
ctl $P db import vanban "$T/vanban.dxl" --names "$T/names.map" >"$T/out2" 2>&1
check "the same export again: nothing written anywhere" \
    eval 'grep -q "^0 imported, $N unchanged ($N of them by their key)" "$T/out2" &&
	[ "$(digest $P)" = "$d0" ] && same_digest'
finish
