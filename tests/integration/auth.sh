#!/usr/bin/env bash
# Who may link, and what a linked peer may not do.
#
# Tree: tw <- hagiang <- {bacquang.hagiang, vixuyen.hagiang}, plus:
#   lac.bacquang.hagiang        a real node nobody certified: its chain is
#                               self-made (forge_cert self, under a root
#                               key of its own); bacquang's ZAP refuses it
#   xa.bacquang.hagiang         certified by the sibling district vixuyen
#                               (forge_cert outside): no node starts with
#                               that chain, and bacquang refuses it both
#                               at ZAP (no certificate held for the key)
#                               and at Hello (when vixuyen has certified
#                               the same key under its own subtree, so
#                               ZAP admits it)
#   tanthanh.bacquang.hagiang   enrolled, links up, delivers, is revoked:
#                               cut off, and its records are refused at
#                               the district and (the revocation having
#                               replicated) at the province
#   ev*.bacquang.hagiang        evil_peer, enrolled: a tampered record, bad
#                               frames, a replay, a forged origin
# Mail that must arrive goes to chutich@tw; every refused record is mail
# to chutich@tw too, so "not delivered" is checked where it would land.
cd "$(dirname "$0")/../.." && . tests/lib.sh && . tests/hostile.sh

BQ=bacquang.hagiang
VX=vixuyen.hagiang
LAC=lac.$BQ
XA=xa.$BQ
TT=tanthanh.$BQ

build_tree() {
	make_node tw
	make_node hagiang tw
	make_node $BQ hagiang
	make_node $VX hagiang
	start_node tw || return 1
	for n in hagiang $BQ $VX; do
		enrol $n && start_node $n || return 1
	done
}
check "tw <- hagiang <- {bacquang, vixuyen} start and enrol" build_tree
check "both districts link up to the province" \
    wait_for 15 eval "link_up $BQ hagiang && link_up $VX hagiang"

# --- 1. A node whose key nobody certified --------------------------------
make_node $LAC $BQ
new_key fakeroot
"$FORGE" self "$T/fakeroot/node.key" tw $LAC "$(cat "$T/$LAC/pub")" \
    "$T/$LAC/node.chain" >/dev/null
out=$("$B/node" -n -c "$T/$LAC.conf" 2>&1)
check "a node will not start on a self-made chain under the real root" \
    eval '! "$B/node" -n -c "$T/$LAC.conf" >/dev/null 2>&1 && [[ $out == *"does not certify"* ]]'
# Pinned to a root key of its own, the chain checks and the node runs.
sed -i "s/^root_key = .*/root_key = $(cat "$T/fakeroot/pub")/" "$T/$LAC.conf"
a0=$(counter $BQ auth_failed)
check "the uncertified node starts" start_node $LAC
lac_id=$(echo "không được gửi" | ctl $LAC send --from vanthu@$LAC \
    --subject unenrolled chutich@tw)
check "the district counts the uncertified node's handshakes (auth_failed)" \
    wait_for 15 eval 'test "$(counter $BQ auth_failed)" -gt $a0'
check "the district logs why it refused the key" \
    logged $BQ 'event=auth_refused address=127.0.0.1 reason="no certificate known for this key"'
check "the uncertified node shows an error for its link" \
    wait_for 15 has_link_error $LAC $BQ
check "the uncertified node's link never comes up" never_for 3 link_up $LAC $BQ
check "the uncertified node's peers table shows the refusal" \
    eval '[[ $(ctl $LAC peers) == *"authentication refused"* ]]'
check "the uncertified node logs the handshake failure" \
    logged $LAC "event=auth_failed peer=$BQ"
check "the district holds nothing the uncertified node sent" \
    eval '! holds $BQ $lac_id'
stop_node $LAC

# --- 2. A certificate from the sibling district for a name under bacquang -
make_node $XA $BQ
"$FORGE" outside "$T/$VX/node.key" $VX "$T/$VX/node.chain" $XA \
    "$(cat "$T/$XA/pub")" "$T/$XA/node.chain" >/dev/null
out=$("$B/node" -n -c "$T/$XA.conf" 2>&1)
check "a node will not start with a certificate from outside its issuer's subtree" \
    eval '! "$B/node" -n -c "$T/$XA.conf" >/dev/null 2>&1 && [[ $out == *"outside its issuer"* ]]'

# A certified peer hands the forged certificate to the district as a
# record: validly signed by vixuyen, so stored, but never indexed.
new_key evpush.$BQ
issue $BQ evpush.$BQ >/dev/null
check "a peer may push the forged certificate as a record (acked)" \
    evil evpush.$BQ $BQ push -f "$T/$XA/node.chain"
check "the district does not index a certificate outside its issuer's subtree" \
    wait_for 10 logged $BQ "event=cert_ignored subject=$XA issuer=$VX"

a0=$(counter $BQ auth_failed)
evil $XA $BQ hello -t 10
rc=$?
check "xa with the forged chain is refused at the handshake (no certificate for its key)" \
    eval '[ $rc -eq 1 ] && evil_said $XA hello "authentication refused"'
check "the district counts it (auth_failed)" \
    test "$(counter $BQ auth_failed)" -gt "$a0"

# vixuyen certifies the same key under its own subtree: now the district
# holds a certificate for the key, ZAP admits it, and the Hello is what
# must refuse the forged chain for xa.bacquang.hagiang.
mkdir -p "$T/xa.$VX" && cp "$T/$XA/pub" "$T/xa.$VX/pub"
xv_id=$(issue $VX xa.$VX)
check "the district learns vixuyen's certificate for the key" \
    wait_for 15 holds $BQ "$xv_id"
h0=$(counter $BQ hello_bad)
evil $XA $BQ hello -t 4
rc=$?
check "xa with the forged chain gets past ZAP but gets no Hello" \
    eval '[ $rc -eq 1 ] && evil_said $XA hello "handshake succeeded"'
check "the district refuses its Hello (hello_bad)" \
    wait_for 10 eval 'test "$(counter $BQ hello_bad)" -gt $h0'
check "the district logs the refused chain" \
    logged $BQ "certificate chain refused: certificate subject is outside its issuer's subtree"
check "xa.bacquang.hagiang never shows as a peer that is up" \
    link_down $BQ $XA

# --- 3. A revoked node is cut off ----------------------------------------
make_node $TT $BQ
tt_cert=$(issue $BQ $TT)
check "the commune is enrolled (certificate id printed)" \
    eval '[[ $tt_cert =~ ^[0-9a-f]{64}$ ]]'
check "the commune starts" start_node $TT
check "the commune links up to the district" wait_for 15 link_up $TT $BQ
echo "trước khi thu hồi" | ctl $TT send --from vanthu@$TT \
    --subject "before revocation" chutich@tw >/dev/null
check "the commune's letter reaches the root" \
    wait_for 20 eval 'test "$(subject_count tw chutich "before revocation")" -eq 1'
# The same relay before the revocation: accepted (the control).
new_key evrelay.hagiang
issue hagiang evrelay.hagiang >/dev/null
b0=$(counter hagiang records_bad)
check "before the revocation the province accepts the commune's records from anyone" \
    eval 'evil evrelay.hagiang hagiang send -o $TT -k "$T/$TT/node.key" \
	-s "relayed before revocation" &&
	test "$(counter hagiang records_bad)" -eq $b0'
rev_id=$(ctl $BQ cert revoke "$tt_cert" "máy bị mất" | awk '{ print $3 }')
check "the district revokes the commune's certificate" \
    eval '[[ $rev_id =~ ^[0-9a-f]{64}$ ]]'
check "the district logs the revocation" \
    logged $BQ "event=revoked subject=$TT by=$BQ"
# Sent at once, while the commune still thinks its session is up: the
# district dropped that session, so this reaches it as frames of nobody.
tt_id1=$(echo "ngay sau khi thu hồi" | ctl $TT send --from vanthu@$TT \
    --subject "after revocation" chutich@tw)
check "the commune's link goes down" wait_for 20 link_down $TT $BQ
tt_id2=$(echo "sau khi thu hồi" | ctl $TT send --from vanthu@$TT \
    --subject "after revocation" chutich@tw)
check "the commune's link stays down" never_for 3 link_up $TT $BQ
check "the district shows no session of the commune up" link_down $BQ $TT
check "the commune shows why" \
    wait_for 10 eval '[[ $(link_error $TT $BQ) == *"authentication refused"* ]]'
check "the district refuses the revoked key at the handshake" \
    wait_for 10 logged $BQ \
    'event=auth_refused address=127.0.0.1 reason="certificate or its key is revoked"'
check "the district holds nothing the commune sent after" \
    eval '! holds $BQ $tt_id1 && ! holds $BQ $tt_id2'
check "the revocation replicates to the province" \
    wait_for 15 holds hagiang "$rev_id"
check "and to the root" wait_for 15 holds tw "$rev_id"

# A record signed by the revoked commune, relayed to the province by one
# of its children: refused there.
b0=$(counter hagiang records_bad)
check "a child of the province relays a record of the revoked commune (acked)" \
    evil evrelay.hagiang hagiang send -o $TT -k "$T/$TT/node.key" \
	-s "relayed after revocation"
check "the province refuses it (records_bad)" \
    test "$(counter hagiang records_bad)" -eq $((b0 + 1))
check "the province logs why" \
    logged hagiang "event=record_refused peer=evrelay.hagiang seq=1 origin=$TT reason=\"origin not certified: certificate or its key is revoked\""

# --- 4. A tampered record ------------------------------------------------
new_key ev1.$BQ
issue $BQ ev1.$BQ >/dev/null
b0=$(counter $BQ records_bad)
check "a tampered record is refused and the next one acked on the same link" \
    evil ev1.$BQ $BQ tamper
check "the district counts one bad record" \
    test "$(counter $BQ records_bad)" -eq $((b0 + 1))
check "the district logs the bad signature" \
    logged $BQ 'event=record_refused peer=ev1.bacquang.hagiang seq=1 origin=- reason="signature does not verify"'

# --- 5. Garbage, truncated, oversized and multipart frames ---------------
new_key ev2.$BQ
issue $BQ ev2.$BQ >/dev/null
f0=$(counter $BQ frames_bad)
check "after bad frames of every kind a good record is still acked" \
    evil ev2.$BQ $BQ garbage
check "the district counts the bad frames (frames_bad +5)" \
    test "$(counter $BQ frames_bad)" -ge $((f0 + 5))
check "the district is still running and answers" \
    eval 'is_running $BQ && ctl $BQ status >/dev/null'
check "the district logs the oversized frame" \
    logged $BQ 'event=frame_refused peer=ev2.bacquang.hagiang bytes=9437184'

# --- 6. Replay -------------------------------------------------------------
new_key ev3.$BQ
issue $BQ ev3.$BQ >/dev/null
d0=$(counter $BQ records_dup)
check "a record sent three times is acked each time" evil ev3.$BQ $BQ replay
check "the district counts the repeats as duplicates" \
    test "$(counter $BQ records_dup)" -ge $((d0 + 2))

# --- 7. A forged origin ----------------------------------------------------
new_key ev4.$BQ
issue $BQ ev4.$BQ >/dev/null
b0=$(counter $BQ records_bad)
check "a record naming another node as its origin is refused, the link stays usable" \
    evil ev4.$BQ $BQ forged-origin -o $VX
check "the district counts it (records_bad)" \
    test "$(counter $BQ records_bad)" -eq $((b0 + 1))
check "the district logs it" \
    logged $BQ "event=record_refused peer=ev4.bacquang.hagiang seq=1 origin=$VX reason=\"origin not certified: no certificate held binds this name to this key\""

# --- 8. Nodes of other protocol versions ----------------------------------
# evil_peer says Hello as a node of version V+1 that still speaks V (this
# build's newest): the session runs at V and its record is relayed to the
# root. One that no longer speaks V is refused at its Hello. One from
# before Hellos stated a range (no max_protocol_version) links as before.
V=$(sed -n 's/^#define WIRE_PROTOCOL_VERSION[[:space:]]*\([0-9]*\).*/\1/p' \
    node/lib/wire.h)
new_key ev7.$BQ
issue $BQ ev7.$BQ >/dev/null
check "a peer that states no newest version links up as before" \
    evil ev7.$BQ $BQ hello -V 0 -M $V
new_key ev5.$BQ
issue $BQ ev5.$BQ >/dev/null
check "a peer of version $((V + 1)) that speaks $V links up and its record is acked" \
    evil ev5.$BQ $BQ send -V $((V + 1)) -M $V -s "one version ahead"
check "the district runs that session at version $V" \
    logged $BQ "event=link_up peer=ev5.$BQ version=$V "
check "its record is relayed to the root and delivered" \
    wait_for 20 eval 'test "$(subject_count tw chutich "one version ahead")" -eq 1'
new_key ev6.$BQ
issue $BQ ev6.$BQ >/dev/null
h0=$(counter $BQ hello_bad)
evil ev6.$BQ $BQ hello -t 4 -V $((V + 2)) -M $((V + 1))
rc=$?
check "a peer that no longer speaks version $V gets no Hello" \
    eval '[ $rc -eq 1 ] && evil_said ev6.$BQ hello "handshake succeeded"'
check "the district counts it (hello_bad)" \
    wait_for 10 eval 'test "$(counter $BQ hello_bad)" -gt $h0'
check "the district logs why, with both version ranges" \
    logged $BQ "event=version_refused name=ev6.$BQ reason=\"no protocol version in common: ours"
check "the district logs the peer's range" \
    logged $BQ "theirs $((V + 1))-$((V + 2))\""

# --- What reached the root -------------------------------------------------
for s in tamper garbage forged-origin replay "relayed before revocation"; do
	check "the good record of '$s' is delivered at the root" \
	    wait_for 20 eval 'test "$(subject_count tw chutich "$s")" -ge 1'
done
sleep 2	# a duplicate or a refused record would have arrived by now
check "the replayed record is delivered once" \
    test "$(subject_count tw chutich replay)" -eq 1
for s in tamper-bad garbage-early garbage-truncated forged-origin-bad \
    unenrolled "after revocation" "relayed after revocation"; do
	check "'$s' is not delivered" \
	    test "$(subject_count tw chutich "$s")" -eq 0
done
check "the letter from before the revocation was delivered once" \
    test "$(subject_count tw chutich "before revocation")" -eq 1
for n in tw hagiang $BQ $VX $TT; do
	check "$n is still running" is_running $n
done
[ "$FAILED" -eq 0 ] || sed 's/^/# /' "$T/evil.log"
finish
