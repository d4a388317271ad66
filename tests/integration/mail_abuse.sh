#!/usr/bin/env bash
# Mail a hostile office cannot abuse (proto/README.md, "Mail"): a
# certified node, ev.hagiang (evil_peer), sends hand-signed mail to its
# parent as a hostile office would.
#
#   tw <- hagiang <- bacquang.hagiang      real nodes
#         hagiang <- ev.hagiang            evil_peer, certified by hagiang
#   mailgw on hagiang: mailbox relay goes to a smarthost, the SMTP
#   listener of a mailgw on tw, for chutich@tw.example
#
# 1. A mail whose sender is another office's mailbox is refused; one
#    whose sender carries CR LF never reaches the smarthost's session;
#    nor, handed such values by a fake node (fake_ctl), does the gateway
#    write them into its SMTP session.
# 2. A mail over the recipient cap is refused; at the cap, expiry in
#    transit is reported once, in one report.
# 3. A mail to many bad addresses brings one report per reason, to the
#    origin's own mailbox only.
# 4. The longest event-loop stall while the hostile peer sends the worst
#    it may: printed, bounded generously (2 s) so that a slow, busy
#    machine passes.
# Each time: the refusal, its counter and log line, and honest mail
# still flowing.
cd "$(dirname "$0")/../.." && . tests/lib.sh && . tests/hostile.sh

BQ=bacquang.hagiang
EV=ev.hagiang
MAILBOXES="vanthu chutich relay postmaster"
make_node tw
make_node hagiang tw
make_node $BQ hagiang
check "tw <- hagiang <- bacquang start and link up" \
    eval 'start_tree tw hagiang $BQ && wait_for 15 tree_up hagiang $BQ'
new_key $EV
issue hagiang $EV >/dev/null

SP=$(free_port)
cat >"$T/gw-hagiang.conf" <<EOF
[gateway]
control = $T/hagiang/control.sock
domain = example
sender = postmaster@hagiang

[outbound relay]
mailbox = relay
smarthost = 127.0.0.1:$SP
rcpt = chutich@tw.example
journal = $T/relay.journal
poll_ms = 100
retry_min_ms = 200
retry_max_ms = 800
EOF
cat >"$T/gw-tw.conf" <<EOF
[gateway]
control = $T/tw/control.sock
domain = example
sender = postmaster@tw
listen_smtp = 127.0.0.1:$SP
EOF
for g in tw hagiang; do
	"$B/mailgw" -c "$T/gw-$g.conf" >>"$T/gw-$g.log" 2>&1 &
	PID[gw-$g]=$!
done

bad() { counter hagiang records_bad; }
refused() {	# TEXT: hagiang refused a record of ev.hagiang saying TEXT
	grep -F "event=record_refused peer=$EV" "$T/hagiang.log" |
	    grep -qF -- "$1"
}
reports_in() {	# NODE MAILBOX: reports held there
	ctl "$1" --json mail ls "$2" |
	    jq '[.messages[] | select(.kind == "report")] | length'
}
# What evil_peer said after line $1 of its log (mark: the log's length).
said() { tail -n +"$(($1 + 1))" "$T/evil.log" | grep -cF -- "$2"; }
mark() { wc -l <"$T/evil.log"; }
# The id of the record with subject $2 evil_peer made after line $1
# ("none" if it made none: a pattern nothing matches).
made() {
	local id
	id=$(tail -n +"$(($1 + 1))" "$T/evil.log" |
	    sed -n "s/^evil_peer: record \([0-9a-f]*\) .* subject=$2 .*/\1/p")
	echo "${id:-none}"
}

# --- 1. The sender is a mailbox at the origin ------------------------------
b0=$(bad)
check "a mail from another office's mailbox is acked past" \
    evil $EV hagiang bad-from -F chutich@tw -T vanthu@hagiang -s forged
check "it is refused (records_bad)" test "$(bad)" -eq $((b0 + 1))
check "the refusal is logged with its reason" \
    refused 'reason="mail sender is not a mailbox at its origin"'
check "it is not delivered" test "$(subject_count hagiang vanthu forged-bad)" -eq 0
check "the peer's mail from its own mailbox is delivered" \
    wait_for 10 eval 'test "$(subject_count hagiang vanthu forged)" -eq 1'
check "and shows as from that mailbox" \
    test "$(ctl hagiang --json mail ls vanthu | jq -r '.messages[] | select(.subject == "forged") | .from')" = "vanthu@$EV"

# A sender with CR LF in it: once copied into MAIL FROM by the outbound
# gateway, it carried a whole message of its own to the smarthost.
INJ=$'vanthu@ev.hagiang>\r\nRCPT TO:<chutich@tw.example>\r\nDATA\r\nSubject: injected\r\n\r\nan extra message\r\n.\r\nMAIL FROM:<vanthu@ev.hagiang'
b0=$(bad)
check "a mail whose sender carries CR LF is acked past" \
    evil $EV hagiang bad-from -F "$INJ" -T relay@hagiang -s "relayed"
check "it is refused (records_bad)" test "$(bad)" -eq $((b0 + 1))
check "the refusal is logged with its reason" \
    refused 'reason="mail sender is not a mailbox at its origin"'
check "the peer's honest mail to the gateway reaches the smarthost's chutich@tw" \
    wait_for 20 eval 'test "$(subject_count tw chutich relayed)" -eq 1'
check "no message was injected into the smarthost's session" \
    never_for 3 eval 'test "$(subject_count tw chutich injected)" -gt 0'
check "the gateway's mailbox is empty" \
    wait_for 10 eval 'test "$(mail_count hagiang relay)" -eq 0'

# The gateway itself never writes a control character into an SMTP
# command or a header line, whatever its node hands it (a store from
# before the sender rule): fake_ctl plays the node, with a message from
# the sender above and one with CR LF in a recipient.
printf 'plain text\n' >"$T/fake.txt"
jq -n --arg inj "$INJ" --arg to2 $'chutich@tw\r\nX-Injected: yes' \
    --arg id1 "$(printf '%064x' 1)" --arg id2 "$(printf '%064x' 2)" \
    --arg t "$(base64 <"$T/fake.txt")" '[
	{id: $id1, from: $inj, to: ["relay@hagiang"], subject: "fake-from",
	 created_ms: 1700000000000, text_b64: $t},
	{id: $id2, from: "vanthu@hagiang", to: ["relay@hagiang", $to2],
	 subject: "fake-to", created_ms: 1700000000000, text_b64: $t}]' \
    >"$T/fake.json"
"$B/tests/fake_ctl" "$T/fake.sock" "$T/fake.json" >"$T/fake.log" 2>&1 &
PID[fake]=$!
sed -e "s|^control = .*|control = $T/fake.sock|" \
    -e "s|^journal = .*|journal = $T/fake.journal|" \
    "$T/gw-hagiang.conf" >"$T/gw-fake.conf"
"$B/mailgw" -c "$T/gw-fake.conf" >>"$T/gw-fake.log" 2>&1 &
PID[gw-fake]=$!
check "the gateway relays the message whose recipient carries CR LF" \
    wait_for 20 eval 'test "$(subject_count tw chutich fake-to)" -eq 1'
check "without the recipient in its To: header" \
    eval '! ctl tw --json mail cat chutich "$(ctl tw --json mail ls chutich | jq '"'"'.messages[] | select(.subject == "fake-to") | .seq'"'"')" | jq -r .text_b64 | base64 -d | grep -qi "^X-Injected"'
check "it does not send the message whose sender carries CR LF" \
    wait_for 10 grep -q 'event=unsendable outbound="outbound relay" id=0*1 reason="sender is not a mailbox address"' "$T/gw-fake.log"
check "nothing was injected into the smarthost's session" \
    never_for 3 eval 'test "$(subject_count tw chutich injected)" -gt 0'
check "the unsendable message stays in the mailbox" \
    eval '! grep -q "^mail_\(rm\|fail\) 1$" "$T/fake.log"'
stop_node gw-fake

# --- 2. The recipient cap, and expiry in transit ---------------------------
b0=$(bad)
m=$(mark)
check "an expired mail to 1,600 recipients is acked past" \
    evil $EV hagiang send -n 1600 -e -1000 -T vanthu@$BQ -s over-cap -l 2000
check "it is refused (records_bad)" test "$(bad)" -eq $((b0 + 1))
check "the refusal is logged with its reason" \
    refused 'reason="mail to more than 256 recipients"'
check "no report came back for it" \
    test "$(said "$m" "msg=$(made "$m" over-cap)")" -eq 0
b0=$(bad)
check "a mail to no one is acked past" evil $EV hagiang send -n 0 -s no-one
check "a mail to an address with CR LF in it is acked past" \
    evil $EV hagiang send -T $'vanthu@hagiang\r\nDATA' -s crlf-to
check "both are refused (records_bad)" test "$(bad)" -eq $((b0 + 2))
check "the refusals are logged with their reason" \
    refused 'reason="mail recipient missing or not a mailbox address"'

m=$(mark)
r0=$(counter hagiang reports_sent)
check "an expired mail to 256 recipients (the cap) is acked" \
    evil $EV hagiang send -n 256 -e -1000 -T vanthu@$BQ -s at-cap -l 3000
id=$(made "$m" at-cap)
check "its expiry in transit comes back as one report listing all 256" \
    test "$(said "$m" "got report failed reason=3 to=vanthu@$EV recipients=256 msg=$id")" -eq 1
check "and as nothing else" test "$(said "$m" "msg=$id")" -eq 1
check "the province wrote one report" \
    test "$(counter hagiang reports_sent)" -eq $((r0 + 1))
echo x | ctl $BQ send --from vanthu@$BQ --subject "still flowing" chutich@tw >/dev/null
check "honest mail still flows through the province" \
    wait_for 15 eval 'test "$(subject_count tw chutich "still flowing")" -eq 1'

# --- 3. Failure reports: one per reason, to the origin only ------------------
m=$(mark)
r0=$(counter hagiang reports_sent)
check "a mail to 256 unknown mailboxes is acked" \
    evil $EV hagiang send -n 256 -T nobody@hagiang -s bad-mailboxes -l 3000
id=$(made "$m" bad-mailboxes)
check "it comes back as one report listing all 256" \
    test "$(said "$m" "got report failed reason=1 to=vanthu@$EV recipients=256 msg=$id")" -eq 1
check "and as nothing else" test "$(said "$m" "msg=$id")" -eq 1
check "the province wrote one report" \
    test "$(counter hagiang reports_sent)" -eq $((r0 + 1))

b0=$(bad)
t0=$(reports_in tw chutich)
check "the same from a third party's mailbox is acked past" \
    evil $EV hagiang send -F chutich@tw -n 256 -T nobody@hagiang -s third-party
check "it is refused (records_bad)" test "$(bad)" -eq $((b0 + 1))
check "no report goes to the third party's mailbox" \
    never_for 3 eval 'test "$(reports_in tw chutich)" -gt $t0'

echo x | ctl $BQ send --from vanthu@$BQ --subject two-unknown --receipt \
    nobody@hagiang noone@hagiang vanthu@hagiang chutich@hagiang >/dev/null
one_report() {	# RESULT REASON RECIPIENTS-JSON: such a report at BQ
	local s
	for s in $(ctl $BQ --json mail ls vanthu | jq '.messages[] | select(.kind == "report") | .seq'); do
		ctl $BQ --json mail cat vanthu "$s" | jq -e --arg r "$1" \
		    --argjson why "$2" --argjson l "$3" \
		    '.report.result == $r and .report.reason == $why and
		     .report.recipients == $l' >/dev/null && return 0
	done
	return 1
}
check "honest mail to two unknown mailboxes: one report naming both" \
    wait_for 15 one_report failed 1 '["nobody@hagiang", "noone@hagiang"]'
check "and one receipt naming the two that have it" \
    wait_for 15 one_report delivered 0 '["vanthu@hagiang", "chutich@hagiang"]'
check "and nothing else" \
    test "$(ctl $BQ --json mail ls vanthu | jq '[.messages[] | select(.kind == "report")] | length')" -eq 2
check "node-ctl mail cat shows whom a report is for" \
    eval 'ctl $BQ mail cat vanthu "$(ctl $BQ --json mail ls vanthu | jq ".messages[] | select(.kind == \"report\") | .seq" | head -1)" | grep -q "^For: .*nobody@hagiang, noone@hagiang"'

# --- 4. The longest stall while a hostile peer does its worst ---------------
# Each run is a peer of its own (st1.hagiang, ...), so that no earlier
# run's reports come back to it, that first links up once (hagiang then
# reads its whole log for the new peer) and keeps its session state
# (evil_peer -S), as a node would. Then, while it sends, a probe
# (ctl_raw --probe) asks hagiang for its status in a loop: the longest
# wait for an answer is the longest hagiang was deaf.
runs=0
stall() {	# DESC EVIL-ARGS...: a new peer sends, hagiang probed meanwhile
	local desc=$1 name p rc; shift
	name=st$((runs += 1)).hagiang
	new_key $name
	issue hagiang $name >/dev/null
	evil $name hagiang hello -S "$T/$name/state" -l 2000 || return 1
	rm -f "$T/probe" "$T/probe.stop"
	"$B/tests/ctl_raw" "$T/hagiang/control.sock" --probe "$T/probe.stop" \
	    >"$T/probe" &
	p=$!
	evil $name hagiang "$@" -S "$T/$name/state"
	rc=$?
	sleep 1		# what the last batch set off
	touch "$T/probe.stop"
	wait $p
	echo "# stall, $desc: hagiang answered its status within $(cat "$T/probe") ms"
	[ -s "$T/probe" ] && return $rc
}
N=1024
check "hostile: $N expired mails to 256 recipients each, in batches of 256" \
    stall "$N expired mails to 256 recipients, batches of 256" \
    send -r $N -b 256 -n 256 -e -1000 -T vanthu@$BQ -s worst-expired -t 120
check "the province answered within 2 s throughout" test "$(cat "$T/probe")" -lt 2000
check "hostile: the same in one batch (8 MB, under the 8 MiB frame limit)" \
    stall "$N expired mails to 256 recipients, one batch" \
    send -r $N -b $N -n 256 -e -1000 -T vanthu@$BQ -s worst-expired1 -t 120
check "the province answered within 2 s throughout" test "$(cat "$T/probe")" -lt 2000
check "hostile: $N mails to 256 unknown mailboxes each, then 2 traces of each" \
    stall "$N mails to 256 unknown mailboxes, batches of 256, 2 traces each" \
    send -r $N -b 256 -n 256 -T nobody@hagiang -q 2 -s worst-bad -t 120
check "the province answered within 2 s throughout" test "$(cat "$T/probe")" -lt 2000
check "the traces were answered" \
    eval 'grep "trace queries" "$T/evil.log" | tail -1 | grep -qv " 0 answered"'
d0=$(counter $BQ delivered)
check "for comparison: $N honest mails to one recipient each" \
    stall "$N honest mails to one recipient, batches of 256" \
    send -r $N -b 256 -T vanthu@$BQ -s worst-honest -t 120
check "all $N honest mails arrive" \
    wait_for 30 eval 'test "$(counter $BQ delivered)" -ge $((d0 + N))'
check "the province is still up" is_running hagiang
echo "# the province's longest loop turn in this whole test: $(ctl hagiang \
    --json status | jq .loop.longest_turn_ms) ms"

stop_node gw-hagiang
stop_node gw-tw
check "mailgw logged no sanitizer report" \
    eval '! grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T"/gw-*.log'
finish
