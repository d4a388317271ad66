#!/usr/bin/env bash
# kill -9 a receiving node again and again while mail floods into it:
# nothing acked is lost, nothing is delivered twice.
#
# tw floods N (5000) letters to vanthu@hagiang with mail_flood, one
# durable submission each. Meanwhile hagiang, the receiver, is killed
# with SIGKILL at random moments while records flow (0.1-0.6 s after it
# started), stays dead 0.2-1 s and starts again, at least KILLS times
# and for as long as mail is still flowing. Before each kill the test
# notes how far tw has seen it ack tw's log; after the restart its
# checkpoint of tw's log must be at least that (an ack promises a
# durable commit). Then it is left to catch up, stopped, and its store
# is read directly:
#   - node-store check passes on it;
#   - mailbox vanthu holds exactly N entries, seqs 1..N, N distinct
#     record ids, and the records they name carry the subjects
#     PREFIX-000001..PREFIX-005000 (for N = 5000), each exactly once;
#   - the store holds each flood letter once (one record per subject).
# The mailbox is read with mdb_dump from the stopped store: node-ctl
# mail ls returns at most 1000 entries and cannot page, and node-store
# ls crashes on a store holding certificates (see the notes printed).
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

N=${N:-5000}
KILLS=${KILLS:-12}		# at least this many kills ...
MAX_KILLS=${MAX_KILLS:-40}	# ... and more while mail still flows
PREFIX=flood
S=hagiang			# the receiver, a child of tw
FLOOD=$B/tests/mail_flood

records() { ctl "$1" --json status | jq -e .store.records; }
# A random pause of MIN to MAX ms.
nap() {
	local ms=$(($1 + RANDOM % ($2 - $1 + 1)))
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
}
# The receiver holds at least WANT records.
holds() { [ "$(records $S)" -ge "$1" ]; }
# tw's session with the receiver is up with nothing unacked, and the
# record counters of both nodes stand still for 2 s.
settled() {
	local a b
	a=$(for n in tw $S; do ctl $n --json status | jq -c '.counters |
	    [.records_in, .records_new, .records_out]'; done) || return 1
	ctl tw --json peers | jq -e --arg s $S '[.peers[] |
	    select(.name == $s and .state == "up" and .sent == .acked)] |
	    length == 1' >/dev/null || return 1
	sleep 2
	b=$(for n in tw $S; do ctl $n --json status | jq -c '.counters |
	    [.records_in, .records_new, .records_out]'; done) || return 1
	[ "$a" = "$b" ]
}

setup() {
	make_node tw && make_node $S tw && start_node tw && enrol $S &&
	    start_node $S
}
check "tw and its child $S start" setup
check "$S links up to tw" wait_for 30 link_up $S tw
check "mail_flood is built" test -x "$FLOOD"
check "mdb_dump is installed (Debian lmdb-utils)" \
    eval 'command -v mdb_dump >/dev/null'
base_tw=$(records tw)
base_s=$(records $S)

started=$SECONDS
"$FLOOD" "$T/tw/control.sock" chutich@tw vanthu@$S "$N" "$PREFIX" \
    >"$T/flood.out" 2>"$T/flood.err" &
fpid=$!
# lib.sh's trap stops the nodes; the flood goes too (even if paused).
trap 'kill -9 $fpid 2>/dev/null; cleanup' EXIT

# The furthest tw has seen the receiver ack of its log (any lane), and
# the furthest the receiver says it holds of tw's log.
tw_acked() {
	ctl tw --json peers | jq -e --arg s $S \
	    '[.peers[] | select(.name == $s) | .acked] | max // 0'
}
s_received() {
	ctl $S --json peers | jq -e '[.peers[] | select(.name == "tw") |
	    .received] | max // 0'
}

# Checks the restarted receiver's checkpoint against what tw had seen
# acked before the kill.
check_checkpoint() {
	local got=-1
	wait_for 30 link_up $S tw && got=$(s_received) || got=-1
	[ "${got:--1}" -ge "${acked:-0}" ] || lost=$((lost + 1))
	echo "# kill $kills: tw had seen seq $acked acked; the restarted" \
	    "receiver holds tw's log to $got"
}

# Pacing: on a fast machine the flood could end before KILLS kills have
# landed in it. At each kill the flood is paused (SIGSTOP) if it is
# ahead of the kills, that is if it has submitted a larger share of N
# than the share of KILLS + 8 kills done, and it stays paused, the
# receiver running again meanwhile, until the kills have caught up with
# it, or until the receiver has taken all it was sent: then the flood
# goes on for 50-150 ms before the next kill. Mail flows at a kill while
# the flood runs or while the receiver still lacks some of what tw took.
ahead() {
	local sub
	sub=$(($(records tw) - base_tw)) || return 1
	[ $((sub * (KILLS + 8))) -gt $((N * kills)) ]
}

kills=0 inflow=0 restarts_ok=1 lost=0 paused=0 pause=0 fresh=0
while :; do
	nap 100 600		# it runs, mail flows to it
	[ $fresh -eq 1 ] && check_checkpoint
	fresh=0
	held=$(records $S 2>/dev/null) || held=0
	[ -n "$held" ] || held=0
	sub=$(($(records tw) - base_tw)) || sub=$N
	backlog=$((sub - (held - base_s)))
	running=0
	[ $pause -eq 0 ] && kill -0 $fpid 2>/dev/null && running=1
	if [ $pause -eq 1 ] && [ $backlog -le 0 ]; then
		# Drained while the flood waited: let it go on, briefly.
		kill -CONT $fpid && pause=0 && running=1
		nap 50 150
	fi
	flowing=0
	[ $running -eq 1 ] || [ $backlog -gt 0 ] && flowing=1
	[ $flowing -eq 0 ] && break	# the flood is done and delivered
	[ $inflow -ge "$KILLS" ] && ! kill -0 $fpid 2>/dev/null && break
	[ $kills -ge "$MAX_KILLS" ] && break
	acked=$(tw_acked) || acked=0
	[ -n "$acked" ] || acked=0
	kill_node $S
	kills=$((kills + 1))
	inflow=$((inflow + flowing))
	fresh=1
	echo "# kill $kills at $((SECONDS - started)) s: flood" \
	    "$( [ $running -eq 1 ] && echo running ||
	    { [ $pause -eq 1 ] && echo paused || echo done; })," \
	    "receiver held $((held - base_s)) of $sub submitted"
	if [ $running -eq 1 ] && ahead; then
		kill -STOP $fpid && pause=1 && paused=$((paused + 1))
	fi
	nap 200 1000		# it is dead
	start_node $S || { restarts_ok=0; echo "# $S did not restart"; }
	[ $pause -eq 1 ] && ! ahead && kill -CONT $fpid && pause=0
done
[ $pause -eq 1 ] && kill -CONT $fpid
[ $fresh -eq 1 ] && check_checkpoint
check "$S was killed $kills times and restarted each time" \
    test $kills -ge "$KILLS" -a $restarts_ok -eq 1
check "no kill lost what tw had seen acked ($lost did)" test $lost -eq 0
check "at least 10 kills landed while mail was flowing ($inflow)" \
    test $inflow -ge 10
echo "# the flood was paused $paused times, to wait for the kills, in" \
    "the $kills kills"
wait $fpid
frc=$?
check "mail_flood submitted all $N letters (exit $frc)" \
    test $frc -eq 0 -a "$(cat "$T/flood.out")" = "$N"
sed 's/^/# mail_flood: /' "$T/flood.err"
check "tw stored each letter once" test "$(records tw)" -eq $((base_tw + N))
check "$S catches up" wait_for 120 holds $((base_s + N))
check "the link settles" wait_for 60 settled
echo "# all delivered $((SECONDS - started)) s after the flood began"
check "neither node refused a record" eval \
    "test \"\$(counter tw records_bad)\" -eq 0 &&
    test \"\$(counter $S records_bad)\" -eq 0"

# node-ctl mail ls: the first 1000 only, each once.
ctl $S --json mail ls vanthu >"$T/ls.json"
check "mail ls lists the first 1000 letters (its cap), each once" \
    jq -e '.messages | length == 1000 and
    ([.[].subject] | unique | length) == 1000 and
    ([.[].seq] == [range(1; 1001)])' "$T/ls.json" >/dev/null
echo "# note: mail ls cannot list past its first 1000 entries (no paging)"

check "$S stops cleanly on SIGTERM" stop_checked $S
store_check() { "$B/node-store" check "$T/$S" >"$T/check.out" 2>&1; }
check "node-store check passes on $S's store" store_check
sed 's/^/# node-store check: /' "$T/check.out"

# The stopped store, read with mdb_dump (hex): mailbox entries
# (mailbox NUL be64 seq -> id flags) and records (id -> header, body).
hex() { printf %s "$1" | od -An -tx1 | tr -d ' \n'; }
mb=$(hex vanthu)00
mdb_dump -s mbox "$T/$S" | awk -v mb="$mb" '
	/^HEADER=END/ { on = 1; next }
	/^DATA=END/ { on = 0 }
	!on { next }
	{ sub(/^ /, "") }
	k == "" { k = $0; next }
	{ if (index(k, mb) == 1 && length(k) == length(mb) + 16)
		print substr(k, length(mb) + 1), substr($0, 1, 64)
	  k = "" }' >"$T/mbox.txt"
# id -> subject, for the records that carry a flood subject.
mdb_dump -s records "$T/$S" | awk -v pat="$(hex "$PREFIX-")" -v pfx="$PREFIX" '
	/^HEADER=END/ { on = 1; next }
	/^DATA=END/ { on = 0 }
	!on { next }
	{ sub(/^ /, "") }
	k == "" { k = $0; next }
	{ v = $0; s = ""; off = 0
	  re = pat "3[0-9]3[0-9]3[0-9]3[0-9]3[0-9]3[0-9]"
	  while (match(v, re)) {
		if ((off + RSTART) % 2 == 1) {	# on a byte boundary
			d = substr(v, RSTART + length(pat), 12)
			s = pfx "-"
			for (i = 2; i <= 12; i += 2) s = s substr(d, i, 1)
			break
		}
		off += RSTART; v = substr(v, RSTART + 1)
	  }
	  if (s != "") print k, s
	  k = "" }' | sort >"$T/subjects.txt"
echo "# mdb_dump: $(wc -l <"$T/mbox.txt") entries in vanthu," \
    "$(wc -l <"$T/subjects.txt") flood records in the store"

check "mailbox vanthu holds exactly $N entries" \
    test "$(wc -l <"$T/mbox.txt")" -eq "$N"
check "its seqs run 1..$N" cmp -s <(cut -d' ' -f1 "$T/mbox.txt") \
    <(for i in $(seq 1 "$N"); do printf '%016x\n' "$i"; done)
check "its $N entries name $N distinct records" \
    test "$(cut -d' ' -f2 "$T/mbox.txt" | sort -u | wc -l)" -eq "$N"
check "the store holds each flood letter as one record" eval \
    "test \"\$(wc -l <\"$T/subjects.txt\")\" -eq $N &&
    test \"\$(cut -d' ' -f2 \"$T/subjects.txt\" | sort -u | wc -l)\" -eq $N"
cut -d' ' -f2 "$T/mbox.txt" | sort | join - "$T/subjects.txt" |
    cut -d' ' -f2 | sort >"$T/delivered.txt"
check "every subject $PREFIX-000001..$(printf %06d "$N") is in the mailbox exactly once" \
    cmp -s "$T/delivered.txt" \
    <(for i in $(seq 1 "$N"); do printf '%s-%06d\n' "$PREFIX" "$i"; done)
echo "# the test took $((SECONDS - started)) s after setup"

# Every node still running stops cleanly on SIGTERM: exit status 0 (a
# sanitizer build exits non-zero on a leak). lib.sh's stop_node does not
# look at the status; finish then looks for sanitizer reports in the logs.
stop_all() {
	local n rc=0
	for n in tw; do
		[ -n "${PID[$n]:-}" ] || continue
		stop_checked $n || rc=1
	done
	return $rc
}
check "the nodes stop cleanly" stop_all
finish
