#!/usr/bin/env bash
# bench_lmtp: how fast the mail gateway takes mail in over LMTP, end to
# end. Figures, not pass/fail: MISS is printed, and only a failure to
# measure exits non-zero.
#
#   bash bench/bench_lmtp.sh        (B=build, as in tests/lib.sh)
#
# A (tw, the root) and B (hagiang) link up; mailgw runs beside A with an
# LMTP listener. LMTP_CLIENTS (10) sessions at once (bench/lmtp_load)
# each send LMTP_N (1,000) messages of LMTP_SIZE bytes (2,048) to
# vanthu@hagiang.example, a mailbox at B one hop away, pipelining
# LMTP_PIPE (250) at a time with BDAT and reading their replies before
# the next LMTP_PIPE. Two figures: at the gateway (the messages over the
# time until every session had its last reply, each a durable commit at
# A) and end to end (until B had delivered them all: its delivered
# counter). Beside them, measured in the same run: what one core signs
# and verifies (bench/verify_rate) and what a durable commit costs on
# this disk (bench/commit_rate), A's commits (how many messages each
# carried), and the CPU time a message costs A, B and the gateway's
# sessions (the load clients, and whatever else runs on the machine,
# share the same cores).
# Then the same load with DATA: each session one message at a time,
# waiting for its reply, as an MTA's LMTP client does.
#
# Target (the throughput issue): >= 5,000 msg/s end to end with BDAT.
# LMTP_ROUNDS (3) runs of each; the summary takes medians. KEEP=1 keeps
# the directory.
cd "$(dirname "$0")/.." && . tests/lib.sh && . bench/lib.sh
set -o pipefail

N=${LMTP_N:-1000}
CLIENTS=${LMTP_CLIENTS:-10}
SIZE=${LMTP_SIZE:-2048}
PIPE=${LMTP_PIPE:-250}
ROUNDS=${LMTP_ROUNDS:-3}
TARGET=5000
A=tw BN=hagiang MBOX=vanthu

die() { echo "bench_lmtp: $*" >&2; exit 1; }

for f in "$B/node" "$B/node-ctl" "$B/mailgw" "$B/bench/lmtp_load" \
    "$B/bench/verify_rate" "$B/bench/commit_rate"; do
	[ -x "$f" ] || die "$f is missing: run make bench first"
done

machine_limits bench_lmtp
start_pair

LP=$(free_port)
cat >"$T/gw.conf" <<EOF
[gateway]
control = $T/$A/control.sock
domain = example
sender = $MBOX@$A
listen_lmtp = 127.0.0.1:$LP
max_clients = $((CLIENTS + 4))
EOF
"$B/mailgw" -c "$T/gw.conf" >>"$T/gw.log" 2>&1 &
PID[gw]=$!
wait_for 10 eval "(exec 3<>/dev/tcp/127.0.0.1/$LP)" ||
    die "mailgw did not listen (see $T/gw.log)"

total=0
# One round of MODE (bdat or data): its figures appended to $T/MODE.*.
run() {
	local mode=$1 r=$2 c c0 d0 n0 b0 g0 t0 t1 t2 pids=() msgs commits gw e2e
	msgs=$((N * CLIENTS))
	c0=$(counter "$A" commits) && d0=$(delivered "$BN") ||
	    die "cannot read the counters"
	n0=$(cpu_ms "${PID[$A]}") b0=$(cpu_ms "${PID[$BN]}")
	g0=$(( $(cpu_ms "${PID[gw]}") + $(cpu_ms -c "${PID[gw]}") ))
	t0=$(now)
	for c in $(seq 1 "$CLIENTS"); do
		"$B/bench/lmtp_load" "127.0.0.1:$LP" "$mode" "$N" "$PIPE" \
		    "$SIZE" "$mode$r-c$c" "$MBOX@$BN.example" \
		    >"$T/acc.$c" 2>"$T/err.$c" &
		pids+=($!)
	done
	wait "${pids[@]}" ||
	    die "a session failed ($mode, round $r): $(cat "$T"/err.* | head -1)"
	t1=$(now)
	total=$((total + msgs))
	wait_delivered "$BN" $((d0 + msgs)) 120 ||
	    die "B did not deliver round $r ($mode)"
	t2=$(now)
	commits=$(( $(counter "$A" commits) - c0 ))
	sleep 0.3	# the gateway reaps its sessions every 200 ms
	gw=$(calc "$msgs / ($t1 - $t0)") e2e=$(calc "$msgs / ($t2 - $t0)")
	echo "$gw" >>"$T/$mode.gw"
	echo "$e2e" >>"$T/$mode.e2e"
	printf "  round %d: %.0f msg/s at the gateway (%.2f s), %.0f end to " \
	    "$r" "$gw" "$(calc "$t1 - $t0")" "$e2e"
	printf "end (all at B %.2f s later); A: %d commits (%.1f messages " \
	    "$(calc "$t2 - $t1")" "$commits" \
	    "$(calc "$msgs / ($commits > 0 ? $commits : 1)")"
	printf "each); CPU a message: A %.2f ms, B %.2f ms, gateway %.2f ms\n" \
	    "$(calc "($(cpu_ms "${PID[$A]}") - $n0) / $msgs")" \
	    "$(calc "($(cpu_ms "${PID[$BN]}") - $b0) / $msgs")" \
	    "$(calc "($(cpu_ms "${PID[gw]}") + $(cpu_ms -c "${PID[gw]}") - $g0) / $msgs")"
}

echo
echo "BDAT: $CLIENTS LMTP sessions of $N messages of $SIZE B, $PIPE pipelined"
echo "at a time, gateway at A -> mailbox at B"
for r in $(seq 1 "$ROUNDS"); do run bdat "$r"; done
echo
echo "DATA: the same, each session one message at a time"
for r in $(seq 1 "$ROUNDS"); do run data "$r"; done

echo
echo "summary (medians of $ROUNDS rounds)"
bgw=$(median <"$T/bdat.gw") be2e=$(median <"$T/bdat.e2e")
printf "  BDAT: %.0f msg/s at the gateway, %.0f end to end, target %d: %s\n" \
    "$bgw" "$be2e" "$TARGET" "$(verdict "$be2e >= $TARGET")"
printf "  DATA: %.0f msg/s at the gateway, %.0f end to end\n" \
    "$(median <"$T/data.gw")" "$(median <"$T/data.e2e")"
