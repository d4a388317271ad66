#!/usr/bin/env bash
# The mail gateway's CHUNKING (RFC 3030) and its batches (tools/mailgw,
# inbound.c), over raw sessions on bash's /dev/tcp:
#
#   tw <- hagiang        mailgw on hagiang: SMTP and LMTP on loopback,
#                        domain "example"; hagiang's store map is 16 MiB
#
# 1. LMTP and SMTP offer CHUNKING. An LMTP session pipelines 300
#    messages (MAIL, two RCPT, BDAT n LAST each) in one write: every
#    reply comes back in order, each message's own id to each of its
#    recipients, each message is stored once, byte for byte (a BDAT
#    message is not dot-unstuffed), in batches of at most 256 messages,
#    and the node commits far fewer times than there were messages. The
#    same session again (a client's retry after lost replies) gets the
#    same ids and stores nothing twice. Twelve messages of 95 KB, more
#    than one request to the node holds, are all stored.
# 2. SMTP: a message in chunks, BDAT 0 LAST, DATA in a BDAT message
#    (503), a DATA message pipelined behind a BDAT one: its 354 comes
#    after the BDAT message's 250.
# 3. Hostile input: BDAT past max_size (552, the session goes on), far
#    past it (552, closed), without MAIL (503: the chunk, "QUIT" lines
#    and all, is not taken for commands) or RCPT (554), a malformed
#    BDAT (501, closed), a lying size (fewer bytes, then the connection
#    drops): nothing stored; a client that never reads its replies has
#    its session ended; honest mail still flows.
# 4. Ten sessions at once, each one DATA message at a time, share the
#    node's commits (its commits counter).
# 5. The store map full: a pipelined batch gets 452 for each message,
#    in order, nothing stored; once the map is raised (as the error
#    says) the client's retry gets 250 for each, stored once.
cd "$(dirname "$0")/../.." && . tests/lib.sh

MAILBOXES="vanthu chutich postmaster"
make_node tw
make_node hagiang tw
set_limit hagiang map_size_mb 16
start_node tw && enrol hagiang && start_node hagiang
check "two tiers link up" wait_for 15 link_up hagiang tw

SP=$(free_port)
LP=$(free_port)
MAXSIZE=100000
cat >"$T/gw.conf" <<EOF
[gateway]
control = $T/hagiang/control.sock
domain = example
sender = postmaster@hagiang
listen_smtp = 127.0.0.1:$SP
listen_lmtp = 127.0.0.1:$LP
max_size = $MAXSIZE
timeout_s = 20
EOF
"$B/mailgw" -c "$T/gw.conf" >>"$T/gw.log" 2>&1 &
PID[gw]=$!
check "mailgw listens" wait_for 10 eval "port_open $SP && port_open $LP"

# Sends file $2 to port $1 in one write, as a pipelining client does;
# prints the replies (without CR) until the server closes (or 10 s).
send_raw() {
	exec 3<>"/dev/tcp/127.0.0.1/$1"
	dd bs=8M iflag=fullblock status=none <"$2" >&3
	timeout 10 cat <&3 | tr -d '\r'
	exec 3<&-
}
# A message with subject $1 as CRLF lines, padded to about $2 bytes.
message() {
	printf 'From: a@b.org\r\nSubject: %s\r\nMessage-ID: <%s@b.org>\r\n\r\n' "$1" "$1"
	printf '.a line with a dot\r\n..and two\r\n'
	head -c "${2:-0}" /dev/zero | tr '\0' x | fold -w 70 | sed 's/$/\r/'
}
# MAIL, RCPT to each of $2..., and BDAT LAST with the bytes of file $1.
bdat() {
	local f=$1 r; shift
	printf 'MAIL FROM:<a@b.org>\r\n'
	for r; do printf 'RCPT TO:<%s>\r\n' "$r"; done
	printf 'BDAT %d LAST\r\n' "$(wc -c <"$f")"
	cat "$f"
}
# The replies after the greeting and the EHLO/LHLO ones, ids as ID.
replies() {
	sed -E '1,/^250 ENHANCEDSTATUSCODES$/d; s/stored as [0-9a-f]{64}/stored as ID/' "$1"
}
# The batch of each message accepted, from line $1 (1) of the log on.
batches() {
	tail -n +"${1:-1}" "$T/gw.log" |
	    sed -n 's/.*event=accepted .* batch=\([0-9]*\) .*/\1/p'
}
ids() { grep -oE 'stored as [0-9a-f]{64}' "$1" | cut -d' ' -f3; }
subjects() { mail_all "$1" "$2" | jq -r .subject; }

# 1. One LMTP session, 300 messages pipelined.
N=300
R1=vanthu@tw.example R2=chutich@hagiang.example
{
	printf 'LHLO c\r\n'
	for i in $(seq 1 $N); do
		message "bdat-$i" $((i * 10)) >"$T/m$i"
		bdat "$T/m$i" $R1 $R2
	done
	printf 'QUIT\r\n'
} >"$T/lmtp.in"
for i in $(seq 1 $N); do
	printf '250 2.1.0 Ok\n250 2.1.5 Ok\n250 2.1.5 Ok\n'
	printf '250 2.0.0 Ok: stored as ID <%s>\n' $R1 $R2
done >"$T/lmtp.want"
echo '221 2.0.0 Bye' >>"$T/lmtp.want"
c0=$(counter hagiang commits)
send_raw $LP "$T/lmtp.in" >"$T/lmtp.out"
c1=$(counter hagiang commits)
echo "# $N pipelined messages: commits at hagiang $((c1 - c0)), batches" \
    "$(batches | awk '{ n[$1]++ } END { for (b in n) printf " %d x %d", n[b] / b, b }')"
check "LMTP and SMTP offer CHUNKING" eval 'grep -q "^250-CHUNKING$" "$T/lmtp.out" &&
    printf "EHLO c\r\nQUIT\r\n" >"$T/ehlo.in" && send_raw $SP "$T/ehlo.in" | grep -q "^250-CHUNKING$"'
check "$N pipelined BDAT messages: every reply, in order" \
    cmp -s "$T/lmtp.want" <(replies "$T/lmtp.out")
check "the two recipients of a message hear the same id" \
    eval '[ "$(ids "$T/lmtp.out" | uniq | wc -l)" = $N ]'
check "each message is stored at hagiang once" \
    eval '[ "$(subjects hagiang chutich | grep -c "^bdat-")" = $N ] &&
        [ "$(subjects hagiang chutich | grep "^bdat-" | sort -u | wc -l)" = $N ]'
# The ids in reply order against the ids of bdat-1 .. bdat-N.
mail_all hagiang chutich | jq -r '"\(.subject) \(.id)"' >"$T/stored"
for i in $(seq 1 $N); do awk -v s="bdat-$i" '$1 == s { print $2 }' "$T/stored"; done >"$T/want.ids"
check "each reply names its own message's id" \
    cmp -s "$T/want.ids" <(ids "$T/lmtp.out" | uniq)
check "and each reaches the root once" \
    wait_for 20 eval '[ "$(subjects tw vanthu | grep -c "^bdat-")" = $N ]'
check "a BDAT message is stored as sent (no dot-unstuffing)" \
    cmp -s "$T/m7" <(ctl hagiang --json mail cat chutich \
    "$(mail_all hagiang chutich | jq 'select(.subject == "bdat-7") | .seq')" |
    jq -r .text_b64 | base64 -d)
check "the node committed them in a few batches ($((c1 - c0)) commits)" \
    test $((c1 - c0)) -le $((N / 4))
check "none of more than 256 messages" eval '[ "$(batches | sort -n | tail -1)" -le 256 ]'
send_raw $LP "$T/lmtp.in" >"$T/lmtp2.out"
check "the same session again: every reply 250, in order, with the same ids" \
    eval 'cmp -s "$T/lmtp.want" <(replies "$T/lmtp2.out") &&
        cmp -s <(ids "$T/lmtp.out") <(ids "$T/lmtp2.out")'
check "and nothing is stored twice" \
    eval 'sleep 1; [ "$(subjects hagiang chutich | grep -c "^bdat-")" = $N ] &&
        [ "$(subjects tw vanthu | grep -c "^bdat-")" = $N ]'
{
	printf 'LHLO c\r\n'
	for i in $(seq 1 12); do
		message "large-$i" 95000 >"$T/l$i"
		bdat "$T/l$i" $R2
	done
	printf 'QUIT\r\n'
} >"$T/large.in"
mark=$(($(wc -l <"$T/gw.log") + 1))
send_raw $LP "$T/large.in" >"$T/large.out"
echo "# 12 messages of 95 KB: batches of $(batches $mark | uniq | paste -sd' ')"
check "12 messages of 95 KB pipelined: each 250, in order, in more than one request" \
    eval '[ "$(replies "$T/large.out" | grep -c "^250 2.0.0 Ok: stored as ID <$R2>$")" = 12 ] &&
        [ "$(batches $mark | sort -n | tail -1)" -lt 12 ] &&
        ! tail -n +$mark "$T/gw.log" | grep -q event=deferred'
check "each stored once" \
    eval '[ "$(subjects hagiang chutich | grep "^large-" | sort -u | wc -l)" = 12 ] &&
        [ "$(subjects hagiang chutich | grep -c "^large-")" = 12 ]'

# 2. SMTP: chunks, BDAT 0 LAST, DATA mixed in, DATA behind BDAT.
message chunked >"$T/c"
{
	printf 'EHLO c\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<%s>\r\n' $R2
	printf 'BDAT 20\r\n'; head -c 20 "$T/c"
	printf 'BDAT %d\r\n' $(($(wc -c <"$T/c") - 20)); tail -c +21 "$T/c"
	printf 'DATA\r\nBDAT 0 LAST\r\n'
	message behind >"$T/b"
	bdat "$T/b" $R2
	printf 'MAIL FROM:<a@b.org>\r\nRCPT TO:<%s>\r\nDATA\r\n' $R2
} >"$T/smtp.in"
exec 3<>"/dev/tcp/127.0.0.1/$SP"
dd bs=8M iflag=fullblock status=none <"$T/smtp.in" >&3
: >"$T/smtp.out"
while IFS= read -r -t 10 line <&3; do
	echo "${line%$'\r'}" >>"$T/smtp.out"
	[[ $line == 354* ]] && break
done
printf 'Subject: by data\r\n\r\nafter the chunks\r\n.\r\nQUIT\r\n' >&3
timeout 10 cat <&3 | tr -d '\r' >>"$T/smtp.out"
exec 3<&-
cat >"$T/smtp.want" <<EOF
250 2.1.0 Ok
250 2.1.5 Ok
250 2.0.0 20 bytes received
250 2.0.0 $(($(wc -c <"$T/c") - 20)) bytes received
503 5.5.1 BDAT and DATA cannot be mixed in a message
250 2.0.0 Ok: stored as ID
250 2.1.0 Ok
250 2.1.5 Ok
250 2.0.0 Ok: stored as ID
250 2.1.0 Ok
250 2.1.5 Ok
354 End data with <CR><LF>.<CR><LF>
250 2.0.0 Ok: stored as ID
221 2.0.0 Bye
EOF
check "SMTP: chunks, DATA refused inside BDAT, DATA behind BDAT: in order" \
    cmp -s "$T/smtp.want" <(replies "$T/smtp.out")
check "the chunked message is stored whole" \
    cmp -s "$T/c" <(ctl hagiang --json mail cat chutich \
    "$(mail_all hagiang chutich | jq 'select(.subject == "chunked") | .seq')" |
    jq -r .text_b64 | base64 -d)
check "the BDAT and the DATA message behind it are stored" \
    eval '[ "$(subjects hagiang chutich | grep -cx "behind\|by data")" = 2 ]'

# 3. Hostile input: nothing stored, the session goes on where it can.
message toobig $((MAXSIZE + 100)) >"$T/big"
message half 60000 >"$T/half"
message honest >"$T/h"
{
	printf 'EHLO c\r\n'
	bdat "$T/big" $R2
	printf 'MAIL FROM:<a@b.org>\r\nRCPT TO:<%s>\r\n' $R2
	printf 'BDAT %d\r\n' "$(wc -c <"$T/half")"; cat "$T/half"
	printf 'BDAT %d LAST\r\n' "$(wc -c <"$T/half")"; cat "$T/half"
	printf 'BDAT 12 LAST\r\nQUIT\r\nQUIT\r\n'
	printf 'MAIL FROM:<a@b.org>\r\nBDAT 5 LAST\r\nhello'
	printf 'RSET\r\n'
	bdat "$T/h" $R2
	printf 'QUIT\r\n'
} >"$T/bad1.in"
send_raw $SP "$T/bad1.in" >"$T/bad1.out"
cat >"$T/bad1.want" <<EOF
250 2.1.0 Ok
250 2.1.5 Ok
552 5.3.4 message size exceeds fixed maximum message size ($MAXSIZE)
250 2.1.0 Ok
250 2.1.5 Ok
250 2.0.0 $(wc -c <"$T/half") bytes received
552 5.3.4 message size exceeds fixed maximum message size ($MAXSIZE)
503 5.5.1 MAIL first
250 2.1.0 Ok
554 5.5.1 no valid recipients
250 2.0.0 Ok
250 2.1.0 Ok
250 2.1.5 Ok
250 2.0.0 Ok: stored as ID
221 2.0.0 Bye
EOF
check "BDAT over max_size (one chunk, two chunks) 552, without MAIL 503, without RCPT 554; the session goes on" \
    cmp -s "$T/bad1.want" <(replies "$T/bad1.out")
printf 'LHLO c\r\nMAIL FROM:<a@b.org>\r\nBDAT 3 LAST\r\nabcQUIT\r\n' >"$T/bad2.in"
check "LMTP: BDAT without RCPT 503" \
    eval 'send_raw $LP "$T/bad2.in" | replies /dev/stdin | head -2 | tail -1 | grep -q "^503 5.5.1 RCPT first"'
printf 'EHLO c\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<%s>\r\nBDAT 99999999999 LAST\r\nxx' $R2 >"$T/bad3.in"
check "BDAT far over max_size: 552 and the connection closed" \
    eval 'send_raw $SP "$T/bad3.in" | tail -1 | grep -q "^552 5.3.4"'
for bad in 'BDAT x' 'BDAT 10LAST' 'BDAT 1 FIRST' 'BDAT 123456789012345678901 LAST'; do
	printf 'EHLO c\r\n%s\r\nNOOP\r\n' "$bad" >"$T/bad4.in"
	send_raw $SP "$T/bad4.in" >"$T/bad4.out"
	check "malformed \"$bad\": 501 and the connection closed" \
	    eval 'tail -1 "$T/bad4.out" | grep -q "^501 5.5.4 syntax error in BDAT"'
done
exec 3<>"/dev/tcp/127.0.0.1/$SP"
printf 'EHLO c\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<%s>\r\nBDAT 5000 LAST\r\n' $R2 >&3
head -c 100 "$T/half" >&3
sleep 0.3
exec 3<&-
check "a lying BDAT size, then the connection drops: logged as nothing stored" \
    wait_for 10 grep -q 'reason="connection lost during BDAT, nothing stored"' "$T/gw.log"
check "the hostile sessions stored only the honest message" \
    eval '! subjects hagiang chutich | grep -qxE "toobig|half|" &&
        [ "$(subjects hagiang chutich | grep -cx honest)" = 1 ]'
# A client that pipelines and never reads its replies: once a write has
# waited timeout_s (2 s on a second gateway), its session ends.
DP=$(free_port)
sed -e "s/^listen_smtp = .*/listen_smtp = 127.0.0.1:$DP/" -e '/^listen_lmtp/d' \
    -e 's/^timeout_s = .*/timeout_s = 2/' "$T/gw.conf" >"$T/gw2.conf"
"$B/mailgw" -c "$T/gw2.conf" >>"$T/gw2.log" 2>&1 &
PID[gw2]=$!
wait_for 10 port_open $DP
exec 3<>"/dev/tcp/127.0.0.1/$DP"
{ printf 'EHLO c\r\n'; yes NOOP | head -n 3000000 | sed 's/$/\r/'; } >&3 2>/dev/null &
deaf=$!
exec 3<&-
check "a client that never reads its replies: its session ends" \
    wait_for 60 grep -q 'reason="cannot write to the client"' "$T/gw2.log"
kill $deaf 2>/dev/null
wait $deaf 2>/dev/null
check "honest mail still flows (BDAT, LMTP)" \
    eval 'message after >"$T/a" && { printf "LHLO c\r\n"; bdat "$T/a" $R2; printf "QUIT\r\n"; } >"$T/after.in" &&
        send_raw $LP "$T/after.in" | grep -q "^250 2.0.0 Ok: stored as .* <$R2>"'

# 4. Ten sessions at once, each one message at a time over DATA, each
#    reply awaited: the node groups their requests into fewer commits.
expect() {	# FD CODE: reads replies until one that is final; it is CODE?
	local line
	while IFS= read -r -t 10 line <&"$1"; do
		[[ $line == [0-9][0-9][0-9]-* ]] && continue
		[[ $line == "$2"* ]]
		return
	done
	return 1
}
one_by_one() {	# TAG N: N messages over SMTP DATA; prints how many got 250
	local fd i ok=0
	exec {fd}<>"/dev/tcp/127.0.0.1/$SP"
	expect $fd 220 && printf 'EHLO c\r\n' >&$fd && expect $fd 250 || return 1
	for i in $(seq 1 "$2"); do
		printf 'MAIL FROM:<a@b.org>\r\nRCPT TO:<%s>\r\nDATA\r\n' $R2 >&$fd
		expect $fd 250 && expect $fd 250 && expect $fd 354 || break
		printf 'Subject: %s-%d\r\n\r\none at a time\r\n.\r\n' "$1" "$i" >&$fd
		expect $fd 250 && ok=$((ok + 1))
	done
	printf 'QUIT\r\n' >&$fd
	exec {fd}<&-
	echo $ok
}
c0=$(counter hagiang commits)
pids=()
for s in $(seq 1 10); do
	one_by_one "seq$s" 10 >"$T/seq.$s" &
	pids+=($!)
done
wait "${pids[@]}"
c1=$(counter hagiang commits)
echo "# 10 sessions x 10 messages, one at a time: $((c1 - c0)) commits"
check "ten sessions at once, 10 messages each: every one 250" \
    eval '[ "$(awk "{ n += \$1 } END { print n }" "$T"/seq.*)" = 100 ]'
check "they shared the node's commits ($((c1 - c0)) for 100 messages)" \
    test $((c1 - c0)) -lt 100

# 5. A full store: every message of the batch 452, in order; the retry
#    once the map is larger stores each once.
fill() {	# SIZE: letters to chutich@hagiang until the store refuses one
	"$B/tests/mail_flood" "$T/hagiang/control.sock" vanthu@hagiang \
	    chutich@hagiang 1000 "fill$1" "$1" >/dev/null 2>&1
	[ $? = 1 ]
}
check "hagiang's store is filled to the brim" \
    eval 'fill 131072 && fill 16384'
{
	printf 'LHLO c\r\n'
	for i in 1 2 3 4 5; do
		message "full-$i" 30000 >"$T/f$i"
		bdat "$T/f$i" $R2
	done
	printf 'QUIT\r\n'
} >"$T/full.in"
send_raw $LP "$T/full.in" >"$T/full.out"
for i in 1 2 3 4 5; do
	printf '250 2.1.0 Ok\n250 2.1.5 Ok\n'
	printf '452 4.3.1 node cannot store it now (%s); try again later <%s>\n' X $R2
done >"$T/full.want"
echo '221 2.0.0 Bye' >>"$T/full.want"
check "the store full: each message of the batch gets 452, in order" \
    cmp -s "$T/full.want" <(replies "$T/full.out" | sed -E 's/now \(.*\); try/now (X); try/')
check "nothing of them is stored" \
    eval '! subjects hagiang chutich | grep -q "^full-"'
stop_node hagiang
sed -i 's/^map_size_mb = 16$/map_size_mb = 64/' "$T/hagiang.conf"
check "hagiang restarts with a larger map" start_node hagiang
send_raw $LP "$T/full.in" >"$T/full2.out"
check "then the client's retry: 250 for each, in order" \
    eval '[ "$(replies "$T/full2.out" | grep -c "^250 2.0.0 Ok: stored as ID <$R2>")" = 5 ]'
check "each stored once" \
    eval '[ "$(subjects hagiang chutich | grep "^full-" | sort | uniq -c | awk "\$1 == 1" | wc -l)" = 5 ]'

check "mailgw logged no sanitizer report" \
    eval '! grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T"/gw*.log'
finish
