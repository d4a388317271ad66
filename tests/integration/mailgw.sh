#!/usr/bin/env bash
# The mail gateway (tools/mailgw) against a real SMTP client (swaks) and
# raw sessions over bash's /dev/tcp:
#
#   tw <- hagiang        mailgw on hagiang: SMTP and LMTP on loopback,
#                        domain "example", outbound mailboxes gw (into a
#                        Maildir), relay (to a smarthost that is down at
#                        first: a second mailgw, on tw, started later) and
#                        bad (to a smarthost that refuses the recipient)
#
# Inbound: an accepted message reaches vanthu@tw with its bytes exactly as
# sent (RFC 2047 subject decoded to "Giấy mời họp"; a raw UTF-8 subject;
# a Latin-1 byte in the body); LMTP answers per recipient; an unknown
# recipient, SIZE= over the limit, an oversized message, and garbage
# commands get 5xx and the session goes on; pipelining; a connection
# dropped in the middle of DATA stores nothing; the node down gives 4xx.
# Outbound: plain text leaves with headers added, into the Maildir once;
# a smarthost that is down means retries with backoff, then delivery and
# a journal line; a 5xx from the smarthost becomes a failure report to
# the sender.
cd "$(dirname "$0")/../.." && . tests/lib.sh

command -v swaks >/dev/null || { echo "not ok - swaks is not installed (make deps)"; exit 1; }

MAILBOXES="vanthu chutich gw relay bad stall postmaster"
make_node tw
make_node hagiang tw
start_node tw && enrol hagiang && start_node hagiang
check "two tiers link up" wait_for 15 link_up hagiang tw

SP=$(free_port)
LP=$(free_port)
RP=$(free_port)		# the relay's smarthost: a mailgw on tw, later
MAXSIZE=65536
cat >"$T/gw-hagiang.conf" <<EOF
[gateway]
control = $T/hagiang/control.sock
domain = example
sender = postmaster@hagiang
listen_smtp = 127.0.0.1:$SP
listen_lmtp = 127.0.0.1:$LP
hostname = gw.hagiang.example
max_size = $MAXSIZE
timeout_s = 20

[outbound]
mailbox = gw
maildir = $T/Maildir
poll_ms = 100

[outbound relay]
mailbox = relay
smarthost = 127.0.0.1:$RP
rcpt = chutich@tw.example
journal = $T/relay.journal
poll_ms = 100
retry_min_ms = 200
retry_max_ms = 800

[outbound bad]
mailbox = bad
smarthost = 127.0.0.1:$SP
rcpt = nobody@elsewhere.org
journal = $T/bad.journal
poll_ms = 100
EOF
cat >"$T/gw-tw.conf" <<EOF
[gateway]
control = $T/tw/control.sock
domain = example
sender = postmaster@tw
listen_smtp = 127.0.0.1:$RP
EOF

start_gw() {	# NAME: mailgw with $T/gw-NAME.conf, log $T/gw-NAME.log
	"$B/mailgw" -c "$T/gw-$1.conf" >>"$T/gw-$1.log" 2>&1 &
	PID[gw-$1]=$!
}

check "mailgw -n accepts the config" quiet "$B/mailgw" -n -c "$T/gw-hagiang.conf"
printf '[gateway]\ncontrol = relative.sock\n' >"$T/bad.conf"
check "mailgw -n refuses a bad config, naming file and line" \
    eval '"$B/mailgw" -n -c "$T/bad.conf" 2>&1 | grep -q "bad.conf:2: control"'
check "the example config checks out (mailgw -n)" \
    quiet "$B/mailgw" -n -c tools/examples/mailgw.conf
check "mailgw.8 renders without a warning" \
    eval '[ -z "$(groff -man -Tutf8 -ww tools/man/mailgw.8 2>&1 >/dev/null)" ]'
start_gw hagiang
check "mailgw listens (SMTP and LMTP)" wait_for 10 eval "port_open $SP && port_open $LP"

# A raw session: stdin lines (LF) go out as CRLF lines all at once; the
# replies until the server closes (or 5 s) come out.
raw() {
	local port=$1
	exec 3<>"/dev/tcp/127.0.0.1/$port"
	sed 's/$/\r/' >&3
	timeout 5 cat <&3 | tr -d '\r'
	exec 3<&-
}

seq_of() {	# NODE MAILBOX SUBJECT -> seq of the newest with that subject
	ctl "$1" --json mail ls "$2" |
	    jq -r --arg s "$3" '[.messages[] | select(.subject == $s)] | last | .seq // empty'
}
text_of() {	# NODE MAILBOX SEQ -> the stored bytes
	ctl "$1" --json mail cat "$2" "$3" | jq -r .text_b64 | base64 -d
}
count_subject() {	# NODE MAILBOX SUBJECT
	ctl "$1" --json mail ls "$2" |
	    jq --arg s "$3" '[.messages[] | select(.subject == $s)] | length'
}

# 1. Accepted mail, byte-identical; RFC 2047 subject decoded.
SUBJ='Giấy mời họp'
{
	printf 'From: =?UTF-8?B?%s?= <nguoigui@sonoi.gov.vn>\n' "$(printf 'Nguyễn Văn A' | base64)"
	printf 'To: vanthu@tw.example\n'
	printf 'Subject: =?UTF-8?B?%s?=\n' "$(printf '%s' "$SUBJ" | base64)"
	printf 'Date: Mon, 2 Jun 2025 08:00:00 +0700\nMessage-ID: <m1@sonoi.gov.vn>\n'
	printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n'
	printf 'Content-Transfer-Encoding: 8bit\n\n'
	printf 'Kính gửi: Văn thư Ủy ban\n.a line that starts with a dot\n..and two\n'
	printf 'Trân trọng,\nPhòng Nội vụ'
} >"$T/m1"
# swaks sends the file's lines as CRLF lines and ends with CRLF . CRLF.
{ sed 's/$/\r/' "$T/m1"; printf '\n'; } >"$T/m1.wire"
swaks --server 127.0.0.1:$SP --from nguoigui@sonoi.gov.vn \
    --to vanthu@tw.example --data @"$T/m1" >"$T/swaks1.out" 2>&1
check "swaks: the message is accepted with 250 after DATA" \
    grep -q '^<-  250 2.0.0 Ok: stored as [0-9a-f]\{64\}' "$T/swaks1.out"
check "it reaches vanthu@tw with the subject decoded (\"$SUBJ\")" \
    wait_for 15 eval 'test "$(count_subject tw vanthu "$SUBJ")" = 1'
text_of tw vanthu "$(seq_of tw vanthu "$SUBJ")" >"$T/m1.got"
check "the stored text is byte-identical to what was sent (dot-unstuffed)" \
    cmp -s "$T/m1.wire" "$T/m1.got"
check "the node-network sender is the gateway's mailbox" \
    test "$(ctl tw --json mail ls vanthu | jq -r --arg s "$SUBJ" '.messages[] | select(.subject == $s) | .from')" = postmaster@hagiang

# 2. A raw UTF-8 subject (RFC 6532), SMTPUTF8, and a byte that is not
#    UTF-8 in the body (8BITMIME): still byte-identical.
SUBJ2='Công văn số 12/UBND về việc họp'
{
	printf 'From: nguoigui@sonoi.gov.vn\nTo: chutich@tw.example\n'
	printf 'Subject: %s\n\n' "$SUBJ2"
	printf 'caf\351 latin-1 byte\nđồng ý\n'
} >"$T/m2"
sed 's/$/\r/' "$T/m2" >"$T/m2.wire"
{
	printf 'EHLO client.test\nMAIL FROM:<nguoigui@sonoi.gov.vn> BODY=8BITMIME SMTPUTF8\n'
	printf 'RCPT TO:<chutich@tw.example>\nDATA\n'
	cat "$T/m2"
	printf '.\nQUIT\n'
} | raw $SP >"$T/raw2.out"
check "raw 8BITMIME/SMTPUTF8 session: 250 after DATA" \
    grep -q '^250 2.0.0 Ok: stored as' "$T/raw2.out"
check "a raw UTF-8 subject arrives as it was" \
    wait_for 15 eval 'test "$(count_subject tw chutich "$SUBJ2")" = 1'
text_of tw chutich "$(seq_of tw chutich "$SUBJ2")" >"$T/m2.got"
check "a body with a byte that is not UTF-8 is stored byte-identical" \
    cmp -s "$T/m2.wire" "$T/m2.got"

# 3. LMTP: a status per recipient; the unknown one refused at RCPT.
swaks --server 127.0.0.1:$LP --protocol LMTP --from a@sonoi.gov.vn \
    --to vanthu@tw.example,someone@elsewhere.org,chutich@tw.example \
    --header "Subject: lmtp" >"$T/swaks3.out" 2>&1
check "LMTP: the recipient outside the domain gets 550 5.1.2 at RCPT" \
    grep -q '^<\*\* 550 5.1.2 <someone@elsewhere.org>' "$T/swaks3.out"
check "LMTP: one 250 after DATA for each accepted recipient" \
    test "$(grep -c '^<-  250 2.0.0 Ok: stored as .* <\(vanthu\|chutich\)@tw.example>' "$T/swaks3.out")" = 2
check "LMTP: one node message for both recipients" \
    wait_for 15 eval 'test "$(count_subject tw vanthu lmtp)" = 1 && test "$(count_subject tw chutich lmtp)" = 1'

# 4. Unknown recipients over SMTP: outside the domain, a bad mailbox name.
swaks --server 127.0.0.1:$SP --from a@b.org --to x@elsewhere.org \
    >"$T/swaks4.out" 2>&1
check "SMTP: a recipient outside the domain gets 550 5.1.2" \
    grep -q '^<\*\* 550 5.1.2' "$T/swaks4.out"
swaks --server 127.0.0.1:$SP --from a@b.org --to 'Bad+Name@tw.example' \
    >"$T/swaks4b.out" 2>&1
check "SMTP: a local part that is not a mailbox name gets 550 5.1.1" \
    grep -q '^<\*\* 550 5.1.1' "$T/swaks4b.out"

# 5. Oversize: SIZE= over the limit at MAIL, and a message that is.
printf 'EHLO c\nMAIL FROM:<a@b.org> SIZE=%d\nQUIT\n' $((MAXSIZE + 1)) |
    raw $SP >"$T/raw5.out"
check "SIZE= over max_size gets 552 5.3.4 at MAIL" \
    grep -q '^552 5.3.4' "$T/raw5.out"
check "the EHLO reply offers SIZE, PIPELINING, 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES" \
    eval 'for e in "SIZE $MAXSIZE" PIPELINING 8BITMIME SMTPUTF8 ENHANCEDSTATUSCODES; do grep -q "^250.$e\$" "$T/raw5.out" || exit 1; done'
head -c $((MAXSIZE * 2)) /dev/zero | tr '\0' 'x' | fold -w 76 >"$T/big"
before=$(mail_count tw vanthu)
swaks --server 127.0.0.1:$SP --from a@b.org --to vanthu@tw.example \
    --header "Subject: too big" --body @"$T/big" -n >"$T/swaks5.out" 2>&1
check "a message over max_size gets 552 5.3.4 after DATA" \
    grep -q '^<\*\* 552 5.3.4' "$T/swaks5.out"

# 6. Pipelining: swaks sends MAIL, RCPT... in one go.
swaks --server 127.0.0.1:$SP --pipeline --from a@b.org \
    --to vanthu@tw.example,chutich@tw.example,nobody@elsewhere.org \
    --header "Subject: pipelined" >"$T/swaks6.out" 2>&1
check "pipelining: the replies come back in order, the message is stored" \
    eval 'grep -q "^<-  250 2.0.0 Ok: stored as" "$T/swaks6.out" && grep -q "^<\*\* 550 5.1.2 <nobody@elsewhere.org>" "$T/swaks6.out"'
check "pipelining: the message reaches both recipients" \
    wait_for 15 eval 'test "$(count_subject tw vanthu pipelined)" = 1 && test "$(count_subject tw chutich pipelined)" = 1'

# 7. Garbage: each bad line gets 5xx, and the session goes on to store
#    a message.
{
	printf 'HELLO there\nEHLO\nEHLO c\nMAIL FROM:not-in-brackets\nRCPT TO:<vanthu@tw.example>\n'
	printf 'MAIL FROM:<a@b.org> FOO=bar\nMAIL FROM:<a@@b>\n'
	printf 'DATA\nSTARTTLS\n%s\n' "$(head -c 1200 /dev/zero | tr '\0' A)"
	printf 'MAIL FROM:<a@b.org>\nMAIL FROM:<a@b.org>\nRCPT TO:<vanthu@tw.example>\n'
	printf 'DATA\nSubject: after garbage\n\nstill here\n.\nQUIT\n'
} | raw $SP >"$T/raw7.out"
check "garbage: unknown command 500, bad syntax 501, unknown param 555" \
    eval 'grep -q "^500 5.5.2 command not recognized" "$T/raw7.out" && grep -q "^501 5.5.4" "$T/raw7.out" && grep -q "^555 5.5.4" "$T/raw7.out" && grep -q "^501 5.1.3" "$T/raw7.out"'
check "garbage: out of sequence 503, STARTTLS 502, a 1200-byte line 500" \
    eval 'grep -q "^503 5.5.1 MAIL first" "$T/raw7.out" && grep -q "^502 5.5.1" "$T/raw7.out" && grep -q "^500 5.5.2 line too long" "$T/raw7.out" && grep -q "^503 5.5.1 nested MAIL" "$T/raw7.out"'
check "garbage: the session goes on and stores the message" \
    eval 'grep -q "^250 2.0.0 Ok: stored as" "$T/raw7.out" && grep -q "^221" "$T/raw7.out"'
check "garbage: the message is delivered" \
    wait_for 15 eval 'test "$(count_subject tw vanthu "after garbage")" = 1'

# 8. A connection dropped in the middle of DATA stores nothing.
before=$(ctl hagiang --json status | jq .store.records)
exec 3<>"/dev/tcp/127.0.0.1/$SP"
printf 'EHLO c\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<vanthu@tw.example>\r\nDATA\r\n' >&3
sleep 0.3
printf 'Subject: half\r\n\r\nthe first half of a letter\r\n' >&3
sleep 0.3
exec 3<&-
check "a connection dropped in DATA is logged as nothing stored" \
    wait_for 10 grep -q 'reason="connection lost during DATA, nothing stored"' "$T/gw-hagiang.log"
sleep 1
check "and nothing was stored at the gateway's node" \
    test "$(ctl hagiang --json status | jq .store.records)" = "$before"
check "nor delivered" test "$(count_subject tw vanthu half)" = 0
check "the oversized message was not stored either" \
    test "$(count_subject tw vanthu "too big")" = 0

# 9. Outbound into the Maildir: a plain-text letter from the network
#    gets headers, lands once, leaves the mailbox.
printf 'Kính gửi Sở,\nxin gửi lịch họp.\n' >"$T/out1"
id=$(ctl tw --json send --from chutich@tw --subject "$SUBJ" --file "$T/out1" gw@hagiang | jq -r .id)
mdfile() { ls "$T/Maildir/new/" 2>/dev/null | grep -F "$id"; }
check "outbound: the letter lands in the Maildir under its record id" \
    wait_for 15 mdfile
f="$T/Maildir/new/$(mdfile)"
check "outbound: headers added (From, To, Subject in RFC 2047, Date, Message-ID)" \
    eval 'grep -q "^From: chutich@tw.example$" "$f" && grep -q "^To: gw@hagiang.example$" "$f" && grep -q "^Subject: =?UTF-8?B?" "$f" && grep -q "^Date: " "$f" && grep -q "^Message-ID: <$id@tw.example>$" "$f"'
check "outbound: the body is the letter's text (LF line ends in the Maildir)" \
    eval 'sed "1,/^$/d" "$f" | cmp -s - "$T/out1"'
check "outbound: the mailbox is emptied" wait_for 10 eval 'test "$(mail_count hagiang gw)" = 0'
check "outbound: exactly one file, nothing left in tmp/" \
    eval 'test "$(ls "$T/Maildir/new" | wc -l)" = 1 && test -z "$(ls "$T/Maildir/tmp")"'

# 10. A smarthost that is down: retries with growing delays; once it is
#     up (a mailgw on tw) the letter goes, once, and is journalled.
rid=$(echo "chuyển tiếp" | ctl tw --json send --from vanthu@tw --subject "Chuyển tiếp" relay@hagiang | jq -r .id)
check "relay: the smarthost being down defers the letter, retried with backoff" \
    wait_for 15 eval 'test "$(grep -c "event=deferred outbound=\"outbound relay\" id=$rid" "$T/gw-hagiang.log")" -ge 3'
check "relay: the retry delays grow (200 ms, then 400 ms)" \
    eval 'grep "event=deferred outbound=\"outbound relay\"" "$T/gw-hagiang.log" | grep -q "retry_ms=200" && grep "event=deferred outbound=\"outbound relay\"" "$T/gw-hagiang.log" | grep -q "retry_ms=400"'
start_gw tw
check "relay: delivered through the smarthost once it is up" \
    wait_for 15 eval 'test "$(count_subject tw chutich "Chuyển tiếp")" = 1'
check "relay: the record id is in the journal, the mailbox is empty" \
    wait_for 10 eval 'grep -qx "$rid" "$T/relay.journal" && test "$(mail_count hagiang relay)" = 0'
seq=$(seq_of tw chutich "Chuyển tiếp")
check "relay: the relayed letter carries the added headers and the text" \
    eval 'text_of tw chutich $seq | tr -d "\r" | grep -q "^From: vanthu@tw.example$" && text_of tw chutich $seq | tr -d "\r" | grep -q "^chuyển tiếp$"'
sleep 1
check "relay: delivered exactly once" \
    test "$(count_subject tw chutich "Chuyển tiếp")" = 1

# 11. A smarthost that refuses: a failure report back to the sender.
bid=$(echo "x" | ctl tw --json send --from vanthu@tw --subject "bounce me" bad@hagiang | jq -r .id)
failed_back() {	# ID DETAIL-REGEX [RECIPIENT]: its failure report at vanthu@tw
	local s
	for s in $(ctl tw --json mail ls vanthu | jq '.messages[] | select(.kind == "report") | .seq'); do
		ctl tw --json mail cat vanthu "$s" | jq -e --arg id "$1" --arg d "$2" --arg r "${3:-}" \
		    '.report.result == "failed" and .report.message_id == $id and ($r == "" or .report.recipient == $r) and (.report.detail | test($d))' >/dev/null && return 0
	done
	return 1
}
check "bad: a 5xx from the smarthost comes back to the sender as a failure report" \
    wait_for 20 failed_back "$bid" "550 5.1.2" bad@hagiang
check "bad: and the message left the mailbox" \
    wait_for 10 eval 'test "$(mail_count hagiang bad)" = 0'

# 12. The node down: 4xx, so the client keeps the mail.
stop_node hagiang
swaks --server 127.0.0.1:$SP --from a@b.org --to vanthu@tw.example \
    --header "Subject: node down" >"$T/swaks12.out" 2>&1
check "node down: 451 4.4.1 after DATA (try again later)" \
    grep -q '^<\*\* 451 4.4.1' "$T/swaks12.out"
swaks --server 127.0.0.1:$LP --protocol LMTP --from a@b.org \
    --to vanthu@tw.example --header "Subject: node down" >"$T/swaks12b.out" 2>&1
check "node down: LMTP gives 451 for the recipient" \
    grep -q '^<\*\* 451 4.4.1 .*<vanthu@tw.example>' "$T/swaks12b.out"
start_node hagiang
check "the node back: mail is accepted again" \
    eval 'swaks --server 127.0.0.1:$SP --from a@b.org --to vanthu@tw.example --header "Subject: node back" 2>&1 | grep -q "^<-  250 2.0.0 Ok: stored"'
check "node down: nothing of it was delivered" \
    test "$(count_subject tw vanthu "node down")" = 0

# 13. An MTA that retries a message the node stored (it answered after
# the gateway's ctl_timeout_ms, so the MTA got 451) sends the same
# envelope and bytes again: the gateway's submission key makes the node
# answer with the stored copy's id, and nothing is stored twice.
printf 'From: a@b.org\r\nTo: vanthu@tw.example\r\nSubject: retried\r\nMessage-ID: <retried.1@b.org>\r\nDate: Thu, 3 Dec 2026 10:00:00 +0700\r\n\r\nthử lại\r\n' >"$T/retried.eml"
for i in 1 2; do
	swaks --server 127.0.0.1:$SP --from a@b.org --to vanthu@tw.example \
	    --data "$T/retried.eml" >"$T/swaks13.$i.out" 2>&1
done
stored_as() { sed -n 's/^<-  250 2.0.0 Ok: stored as \([0-9a-f]*\).*/\1/p' "$1"; }
check "retried: both attempts get 250, with the same id" \
    eval '[ -n "$(stored_as "$T/swaks13.1.out")" ] &&
        [ "$(stored_as "$T/swaks13.1.out")" = "$(stored_as "$T/swaks13.2.out")" ]'
check "retried: the gateway logs the second as a duplicate" \
    grep -q 'event=accepted .* duplicate=1' "$T/gw-hagiang.log"
check "retried: it reaches the root" \
    wait_for 20 eval 'test "$(count_subject tw vanthu retried)" -ge 1'
sleep 1
check "retried: delivered once" test "$(count_subject tw vanthu retried)" = 1

# 14. The gateway stops between handing a message to its smarthost and
# the smarthost's answer: the message may be delivered, so it is not sent
# again; its sender gets a failure report that says so.
STP=$(free_port)
"$B/tests/smtp_stall" $STP >"$T/stall.out" 2>&1 &
PID[stall]=$!
stop_node gw-hagiang
cat >>"$T/gw-hagiang.conf" <<EOC

[outbound stall]
mailbox = stall
smarthost = 127.0.0.1:$STP
rcpt = someone@elsewhere.org
journal = $T/stall.journal
poll_ms = 100
EOC
start_gw hagiang
check "mailgw restarts with an outbound to a smarthost that never answers the end" \
    wait_for 10 port_open $SP
sid=$(echo "gửi một lần" | ctl tw send --from vanthu@tw --subject "stall" stall@hagiang)
check "stall: the smarthost got the whole message" \
    wait_for 20 grep -qx "message 1" "$T/stall.out"
check "stall: the journal noted it before the end went" \
    grep -qx "? $sid" "$T/stall.journal"
kill -KILL "${PID[gw-hagiang]}"
wait "${PID[gw-hagiang]}" 2>/dev/null
unset "PID[gw-hagiang]"
check "stall: its outbound worker died with it (the connection closed)" \
    wait_for 10 grep -qx "closed 1" "$T/stall.out"
start_gw hagiang
check "stall: after the restart its sender gets a report: delivery uncertain" \
    wait_for 20 failed_back "$sid" "delivery uncertain"
check "stall: the gateway logs it" \
    grep -q "event=delivery_uncertain outbound=.* id=$sid" "$T/gw-hagiang.log"
check "stall: it left the mailbox" \
    wait_for 10 eval 'test "$(mail_count hagiang stall)" = 0'
sleep 1
check "stall: it was not sent again" \
    test "$(grep -c '^message' "$T/stall.out")" = 1

stop_node gw-hagiang
check "mailgw stops on SIGTERM and logs it" grep -q 'event=stopped' "$T/gw-hagiang.log"
check "mailgw logged no sanitizer report" \
    eval '! grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T"/gw-*.log'
finish
