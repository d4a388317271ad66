#!/usr/bin/env bash
# Starting and stopping a node: a bad config line, an unreadable key and
# a store that cannot be opened each stop it at start with one clear
# error naming the file (and line); SIGTERM stops it cleanly; the
# control socket is the owner's alone and survives bad requests.
cd "$(dirname "$0")/../.." && . tests/lib.sh

make_node tw
conf=$T/tw.conf

check "node --help prints usage and exits 0" \
    eval '"$B/node" --help | grep -q "node init"'
check "node-ctl --help prints usage and exits 0" \
    eval '"$B/node-ctl" --help | grep -q "mail ls MAILBOX"'
check "node-ctl COMMAND --help too" \
    eval '"$B/node-ctl" -c "$conf" trace --help | grep -q "usage:"'
"$B/node-ctl" -c "$conf" frobnicate >/dev/null 2>&1
check "node-ctl with an unknown command exits 2" test $? -eq 2

# node init: a new office's data directory, key pair and store.
sed "s|^data_dir = .*|data_dir = $T/fresh|" "$conf" >"$T/fresh.conf"
pub=$("$B/node" init -c "$T/fresh.conf" 2>/dev/null)
check "node init prints the new public key" grep -qE '^[0-9a-f]{64}$' <<<"$pub"
check "node init makes the data directory 0700" \
    test "$(stat -c %a "$T/fresh")" = 700
check "node init makes the key file 0600" \
    test "$(stat -c %a "$T/fresh/node.key")" = 600
check "the key file holds that key" \
    test "$("$B/node-key" public "$T/fresh/node.key")" = "$pub"
check "node init makes the store (a plain LMDB environment)" \
    quiet mdb_stat "$T/fresh"
check "node init again keeps the key" \
    test "$("$B/node" init -c "$T/fresh.conf" 2>/dev/null)" = "$pub"

check "a good config checks out (node -n)" quiet "$B/node" -n -c "$conf"

sed 's/^heartbeat_s = 1/heartbeat_s = many/' "$conf" >"$T/bad.conf"
out=$("$B/node" -n -c "$T/bad.conf" 2>&1); rc=$?
line=$(grep -n '^heartbeat_s' "$T/bad.conf" | cut -d: -f1)
check "a bad config line stops it with exit 1" test "$rc" -eq 1
check "the error names the file and line ($out)" \
    grep -q "bad.conf:$line: heartbeat_s" <<<"$out"

chmod 644 "$T/tw/node.key"
out=$("$B/node" -c "$conf" 2>&1); rc=$?
check "a key others can read stops it with exit 1" test "$rc" -eq 1
check "the error names the key file ($out)" grep -q "tw/node.key" <<<"$out"
chmod 600 "$T/tw/node.key"

# A data directory that is a file: the store cannot open there.
mkdir -p "$T/blocked" && : >"$T/blocked/data"
awk -v d="$T/blocked/data" -v k="$T/tw/node.key" \
    '/^data_dir/{print "data_dir = " d; print "key_file = " k; next} {print}' \
    "$conf" >"$T/nostore.conf"
out=$("$B/node" -c "$T/nostore.conf" 2>&1); rc=$?
check "a store it cannot open stops it with exit 1" test "$rc" -eq 1
check "the error names the data directory ($out)" \
    grep -q "blocked/data" <<<"$out"

start_node tw
check "the control socket is owner-only (0600)" \
    test "$(stat -c %a "$T/tw/control.sock")" = 600
check "node-ctl status answers" quiet ctl tw status
# Another user is refused, with a clear line, at once. (A copy of
# node-ctl that user may run, wherever the build directory is.)
pub=$(mktemp -d) && chmod 755 "$pub" && cp "$B/node-ctl" "$pub/"
out=$(timeout 10 setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$pub/node-ctl" -s "$T/tw/control.sock" status 2>&1); rc=$?
rm -rf "$pub"
check "another user cannot use the control socket (exit 1)" test "$rc" -eq 1
check "and is told why ($out)" grep -q "permission denied" <<<"$out"
refused() {	# request... -> 0 if the node answered with an error
	"$B/tests/ctl_raw" "$T/tw/control.sock" "$@" | grep -q '"ok":false'
}
check "garbage gets an error reply" refused 'not json'
check "a JSON array gets an error reply" refused '[1,2]'
check "an unknown command gets an error reply" refused '{"cmd":"rm -rf"}'
check "a wrongly typed field gets an error reply" \
    refused '{"cmd":"mail_cat","mailbox":7,"seq":"x"}'
check "an oversized request gets an error reply" refused --size 1100000
check "a multipart request gets an error reply" refused --multipart
check "a bad message id gets a clear error from node-ctl" \
    bash -c "'$B/node-ctl' -c '$conf' trace nothex 2>&1 | grep -q 'message id'"
check "the node still answers after bad requests" quiet ctl tw status
check "and counted them" test "$(ctl tw --json status | jq .counters.ctl_bad)" -ge 7
kill -TERM "${PID[tw]}"
wait "${PID[tw]}"; rc=$?
unset "PID[tw]"

# systemd readiness (Type=notify): READY=1 once it serves, STOPPING=1.
"$B/tests/notify_listen" "$T/notify" 5 >"$T/notified" &
lpid=$!
sleep 0.2
NOTIFY_SOCKET=$T/notify "$B/node" -c "$conf" >>"$T/tw.log" 2>&1 &
PID[tw]=$!
check "with NOTIFY_SOCKET set it tells systemd it is ready" \
    wait_for 10 grep -q '^READY=1$' "$T/notified"
check "and it serves by then" quiet ctl tw status
kill -TERM "${PID[tw]}"
wait "${PID[tw]}"; rc=$?
unset "PID[tw]"
check "SIGTERM stops it with exit 0" test "$rc" -eq 0
check "it logs a clean stop" grep -q "event=stopped" "$T/tw.log"
check "and tells systemd it is stopping" \
    wait_for 10 grep -q '^STOPPING=1$' "$T/notified"
wait "$lpid"
finish
