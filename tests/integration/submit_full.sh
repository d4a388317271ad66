#!/usr/bin/env bash
# A group commit that fails. Ten clients submit 128 KiB letters at once
# into a 16 MiB store until it is full: the requests whose group did not
# commit all get an error, none of them is stored, every one that got an
# ok is, and the next request, a small one, gets its own group and
# succeeds.
cd "$(dirname "$0")/../.." && . tests/lib.sh

CLIENTS=10 PER=40
make_node tw
set_limit tw map_size_mb 16
check "the node starts" start_node tw
pids=()
for c in $(seq 1 $CLIENTS); do
	"$B/tests/mail_flood" "$T/tw/control.sock" vanthu@tw chutich@tw $PER \
	    "c$c" 131072 >"$T/acc.$c" 2>"$T/err.$c" &
	pids+=($!)
done
wait "${pids[@]}"
acked=0
for c in $(seq 1 $CLIENTS); do acked=$((acked + $(cat "$T/acc.$c"))); done
echo "# $acked of $((CLIENTS * PER)) letters got an ok before the store was full"
check "every client ran into the full store" \
    eval 'for c in $(seq 1 $CLIENTS); do [ "$(cat "$T/acc.$c")" -lt $PER ] || echo $c; done | { ! grep -q .; }'
check "each was told the write was refused" \
    eval 'for c in $(seq 1 $CLIENTS); do grep -qE "refused: (the store refused the write|could not store the message: the store refused it: store map is full)" "$T/err.$c" || echo $c; done | { ! grep -q .; }'
check "the node logs why, once" \
    test "$(grep -c 'event=writes_refused reason="store map is full' "$T/tw.log")" -eq 1
check "the mailbox holds exactly the letters that got an ok" \
    test "$(mail_count tw chutich)" = "$acked"
check "the next request, small, succeeds" \
    eval 'echo "nho" | ctl tw send --from vanthu@tw --subject nho chutich@tw'
check "and is stored" test "$(mail_count tw chutich)" = $((acked + 1))
finish
