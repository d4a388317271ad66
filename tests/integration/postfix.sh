#!/usr/bin/env bash
# End to end with a stock Postfix in front of the gateway:
#
#   swaks -> Postfix (own config dir, loopback port) -> lmtp: -> mailgw at
#   the commune tanthanh.bacquang.hagiang -> node network: commune ->
#   district -> province hagiang -> mailgw at the province -> Maildir
#
# Postfix's transport_maps sends the network's domain ("example") over
# LMTP to the commune's gateway. Mail for gw@hagiang.example (the
# province's outbound mailbox) and vanthu@hagiang.example crosses the
# tree; the Maildir file is Postfix's Received: header and then the
# submitted message, byte for byte, its RFC 2047 Vietnamese subject
# intact; the province's copy in vanthu shows it decoded; the district
# has custody of it. Then the commune's node is stopped while Postfix
# hands mail over: the gateway answers 451, Postfix keeps the mail in its
# queue (postqueue -p); the node is started again, postqueue -f flushes,
# and the mail lands exactly once.
#
# Postfix's master runs as root (it changes to the postfix user itself);
# without root, or without Postfix installed, the test says SKIP.
cd "$(dirname "$0")/../.." && . tests/lib.sh

if [ "$(id -u)" != 0 ] || ! command -v postfix >/dev/null ||
    ! id postfix >/dev/null 2>&1 || ! command -v swaks >/dev/null; then
	echo "ok - # SKIP needs root, postfix and swaks (make deps, as root)"
	exit 0
fi

MAILBOXES="vanthu chutich gw postmaster"
C=tanthanh.bacquang.hagiang
make_node tw
make_node hagiang tw
make_node bacquang.hagiang hagiang
make_node $C bacquang.hagiang
start_node tw && enrol hagiang && start_node hagiang &&
    enrol bacquang.hagiang && start_node bacquang.hagiang &&
    enrol $C && start_node $C
check "four tiers link up" wait_for 20 eval 'link_up $C bacquang.hagiang && link_up bacquang.hagiang hagiang'

LP=$(free_port)		# the commune gateway's LMTP port
PP=$(free_port)		# Postfix's smtpd
cat >"$T/gw-commune.conf" <<EOF
[gateway]
control = $T/$C/control.sock
domain = example
sender = postmaster@$C
listen_lmtp = 127.0.0.1:$LP
EOF
cat >"$T/gw-province.conf" <<EOF
[gateway]
control = $T/hagiang/control.sock
domain = example

[outbound]
mailbox = gw
maildir = $T/Maildir
poll_ms = 100
EOF
start_gw() {
	"$B/mailgw" -c "$T/gw-$1.conf" >>"$T/gw-$1.log" 2>&1 &
	PID[gw-$1]=$!
}
start_gw commune
start_gw province
check "the gateways start" wait_for 10 eval '(exec 3<>/dev/tcp/127.0.0.1/$LP) 2>/dev/null'

# Postfix, all of it under $T/pf; the master's own directories must be
# reachable by the postfix user.
PF=$T/pf
chmod 711 "$T"
mkdir -p "$PF/etc" "$PF/queue" "$PF/data"
chown postfix "$PF/data"
grep -v '^#' /etc/postfix/master.cf | grep -v '^[[:space:]]*$' |
    grep -vE '^(maildrop|uucp|ifmail|bsmtp|scalemail-backend|mailman|tlsmgr|postscreen|smtpd|dnsblog|submission|smtps|628)[[:space:]]' |
    grep -vE '^[[:space:]]' >"$PF/etc/master.cf"
cat >"$PF/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
myhostname = pf.test
mydomain = test
myorigin = pf.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
disable_dns_lookups = yes
lmtp_host_lookup = native
smtp_host_lookup = native
transport_maps = inline:{ example=lmtp:inet:127.0.0.1:$LP, .example=lmtp:inet:127.0.0.1:$LP }
# So a flush after the node comes back is prompt, and nothing else
# retries behind the test's back.
queue_run_delay = 300s
minimal_backoff_time = 300s
lmtp_connection_cache_on_demand = no
EOF
postconf -c "$PF/etc" -M smtp/inet="127.0.0.1:$PP inet n - n - - smtpd"
postconf -c "$PF/etc" -F '*/*/chroot = n'
pf_stop() {
	postfix -c "$PF/etc" stop >/dev/null 2>&1
	local i
	for i in $(seq 50); do
		[ -f "$PF/queue/pid/master.pid" ] &&
		    kill -0 "$(tr -d ' ' <"$PF/queue/pid/master.pid")" 2>/dev/null || return 0
		sleep 0.1
	done
	postfix -c "$PF/etc" abort >/dev/null 2>&1
}
trap 'pf_stop; cleanup' EXIT
check "postfix check passes on the test's config" quiet postfix -c "$PF/etc" check
check "postfix starts on 127.0.0.1:$PP" quiet postfix -c "$PF/etc" start
check "postfix listens" wait_for 10 eval '(exec 3<>/dev/tcp/127.0.0.1/$PP) 2>/dev/null'

maildir_count() { ls "$T/Maildir/new" 2>/dev/null | wc -l; }
# The Maildir file without Postfix's leading Received: header.
unreceived() {
	awk 'h == 0 && (/^Received:/ || /^[ \t]/) { next } { h = 1; print }' "$1"
}

# 1. Across the tree, byte-identical.
SUBJ='Giấy mời họp'
{
	printf 'From: =?UTF-8?B?%s?= <vanphong@tinh.gov.vn>\n' "$(printf 'Văn phòng Tỉnh' | base64)"
	printf 'To: gw@hagiang.example, vanthu@hagiang.example\n'
	printf 'Subject: =?UTF-8?B?%s?=\n' "$(printf '%s' "$SUBJ" | base64)"
	printf 'Date: Mon, 2 Jun 2025 08:00:00 +0700\nMessage-ID: <pf1@tinh.gov.vn>\n'
	printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n'
	printf 'Content-Transfer-Encoding: 8bit\n\n'
	printf 'Kính gửi: Ủy ban nhân dân xã Tân Thành\n.dòng bắt đầu bằng dấu chấm\n'
	printf 'Trân trọng.'
} >"$T/m1"
{ cat "$T/m1"; printf '\n'; } >"$T/m1.expect"	# swaks ends it with CRLF
swaks --server 127.0.0.1:$PP --from vanphong@tinh.gov.vn \
    --to gw@hagiang.example,vanthu@hagiang.example --data @"$T/m1" \
    >"$T/swaks1.out" 2>&1
check "postfix takes the message (250 queued)" \
    grep -q '^<-  250 2.0.0 Ok: queued' "$T/swaks1.out"
check "it lands in the Maildir behind the province's gateway" \
    wait_for 30 eval 'test "$(maildir_count)" = 1'
f="$T/Maildir/new/$(ls "$T/Maildir/new" | head -1)"
check "postfix handed it over LMTP to the commune's gateway (status=sent)" \
    grep -q "relay=127.0.0.1\[127.0.0.1\]:$LP.*status=sent (250 2.0.0 Ok: stored as" "$PF/maillog"
check "the Maildir file is Postfix's Received: and the message, byte-identical" \
    eval 'unreceived "$f" | cmp -s - "$T/m1.expect"'
check "the Vietnamese subject header is intact in the Maildir" \
    grep -qxF "Subject: =?UTF-8?B?$(printf '%s' "$SUBJ" | base64)?=" "$f"
check "the province's copy (vanthu) shows the subject decoded" \
    wait_for 15 eval 'ctl hagiang --json mail ls vanthu | jq -e --arg s "$SUBJ" "[.messages[] | select(.subject == \$s)] | length == 1" >/dev/null'
id=$(sed -n 's/.*event=accepted .* id=\([0-9a-f]*\).*/\1/p' "$T/gw-commune.log" | head -1)
check "the message crossed the district (custody there)" \
    eval 'ctl bacquang.hagiang --json trace "$id" | jq -e ".events | length > 0" >/dev/null'
check "the province's gateway mailbox is emptied" \
    wait_for 10 eval 'test "$(mail_count hagiang gw)" = 0'

# 2. The commune's node is down while Postfix hands mail over.
stop_node $C
{
	printf 'From: vanphong@tinh.gov.vn\nTo: gw@hagiang.example\n'
	printf 'Subject: =?UTF-8?B?%s?=\n' "$(printf 'Khẩn: họp lúc 14 giờ' | base64)"
	printf 'Message-ID: <pf2@tinh.gov.vn>\nDate: Mon, 2 Jun 2025 09:00:00 +0700\n\n'
	printf 'Nội dung khẩn.'
} >"$T/m2"
{ cat "$T/m2"; printf '\n'; } >"$T/m2.expect"
swaks --server 127.0.0.1:$PP --from vanphong@tinh.gov.vn \
    --to gw@hagiang.example --data @"$T/m2" >"$T/swaks2.out" 2>&1
check "postfix takes the second message" \
    grep -q '^<-  250 2.0.0 Ok: queued' "$T/swaks2.out"
check "the gateway answers 451 and postfix defers it" \
    wait_for 20 grep -q "status=deferred (host 127.0.0.1\[127.0.0.1\] said: 451 4.4.1" "$PF/maillog"
check "postfix keeps it in its queue (postqueue -p)" \
    eval 'postqueue -c "$PF/etc" -p | grep -q "gw@hagiang.example"'
check "nothing reached the Maildir meanwhile" test "$(maildir_count)" = 1
start_node $C
check "the commune links up again" wait_for 20 link_up $C bacquang.hagiang
postqueue -c "$PF/etc" -f
check "after postqueue -f it lands in the Maildir" \
    wait_for 30 eval 'test "$(maildir_count)" = 2'
check "postfix's queue is empty" \
    wait_for 10 eval 'postqueue -c "$PF/etc" -p | grep -q "Mail queue is empty"'
sleep 2
postqueue -c "$PF/etc" -f
sleep 2
check "exactly once: two files in the Maildir, no more" test "$(maildir_count)" = 2
f2=$(grep -l 'pf2@tinh.gov.vn' "$T/Maildir/new/"* | head -1)
check "the deferred message is byte-identical too" \
    eval 'unreceived "$f2" | cmp -s - "$T/m2.expect"'
check "the commune's gateway logged the deferral and then the acceptance" \
    eval 'grep -q "event=deferred .*reason=\"no node listening" "$T/gw-commune.log" && test "$(grep -c "event=accepted" "$T/gw-commune.log")" = 2'

pf_stop
check "postfix stopped" eval '! postfix -c "$PF/etc" status >/dev/null 2>&1'
stop_node gw-commune
stop_node gw-province
check "the gateways logged no sanitizer report" \
    eval '! grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T"/gw-*.log'
finish
