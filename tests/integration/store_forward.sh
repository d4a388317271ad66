#!/usr/bin/env bash
# Store and forward across a district that is down, and sessions that
# resume from their checkpoints after a restart.
#
#   tw <- hagiang <- bacquang.hagiang <- tanthanh.bacquang.hagiang
#                                     <- quyetthang.bacquang.hagiang
#
# (a) The district is stopped. Letters from the commune tanthanh to
#     chutich@tw, and from tw to vanthu@ of both communes, are accepted
#     but not delivered while it is down. The senders hold them durably:
#     the commune's records count grows and its store, read from disk
#     while it is stopped, holds them; tw's records count grows and
#     hagiang has custody of tw's letters. The commune is restarted while
#     the district is still down: its queue survives. When the district
#     comes back every letter is delivered exactly once, and nobody gets a
#     failure report.
# (b) Nothing that was acked is resent. Once the tree is settled, the
#     province hagiang (the middle of the chain) is stopped and started
#     again, the links come back and settle, then tw sends one more
#     letter to tanthanh. Assertions:
#       - the sessions on both sides of hagiang's two links resume at the
#         sent/acked/received checkpoints they had before;
#       - the reconnection moves no record at all: records_in and
#         records_out of tw and the district (whose counters run on) do
#         not change, and those of the restarted hagiang stay 0;
#       - the new letter moves exactly one record over each hop of its
#         path: records_in +1 at hagiang, the district and tanthanh, +0
#         at tw and quyetthang;
#       - records_dup (the brief's figure) grows by nothing but the
#         certificates the new sessions' Hellos carry. A Hello carries the
#         sender's certificate chain (one certificate per tier below the
#         root: hagiang 1, a district 2) and keep_chain() counts each one
#         already held as a duplicate; so the bound at a node is the sum
#         of chain lengths over the sessions it logged as event=link_up
#         since the snapshot, and anything a peer resent on top (a batch
#         record, or the chain of a resync Hello) breaks it. records_in
#         and records_out are the exact "was anything resent" figures;
#         records_dup is held to the same standard once the Hello
#         chains, which are not resends of the log, are accounted for.
# "Settled" is: every session up, sent == acked on each, and no record
# counter of any node moving for 2 s (lag_out is no use here: a feed that
# had nothing for a link does not move that link's acked).
cd "$(dirname "$0")/../.." && . tests/lib.sh

# stop_node, and 0 only if the node exited with status 0.
stop_checked() {
	local rc
	kill -TERM "${PID[$1]}" 2>/dev/null || return 1
	wait "${PID[$1]}" 2>/dev/null
	rc=$?
	unset "PID[$1]"
	[ $rc -eq 0 ] || echo "# $1 exited with status $rc"
	return $rc
}

TW=tw HG=hagiang D=bacquang.hagiang
C1=tanthanh.bacquang.hagiang C2=quyetthang.bacquang.hagiang
NODES="$TW $HG $D $C1 $C2"
N=3		# letters each way

records() { ctl "$1" --json status | jq -e .store.records; }
# counter_is NODE NAME WANT: says what it found when it is not WANT.
counter_is() {
	local v
	v=$(counter "$1" "$2") || return 1
	[ "$v" -eq "$3" ] || { echo "# $1: $2 is $v, want $3"; return 1; }
}
# "sent acked received" of NODE's session with PEER that is up.
link_figures() {
	ctl "$1" --json peers | jq -er --arg p "$2" \
	    '[.peers[] | select(.name == $p and .state == "up")][0] |
	    "\(.sent) \(.acked) \(.received)"'
}
# The record counters of every node, and whether all its sessions are up
# with nothing unacked.
snapshot() {
	local n
	for n in $NODES; do
		echo "$n $(ctl "$n" --json status | jq -c '.counters |
		    [.records_in, .records_new, .records_dup, .records_out]')"
		ctl "$n" --json peers | jq -e '(.peers | length) > 0 and
		    all(.peers[]; .state == "up" and .sent == .acked)' ||
		    return 1
	done
}
settled() {
	local a b
	a=$(snapshot) || return 1
	sleep 2
	b=$(snapshot) || return 1
	[ "$a" = "$b" ]
}
# Mailbox MBOX of NODE holds at least N messages. (wait_for needs a
# command that looks again each time: "$(mail_count ...)" as an argument
# would be counted once, before the wait.)
mail_at_least() { [ "$(mail_count "$1" "$2")" -ge "$3" ]; }
# Fails if mailbox MBOX of NODE holds anything at any moment in SECS s.
stays_empty() {
	local end=$((SECONDS + $3)) c
	while :; do
		c=$(mail_count "$1" "$2") || return 1
		[ "$c" -eq 0 ] || { echo "# $2@$1 holds $c" >&2; return 1; }
		[ $SECONDS -ge $end ] && return 0
		sleep 0.5
	done
}
# Mailbox MBOX of NODE holds exactly SUBJ-1..SUBJ-N, each once, and
# nothing else (no report either).
exactly_once() {
	ctl "$1" --json mail ls "$2" | jq -e --arg s "$3" --argjson n "$4" '
	    [.messages[].subject] as $got |
	    ($got | length) == $n and
	    ([range(1; $n + 1) | "\($s)-\(.)"] - $got | length) == 0 and
	    ($got | unique | length) == $n' >/dev/null
}
reports_in() {
	ctl "$1" --json mail ls "$2" |
	    jq -e '[.messages[] | select(.kind == "report")] | length'
}
# The length of NAME's certificate chain: one per tier below the root.
chain_len() {
	[ "$1" = "$TW" ] && { echo 0; return; }
	echo $(($(tr -cd . <<<"$1" | wc -c) + 1))
}
# What keep_chain() may count as duplicates at NODE: the chains of the
# sessions it opened since line FROM of its log.
chain_allowance() {
	local sum=0 p
	for p in $(tail -n +"$(($2 + 1))" "$T/$1.log" |
	    sed -n 's/.*event=link_up peer=\([^ ]*\) .*/\1/p'); do
		sum=$((sum + $(chain_len "$p")))
	done
	echo $sum
}

build_tree() {
	make_node $TW
	make_node $HG $TW
	make_node $D $HG
	make_node $C1 $D
	make_node $C2 $D
	# Status reports are records too: none during this test's counts.
	for n in $TW $HG $D $C1 $C2; do
		sed -i 's/^\[limits\]/[limits]\nstatus_s = 3600/' "$T/$n.conf"
	done
	start_node $TW || return 1
	for n in $HG $D $C1 $C2; do
		enrol $n && start_node $n || return 1
	done
}
check "a chain tw <- hagiang <- district <- 2 communes starts" build_tree
check "the communes link up to the district" \
    wait_for 30 eval "link_up $C1 $D && link_up $C2 $D"
check "the district links up to the province" wait_for 30 link_up $D $HG
check "the province links up to the root" wait_for 30 link_up $HG $TW

# --- (a) the district is down -----------------------------------------
check "the district stops (SIGTERM, exit status 0)" stop_checked $D
check "the commune sees its district go down" \
    wait_for 30 eval "! link_up $C1 $D"
r_c1=$(records $C1) r_tw=$(records $TW)
ids_tw= ids_c1=
for i in $(seq 1 $N); do
	id=$(echo "Báo cáo số $i" | ctl $C1 send --from vanthu@$C1 \
	    --subject "bc-$i" chutich@$TW) && ids_c1="$ids_c1 $id"
	id=$(echo "Công văn số $i" | ctl $TW send --from chutich@$TW \
	    --subject "cv-$i" vanthu@$C1 vanthu@$C2) && ids_tw="$ids_tw $id"
done
check "tw accepted its $N letters" test "$(echo $ids_tw | wc -w)" -eq $N
check "nothing is delivered while the district is down" eval \
    "stays_empty $TW chutich 4 && stays_empty $C1 vanthu 0 &&
    stays_empty $C2 vanthu 0"
check "the commune's store holds its $N letters" \
    test "$(records $C1)" -eq $((r_c1 + N))
check "tw's store holds its $N letters" test "$(records $TW)" -ge $((r_tw + N))
check "hagiang has custody of tw's letters, waiting for the district" \
    test "$(for id in $ids_tw; do ctl $HG --json trace "$id"; done |
	jq -s '[.[].events[] | select(.event == "received" and
	    .peer == "tw")] | length')" -eq $N

# The commune restarts while the district is still down. Its queue is on
# disk: read with mdb_dump while the commune is stopped (node-store ls
# would do, but it crashes on a store that holds certificates), by the
# letters' ids, as they are sealed.
check "the commune stops (SIGTERM, exit status 0)" stop_checked $C1
c1_check() { "$B/node-store" check "$T/$C1" >"$T/c1.check" 2>&1; }
check "the stopped commune's store checks clean" c1_check
sed 's/^/# node-store check: /' "$T/c1.check"
mdb_dump -s records "$T/$C1" >"$T/c1.records" 2>&1
held() {	# how many of the commune's letters are keys of its records
	local id n=0
	for id in $ids_c1; do
		grep -qx " $id" "$T/c1.records" && n=$((n + 1))
	done
	echo $n
}
check "the stopped commune's store holds its $N letters (mdb_dump)" \
    test "$(held)" -eq $N
check "the commune starts again" start_node $C1
check "still nothing delivered after the commune's restart" eval \
    "stays_empty $TW chutich 2 && stays_empty $C1 vanthu 0"

# The district comes back: everything flows.
check "the district starts again" start_node $D
check "the commune's letters reach tw" \
    wait_for 60 mail_at_least $TW chutich $N
check "tw's letters reach tanthanh" \
    wait_for 60 mail_at_least $C1 vanthu $N
check "tw's letters reach quyetthang" \
    wait_for 60 mail_at_least $C2 vanthu $N
check "the tree settles" wait_for 60 settled
check "tw got each of the commune's letters exactly once" \
    exactly_once $TW chutich bc $N
check "tanthanh got each of tw's letters exactly once" \
    exactly_once $C1 vanthu cv $N
check "quyetthang got each of tw's letters exactly once" \
    exactly_once $C2 vanthu cv $N
check "no failure report reached tw" test "$(reports_in $TW chutich)" -eq 0
for n in $C1 $C2; do
	check "no failure report reached $n" \
	    test "$(reports_in $n vanthu)" -eq 0
done
for n in $NODES; do
	check "$n sent no failure report and refused no record" eval \
	    "test \"\$(counter $n reports_sent)\" -eq 0 &&
	    test \"\$(counter $n records_bad)\" -eq 0"
done

# --- (b) nothing that was acked is resent ------------------------------
declare -A IN0 OUT0 DUP0 LOG0 FIG0
check "the tree is settled before the restart" wait_for 60 settled
for n in $TW $D $C1 $C2; do
	IN0[$n]=$(counter $n records_in)
	OUT0[$n]=$(counter $n records_out)
	DUP0[$n]=$(counter $n records_dup)
	LOG0[$n]=$(wc -l <"$T/$n.log")
done
for k in $HG/$TW $HG/$D $TW/$HG $D/$HG; do
	FIG0[$k]=$(link_figures ${k%/*} ${k#*/})
done

check "the province stops (SIGTERM, exit status 0)" stop_checked $HG
LOG0[$HG]=$(wc -l <"$T/$HG.log")
check "the province starts again" start_node $HG
check "the province relinks to tw" wait_for 30 link_up $HG $TW
check "the district relinks to the province" wait_for 30 link_up $D $HG
check "the tree settles again" wait_for 60 settled
for k in $HG/$TW $HG/$D $TW/$HG $D/$HG; do
	check "session $k resumes at sent/acked/received ${FIG0[$k]}" \
	    test "$(link_figures ${k%/*} ${k#*/})" = "${FIG0[$k]}"
done
for n in $TW $D $C1 $C2; do
	check "the reconnection moved no record into or out of $n" eval \
	    "counter_is $n records_in ${IN0[$n]} &&
	    counter_is $n records_out ${OUT0[$n]}"
done
check "the reconnection moved no record into or out of the province" eval \
    "counter_is $HG records_in 0 && counter_is $HG records_out 0"

echo "Công văn bổ sung" | ctl $TW send --from chutich@$TW --subject "cv-4" \
    vanthu@$C1 >/dev/null
check "one more letter reaches tanthanh" \
    wait_for 60 mail_at_least $C1 vanthu 4
check "the tree settles once more" wait_for 60 settled
check "tanthanh got each of tw's 4 letters exactly once" \
    exactly_once $C1 vanthu cv 4
declare -A WANT=([$TW]=0 [$D]=1 [$C1]=1 [$C2]=0)
for n in $TW $D $C1 $C2; do
	check "the new letter moved ${WANT[$n]} record(s) into $n" \
	    counter_is $n records_in $((IN0[$n] + WANT[$n]))
done
check "the new letter moved 1 record into the province" \
    counter_is $HG records_in 1
for n in $TW $D $C1 $C2 $HG; do
	d=$(( $(counter $n records_dup) - ${DUP0[$n]:-0} ))
	a=$(chain_allowance $n "${LOG0[$n]}")
	echo "# $n: records_dup grew by $d; Hello chains allow $a"
	check "records_dup at $n grew only by the new sessions' Hello chains" \
	    test "$d" -le "$a"
done

# Every node still running stops cleanly on SIGTERM: exit status 0 (a
# sanitizer build exits non-zero on a leak). lib.sh's stop_node does not
# look at the status; finish then looks for sanitizer reports in the logs.
stop_all() {
	local n rc=0
	for n in $NODES; do
		[ -n "${PID[$n]:-}" ] || continue
		stop_checked $n || rc=1
	done
	return $rc
}
check "the nodes stop cleanly" stop_all
finish
