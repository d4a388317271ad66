#!/usr/bin/env bash
# bench_docs: how fast a returning replica of a document database catches
# up over one link, next to what one core of this machine can verify, and
# how long a document written at the root takes to reach every node of a
# four-tier tree. Figures, not pass/fail: MISS is printed, and only a
# failure to measure exits non-zero.
#
#   bash bench/bench_docs.sh       (B=build, as in tests/lib.sh)
#
# 1. The limit: build/bench/verify_rate, Ed25519 verifies of the 50 bytes
#    a record's signature covers, on one core (see bench/bench_hop.sh).
#    It is measured for 1 s at the start and again (0.5 s) just before
#    every catch-up run; the median of these figures is the limit the
#    summary holds the catch-up against.
# 2. Catch-up. tw (the root) and hagiang (certified by tw) link up; tw
#    creates the database "bench" with scope * (every node holds a
#    replica) and ACL *=reader, and hagiang gets it; hagiang is stopped;
#    DOCS_N new documents (fields so, a number, and ten, DOCS_FIELD bytes
#    of text) are written at tw with tests/helpers/doc_flood (tw commits
#    each before it replies: fsync-bound, shown only in passing). Both
#    stores are kept as a template. Each round restores both, starts tw,
#    then hagiang, and waits until hagiang's db digest equals tw's, so
#    every document crossed the link. Figures: DOCS_N over the span from
#    the first to the last "received" custody event of those revisions at
#    hagiang (stamped once verified, in the write transaction committed
#    before the ack; ms, read with mdb_dump, key: id, be64 time_ms, be32
#    n; value: event byte, as in bench_hop.sh, and the first and last
#    checked against node-ctl --json trace); over the span from hagiang's
#    event=link_up log line to the last; and over the wall time from
#    starting hagiang until node-ctl showed the digests equal (start-up
#    and link-up included; polled every 0.05 s, so up to that much late).
#    Beside each run: hagiang's CPU time per document (all threads,
#    start-up included) and the revisions in each of its write
#    transactions. The target (issue 4): >= 5,000 docs/s.
# 3. Import. tw and hagiang anew, linked and up. First the database
#    "alone": IMPORT_N small documents (so, a number, and ten,
#    IMPORT_FIELD bytes of text) in a JSON lines file go in with
#    node-ctl doc import at tw (doc_put_batch requests of 256) while
#    hagiang is stopped, as another office's machine would be busy only
#    with its own: docs/s at tw (the target, issue 12: >= 10,000), then
#    hagiang starts and catches up (first to last "received", and from
#    its start until its digest is tw's). Then the database "imp" (scope
#    *, ACL *=reader): the same documents while hagiang, linked,
#    replicates them on the same two cores. Figures: docs/s
#    at tw (IMPORT_N over the wall time of node-ctl doc import), tw's
#    commits; the time from the start of the import until hagiang holds
#    every document (its last "received" custody event, read with
#    mdb_dump as in 2; its records_new polled every 0.25 s meanwhile) and
#    the rate that makes end to end; hagiang's own rate, from its first
#    to its last "received"; how long after the import ended it caught
#    up; the same file imported again (every line a duplicate: nothing
#    stored); and the digests compared.
#    Then one document of "imp" edited EDIT_N times at tw, in four runs of
#    node-ctl doc import: the edits/s of the first run and of the last.
# 4. Fan-out. Eight nodes as in tools/demo.sh: tw; hagiang; the districts
#    bacquang and vixuyen; two communes under each. tw creates "fan" (scope
#    *, ACL *=reader) and every node gets it. Then FANOUT_N times: one
#    document is written at tw, and after FANOUT_GAP s we poll until every
#    node's node-ctl trace shows it received. Each figure is from tw's
#    "submitted" custody time to a node's "received" (one clock, ms): to
#    the province (1 hop), the later district (2), the last commune (3),
#    which is the time to every node. p50 and max.
#
# Environment: DOCS_N (10000), DOCS_FIELD (100 bytes of text a document),
# DOCS_ROUNDS (3), IMPORT_N (100000), IMPORT_FIELD (40), EDIT_N (20000),
# FANOUT_N (20), FANOUT_GAP (0.2), KEEP=1 keeps the directory. About 2
# minutes at the defaults, most of it the DOCS_N durable writes (about
# 200/s on a slow disk) and the import.
cd "$(dirname "$0")/.." && . tests/lib.sh && . bench/lib.sh
set -o pipefail

N=${DOCS_N:-10000}
FIELD=${DOCS_FIELD:-100}
ROUNDS=${DOCS_ROUNDS:-3}
FAN_N=${FANOUT_N:-20}
FAN_GAP=${FANOUT_GAP:-0.2}
TARGET=5000	# docs/s, issue 4
IMP_N=${IMPORT_N:-100000}
EDIT_N=${EDIT_N:-20000}
IMP_FIELD=${IMPORT_FIELD:-40}
IMP_TARGET=10000	# docs/s, issue 12
A=tw BN=hagiang DB=bench FDB=fan IDB=imp ADB=alone

die() { echo "bench_docs: $*" >&2; exit 1; }

for f in "$B/node" "$B/node-ctl" "$B/node-key" "$B/tests/doc_flood" \
    "$B/bench/verify_rate"; do
	[ -x "$f" ] || die "$f is missing: run make all $B/bench/verify_rate"
done
command -v jq >/dev/null && command -v mdb_dump >/dev/null ||
    die "needs jq and mdb_dump (make deps)"

# The digest of database $2 at node $1 ("DIGEST DOCS CONFLICTS").
digest() {
	ctl "$1" --json db digest "$2" |
	    jq -er '"\(.digest) \(.docs) \(.conflicts)"'
}
records_new() { ctl "$1" --json status | jq -e .counters.records_new; }
# Event $2 at node $1 since time $3 (s) of the revisions listed in file
# $4 (doc_flood's "ID REV" lines): "TIME_MS REV" lines, in time order.
events_of() {
	custody_events "$1" | awk -v e="$2" -v t="$3" '
	    NR == FNR { want[$2] = 1; next }
	    $2 == e && $1 >= int(t * 1000) && ($3 in want) { print $1, $3 }' \
	    "$4" -
}
# Run time and run-queue wait (ns) of process $1, summed over its threads:
# "RUN WAIT" (as in bench_hop.sh).
sched_ns() {
	cat /proc/"$1"/task/*/schedstat |
	    awk '{ r += $1; w += $2 } END { printf "%.0f %.0f", r, w }'
}

echo "bench_docs: $(nproc) CPUs, load average $(cut -d' ' -f1-3 \
    /proc/loadavg), stores in $T"

# 1. The machine's limit.
verify 1
echo
echo "machine limit"
echo "  $VLINE"

# A and B (made), started and linked, with database $1 (scope *, ACL
# *=reader) created at A and held at B.
pair_with_db() {
	start_node "$A" || die "$A did not start"
	enrol "$BN" || die "$A did not certify $BN"
	start_node "$BN" || die "$BN did not start"
	wait_for 15 tree_up "$BN" || die "the link $BN -> $A did not come up"
	ctl "$A" db create "$1" '*' '*=reader' >/dev/null ||
	    die "$A could not create $1"
	wait_for 15 digest "$BN" "$1" || die "$1 did not reach $BN"
}
# Stops A and B and keeps their files as $1-NAME.
put_aside() {
	local n
	for n in "$A" "$BN"; do
		stop_node "$n"
		mv "$T/$n.log" "$T/$1-$n.log"
		mv "$T/$n" "$T/$1-$n"
		mv "$T/$n.conf" "$T/$1-$n.conf"
	done
}

# 2. The backlog: N documents at A while B is down.
make_node "$A"
make_node "$BN" "$A"
pair_with_db "$DB"
stop_node "$BN"
t0=$(now)
"$B/tests/doc_flood" "$T/$A/control.sock" "$DB" "$N" "$FIELD" \
    >"$T/docs.ids" || die "doc_flood: $(wc -l <"$T/docs.ids") of $N written"
t1=$(now)
[ "$(wc -l <"$T/docs.ids")" -eq "$N" ] || die "doc_flood printed too few ids"
WANT=$(digest "$A" "$DB") || die "no digest of $DB at $A"
[ "$(echo "$WANT" | cut -d' ' -f2)" -eq "$N" ] ||
    die "$A holds $(echo "$WANT" | cut -d' ' -f2) documents, not $N"
WANT=${WANT%% *}
stop_node "$A"
mkdir "$T/tpl" || die "mkdir $T/tpl"
for n in "$A" "$BN"; do
	cp -a "$T/$n" "$T/tpl/$n" || die "cannot keep the template of $n"
	rm -f "$T/tpl/$n/control.sock"
done
echo
printf "backlog: %d documents, %d B of text each, written at %s in %.1f s " \
    "$N" "$FIELD" "$A" "$(calc "$t1 - $t0")"
printf "(%.0f/s, one durable commit each)\n" "$(calc "$N / ($t1 - $t0)")"

# One catch-up run, round $1: the verify rate now, restore both stores,
# start A, start B, wait until B's digest is A's. Prints a row, appends
# "RATE LINK_RATE WALL_RATE VRATE" to $T/rates, stops both nodes.
catchup_run() {
	local tb td ev first last span rate lu lms lspan lrate tb_ms wall wrate
	local commits sb got= r n end=$((SECONDS + 120))
	verify 0.5
	for n in "$A" "$BN"; do
		rm -rf "${T:?}/$n" && cp -a "$T/tpl/$n" "$T/$n" ||
		    die "cannot restore $n"
	done
	start_node "$A" || die "$A did not start"
	tb=$(now)
	start_node "$BN" || die "$BN did not start"
	# records_new is cheap to read; the digest walks every document, on
	# B's only writer thread, so it is asked only once all may be there.
	while :; do
		r=$(records_new "$BN" 2>/dev/null) && [ "$r" -ge "$N" ] &&
		    got=$(digest "$BN" "$DB") && [ "${got%% *}" = "$WANT" ] &&
		    break
		[ $SECONDS -ge $end ] &&
		    die "$BN's digest is not $A's after 120 s: ${got:-none}"
		sleep 0.05
	done
	td=$(now)
	sb=$(sched_ns "${PID[$BN]}")
	ev=$(events_of "$BN" 02 "$tb" "$T/docs.ids")
	[ "$(echo "$ev" | grep -c .)" -eq "$N" ] ||
	    die "custody at $BN shows $(echo "$ev" | grep -c .) of $N received"
	first=$(trace_ms "$BN" "$(echo "$ev" | head -n 1 | cut -d' ' -f2)" \
	    received) && last=$(trace_ms "$BN" "$(echo "$ev" | tail -n 1 |
	    cut -d' ' -f2)" received) || die "node-ctl trace at $BN failed"
	[ "$first" = "$(echo "$ev" | head -n 1 | cut -d' ' -f1)" ] &&
	    [ "$last" = "$(echo "$ev" | tail -n 1 | cut -d' ' -f1)" ] ||
	    die "mdb_dump and node-ctl trace disagree: store layout changed?"
	span=$((last - first))
	[ "$span" -gt 0 ] || span=1
	rate=$(calc "$N * 1000 / $span")
	# B's log line for this session's Hello (UTC, ms).
	lu=$(grep 'event=link_up' "$T/$BN.log" | tail -n 1 | cut -d' ' -f1)
	tb_ms=$(awk -v t="$tb" 'BEGIN { printf "%.0f", t * 1000 }')
	lms=$(date -u -d "$lu" +%s%3N 2>/dev/null) && [ "$lms" -ge "$tb_ms" ] ||
	    die "no link_up in $BN's log for this run"
	lspan=$((last - lms))
	[ "$lspan" -gt 0 ] || lspan=1
	lrate=$(calc "$N * 1000 / $lspan")
	wall=$(calc "$td - $tb")
	wrate=$(calc "$N / $wall")
	commits=$(ctl "$BN" --json status | jq .counters.commits)
	set -- "$1" $sb
	printf "  %3s %6d %6d %6.0f %6d %6.0f %6.2f %6.0f %6.0f %6.0f %6.0f\n" \
	    "$1" "$VRATE" "$span" "$rate" "$lspan" "$lrate" "$wall" "$wrate" \
	    "$(calc "$2 / 1000 / $N")" "$(calc "$3 / 1e6")" \
	    "$(calc "$N / $commits")"
	echo "$rate $lrate $wrate $VRATE" >>"$T/rates"
	stop_node "$BN"
	stop_node "$A"
}

echo
echo "catch-up over one hop: $N documents written at $A while $BN was"
echo "down, then $BN started; $ROUNDS runs from the same stores."
echo "  verify: verify_rate (0.5 s) just before the run; first->last: from"
echo "  the first to the last \"received\" at $BN; link_up->last: from $BN's"
echo "  link_up; start->match: from starting $BN until its digest was $A's"
echo "  (polled). cpu: all $BN's threads' run time per document; waited:"
echo "  runnable but not running (other load); per commit: revisions in"
echo "  each write transaction at $BN"
printf "  %3s %6s %13s %13s %13s %6s %6s %6s\n" rnd verify "first->last" \
    link_up-\>last start-\>match "B cpu" waited per
printf "  %3s %6s %6s %6s %6s %6s %6s %6s %6s %6s %6s\n" "" /s ms docs/s \
    ms docs/s s docs/s us/doc ms commit
for ((r = 1; r <= ROUNDS; r++)); do
	catchup_run "$r"
done
put_aside catchup

# 3. Import at A while B replicates.
make_node "$A"
make_node "$BN" "$A"
for n in "$A" "$BN"; do	# db digest reads every document
	set_limit "$n" ctl_scan_max $((IMP_N * 2 + 1000))
done
pair_with_db "$IDB"
# IMP_N documents of database $1 as JSON lines, into file $2.
import_file() {
	awk -v n="$IMP_N" -v f="$IMP_FIELD" -v db="$1" 'BEGIN {
		pad = sprintf("%*s", f, ""); gsub(/ /, "x", pad)
		for (i = 1; i <= n; i++)
			printf "{\"db\": \"%s\", \"fields\": {\"so\": %d, " \
			    "\"ten\": \"%s\"}}\n", db, i,
			    substr("van ban " i " " pad, 1, f)
	}' >"$2"
}
import_file "$IDB" "$T/import.jsonl"
import_file "$ADB" "$T/alone.jsonl"

# 3a. The import at A alone, B stopped: in the network B is another
# office's machine, which follows at its catch-up rate once it links.
ctl "$A" db create "$ADB" '*' '*=reader' >/dev/null ||
    die "$A could not create $ADB"
wait_for 15 digest "$BN" "$ADB" || die "$ADB did not reach $BN"
stop_node "$BN"
c0=$(ctl "$A" --json status | jq .counters.commits)
ta0=$(now)
ctl "$A" --json doc import "$T/alone.jsonl" >"$T/alone.out" 2>&1 &&
    jq -e --argjson n "$IMP_N" '.imported == $n' "$T/alone.out" >/dev/null ||
    die "the import alone failed: $(head -c 300 "$T/alone.out")"
ta1=$(now)
c1=$(ctl "$A" --json status | jq .counters.commits)
IMP_RATE=$(calc "$IMP_N / ($ta1 - $ta0)")
WANT=$(digest "$A" "$ADB") || die "no digest of $ADB at $A"
tb0=$(now)
start_node "$BN" || die "$BN did not start again"
wait_for 300 eval '[ "$(digest "$BN" "$ADB")" = "$WANT" ]' ||
    die "$BN did not catch up with $ADB in 300 s"
tb1=$(now)
ev=$(custody_events "$BN" | awk -v t="$tb0" '$2 == "02" && $1 >= int(t * 1000)')
[ "$(echo "$ev" | grep -c .)" -ge "$IMP_N" ] ||
    die "custody at $BN shows $(echo "$ev" | grep -c .) of $IMP_N received"
span=$(( $(echo "$ev" | tail -n 1 | cut -d' ' -f1) -
    $(echo "$ev" | head -n 1 | cut -d' ' -f1) ))
[ "$span" -gt 0 ] || span=1
{
	echo
	echo "import: $IMP_N documents of $IMP_FIELD B of text, $(du -k \
	    "$T/import.jsonl" | cut -f1) KiB of JSON lines, by node-ctl"
	echo "doc import at $A, $BN stopped; then $BN started and caught up"
	printf "  %-34s %6.2f s  %6.0f docs/s  (%d commits, %.0f docs each)\n" \
	    "at $A (node-ctl's wall time):" "$(calc "$ta1 - $ta0")" "$IMP_RATE" \
	    $((c1 - c0)) "$(calc "$IMP_N / ($c1 - $c0)")"
	printf "  %-34s %6.2f s  %6.0f docs/s\n" \
	    "$BN, first to last received:" "$(calc "$span / 1000")" \
	    "$(calc "$IMP_N * 1000 / $span")"
	printf "  %-34s %6.2f s\n" \
	    "$BN, from its start to the digest:" "$(calc "$tb1 - $tb0")"
} >"$T/import.txt"
rn0=$(records_new "$BN") || die "no status from $BN"
c0=$(ctl "$A" --json status | jq .counters.commits)
ti0=$(now)
{ ctl "$A" --json doc import "$T/import.jsonl" >"$T/import.out" 2>&1
  echo $? >"$T/import.rc"; now >"$T/import.t1"; } &
ipid=$!
end=$((SECONDS + 300))
until r=$(records_new "$BN" 2>/dev/null) && [ "$r" -ge $((rn0 + IMP_N)) ]; do
	[ $SECONDS -ge $end ] && die "$BN holds $((r - rn0)) of $IMP_N after 300 s"
	sleep 0.25	# the times are custody's: this only says when
done
wait "$ipid"
[ "$(cat "$T/import.rc")" = 0 ] &&
    jq -e --argjson n "$IMP_N" '.imported == $n and .before == 0' \
    "$T/import.out" >/dev/null || die "the import failed: $(head -c 300 "$T/import.out")"
ti1=$(cat "$T/import.t1")
c1=$(ctl "$A" --json status | jq .counters.commits)
ev=$(custody_events "$BN" | awk -v t="$ti0" '$2 == "02" && $1 >= int(t * 1000)')
[ "$(echo "$ev" | grep -c .)" -ge "$IMP_N" ] ||
    die "custody at $BN shows $(echo "$ev" | grep -c .) of $IMP_N received"
first=$(echo "$ev" | head -n 1 | cut -d' ' -f1)
last=$(echo "$ev" | tail -n 1 | cut -d' ' -f1)
ti0_ms=$(awk -v t="$ti0" 'BEGIN { printf "%.0f", t * 1000 }')
ti1_ms=$(awk -v t="$ti1" 'BEGIN { printf "%.0f", t * 1000 }')
[ "$(digest "$A" "$IDB")" = "$(digest "$BN" "$IDB")" ] ||
    die "$BN's digest of $IDB is not $A's"
ta0=$(now)
ctl "$A" --json doc import "$T/import.jsonl" >"$T/import2.out" 2>&1 &&
    jq -e --argjson n "$IMP_N" '.before == $n' "$T/import2.out" >/dev/null ||
    die "the second import stored something: $(head -c 300 "$T/import2.out")"
ta1=$(now)
BOTH_RATE=$(calc "$IMP_N / ($ti1 - $ti0)")
span=$((last - first))
[ "$span" -gt 0 ] || span=1
{
	echo "doc import at $A while $BN, linked, replicates them (the two"
	echo "nodes share this machine's cores)"
	printf "  %-34s %6.2f s  %6.0f docs/s  (%d commits, %.0f docs each)\n" \
	    "at $A (node-ctl's wall time):" "$(calc "$ti1 - $ti0")" "$BOTH_RATE" \
	    $((c1 - c0)) "$(calc "$IMP_N / ($c1 - $c0)")"
	printf "  %-34s %6.2f s  %6.0f docs/s\n" \
	    "until $BN held them all:" "$(calc "($last - $ti0_ms) / 1000")" \
	    "$(calc "$IMP_N * 1000 / ($last - $ti0_ms)")" \
	    "$BN, first to last received:" "$(calc "$span / 1000")" \
	    "$(calc "$IMP_N * 1000 / $span")"
	printf "  %-34s %6.2f s\n" "$BN behind the import's end by:" \
	    "$(calc "($last > $ti1_ms ? $last - $ti1_ms : 0) / 1000")"
	printf "  %-34s %6.2f s  %6.0f docs/s  (all duplicates)\n" \
	    "the same file again:" "$(calc "$ta1 - $ta0")" \
	    "$(calc "$IMP_N / ($ta1 - $ta0)")"
	echo "  digests of $IDB at $A and $BN: equal"
} >>"$T/import.txt"
cat "$T/import.txt"

# 3b. One document edited EDIT_N times at A while B replicates: the
# edits/s of the first and the last quarter, which a cost that grew with
# the document's history would set apart.
id=$(ctl "$A" --json doc put "$IDB" so=0 | jq -r .id) ||
    die "the document to edit was refused"
q=$((EDIT_N / 4))
declare -a erate
for part in 0 1 2 3; do
	awk -v db="$IDB" -v id="$id" -v p="$part" -v q="$q" 'BEGIN {
	    for (i = 1; i <= q; i++)
		printf "{\"db\": \"%s\", \"id\": \"%s\", " \
		    "\"fields\": {\"so\": %d}}\n", db, id, p * q + i }' \
	    >"$T/edits.jsonl"
	te0=$(now)
	ctl "$A" doc import "$T/edits.jsonl" >/dev/null 2>&1 ||
	    die "edits $((part * q + 1))-$(((part + 1) * q)) failed"
	erate[$part]=$(calc "$q / ($(now) - $te0)")
done
echo
echo "one document edited $((4 * q)) times at $A (doc import, $q a run)"
printf "  first %d: %.0f edits/s; last %d: %.0f edits/s (%.2f of the first)\n" \
    "$q" "${erate[0]}" "$q" "${erate[3]}" "$(calc "${erate[3]} / ${erate[0]}")"
put_aside import

# 4. Fan-out over the four-tier tree of tools/demo.sh.
districts="bacquang.hagiang vixuyen.hagiang"
communes="tanthanh.bacquang.hagiang quyetthang.bacquang.hagiang
tanthanh.vixuyen.hagiang quyetthang.vixuyen.hagiang"
TREE=($A $BN $districts $communes)
for n in "${TREE[@]}"; do
	case $n in
	"$A") p= ;;
	"$BN") p=$A ;;
	*.*.*) p=${n#*.} ;;
	*) p=$BN ;;
	esac
	make_node "$n" "$p"
	[ -z "$p" ] || enrol "$n" || die "$p did not certify $n"
	start_node "$n" || die "$n did not start"
done
wait_for 30 tree_up "${TREE[@]}" || die "the tree did not link up"
ctl "$A" db create "$FDB" '*' '*=reader' >/dev/null ||
    die "$A could not create $FDB"
for n in "${TREE[@]:1}"; do
	wait_for 15 digest "$n" "$FDB" || die "$FDB did not reach $n"
done
# Does every node but the root show record $1 received?
all_hold() {
	local n
	for n in "${TREE[@]:1}"; do
		trace_ms "$n" "$1" received >/dev/null || return 1
	done
}
tf=$(now)
: >"$T/fan.ids"
for ((i = 1; i <= FAN_N; i++)); do
	line=$("$B/tests/doc_flood" "$T/$A/control.sock" "$FDB" 1 "$FIELD") ||
	    die "doc_flood of document $i failed"
	echo "$line" >>"$T/fan.ids"
	sleep "$FAN_GAP"
	wait_for 20 all_hold "${line#* }" ||
	    die "document $i did not reach every node in 20 s"
done
# "NODE TIME_MS REV": tw's submitted, everyone else's received.
for n in "${TREE[@]}"; do
	e=02
	[ "$n" = "$A" ] && e=01
	events_of "$n" "$e" "$tf" "$T/fan.ids" | sed "s/^/$n /"
done >"$T/fan.events"
[ "$(wc -l <"$T/fan.events")" -eq $((FAN_N * ${#TREE[@]})) ] ||
    die "custody shows $(wc -l <"$T/fan.events") of $((FAN_N * ${#TREE[@]}))" \
	"events"
# The first document's time at the last commune, against node-ctl trace.
rev=$(head -n 1 "$T/fan.ids" | cut -d' ' -f2)
n=${TREE[-1]}
[ "$(trace_ms "$n" "$rev" received)" = "$(awk -v n="$n" -v r="$rev" \
    '$1 == n && $3 == r { print $2 }' "$T/fan.events")" ] ||
    die "mdb_dump and node-ctl trace disagree: store layout changed?"
# Per document: "PROVINCE DISTRICTS COMMUNES" in ms after submission
# (the later district, the last commune), then p50 and max of each.
awk -v root="$A" '
    $1 == root { sub_[$3] = $2; next }
    {
	t = split($1, parts, ".")	# 1 province, 2 district, 3 commune
	if (!(($3, t) in rec) || $2 > rec[$3, t])
		rec[$3, t] = $2		# the last node of that tier
	ids[$3] = 1
    }
    END {
	for (id in ids)
		print rec[id, 1] - sub_[id], rec[id, 2] - sub_[id],
		    rec[id, 3] - sub_[id]
    }' "$T/fan.events" >"$T/fan.times"
pct() {
	cut -d' ' -f"$1" "$T/fan.times" | sort -n | awk '{ v[++k] = $1 }
	    END { printf "p50 %4d ms  max %4d ms", v[int((k - 1) * 0.5) + 1],
	    v[k] }'
}
{
	echo
	echo "fan-out over four tiers: $FAN_N documents of $FIELD B written one"
	echo "at a time at $A ($FAN_GAP s apart and each after the last had"
	echo "reached every node); from $A's \"submitted\" to each node's"
	echo "\"received\" (one clock, ms)"
	printf "  %-26s %s\n" "$BN (1 hop):" "$(pct 1)" \
	    "both districts (2 hops):" "$(pct 2)" \
	    "every node (3 hops):" "$(pct 3)"
} >"$T/fan.out"
for n in "${TREE[@]}"; do
	stop_node "$n"
done

V=$(sort -n "$T/verifies" | awk '{ v[NR] = $1 } END { n = NR
    printf "%.0f", n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }')
echo
echo "summary: the median docs/s of the $ROUNDS catch-up runs; x: over the"
echo "median verify rate of this run, $V/s ($(wc -l <"$T/verifies")" \
    "figures, $(sort -n "$T/verifies" | sed -n '1p;$p' | paste -sd- -)/s)"
echo "target: >= $TARGET docs/s"
awk -v t="$TARGET" -v v="$V" '
    function median(x, n,   i, j, y) {
	for (i = 2; i <= n; i++)	# insertion sort: n is small
		for (j = i; j > 1 && x[j - 1] > x[j]; j--) {
			y = x[j]; x[j] = x[j - 1]; x[j - 1] = y
		}
	return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
    }
    { r[NR] = $1; l[NR] = $2; w[NR] = $3 }
    END {
	n = NR
	split("first->last link_up->last start->match", name, " ")
	m[1] = median(r, n); m[2] = median(l, n); m[3] = median(w, n)
	printf "  %-14s %8s %5s\n", "", "docs/s", "x"
	for (i = 1; i <= 3; i++)
		printf "  %-14s %8.0f %5.2f %s\n", name[i], m[i], m[i] / v,
		    (m[i] >= t) ? "ok" : "MISS"
    }' "$T/rates"
printf "  %-14s %8.0f        %s (import at %s; target: >= %d docs/s)\n" \
    "doc import" "$IMP_RATE" "$(awk -v r="$IMP_RATE" -v t="$IMP_TARGET" \
    'BEGIN { print (r >= t) ? "ok" : "MISS" }')" "$A" "$IMP_TARGET"
printf "  %-14s %8.0f        (import at %s while %s replicates on the same cores)\n" \
    "" "$BOTH_RATE" "$A" "$BN"
cat "$T/fan.out"
