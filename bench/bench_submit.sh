#!/usr/bin/env bash
# bench_submit: how fast clients can hand a node mail, end to end. Figures,
# not pass/fail: MISS is printed, and only a failure to measure exits
# non-zero.
#
#   bash bench/bench_submit.sh        (B=build, as in tests/lib.sh)
#
# A (tw, the root) and B (hagiang) link up. SUB_CLIENTS clients (10)
# submit SUB_N messages (10,000) of SUB_SIZE bytes (1,024) between them
# at A, each over its own control socket connection, each waiting for
# its reply (tests/helpers/mail_flood), addressed to vanthu@hagiang. The
# figure is SUB_N over the time from the first submission until B has
# delivered all of them (its delivered counter), so it counts A's
# durable writes, the hop and B's. Beside it, measured in the same run:
# what one core of this machine can sign and verify (bench/verify_rate),
# the durable commits its disk takes one after another (bench/commit_rate,
# which with A's CPU a message bounds what waiting clients can get), the
# commits A and B made (what group commit saved), A's CPU time and
# the cores busy on the whole machine (a run that leaves cores idle is
# held by waiting, not by CPU).
# Then the batch path: the same N messages as one file of JSON lines
# through node-ctl send --batch (send_batch requests of 256), timed the
# same way, and again with B stopped: A's own rate, then B's from its
# start until it delivered them. Then the latency of one message at a
# time on the idle pair (SUB_LAT, 100): from A's "submitted" custody time to B's "received"
# (one clock, ms resolution), p50 and p99.
#
# Targets (the throughput issue): >= 7,500 msg/s end to end with 10
# clients; >= 0.8 x the one-core verify rate with the batch path; p50
# <= 2 ms and p99 <= 10 ms for one message over one hop.
# SUB_ROUNDS (3) runs; the summary takes medians. KEEP=1 keeps the
# directory.
cd "$(dirname "$0")/.." && . tests/lib.sh && . bench/lib.sh
set -o pipefail

N=${SUB_N:-10000}
CLIENTS=${SUB_CLIENTS:-10}
SIZE=${SUB_SIZE:-1024}
ROUNDS=${SUB_ROUNDS:-3}
LAT=${SUB_LAT:-100}
TARGET=7500
A=tw BN=hagiang MBOX=vanthu

die() { echo "bench_submit: $*" >&2; exit 1; }

for f in "$B/node" "$B/node-ctl" "$B/tests/mail_flood" \
    "$B/bench/verify_rate" "$B/bench/commit_rate"; do
	[ -x "$f" ] || die "$f is missing: run make $f first"
done

machine_limits bench_submit
start_pair

echo
echo "throughput: $CLIENTS clients, $N messages of $SIZE B, A -> B"
per=$(( (N + CLIENTS - 1) / CLIENTS ))
for r in $(seq 1 "$ROUNDS"); do
	c0=$(counter "$A" commits) && d0=$(counter "$BN" delivered) ||
	    die "cannot read the counters"
	cpu0=$(cpu_ms "${PID[$A]}") bc0=$(counter "$BN" commits)
	m0=$(busy_mark)
	t0=$(now)
	pids=()
	for c in $(seq 1 "$CLIENTS"); do
		"$B/tests/mail_flood" "$T/$A/control.sock" "$MBOX@$A" \
		    "$MBOX@$BN" "$per" "r$r-c$c" "$SIZE" >"$T/acc.$c" &
		pids+=($!)
	done
	wait "${pids[@]}" || die "a client failed (round $r)"
	t1=$(now)
	wait_delivered "$BN" $((d0 + per * CLIENTS)) 120 ||
	    die "B did not deliver round $r"
	t2=$(now)
	m1=$(busy_mark)
	commits=$(( $(counter "$A" commits) - c0 ))
	bcommits=$(( $(counter "$BN" commits) - bc0 ))
	cpu=$(( $(cpu_ms "${PID[$A]}") - cpu0 ))
	rate=$(calc "$((per * CLIENTS)) / ($t2 - $t0)")
	echo "$rate" >>"$T/rates"
	printf "  round %d: %.0f msg/s end to end (submitted in %.2f s, " \
	    "$r" "$rate" "$(calc "$t1 - $t0")"
	printf "all at B %.2f s later); A: %d commits (%.1f messages " \
	    "$(calc "$t2 - $t1")" "$commits" \
	    "$(calc "$((per * CLIENTS)) / ($commits > 0 ? $commits : 1)")"
	printf "each), %.2f ms CPU a message; B: %d commits; %.1f of %d " \
	    "$(calc "$cpu / $((per * CLIENTS))")" "$bcommits" \
	    "$(busy_cores "$m0" "$m1")" "$(nproc)"
	echo "cores busy"
	echo "$(calc "$cpu * 1000 / $((per * CLIENTS))")" >>"$T/cpus"
done

echo
echo "batch path: $N messages of $SIZE B in one file, node-ctl send --batch"
text=$(head -c "$SIZE" /dev/zero | tr '\0' x)
for i in $(seq 1 "$N"); do
	printf '{"from": "%s@%s", "to": "%s@%s", "subject": "b-%d", "text": "%s"}\n' \
	    "$MBOX" "$A" "$MBOX" "$BN" "$i" "$text"
done >"$T/batch.jsonl"
d0=$(counter "$BN" delivered) || die "cannot read B's counters"
m0=$(busy_mark)
t0=$(now)
ctl "$A" send --batch "$T/batch.jsonl" >"$T/batch.out" 2>&1 ||
    die "send --batch failed: $(tail -1 "$T/batch.out")"
t1=$(now)
wait_delivered "$BN" $((d0 + N)) 120 || die "B did not deliver the batch"
t2=$(now)
m1=$(busy_mark)
brate=$(calc "$N / ($t2 - $t0)")
printf "  %.0f msg/s end to end (sent in %.2f s, all at B %.2f s later; " \
    "$brate" "$(calc "$t1 - $t0")" "$(calc "$t2 - $t1")"
printf "%.1f of %d cores busy): %s\n" "$(busy_cores "$m0" "$m1")" "$(nproc)" \
    "$(head -1 "$T/batch.out")"
# Where the time goes: the same number again with B stopped, so A has
# the cores to itself (B's machine is another office's); then B starts
# and takes them.
sed 's/"subject": "b-/"subject": "a-/' "$T/batch.jsonl" >"$T/alone.jsonl"
stop_node "$BN"
t0=$(now)
ctl "$A" send --batch "$T/alone.jsonl" >"$T/alone.out" 2>&1 ||
    die "send --batch (B stopped) failed: $(tail -1 "$T/alone.out")"
t1=$(now)
start_node "$BN" || die "B did not start again"
wait_delivered "$BN" "$N" 120 || die "B did not deliver them"	# anew
t2=$(now)
printf "  %.0f msg/s at A with B stopped (%.2f s); B then took them in %.2f s from its start (%.0f msg/s)\n" \
    "$(calc "$N / ($t1 - $t0)")" "$(calc "$t1 - $t0")" \
    "$(calc "$t2 - $t1")" "$(calc "$N / ($t2 - $t1)")"

echo
echo "latency: $LAT messages one at a time, A submitted -> B received"
ids=()
d0=$(counter "$BN" delivered) || die "cannot read B's counters"
for i in $(seq 1 "$LAT"); do
	id=$(echo "lat $i" | ctl "$A" send --from "$MBOX@$A" \
	    --subject "lat-$i" "$MBOX@$BN") || die "send failed"
	ids+=("$id")
	sleep 0.02
done
wait_delivered "$BN" $((d0 + LAT)) 60 || die "B did not get them all"
for id in "${ids[@]}"; do
	s=$(trace_ms "$A" "$id" submitted) && g=$(trace_ms "$BN" "$id" received) ||
	    die "no custody times for $id"
	echo $((g - s))
done | sort -n >"$T/lat"
p50=$(awk '{ a[NR] = $1 } END { print a[int(NR * 0.5 + 0.5)] }' "$T/lat")
p99=$(awk '{ a[NR] = $1 } END { i = int(NR * 0.99 + 0.5); print a[i < 1 ? 1 : i] }' "$T/lat")

rate=$(median <"$T/rates")
# Clients that each wait for their reply get at most one commit's worth
# of messages per turn: the turn costs a durable commit (commit_rate, on
# the stores' disk) and A's CPU for each of them (median of the rounds).
# B and the clients, on the same cores, are left out: a bound, not a
# forecast.
cpu_us=$(median <"$T/cpus")
ceiling=$(calc "$CLIENTS * 1000000 / ($CUS + $CLIENTS * $cpu_us)")
echo
echo "summary (medians of $ROUNDS rounds)"
printf "  end to end, %d clients: %.0f msg/s, target %d: %s\n" "$CLIENTS" \
    "$rate" "$TARGET" "$(verdict "$rate >= $TARGET")"
printf "    this machine's bound for %d waiting clients: %.0f msg/s (%d us a commit + %d x %.0f us of A's CPU a message)\n" \
    "$CLIENTS" "$ceiling" "$CUS" "$CLIENTS" "$cpu_us"
printf "  batch path: %.0f msg/s, target 0.8 x verify %d = %.0f: %s\n" \
    "$brate" "$VRATE" "$(calc "0.8 * $VRATE")" \
    "$(verdict "$brate >= 0.8 * $VRATE")"
printf "  one message over one hop: p50 %d ms (target 2: %s), p99 %d ms " \
    "$p50" "$(verdict "$p50 <= 2")" "$p99"
printf "(target 10: %s)\n" "$(verdict "$p99 <= 10")"
