#!/usr/bin/env bash
# Group commit under kill -9. Ten clients submit at once, each request
# with its idempotency key, while the node is killed at a random moment,
# twenty times. A client stops at its first request without an ok reply
# and, next round, sends that one again with the same key and goes on.
# Every message that got an ok reply must be stored (it is never sent
# again), and one whose reply was lost must not be stored twice: in the
# end the mailbox holds each client's messages exactly once.
cd "$(dirname "$0")/../.." && . tests/lib.sh

CLIENTS=10 PER=1000 ROUNDS=20
make_node tw
check "the node starts" start_node tw
export MAIL_FLOOD_KEYS=1 MAIL_FLOOD_TIMEOUT_MS=3000
declare -A first
for c in $(seq 1 $CLIENTS); do first[$c]=1; done

# Each client from its first message not yet acknowledged.
run_clients() {
	local c pids=()
	for c in $(seq 1 $CLIENTS); do
		[ "${first[$c]}" -le $PER ] || continue
		MAIL_FLOOD_FIRST=${first[$c]} "$B/tests/mail_flood" \
		    "$T/tw/control.sock" vanthu@tw chutich@tw $PER "c$c" \
		    >"$T/acc.$c" 2>>"$T/flood.err" &
		pids+=($!)
	done
	[ -n "${1:-}" ] && { sleep "$1"; kill_node tw; }
	[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}" 2>/dev/null
	for c in $(seq 1 $CLIENTS); do
		[ -s "$T/acc.$c" ] || continue
		first[$c]=$((first[$c] + $(cat "$T/acc.$c")))
		: >"$T/acc.$c"
	done
}

for r in $(seq 1 $ROUNDS); do
	run_clients "0.$((RANDOM % 9 + 1))"
	start_node tw || break
done
lost=$(grep -c "no reply to message" "$T/flood.err")
check "the kills hit requests in flight: $lost replies lost, sent again" \
    test "$lost" -gt 0
run_clients
check "after $ROUNDS kills every client got an ok for all $PER messages" \
    eval 'for c in $(seq 1 $CLIENTS); do [ "${first[$c]}" = $((PER + 1)) ] || echo $c; done | { ! grep -q .; }'
subjects() {
	local from=1 page
	while [ -n "$from" ]; do
		page=$(ctl tw --json mail ls chutich --from "$from") || return 1
		jq -r '.messages[].subject' <<<"$page"
		from=$(jq -r '.next // empty' <<<"$page")
	done
}
subjects >"$T/subjects"
check "the mailbox holds $((CLIENTS * PER)) messages" \
    test "$(wc -l <"$T/subjects")" = $((CLIENTS * PER))
check "each exactly once: none stored twice, none lost" \
    test "$(sort -u "$T/subjects" | wc -l)" = $((CLIENTS * PER))
check "the store checks clean" \
    eval 'stop_node tw; "$B/node-store" check "$T/tw" >/dev/null'
finish
