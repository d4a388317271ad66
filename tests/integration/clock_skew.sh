#!/usr/bin/env bash
# Offices whose clocks are wrong, in one network with offices whose
# clocks are right (FAKE in tests/lib.sh: libfaketime moves one node's
# wall clock): a district 2 h fast, and under it two communes with true
# clocks and one 1 day slow.
#
# 1. Certificates: a commune the fast district certifies passes node -n
#    and starts at once; so does the slow one. A certificate a little
#    past its end (within the skew tolerated) still holds; one well past
#    it, or well before its start, is refused with an error that says
#    which bound, by how much, and that a clock may be wrong.
# 2. Heartbeats show each peer's clock: the skew is in peers (text and
#    --json) and logged once per change, not per heartbeat.
# 3. Mail with --expires 600 between offices with true clocks, relayed
#    by the fast district, is delivered, not bounced as expired in
#    transit; so is mail from and to the slow commune. Mail held there
#    longer than its --expires 2 still expires. Documents replicate
#    between all of them.
cd "$(dirname "$0")/../.." && . tests/lib.sh

P=hagiang
D=bacquang.$P		# 2 h fast
C1=tanthanh.$D		# true clock
C2=vinhhao.$D		# true clock
S=ngocha.$D		# 1 day slow
make_node tw
make_node $P tw
make_node $D $P
for n in $C1 $C2 $S; do
	make_node $n $D
done
FAKE[$D]=+2h
FAKE[$S]=-1d
start_tree tw $P $D
check "the district 2 h fast links up to its province" \
    wait_for 20 link_up $D $P

# --- 1. Certificates ---------------------------------------------------------
enrol $C1
out=$("$B/node" -n -c "$T/$C1.conf" 2>&1)
check "a commune the fast district certified passes node -n at once" \
    eval '[[ $out == *": ok" ]]'
echo "# $out"
check "and starts" start_node $C1
check "and links up with the district" wait_for 20 link_up $C1 $D
enrol $C2 && start_node $C2
enrol $S
out=$(with_clock $S "$B/node" -n -c "$T/$S.conf" 2>&1)
check "a commune 1 day slow passes node -n" eval '[[ $out == *": ok" ]]'
echo "# $out"
check "and starts" start_node $S
check "and links up with the district" wait_for 20 link_up $S $D

# Forged windows, checked by node -n of a commune with a true clock.
FORGE=$B/tests/forge_cert
window() {	# FROM_S TO_S: node -n's output for such a certificate
	"$FORGE" window "$1" "$2" "$T/$D/node.key" $D "$T/$D/node.chain" \
	    $X "$(cat "$T/$X/pub")" "$T/$X/node.chain" >/dev/null &&
	    "$B/node" -n -c "$T/$X.conf" 2>&1
}
X=lechi.$D
make_node $X $D
out=$(window -7200 -1800)
check "a certificate that ended 30 min ago holds (skew tolerated)" \
    eval '[[ $out == *": ok" ]]'
says() {	# TEXT RE...: does TEXT match each regular expression?
	local text=$1 re
	shift
	for re; do
		[[ $text =~ $re ]] || return 1
	done
}
out=$(window -10800 -7200)
echo "# $out"
check "one that ended 2 h ago: the error says the end, by how much, a clock" \
    says "$out" "certificate expired: $X's ended 2h0[01]m ago by our clock" \
    "1h00m tolerated" "our clock may be wrong"
out=$(window 10800 14400)
echo "# $out"
check "one that starts in 3 h: the error says the start, by how much, a clock" \
    says "$out" \
    "certificate not yet valid: $X's starts in (2h59m|3h00m) by our clock" \
    "1h00m tolerated" "a clock may be wrong"

# --- 2. The skew in peers ----------------------------------------------------
# The offset $1 has from its peer $2's clock, in seconds, if it says
# the clock is skewed; "ok" if it does not.
offset() {
	ctl "$1" --json peers | jq -r --arg p "$2" '.peers[] |
	    select(.name == $p) | if .clock_skewed then
	    (.clock_offset_ms / 1000 | round) else "ok" end'
}
near() {	# NODE PEER SECONDS: skewed by that much, give or take a minute
	local o
	o=$(offset "$1" "$2")
	[[ $o =~ ^-?[0-9]+$ ]] && [ $((o - $3)) -le 60 ] && [ $(($3 - o)) -le 60 ]
}
check "the province sees the district's clock 2 h ahead" \
    wait_for 20 near $P $D 7200
check "the district sees its province's 2 h behind" \
    wait_for 20 near $D $P -7200
check "the district sees the slow commune's 26 h behind" \
    wait_for 20 near $D $S -93600
check "a commune with a true clock sees the district's 2 h ahead" \
    wait_for 20 near $C1 $D 7200
check "the province sees no skew at the root (both clocks true)" \
    test "$(offset $P tw)" = ok
check "peers shows it in its CLOCK column" \
    eval 'ctl $P peers | grep -E "^$D .* \+2h00m " >/dev/null'
ctl $P peers | grep -E "^(PEER|$D) " | sed "s/^/# /"

# --- 3. Mail and documents ---------------------------------------------------
# (jq -e answers 0 to no input at all: a node that does not answer
# must not pass.)
has() {		# NODE MAILBOX SUBJECT: is a message of that subject there?
	local r
	r=$(ctl "$1" --json mail ls "$2") &&
	    jq -e --arg s "$3" 'any(.messages[]; .subject == $s)' \
	    <<<"$r" >/dev/null
}
reported() {	# NODE MAILBOX RESULT: is a report (failed, delivered) there?
	local r
	r=$(ctl "$1" --json mail ls "$2") && jq -e --arg r "$3" \
	    'any(.messages[]; .kind == "report" and .report.result == $r)' \
	    <<<"$r" >/dev/null
}
letter() {	# FROM TO SUBJECT [ARGS]: a letter, one way or the other
	local from=$1 to=$2 s=$3; shift 3
	echo "kính gửi" | ctl "$from" send --from "vanthu@$from" \
	    --subject "$s" "$@" "vanthu@$to" >/dev/null
	wait_for 30 eval 'has $to vanthu "$s" || reported $from vanthu failed'
	has "$to" vanthu "$s"
}
check "a letter with --expires 600 between communes with true clocks, through the fast district, is delivered" \
    letter $C1 $C2 "qua huyện nhanh" --expires 600
check "the slow commune's letter with --expires 600 reaches the root" \
    letter $S tw "từ xã chậm" --expires 600
check "the root's letter with --expires 600 reaches the slow commune" \
    letter tw $S "tới xã chậm" --expires 600
check "a letter asking a receipt reaches the slow commune from a true clock" \
    letter $C2 $S "có hồi báo" --receipt
check "and its receipt comes back" wait_for 30 reported $C2 vanthu delivered
for n in $C1 $C2 $S tw; do
	check "$n has no failure report" \
	    eval 'ctl $n mail ls vanthu >/dev/null && ! reported $n vanthu failed'
done
check "the fast district expired nothing in transit" \
    eval '! grep -q "expired in transit\|event=report kind=failed" "$T/$D.log"'

# Expiry still works there, by the time the mail spent: held at the
# fast district longer than its 2 s, it is reported, not delivered.
stop_node $C2
echo "quá hạn" | ctl $C1 send --from vanthu@$C1 --subject "quá hạn" \
    --expires 2 vanthu@$C2 >/dev/null
sleep 3
start_node $C2
check "a letter held at the fast district past its --expires 2 is reported" \
    wait_for 30 reported $C1 vanthu failed
check "and not delivered" eval '! has $C2 vanthu "quá hạn"'
check "the report says it expired in transit, at the district" \
    eval 'ctl $C1 --json mail ls vanthu | jq -e --arg d $D "any(.messages[];
        .report.detail == \"expired in transit\" and .from == \$d)" >/dev/null'

ctl $P db create congvan $P '*.hagiang=author' >/dev/null
check "the database reaches every office" wait_for 30 db_at congvan $S $D $C1
holds() { ctl "$1" --json doc get "$2" "$3" >/dev/null 2>&1; }
a=$(ctl $S --json doc put congvan ten="từ xã chậm" | jq -r .id)
b=$(ctl $D --json doc put congvan ten="từ huyện nhanh" | jq -r .id)
c=$(ctl $C1 --json doc put congvan ten="từ xã đúng giờ" | jq -r .id)
check "the slow commune's document reaches the province" \
    wait_for 30 holds $P congvan "$a"
check "and a commune with a true clock" wait_for 30 holds $C1 congvan "$a"
check "the fast district's document reaches the slow commune" \
    wait_for 30 holds $S congvan "$b"
check "a true clock's document reaches the slow commune" \
    wait_for 30 holds $S congvan "$c"
digest() { ctl "$1" --json db digest congvan | jq -r '"\(.digest) \(.docs)"'; }
same() {
	local n d
	d=$(digest $P)
	for n in $D $C1 $C2 $S; do
		[ "$(digest $n)" = "$d" ] || return 1
	done
}
check "every replica shows one digest" wait_for 30 same
for n in tw $P $D $C1 $C2 $S; do
	check "$n refused no record" \
	    test "$(ctl $n --json status | jq .counters.records_bad)" -eq 0
done

# By now many heartbeats have come; each change was logged once.
check "the province logged the district's skew once" \
    test "$(grep -c "event=clock_skew peer=$D " "$T/$P.log")" -eq 1
check "the district logged the slow commune's once" \
    test "$(grep -c "event=clock_skew peer=$S " "$T/$D.log")" -eq 1
check "the province logged none for the root" \
    eval '! grep -q "event=clock_skew peer=tw " "$T/$P.log"'
finish
