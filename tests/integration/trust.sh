#!/usr/bin/env bash
# Trust when an office turns hostile: who may link, whose records count,
# and what a revocation or the end of a certificate's window cuts.
#
#   tw ── hagiang ── bacquang.hagiang ── tanthanh.bacquang.hagiang (TT)
#      │          └─ vixuyen.hagiang  ── ngocha.vixuyen.hagiang   (NH)
#      └─ caobang ── hoaan.caobang (DC)
#   sideways links: TT -> vixuyen, NH -> bacquang, DC -> hagiang, each
#   admitted by the listener's accept list.
#
# 1. bacquang certifies the negated key of vixuyen under a name of its
#    own (the same X25519 form): vixuyen still links.
# 2. a sibling district, certified by the province, links to bacquang:
#    refused at its Hello, and no route to its subtree is learnt.
# 3. a certificate whose window starts tomorrow: its holder's records are
#    refused, cert ls says "not yet valid".
# 4. a certificate whose window ends while its session is up (once the
#    skew tolerated past its end is over): cut.
# 5. revocations at a district, a province and the root: the revoked
#    node and everything it certified are cut at every node that hears
#    of it, their records refused, and cert ls says revoked/untrusted.
cd "$(dirname "$0")/../.." && . tests/lib.sh && . tests/hostile.sh

P=hagiang
P2=caobang
BQ=bacquang.$P
VX=vixuyen.$P
TT=tanthanh.$BQ
NH=ngocha.$VX
DC=hoaan.$P2

# sideways A B: A links to B as well as to its parent; B admits it.
sideways() {
	{
		echo "[link $2]"
		echo "endpoint = tcp://127.0.0.1:${PORT[$2]}"
		echo "key = $(cat "$T/$2/pub")"
	} >>"$T/$1.conf"
	sed -i "/^mailboxes = /a accept = $1" "$T/$2.conf"
}

# The Ed25519 key with the other sign: the same X25519 form.
negate() { printf '%s%02x' "${1:0:62}" $((0x${1:62:2} ^ 0x80)); }

# letter FROM SUBJECT: vanthu@FROM writes to chutich@tw.
letter() {
	echo "nội dung" | ctl "$1" send --from "vanthu@$1" --subject "$2" \
	    chutich@tw >/dev/null
}
arrived() { test "$(subject_count tw chutich "$1")" -ge 1; }

cert_field() {	# node subject field: of the certificate node holds
	ctl "$1" --json cert ls "$2" |
	    jq -r --arg s "$2" --arg f "$3" '.certs[] | select(.subject == $s) | .[$f]' |
	    head -1
}
state_is() { [ "$(cert_field "$1" "$2" state)" = "$3" ]; }
counter_above() { test "$(counter "$1" "$2")" -gt "$3"; }
ms() { date +%s%3N; }

for n in tw $P $P2 $BQ $VX $TT $NH $DC; do
	case $n in
	tw) make_node tw ;;
	$P|$P2) make_node $n tw ;;
	*) make_node $n "${n#*.}" ;;
	esac
done
sideways $TT $VX
sideways $NH $BQ
sideways $DC $P
check "an eight-node tree with three sideways links starts" \
    start_tree tw $P $P2 $BQ $VX $TT $NH $DC
check "every link is up, the sideways ones too" wait_for 40 eval \
    'tree_up $P $P2 $BQ $VX $TT $NH $DC && link_up $TT $VX &&
     link_up $NH $BQ && link_up $DC $P'

# --- 1. A certificate for the negated key of another office ---------------
neg=$(negate "$(cat "$T/$VX/pub")")
h0=$(counter $P hello_bad)
check "a district certifies the negated key of vixuyen under a name of its own" \
    quiet ctl $BQ cert issue 0.$BQ "$neg" -o "$T/neg.chain"
check "the province holds that certificate" \
    wait_for 15 eval '[ "$(cert_field $P 0.$BQ key)" = "$neg" ]'
stop_node $VX
check "vixuyen restarts" start_node $VX
check "vixuyen links up to the province again" wait_for 20 link_up $VX $P
check "its commune links up to it again" wait_for 20 link_up $NH $VX
check "the province refused no Hello (hello_bad)" \
    test "$(counter $P hello_bad)" -eq "$h0"
check "the province shows both certificates of that X25519 form as valid" \
    eval 'state_is $P 0.$BQ valid && state_is $P $VX valid'
letter $NH "after the negated key"
check "mail from vixuyen's commune still reaches the root" \
    wait_for 20 arrived "after the negated key"

# --- 2. A sibling district links to bacquang -------------------------------
new_key evsib.$P
issue $P evsib.$P >/dev/null
check "the province certifies another district (the hostile sibling)" \
    wait_for 15 state_is $BQ evsib.$P valid
h0=$(counter $BQ hello_bad)
evil evsib.$P $BQ hello -t 5
rc=$?
check "the sibling gets past the handshake but gets no Hello back" \
    eval '[ $rc -eq 1 ] && evil_said evsib.$P hello "handshake succeeded"'
check "bacquang refuses its Hello (hello_bad)" \
    wait_for 10 counter_above $BQ hello_bad "$h0"
check "bacquang logs why" logged $BQ \
    "reason=\"evsib.$P may not link here: neither our child nor in accept\""
check "bacquang routes the sibling's subtree up, not over its link" \
    eval '[ "$(ctl $BQ --json route vanthu@x.evsib.$P | jq -r .next)" = $P ]'
new_key evkid.$BQ
issue $BQ evkid.$BQ >/dev/null
check "a child of bacquang still links and is acked (the control)" \
    evil evkid.$BQ $BQ send -s "from a child"

# --- 3. A certificate that is not valid yet -------------------------------
new_key ny.$VX
"$FORGE" window 86400 172800 "$T/$VX/node.key" $VX "$T/$VX/node.chain" \
    ny.$VX "$(cat "$T/ny.$VX/pub")" "$T/ny.$VX/node.chain" >/dev/null
new_key ev.$VX
issue $VX ev.$VX >/dev/null
check "a child pushes vixuyen's certificate that starts tomorrow (acked)" \
    evil ev.$VX $VX push -f "$T/ny.$VX/node.chain"
check "cert ls shows it not yet valid" wait_for 10 state_is $VX ny.$VX "not yet valid"
check "cert ls --json gives its not_before_ms, a day ahead" \
    eval 'test "$(cert_field $VX ny.$VX not_before_ms)" -gt $(( $(ms) + 80000000 ))'
b0=$(counter $VX records_bad)
check "a record of its holder is sent to vixuyen (acked)" \
    evil ev.$VX $VX send -o ny.$VX -k "$T/ny.$VX/node.key" -s "not yet valid"
check "vixuyen refuses it (records_bad)" \
    test "$(counter $VX records_bad)" -eq $((b0 + 1))
check "vixuyen logs why: whose certificate, which bound, how far" logged $VX \
    "origin=ny.$VX reason=\"origin not certified: certificate not yet valid: ny.$VX's starts in 1d00h by our clock, 1h00m tolerated"
check "the same child's own record is accepted (the control)" \
    evil ev.$VX $VX send -s "from a valid child"

# --- 4. A certificate that ends while its session is up -------------------
EX=ex.$VX
make_node $EX $VX
# It ended an hour ago, less 12 s: it holds for 12 s more (the skew
# tolerated, proto/README.md "Certificates").
"$FORGE" window -7200 -3588 "$T/$VX/node.key" $VX "$T/$VX/node.chain" \
    $EX "$(cat "$T/$EX/pub")" "$T/$EX/node.chain" >/dev/null
check "a child pushes it to vixuyen (a parent holds what it issued)" \
    evil ev.$VX $VX push -f "$T/$EX/node.chain"
c0=$(counter $VX sessions_cut)
check "a commune with a certificate that ends in 12 s starts" start_node $EX
check "it links up while the certificate holds" wait_for 10 link_up $VX $EX
check "vixuyen cuts the session when the certificate ends (sessions_cut)" \
    wait_for 20 eval 'link_down $VX $EX && counter_above $VX sessions_cut $c0'
check "vixuyen logs why" \
    logged $VX "peer=$EX reason=\"certificate chain no longer holds: certificate expired: $EX's ended 1h00m ago by our clock, 1h00m tolerated"
check "the commune does not link again" never_for 3 link_up $VX $EX
check "cert ls shows it expired" state_is $VX $EX expired
stop_node $EX

# --- 5. Revocations at a district, a province and the root -----------------
id_of() { cert_field "$1" "$2" id; }
new_key evrelay.$P
issue $P evrelay.$P >/dev/null
check "before any revocation a record of tanthanh relayed to the province is accepted" \
    evil evrelay.$P $P send -o $TT -k "$T/$TT/node.key" -s "tanthanh before"

# (a) A district revokes its commune; bacquang holds its sideways link.
b0=$(counter $BQ sessions_cut)
t0=$(ms)
quiet ctl $VX cert revoke "$(id_of $VX $NH)" "máy bị mất"
check "vixuyen cuts its revoked commune" wait_for 10 link_down $VX $NH
check "bacquang cuts the commune's sideways link once it hears (sessions_cut)" \
    wait_for 10 eval 'link_down $BQ $NH && counter_above $BQ sessions_cut $b0'
echo "# district revocation: sideways session cut after $(( $(ms) - t0 )) ms"
check "bacquang shows the commune's certificate revoked" state_is $BQ $NH revoked

# (b) The province revokes bacquang: its commune tanthanh is cut at
# vixuyen, its records refused, what it certifies afterwards untrusted.
p0=$(counter $P sessions_cut)
v0=$(counter $VX sessions_cut)
t0=$(ms)
quiet ctl $P cert revoke "$(id_of $P $BQ)" "huyện bị xâm nhập"
check "the province cuts bacquang (sessions_cut)" \
    wait_for 10 eval 'link_down $P $BQ && counter_above $P sessions_cut $p0'
check "vixuyen cuts tanthanh, certified by bacquang (sessions_cut)" \
    wait_for 10 eval 'link_down $VX $TT && counter_above $VX sessions_cut $v0'
echo "# province revocation: grandchild's sideways session cut after $(( $(ms) - t0 )) ms"
check "vixuyen shows bacquang revoked" wait_for 10 state_is $VX $BQ revoked
check "vixuyen shows tanthanh untrusted" state_is $VX $TT untrusted
check "bacquang does not link again" never_for 3 link_up $P $BQ
b0=$(counter $P records_bad)
check "a record of tanthanh relayed to the province after it (acked)" \
    evil evrelay.$P $P send -o $TT -k "$T/$TT/node.key" -s "tanthanh after"
check "the province refuses it (records_bad)" \
    test "$(counter $P records_bad)" -eq $((b0 + 1))
check "the province logs why" logged $P \
    "origin=$TT reason=\"origin not certified: certificate or its key is revoked\""
new_key late.$BQ
issue $BQ late.$BQ >/dev/null
b0=$(counter $P records_bad)
check "the revoked district still issues a certificate, pushed to the province" \
    evil evrelay.$P $P push -f "$T/late.$BQ/node.chain"
check "the province refuses it: its issuer is revoked (records_bad)" \
    test "$(counter $P records_bad)" -eq $((b0 + 1))
check "the province shows no valid certificate for it" \
    eval '[ -z "$(cert_field $P late.$BQ state)" ]'

# (c) The root revokes caobang: cut at the root, and its district's
# sideways link is cut at hagiang.
r0=$(counter tw sessions_cut)
p0=$(counter $P sessions_cut)
t0=$(ms)
quiet ctl tw cert revoke "$(id_of tw $P2)" "tỉnh bị xâm nhập"
check "the root cuts caobang's live session (sessions_cut)" \
    wait_for 10 eval 'link_down tw $P2 && counter_above tw sessions_cut $r0'
check "hagiang cuts caobang's district (sessions_cut)" \
    wait_for 10 eval 'link_down $P $DC && counter_above $P sessions_cut $p0'
echo "# root revocation: great-grandchild's sideways session cut after $(( $(ms) - t0 )) ms"
check "hagiang shows caobang revoked and its district untrusted" \
    wait_for 10 eval 'state_is $P $P2 revoked && state_is $P $DC untrusted'
check "caobang does not link again" never_for 3 link_up tw $P2

# --- What reached the root --------------------------------------------------
letter $VX "after the revocations"
check "honest mail still flows after it all" \
    wait_for 20 arrived "after the revocations"
for s in "from a child" "from a valid child" "tanthanh before"; do
	check "'$s' is delivered at the root" wait_for 20 arrived "$s"
done
sleep 1
for s in "not yet valid" "tanthanh after"; do
	check "'$s' is not delivered" test "$(subject_count tw chutich "$s")" -eq 0
done
[ "$FAILED" -eq 0 ] || sed 's/^/# /' "$T/evil.log"
finish
