#!/usr/bin/env bash
# A node whose data directory is on a full filesystem: it refuses writes
# with a clear error, backs off, logs once, counts each record once, keeps
# its links, and converges once space returns.
#
#   tw  ->  hagiang   (its data directory: a 3 MiB tmpfs of its own)
#
# The tmpfs is mounted in a private mount namespace: the test runs itself
# again under `unshare -m` (as root) or `unshare -rm` (as anyone); if
# neither works, or the mount fails, it says so and fails.
#
# tw sends NA letters to hagiang, which stores them. A file then fills
# hagiang's filesystem, and tw sends NB more. hagiang refuses their
# commits again and again as tw resends. Once it has refused RETRIES of
# them (however long that takes), it must show:
#   - its log: one line that says the store refuses writes and why
#     ("No space left on device", not "Input/output error"), and no line
#     per refused commit;
#   - status: writes refused, for that reason; commit_failed and
#     records_unstored count the refusals, and records_in counts no
#     record it did not store (records_in - records_dup <= records held);
#   - node-ctl send and doc put, of letters and documents too big for what
#     is left: an error that names the cause, after the ones that fit;
#   - both links up, never lost.
# Then the file is removed: every letter reaches its mailbox exactly
# once (NA + NB at hagiang, the ones hagiang accepted at tw), the log
# says once that writes work again, status says so, records_in still
# counts nothing twice, and the stopped store checks clean. The time
# from the removal to convergence is printed (not judged: the machine
# may be slow).
self=$(realpath "$0")
cd "$(dirname "$self")/../.." || exit 1
if [ -z "${DISK_FULL_NS:-}" ]; then
	export DISK_FULL_NS=1
	unshare -m true 2>/dev/null && exec unshare -m bash "$self" "$@"
	unshare -rm true 2>/dev/null && exec unshare -rm bash "$self" "$@"
	echo "not ok - a private mount namespace for a small tmpfs" \
	    "(unshare -m and unshare -rm both failed): nothing was tested"
	exit 1
fi
. tests/lib.sh

S=hagiang
NA=50 NB=400		# letters before and after the disk fills
RETRIES=5		# refused commits to see before judging
FLOOD=$B/tests/mail_flood
MNT=$T/$S

on_exit() {
	local n
	for n in "${!PID[@]}"; do
		kill -9 "${PID[$n]}" 2>/dev/null
		{ wait "${PID[$n]}"; } 2>/dev/null
	done
	umount "$MNT" 2>/dev/null
	cleanup
}
trap on_exit EXIT

status() { ctl "$1" --json status; }
counter() { status "$1" | jq -e ".counters.$2"; }
# Every message's subject in mailbox $2 of node $1, one a line.
subjects() {
	local from=1 page
	while [ -n "$from" ]; do
		page=$(ctl "$1" --json mail ls "$2" --from "$from") || return 1
		jq -r '.messages[].subject' <<<"$page"
		from=$(jq -r '.next // empty' <<<"$page")
	done
}
# Mailbox $2 of node $1 holds exactly $3 messages whose subjects start
# with $4, each once.
exactly_once() {
	local all
	all=$(subjects "$1" "$2") || return 1
	[ "$(grep -c "^$4" <<<"$all")" -eq "$3" ] &&
	    [ "$(grep "^$4" <<<"$all" | sort | uniq -d | wc -l)" -eq 0 ]
}
holds_at_least() { [ "$(subjects "$1" "$2" | grep -c "^$4")" -ge "$3" ]; }
# The lines of hagiang's log about refused writes.
store_lines() {
	grep -E 'writes_refused|writes_work|commit refused|store_refused' \
	    "$T/$S.log"
}
# records_in counts no record hagiang did not store: each one taken in
# was stored, or was held already (or refused for good, none here).
counted_once() {
	status $S | jq -e '.counters.records_in - .counters.records_dup <=
	    .store.records and .counters.records_new <= .store.records' \
	    >/dev/null || { status $S | jq -c '[.store.records,
	    .counters.records_in, .counters.records_dup]' >&2; return 1; }
}
refusing() { status $S | jq -e '.writes.refused' >/dev/null; }
# Fills what is left of the filesystem at $MNT with a file.
fill() { dd if=/dev/zero of="$MNT/filler" bs=64k 2>/dev/null; [ -s "$MNT/filler" ]; }
free_bytes() { df -B1 --output=avail "$MNT" | tail -n 1 | tr -d ' '; }

check "a 3 MiB tmpfs is mounted on hagiang's data directory" eval \
    'mkdir -p "$MNT" && mount -t tmpfs -o size=3m,mode=700 tmpfs "$MNT"'
[ "$FAILED" -eq 0 ] || exit 1
setup() {
	make_node tw && make_node $S tw || return 1
	# Status reports are records too: none during this test.
	set_limit tw status_s 3600 && set_limit $S status_s 3600
	start_node tw && enrol $S && start_node $S
}
check "tw and hagiang start" setup
check "hagiang links up to tw" wait_for 30 link_up $S tw
check "hagiang creates a database of its own" \
    quiet ctl $S db create hoso $S "*.$S=author"

"$FLOOD" "$T/tw/control.sock" chutich@tw vanthu@$S $NA a 1000 >/dev/null
check "tw's first $NA letters reach hagiang" \
    wait_for 60 holds_at_least $S vanthu $NA a-
check "nothing was refused yet" eval \
    '[ "$(counter $S commit_failed)" -eq 0 ] && ! refusing'

check "a file fills hagiang's filesystem" fill
echo "# $(free_bytes) bytes left on hagiang's filesystem"
check "tw takes $NB more letters for hagiang" eval \
    '"$FLOOD" "$T/tw/control.sock" chutich@tw vanthu@$S $NB b 1000 >/dev/null'
check "hagiang refuses $RETRIES commits of them, and says so in status" \
    wait_for 120 eval '[ "$(counter $S commit_failed)" -ge $RETRIES ] && refusing'

store_lines | sed 's/^/# log: /'
check "its log says it once, not once per refused commit" \
    test "$(store_lines | wc -l)" -eq 1
check "the line names the real cause" \
    eval 'store_lines | grep -q "No space left on device"'
check "no line says Input/output error" \
    eval '! grep -q "Input/output error" "$T/$S.log"'
check "status says why writes are refused" eval \
    'status $S | jq -e ".writes.error | test(\"No space left on device\")" >/dev/null'
check "so does node-ctl status" eval \
    'ctl $S status | grep -q "^writes  *REFUSED .*No space left on device"'
check "records_unstored counts the records refused" \
    test "$(counter $S records_unstored)" -gt 0
check "records_in counts no record hagiang did not store" counted_once

# Clients: letters and documents too big for what is left. Those that
# still fit are accepted (and counted), until one is refused.
head -c 120000 /dev/urandom | base64 -w 76 | head -c 120000 >"$T/big.txt"
head -c 60000 /dev/urandom >"$T/big.bin"
sent=0
for i in $(seq 1 40); do
	ctl $S send --from vanthu@$S --subject "c-$i" --file "$T/big.txt" \
	    chutich@tw >/dev/null 2>"$T/send.err" || break
	sent=$i
done
echo "# hagiang accepted $sent big letters before refusing one"
check "node-ctl send is refused" test "$sent" -lt 40
check "its error says the store refused it, and why" eval \
    'grep -q "store refused the write: disk full (No space left on device)" \
    "$T/send.err"'
sed 's/^/# send: /' "$T/send.err"
docs=0
for i in $(seq 1 40); do
	ctl $S doc put hoso "scan:bytes=@$T/big.bin" >/dev/null \
	    2>"$T/doc.err" || break
	docs=$i
done
check "node-ctl doc put is refused" test "$docs" -lt 40
check "its error says the store refused it, and why" \
    eval 'grep -q "No space left on device" "$T/doc.err"'
sed 's/^/# doc put: /' "$T/doc.err"
check "the refused clients added no log line" \
    test "$(store_lines | wc -l)" -eq 1
check "both links are up" eval "link_up $S tw && link_up tw $S"
check "neither link went down" eval \
    '[ "$(grep -c "event=link_up" "$T/$S.log")" -eq 1 ] &&
    [ "$(grep -c "event=link_up" "$T/tw.log")" -eq 1 ]'

rm -f "$MNT/filler"
t0=$(date +%s%N)
echo "# space returned: $(free_bytes) bytes free"
check "all $((NA + NB)) of tw's letters reach hagiang" \
    wait_for 120 holds_at_least $S vanthu $((NA + NB)) "[ab]-"
echo "# hagiang held them $((($(date +%s%N) - t0) / 1000000)) ms after" \
    "space returned"
check "the $sent letters hagiang accepted reach tw" \
    wait_for 60 holds_at_least tw chutich "$sent" c-
check "each of tw's letters is in hagiang's mailbox once" eval \
    "exactly_once $S vanthu $NA a- && exactly_once $S vanthu $NB b-"
check "each letter hagiang accepted is in tw's mailbox once" \
    exactly_once tw chutich "$sent" c-
check "hagiang's log says once that writes work again" \
    wait_for 30 eval '[ "$(grep -c "event=writes_work_again" "$T/$S.log")" -eq 1 ]'
store_lines | sed 's/^/# log: /'
check "two lines in all about it" test "$(store_lines | wc -l)" -eq 2
check "status says writes work" eval '! refusing'
check "records_in still counts nothing twice" counted_once
check "writes work for clients again" \
    quiet ctl $S doc put hoso "scan:bytes=@$T/big.bin"
check "both links are still up" eval "link_up $S tw && link_up tw $S"

stop_node $S
check "hagiang's stopped store checks clean" \
    quiet "$B/node-store" check "$MNT"
finish
