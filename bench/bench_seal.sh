#!/usr/bin/env bash
# bench_seal: what sealing mail costs (node/lib/seal.c), beside the
# verify rate measured in the same run, and one hop with sealing on
# beside the same hop clear. Figures, not pass/fail: MISS is printed,
# and only a failure to measure exits non-zero.
#
#   bash bench/bench_seal.sh        (B=build, as in tests/lib.sh)
#
# 1. The machine's limits (bench/lib.sh's machine_limits: one core's sign
#    and verify rates, what bounds a hop, and a durable commit), then the
#    costs on one core: build/bench/seal_rate (sealing a letter of SIZE
#    bytes per mail and per recipient key, opening one, writing one sealed
#    and signed beside clear and signed).
# 2. One hop, as bench_hop.sh measures it: A (tw) and B (hagiang,
#    certified by tw) link up, B is stopped, and N letters of SIZE bytes
#    for vanthu@hagiang are queued at A (tests/helpers/mail_flood, one
#    durable commit each): once clear, once sealed (MAIL_FLOOD_SEALED=1),
#    each kept as a template. A run restores one, starts A then B, and
#    takes N over the span from B's first to its last "received" custody
#    event (read with mdb_dump); the verify rate is measured just before.
#    Each kind runs ROUNDS times, alternating, the order reversed every
#    other round. Sealing was done as the letters were queued: this is
#    what a hop pays for carrying sealed mail (larger records, and the
#    recipient's check that a key of its own can open each).
# 3. With sealing on the path: A and B up from the same stores, N letters
#    sent in send_batch requests (node-ctl send --batch, up to 256 a
#    request and a commit), clear or sealed, as in 2; N over the span
#    from A's first "submitted" to B's last "received" custody event. A
#    seals each letter as it writes it, so this is where sealing's cost
#    shows, on top of signing.
#
# The target: sealed >= 0.9 x clear over one hop (2); 3 is printed
# beside it.
#
# Environment: SEAL_N (16000: a hop of 4,000 lasts some 0.2 s, and the
# ratio of two such runs moved by a tenth from run to run), SEAL_SIZE
# (1024), SEAL_ROUNDS (3), KEEP=1 keeps the directory. It takes 1-3
# minutes, much of it the N durable submissions of each backlog on a
# slow disk.
cd "$(dirname "$0")/.." && . tests/lib.sh && . bench/lib.sh
set -o pipefail

N=${SEAL_N:-16000}
SIZE=${SEAL_SIZE:-1024}
ROUNDS=${SEAL_ROUNDS:-3}
TARGET=0.9
A=tw BN=hagiang MBOX=vanthu

die() { echo "bench_seal: $*" >&2; exit 1; }

for f in "$B/node" "$B/node-ctl" "$B/node-key" "$B/tests/mail_flood" \
    "$B/bench/verify_rate" "$B/bench/commit_rate" "$B/bench/seal_rate"; do
	[ -x "$f" ] || die "$f is missing: run make bench first"
done
command -v jq >/dev/null && command -v mdb_dump >/dev/null ||
    die "needs jq and mdb_dump (make deps)"

# 1. The costs.
machine_limits bench_seal
echo
echo "sealing on one core ($SIZE B of text)"
"$B/bench/seal_rate" 0.5 "$SIZE" | sed 's/^/  /' || die "seal_rate failed"

# Both stores, stopped, from template $1 (tpl0: linked, nothing queued).
restore() {
	local n
	for n in "$A" "$BN"; do
		rm -rf "${T:?}/$n" && cp -a "$T/$1/$n" "$T/$n" ||
		    die "cannot restore $n from $1"
	done
}
# Keeps both stores as template $1.
keep() {
	local n
	mkdir -p "$T/$1" || die "mkdir $T/$1"
	for n in "$A" "$BN"; do
		rm -f "$T/$n/control.sock"
		cp -a "$T/$n" "$T/$1/$n" || die "cannot keep $n as $1"
	done
}

start_pair
stop_node "$BN"
stop_node "$A"
keep tpl0

# 2. The backlogs: N letters at A, clear and sealed, B down.
echo
for kind in clear sealed; do
	restore tpl0
	start_node "$A" || die "$A did not start"
	t0=$(now)
	got=$(if [ $kind = sealed ]; then export MAIL_FLOOD_SEALED=1; fi
	    "$B/tests/mail_flood" "$T/$A/control.sock" "$MBOX@$A" \
	    "$MBOX@$BN" "$N" "$kind" "$SIZE") ||
	    die "mail_flood ($kind): $got of $N accepted"
	t1=$(now)
	stop_node "$A"
	keep "tpl-$kind"
	printf "backlog: %d %s letters of %d B queued at %s in %.1f s " "$N" \
	    "$kind" "$SIZE" "$A" "$(calc "$t1 - $t0")"
	printf "(%.0f/s, one durable commit each)\n" "$(calc "$N / ($t1 - $t0)")"
done

# N over the span from the first event $2 at node $1 to the last event
# $4 at node $3, both since time $5 (s); "" if they are not all there.
rate_of() {
	local first last
	first=$(events_since "$1" "$2" "$5" | head -n 1 | cut -d' ' -f1)
	last=$(events_since "$3" "$4" "$5" | tail -n 1 | cut -d' ' -f1)
	[ "$(events_since "$3" "$4" "$5" | grep -c .)" -ge "$N" ] || return 1
	[ -n "$first" ] && [ -n "$last" ] || return 1
	[ "$last" -gt "$first" ] || last=$((first + 1))
	calc "$N * 1000 / ($last - $first)"
}

# One hop of backlog $1, in round $2: "hop KIND RATE VRATE" to $T/rates.
hop_run() {
	local tb rate
	verify 0.5
	restore "tpl-$1"
	start_node "$A" || die "$A did not start"
	tb=$(now)
	start_node "$BN" || die "$BN did not start"
	wait_delivered "$BN" "$N" 120 ||
	    die "only $(delivered "$BN") of $N delivered at $BN in 120 s"
	rate=$(rate_of "$BN" 02 "$BN" 02 "$tb") ||
	    die "custody at $BN shows fewer than $N records received"
	stop_node "$BN"
	stop_node "$A"
	printf "  %3s %-6s %6d %8.0f %5.2f\n" "$2" "$1" "$VRATE" "$rate" \
	    "$(calc "$rate / $VRATE")"
	echo "hop $1 $rate $VRATE" >>"$T/rates"
}

# N letters for send --batch, one JSON object a line: clear if $1 is.
batch_file() {
	awk -v n="$N" -v size="$SIZE" -v kind="$1" -v from="$MBOX@$A" \
	    -v to="$MBOX@$BN" 'BEGIN {
		fill = "the quick brown fox jumps over the lazy dog "
		while (length(text) < size)
			text = text fill
		text = substr(text, 1, size)
		for (i = 1; i <= n; i++)
			printf "{\"from\":\"%s\",\"to\":\"%s\",\"subject\":" \
			    "\"%s-%06d\",\"text\":\"%s\",\"key\":\"%s-%d\"," \
			    "\"clear\":%s}\n", from, to, kind, i, text, kind,
			    i, kind == "clear" ? "true" : "false"
	}'
}

# Sealing on the path, kind $1, in round $2: "path KIND RATE VRATE".
path_run() {
	local t0 rate
	verify 0.5
	restore tpl0
	start_node "$A" && start_node "$BN" || die "a node did not start"
	wait_for 15 link_up "$A" "$BN" || die "the link did not come up"
	t0=$(now)
	ctl "$A" send --batch "$T/batch-$1" >/dev/null ||
	    die "send --batch ($1) failed"
	wait_delivered "$BN" "$N" 120 ||
	    die "only $(delivered "$BN") of $N delivered at $BN in 120 s"
	rate=$(rate_of "$A" 01 "$BN" 02 "$t0") ||
	    die "custody shows fewer than $N records at $BN"
	stop_node "$BN"
	stop_node "$A"
	printf "  %3s %-6s %6d %8.0f %5.2f\n" "$2" "$1" "$VRATE" "$rate" \
	    "$(calc "$rate / $VRATE")"
	echo "path $1 $rate $VRATE" >>"$T/rates"
}

for kind in clear sealed; do
	batch_file $kind >"$T/batch-$kind"
done
for part in hop path; do
	echo
	if [ $part = hop ]; then
		echo "one hop: $N letters queued at $A, then $BN started; the"
		echo "rate from $BN's first to its last \"received\""
	else
		echo "sealing on the path: $N letters sent to $A in batches,"
		echo "from $A's first \"submitted\" to $BN's last \"received\""
	fi
	printf "  %3s %-6s %6s %8s %5s\n" rnd kind verify msgs/s x
	printf "  %3s %-6s %6s %8s %5s\n" "" "" /s "" verify
	for ((r = 1; r <= ROUNDS; r++)); do
		order="clear sealed"
		[ $((r % 2)) -eq 0 ] && order="sealed clear"
		for kind in $order; do
			${part}_run $kind $r
		done
	done
done

V=$(median <"$T/verifies")
echo
echo "summary: medians of $ROUNDS runs; the verify rate of this run"
echo "$V/s (median of $(wc -l <"$T/verifies") figures). sealed/clear: of"
echo "the msgs/s; per verify: of each run's msgs/s over the verify rate"
echo "measured just before it (the steadier on a busy machine)"
printf "  %-28s %8s %8s %7s %7s %7s  %s\n" "" clear sealed sealed/ \
    "per" "" target
printf "  %-28s %8s %8s %7s %7s %7s\n" "" msgs/s msgs/s clear verify \
    "x verify"
# The median of part $1's runs of kind $2: msgs/s, or with $3 set, msgs/s
# over the verify rate of the run.
figure() {
	awk -v p="$1" -v k="$2" -v v="${3:-}" '$1 == p && $2 == k {
	    print (v == "" ? $3 : $3 / $4) }' "$T/rates" | median
}
for part in hop path; do
	c=$(figure $part clear) s=$(figure $part sealed)
	x=$(calc "$s / $c")
	xv=$(calc "$(figure $part sealed v) / $(figure $part clear v)")
	if [ $part = hop ]; then
		label="one hop (sealed in advance)"
		result=$(verdict "$x >= $TARGET")
	else
		label="sealing on the path" result="(beside it)"
	fi
	printf "  %-28s %8.0f %8.0f %7.2f %7.2f %7.2f  >= %s: %s\n" \
	    "$label" "$c" "$s" "$x" "$xv" "$(calc "$s / $V")" "$TARGET" \
	    "$result"
done
