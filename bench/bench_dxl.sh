#!/usr/bin/env bash
# bench_dxl: how fast a province moves its Notes database in with
# node-ctl db import, beside what the store takes in the same run.
# Figures, not pass/fail: MISS is printed, and only a failure to measure
# exits non-zero.
#
#   bash bench/bench_dxl.sh       (B=build, as in tests/lib.sh)
#
# 1. The store's raw rates, measured here: build/bench/commit_rate (LMDB
#    durable commits a second, 1 KiB each, one after another, 2 s) and
#    the same documents as step 2's sent as JSON lines with node-ctl doc
#    import (doc_put_batch: what the node writes without DXL).
# 2. Without attachments: DXL_N documents (default 23,100, the province
#    the project is modelled on: 15,000 letters, 6,300 resolutions, 1,800
#    reports; tests/helpers/dxl_gen, 30% with Readers items) imported at
#    the province hagiang, linked to the root tw. Figures: the wall time
#    of node-ctl db import (both its passes: the check of every file, then
#    the writes), documents/s and MB/s of DXL; the first pass alone
#    (--check); the same export again (every document unchanged, by its
#    key). Target (issue 16): the DXL_N documents in under 5 s.
# 3. With attachments (DXL_ATT_N documents, default a tenth of DXL_N so
#    that make bench stays within minutes; DXL_ATT_N=23100 is the whole
#    province of the issue; 0 skips it):
#    a tenth carry an attachment of 1 to 4 MiB (DXL_ATT_MIN_KIB,
#    DXL_ATT_MAX_KIB), no two alike. Imported at the province while its
#    district bacquang.hagiang, the commune tanthanh.bacquang.hagiang and
#    a district the Readers names leave out (vixuyen.hagiang) replicate
#    it: the import's wall time and MB/s, the time until the district
#    and the commune show the province's digest, and the documents the
#    other district holds (all but those with Readers items). The whole
#    province is some 8 GB of DXL and 6 GB in each of four stores (the
#    default a tenth of it): it is skipped, and says so, when the disk
#    has less than twice that.
#
# Environment: DXL_N, DXL_ATT_N, DXL_ATT_MIN_KIB (1024), DXL_ATT_MAX_KIB
# (4096), KEEP=1 keeps the directory.
cd "$(dirname "$0")/.." && . tests/lib.sh && . bench/lib.sh
set -o pipefail

N=${DXL_N:-23100}
AN=${DXL_ATT_N:-$((N / 10))}
AMIN=${DXL_ATT_MIN_KIB:-1024}
AMAX=${DXL_ATT_MAX_KIB:-4096}
TARGET=5	# seconds for the N documents without attachments, issue 16
P=hagiang D=bacquang.hagiang C=tanthanh.bacquang.hagiang X=vixuyen.hagiang

die() { echo "bench_dxl: $*" >&2; exit 1; }
for f in "$B/node" "$B/node-ctl" "$B/node-key" "$B/tests/dxl_gen" \
    "$B/bench/commit_rate"; do
	[ -x "$f" ] || die "$f is missing: run make all $B/bench/commit_rate"
done
command -v jq >/dev/null || die "needs jq (make deps)"

digest() { ctl "$1" --json db digest "$2" | jq -er .digest; }
docs() { ctl "$1" --json db digest "$2" | jq -e .docs; }
mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f", b / 1e6 }'; }
# Runs node-ctl $1 ARGS... (--json), its wall time into WALL; dies if it
# fails.
timed() {
	local n=$1 t0 t1; shift
	t0=$(now)
	ctl "$n" --json "$@" >"$T/last.out" 2>"$T/last.err" ||
	    die "node-ctl $*: $(head -c 300 "$T/last.err" "$T/last.out")"
	t1=$(now)
	WALL=$(calc "$t1 - $t0")
}

echo "bench_dxl: $(nproc) CPUs, load average $(cut -d' ' -f1-3 \
    /proc/loadavg), stores in $T"

# 1 and 2: the province alone under the root.
"$B/tests/dxl_gen" -n "$N" -a 0 -r 300 -p $P -m "$T/names.map" \
    >"$T/plain.dxl" || die "dxl_gen failed"
make_node tw
make_node $P tw
set_limit $P ctl_scan_max $((N * 3 + 1000))	# db digest reads them all
set_limit $P map_size_mb 4096
start_tree tw $P || die "the province did not start"
wait_for 15 tree_up $P || die "the province did not link up"
ctl $P db create vanban $P >/dev/null && ctl $P db create raw $P >/dev/null ||
    die "the province could not create its databases"
COMMIT=$("$B/bench/commit_rate" 2 "$T") || die "commit_rate failed"

timed $P db import vanban "$T/plain.dxl" --names "$T/names.map" --check
CHECK=$WALL
timed $P db import vanban "$T/plain.dxl" --names "$T/names.map"
IMP=$WALL
jq -e --argjson n "$N" '.imported == $n and .refused == 0' "$T/last.out" \
    >/dev/null || die "the import: $(head -c 300 "$T/last.out")"
timed $P db import vanban "$T/plain.dxl" --names "$T/names.map"
AGAIN=$WALL
jq -e --argjson n "$N" '.unchanged == $n and .before == $n' "$T/last.out" \
    >/dev/null || die "the import again: $(head -c 300 "$T/last.out")"
# The same documents, fields and readers, as doc import takes them.
ctl $P db export vanban --format jsonl -o "$T/plain.jsonl" >/dev/null ||
    die "db export failed"
jq -c '{db: "raw", fields, readers}' "$T/plain.jsonl" >"$T/raw.jsonl" ||
    die "jq failed"
timed $P doc import "$T/raw.jsonl"
RAW=$WALL
[ "$(docs $P raw)" = "$N" ] || die "doc import stored $(docs $P raw) of $N"
for n in $P tw; do stop_node $n; done

SIZE=$(mb "$T/plain.dxl")
{
	echo
	echo "the store, in this run"
	echo "  $COMMIT"
	printf "  %-44s %6.2f s %7.0f docs/s\n" \
	    "doc import, the same $N documents as JSON:" "$RAW" \
	    "$(calc "$N / $RAW")"
	echo
	echo "db import at $P: $N documents, no attachments, $SIZE MB of DXL"
	printf "  %-44s %6.2f s %7.0f docs/s %6.1f MB/s\n" \
	    "import (check, then write):" "$IMP" "$(calc "$N / $IMP")" \
	    "$(calc "$SIZE / $IMP")" \
	    "the check alone (--check):" "$CHECK" "$(calc "$N / $CHECK")" \
	    "$(calc "$SIZE / $CHECK")" \
	    "the same export again (all unchanged):" "$AGAIN" \
	    "$(calc "$N / $AGAIN")" "$(calc "$SIZE / $AGAIN")"
	printf "  import over doc import's time: %.2f\n" "$(calc "$IMP / $RAW")"
	printf "  target: %d documents in under %d s: %s\n" "$N" "$TARGET" \
	    "$(awk -v t="$IMP" -v m="$TARGET" 'BEGIN { print (t < m) ? "ok" : "MISS" }')"
} | tee "$T/summary"

# 3. With attachments, at the province of a tree that replicates it.
[ "$AN" -gt 0 ] || exit 0
need=$(awk -v n="$AN" -v a="$AMIN" -v b="$AMAX" \
    'BEGIN { printf "%.0f", n / 10 * (a + b) / 2 * 1024 * (1.37 + 4) * 2 / 1e9 }')
avail=$(df -P "$T" | awk 'NR == 2 { printf "%.0f", $4 * 1024 / 1e9 }')
if [ "$avail" -lt "$need" ]; then
	echo
	echo "with attachments: skipped, $avail GB free where it needs $need GB"
	exit 0
fi
"$B/tests/dxl_gen" -n "$AN" -a 100 -s "$AMIN" -S "$AMAX" -r 300 -p $P \
    >"$T/att.dxl" || die "dxl_gen failed"
rm -f "$T/plain.dxl" "$T/plain.jsonl" "$T/raw.jsonl"
R=$(grep -c "name='DocReaders'" "$T/att.dxl")
A=$(grep -c "name='\$FILE'" "$T/att.dxl")
ASIZE=$(mb "$T/att.dxl")
for n in tw $P; do
	rm -rf "${T:?}/$n" "$T/$n.conf"
done
mapmb=$(awk -v s="$ASIZE" 'BEGIN { printf "%.0f", s * 1.2 + 2048 }')
make_node tw
for n in $P $D $C $X; do
	case $n in $P) p=tw ;; $C) p=$D ;; *) p=$P ;; esac
	make_node $n $p
	set_limit $n map_size_mb "$mapmb"
	set_limit $n ctl_scan_max $((AN * 3 + 1000))
done
start_tree tw $P $D $C $X || die "the tree did not start"
wait_for 30 tree_up $P $D $C $X || die "the tree did not link up"
ctl $P db create vanban $P '*.hagiang=reader' >/dev/null ||
    die "the province could not create vanban"
wait_for 30 docs $C vanban >/dev/null || die "vanban did not reach $C"
t0=$(now)
timed $P db import vanban "$T/att.dxl" --names "$T/names.map"
jq -e --argjson n "$AN" '.imported == $n' "$T/last.out" >/dev/null ||
    die "the import: $(head -c 300 "$T/last.out")"
WANT=$(digest $P vanban)
for n in $D $C; do
	end=$((SECONDS + 3600))
	until [ "$(digest $n vanban 2>/dev/null)" = "$WANT" ]; do
		[ $SECONDS -ge $end ] && die "$n is not at $P's digest after 1 h"
		sleep 1
	done
	eval "T_${n%%.*}=$(calc "$(now) - $t0")"
done
wait_for 600 eval '[ "$(docs $X vanban)" = $((AN - R)) ]' ||
    die "$X holds $(docs $X vanban) documents, not the $((AN - R)) without readers"
{
	echo
	echo "db import at $P with attachments: $AN documents, $A attachments of"
	echo "$AMIN to $AMAX KiB, $ASIZE MB of DXL; $D, $C and $X replicate"
	printf "  %-44s %6.2f s %7.0f docs/s %6.1f MB/s\n" \
	    "import (check, then write):" "$WALL" "$(calc "$AN / $WALL")" \
	    "$(calc "$ASIZE / $WALL")"
	printf "  %-44s %6.2f s\n" "until $D shows $P's digest:" "$T_bacquang" \
	    "until $C shows it:" "$T_tanthanh"
	echo "  $X, outside the Readers names: $((AN - R)) documents, none" \
	    "of the $R with readers"
} | tee -a "$T/summary"
