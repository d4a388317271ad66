#!/usr/bin/env bash
# bench_hop: what one hop between two real nodes carries, next to what
# one core of this machine can verify. Figures, not pass/fail: MISS is
# printed, and only a failure to measure exits non-zero.
#
#   bash bench/bench_hop.sh        (B=build, as in tests/lib.sh)
#
# 1. The limit: build/bench/verify_rate, Ed25519 verifies of the 50 bytes
#    a record's signature covers, on one core. Verification is what
#    bounds a hop; the target is a hop >= 0.8 x this.
#    One core's speed drifts on a shared machine, so it is measured again
#    (0.5 s) just before every throughput run, and the median of all these
#    figures is the limit the summary holds each setting against.
# 2. Throughput. A (tw, the root) and B (hagiang, certified by tw) link
#    up; B is stopped; N signed mail messages with SIZE bytes of text are
#    submitted at A for vanthu@hagiang (tests/helpers/mail_flood; A
#    commits each before it replies, so this is fsync-bound and shown only
#    in passing). Both stores are kept as a template. Then for each
#    [limits] setting (credit: what the receiver grants in its Hello;
#    batch_max: records in one Batch frame; both nodes get the same),
#    both stores are restored from the template, A is started, then B,
#    and we wait for B's delivered counter to reach N. The figure is N
#    over the span from the first to the last "received" custody event at
#    B: B stamps a record once it has verified it, in the write
#    transaction it commits before it acks (ms resolution), so B's
#    start-up falls outside. So does the time from the link coming up to
#    the first batch (A reads and sends it, B decodes it), which grows
#    with batch_max; "link_up->last" (from B's event=link_up log line)
#    counts it. Custody is read with mdb_dump (key: id, be64 time_ms, be32
#    n; value: event byte, peer: store/store_custody.c); the first and
#    last events are checked against node-ctl --json trace. Each setting
#    runs ROUNDS times, odd rounds in order and even rounds in reverse;
#    the summary takes medians. Beside each run, from
#    /proc/PID/task/*/schedstat: CPU time per message of each node (all
#    threads, start-up included: ~30 ms), how busy B's main thread was
#    from link-up to the last record, and how long B's threads were
#    runnable but not running (the machine was busy with something else).
# 3. Latency. On the first defaults pair, idle after its run: LAT_N
#    messages of SIZE bytes submitted one at a time (mail_flood, N = 1)
#    with LAT_GAP s of sleep between them; each from A's "submitted"
#    custody time to B's "received" (one clock, ms resolution; the first
#    checked against node-ctl trace). p50, p99, max, and how many arrived
#    only after the next one was submitted.
#
# Environment: HOP_N (10000), HOP_SIZE (1024), HOP_ROUNDS (2),
# HOP_LIMITS (the credit/batch_max settings tried after the defaults),
# LAT_N (200), LAT_GAP (0.02), KEEP=1 keeps the directory. It takes 1-3
# minutes, much of it the N durable submissions on a slow disk.
cd "$(dirname "$0")/.." && . tests/lib.sh && . bench/lib.sh
set -o pipefail

N=${HOP_N:-10000}
SIZE=${HOP_SIZE:-1024}
LAT_N=${LAT_N:-200}
LAT_GAP=${LAT_GAP:-0.02}
ROUNDS=${HOP_ROUNDS:-2}
SETTINGS="defaults ${HOP_LIMITS:-256/128 1024/256 16384/512 16384/4096}"
TARGET=0.8
DEFAULTS=4096/256	# node/lib/cfg.c's credit/batch_max, for the labels only
A=tw BN=hagiang MBOX=vanthu

die() { echo "bench_hop: $*" >&2; exit 1; }

for f in "$B/node" "$B/node-ctl" "$B/node-key" "$B/tests/mail_flood" \
    "$B/bench/verify_rate"; do
	[ -x "$f" ] || die "$f is missing: run make $f first"
done
command -v jq >/dev/null && command -v mdb_dump >/dev/null ||
    die "needs jq and mdb_dump (make deps)"

# Is A's session with B up with nothing unacked?
all_acked() {
	ctl "$A" --json peers | jq -e --arg p "$BN" '.peers[] |
	    select(.name == $p and .state == "up" and .sent == .acked)'
}
# Node $1's config with [limits] credit/batch_max $2 ("": the defaults).
set_limits() {
	cp "$T/tpl/$1.conf" "$T/$1.conf"
	[ -n "$2" ] || return 0
	sed -i "/^\[limits\]\$/a credit = ${2%/*}\nbatch_max = ${2#*/}" \
	    "$T/$1.conf"
}


echo "bench_hop: $(nproc) CPUs, load average $(cut -d' ' -f1-3 \
    /proc/loadavg), stores in $T"

# 1. The machine's limit.
verify 1
echo
echo "machine limit"
echo "  $VLINE"

# 2. The backlog: N messages at A while B is down.
make_node "$A"
make_node "$BN" "$A"
start_node "$A" || die "$A did not start"
enrol "$BN" || die "$A did not certify $BN"
start_node "$BN" || die "$BN did not start"
wait_for 15 link_up "$A" "$BN" && wait_for 15 link_up "$BN" "$A" ||
    die "the link $BN -> $A did not come up"
stop_node "$BN"
t0=$(now)
got=$("$B/tests/mail_flood" "$T/$A/control.sock" "$MBOX@$A" "$MBOX@$BN" \
    "$N" hop "$SIZE") || die "mail_flood: $got of $N accepted"
t1=$(now)
stop_node "$A"
mkdir "$T/tpl" || die "mkdir $T/tpl"
for n in "$A" "$BN"; do
	cp -a "$T/$n" "$T/tpl/$n" && cp "$T/$n.conf" "$T/tpl/$n.conf" ||
	    die "cannot keep the template of $n"
	rm -f "$T/tpl/$n/control.sock"
done
echo
printf "backlog: %d messages, %d B of text, submitted at %s in %.1f s " \
    "$N" "$SIZE" "$A" "$(calc "$t1 - $t0")"
printf "(%.0f/s, one durable commit each)\n" "$(calc "$N / ($t1 - $t0)")"

# Run time and run-queue wait (ns) of process $1, summed over its threads
# (the ZeroMQ I/O thread does the CURVE work), and the run time of its
# main thread, where everything else happens: "RUN WAIT MAIN_RUN".
sched_ns() {
	{ cat /proc/"$1"/schedstat; cat /proc/"$1"/task/*/schedstat; } |
	    awk 'NR == 1 { m = $1; next } { r += $1; w += $2 }
	    END { printf "%.0f %.0f %.0f", r, w, m }'
}

# One throughput run with limits $1 ("" = defaults) in round $2: the
# verify rate now, then restore both stores, start A, start B, wait for
# all N at B. Prints a row and appends "SETTING RATE LINK_RATE VRATE" to
# $T/rates; leaves both nodes running.
hop_run() {
	local lim=$1 n tb td ev first last fid lid span rate c b commits
	local sa sb lu lms lspan lrate t_ms
	verify 0.5
	for n in "$A" "$BN"; do
		rm -rf "${T:?}/$n" && cp -a "$T/tpl/$n" "$T/$n" ||
		    die "cannot restore $n"
		set_limits "$n" "$lim"
	done
	start_node "$A" || die "$A did not start"
	tb=$(now)
	start_node "$BN" || die "$BN did not start"
	wait_delivered "$BN" "$N" 120 ||
	    die "only $(delivered "$BN") of $N delivered at $BN in 120 s"
	td=$(now)
	sa=$(sched_ns "${PID[$A]}") sb=$(sched_ns "${PID[$BN]}")
	# Only this run's: the template's own custody events are older.
	ev=$(events_since "$BN" 02 "$tb")
	[ "$(echo "$ev" | grep -c .)" -ge "$N" ] ||
	    die "custody at $BN shows fewer than $N records received"
	fid=$(echo "$ev" | head -n 1 | cut -d' ' -f2)
	lid=$(echo "$ev" | tail -n 1 | cut -d' ' -f2)
	first=$(trace_ms "$BN" "$fid" received) &&
	    last=$(trace_ms "$BN" "$lid" received) ||
	    die "node-ctl trace at $BN failed"
	[ "$first" = "$(echo "$ev" | head -n 1 | cut -d' ' -f1)" ] &&
	    [ "$last" = "$(echo "$ev" | tail -n 1 | cut -d' ' -f1)" ] ||
	    die "mdb_dump and node-ctl trace disagree: store layout changed?"
	span=$((last - first))
	[ "$span" -gt 0 ] || span=1
	rate=$(calc "$N * 1000 / $span")
	# B's log line for this session's Hello (UTC, ms).
	lu=$(grep 'event=link_up' "$T/$BN.log" | tail -n 1 | cut -d' ' -f1)
	t_ms=$(awk -v t="$tb" 'BEGIN { printf "%.0f", t * 1000 }')
	lms=$(date -u -d "$lu" +%s%3N 2>/dev/null) && [ "$lms" -ge "$t_ms" ] ||
	    die "no link_up in $BN's log for this run"
	lspan=$((last - lms))
	[ "$lspan" -gt 0 ] || lspan=1
	lrate=$(calc "$N * 1000 / $lspan")
	commits=$(ctl "$BN" --json status | jq .counters.commits)
	c=${lim%/*} b=${lim#*/}
	[ -n "$lim" ] || c="${DEFAULTS%/*}*" b="${DEFAULTS#*/}*"
	printf "  %3s %6s %5s %6d %6d %6.0f %6d %6.0f %6.2f" "$2" "$c" "$b" \
	    "$VRATE" "$span" "$rate" "$lspan" "$lrate" "$(calc "$td - $tb")"
	# Since each node started (~30 ms of CPU for start-up and link-up).
	set -- $sb $sa		# B: run wait main_run, then A's
	printf " %6.0f %5.0f %6.0f %6.0f %6.0f\n" "$(calc "$1 / 1000 / $N")" \
	    "$(calc "$3 / 1e4 / $lspan")" "$(calc "$2 / 1e6")" \
	    "$(calc "$4 / 1000 / $N")" "$(calc "$N / $commits")"
	echo "${lim:-defaults} $rate $lrate $VRATE" >>"$T/rates"
}

# 3. One message at a time, on the pair hop_run left running.
latency_run() {
	local i tl id sub rec
	wait_for 10 all_acked || die "$A still waits for acks from $BN"
	tl=$(now)
	for ((i = 1; i <= LAT_N; i++)); do
		"$B/tests/mail_flood" "$T/$A/control.sock" "$MBOX@$A" \
		    "$MBOX@$BN" 1 "lat-$i" "$SIZE" >/dev/null ||
		    die "mail_flood of message $i failed"
		sleep "$LAT_GAP"
	done
	wait_delivered "$BN" $((N + LAT_N)) 30 ||
	    die "latency messages did not all arrive at $BN"
	# "SUBMITTED RECEIVED" per message, in the order submitted.
	events_since "$A" 01 "$tl" >"$T/lat.sub"
	events_since "$BN" 02 "$tl" >"$T/lat.rec"
	awk 'NR == FNR { rec[$2] = $1; next }
	    $2 in rec { print $1, rec[$2] }' "$T/lat.rec" "$T/lat.sub" \
	    >"$T/lat.times"
	[ "$(wc -l <"$T/lat.times")" -eq "$LAT_N" ] ||
	    die "custody shows $(wc -l <"$T/lat.times") of $LAT_N messages"
	id=$(head -n 1 "$T/lat.sub" | cut -d' ' -f2)
	sub=$(trace_ms "$A" "$id" submitted) &&
	    rec=$(trace_ms "$BN" "$id" received) ||
	    die "node-ctl trace of $id failed"
	[ "$sub $rec" = "$(head -n 1 "$T/lat.times")" ] ||
	    die "mdb_dump and node-ctl trace disagree: store layout changed?"
	# A message "overlapped" if the next was submitted before it arrived.
	awk '{ s[NR] = $1; r[NR] = $2 }
	    END {
		for (i = 1; i <= NR; i++) {
			print r[i] - s[i]
			if (i < NR && r[i] > s[i + 1])
				over++
		}
		printf "gap %.1f over %d\n", (s[NR] - s[1]) / (NR - 1), over
	    }' "$T/lat.times" | sort -n | awk '
	    $1 == "gap" { gap = $2; over = $4; next }
	    { v[++k] = $1; sum += $1 }
	    END {
		printf "  %d messages, one every %.1f ms: p50 %d ms, " \
		    "p99 %d ms, max %d ms (mean %.1f, min %d)\n", k, gap,
		    v[int((k - 1) * 0.50) + 1], v[int((k - 1) * 0.99) + 1],
		    v[k], sum / k, v[1]
		if (over)
			printf "  %d arrived after the next was " \
			    "submitted\n", over
	    }'
}

echo
echo "throughput over one hop: $N messages queued at $A, then $BN started;"
echo "each setting $ROUNDS times from the same stores (* the defaults)."
echo "  verify: verify_rate (0.5 s) just before the run; first->last: from"
echo "  the first to the last \"received\" at $BN; link_up->last: from $BN's"
echo "  link_up; up->all: from starting $BN to all delivered. cpu: all"
echo "  threads' run time per message; busy: $BN's main thread's run time /"
echo "  link_up->last; waited: runnable but not running (other load); per"
echo "  commit: records in each write transaction at $BN"
printf "  %3s %6s %5s %6s %13s %13s %6s %19s %6s %6s\n" rnd credit batch \
    verify "first->last" link_up-\>last up-\>all "B cpu busy waited" \
    "A cpu" per
printf "  %3s %6s %5s %6s %6s %6s %6s %6s %6s %6s %5s %6s %6s %6s\n" \
    "" "" "" /s ms msgs/s ms msgs/s s us/msg % ms us/msg commit
for ((r = 1; r <= ROUNDS; r++)); do
	# Odd rounds forwards, even ones backwards: drift in the machine's
	# load falls on every setting alike.
	order=$SETTINGS
	[ $((r % 2)) -eq 0 ] && order=$(echo $SETTINGS | tr ' ' '\n' | tac)
	for lim in $order; do
		[ "$lim" = defaults ] && lim=
		hop_run "$lim" "$r"
		if [ $r -eq 1 ] && [ -z "$lim" ]; then
			latency_run >"$T/lat.out"
		fi
		stop_node "$BN"
		stop_node "$A"
	done
done

V=$(sort -n "$T/verifies" | awk '{ v[NR] = $1 } END { n = NR
    printf "%.0f", n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }')
echo
echo "summary: the median msgs/s of each setting; x: over the median verify"
echo "rate of this run, $V/s ($(wc -l <"$T/verifies") figures," \
    "$(sort -n "$T/verifies" | sed -n '1p;$p' | paste -sd- -)/s)"
echo "target: >= $TARGET x verify = $(calc "$TARGET * $V" |
    awk '{ printf "%.0f", $1 }')/s"
printf "  %-12s %20s   %20s   %s\n" "" "first->last" "link_up->last" \
    "runs: first->last"
printf "  %-12s %8s %5s %5s   %8s %5s %5s   %s\n" "credit/batch" msgs/s \
    x "" msgs/s x "" "msgs/s"
for lim in $SETTINGS; do
	awk -v s="$lim" '$1 == s' "$T/rates" |
	    awk -v s="$lim" -v t="$TARGET" -v v="$V" -v d="$DEFAULTS" '
	    function median(x, n,   i, j, y) {
		for (i = 2; i <= n; i++)	# insertion sort: n is small
			for (j = i; j > 1 && x[j - 1] > x[j]; j--) {
				y = x[j]; x[j] = x[j - 1]; x[j - 1] = y
			}
		return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
	    }
	    {
		r[NR] = $2; l[NR] = $3
		runs = runs sprintf(" %.0f", $2)
	    }
	    END {
		m = median(r, NR); mx = m / v
		ml = median(l, NR); mlx = ml / v
		printf "  %-12s %8.0f %5.2f %5s   %8.0f %5.2f %5s  %s\n",
		    s == "defaults" ? d " *" : s, m, mx,
		    (mx >= t) ? "PASS" : "MISS", ml, mlx,
		    (mlx >= t) ? "PASS" : "MISS", runs
	    }'
done

echo
echo "latency over one hop: $A submitted -> $BN received, both idle" \
    "(defaults)"
cat "$T/lat.out"
