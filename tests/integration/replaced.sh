#!/usr/bin/env bash
# An office whose machine is replaced (data directory wiped, the office
# re-enrolled with a new key) is noticed by its parent from the new store
# instance id and resynced, never skipped: mail that came in through the
# parent is delivered again.
cd "$(dirname "$0")/../.." && . tests/lib.sh

make_node tw
make_node hagiang tw
start_node tw && enrol hagiang && start_node hagiang
check "the province links up" wait_for 15 link_up hagiang tw
for i in 1 2 3; do
	echo "thư $i" | ctl tw send --from chutich@tw --subject "thư $i" \
	    vanthu@hagiang >/dev/null
done
check "three letters arrive" wait_for 20 mail_at_least hagiang vanthu 3
old=$(cat "$T/hagiang/pub")

stop_node hagiang
rm -rf "$T/hagiang"
mkdir -p "$T/hagiang" && chmod 700 "$T/hagiang"
"$B/node" init -c "$T/hagiang.conf" >"$T/hagiang/pub" 2>/dev/null
check "the new machine has a new key" \
    eval '[[ $(cat "$T/hagiang/pub") =~ ^[0-9a-f]{64}$ && $(cat "$T/hagiang/pub") != "$old" ]]'
check "the root certifies the new key" enrol hagiang
start_node hagiang
check "the new machine links up" wait_for 15 link_up hagiang tw
check "the root notices a replaced store" \
    wait_for 10 grep -q "event=peer_store_replaced peer=hagiang" "$T/tw.log"
check "the three letters are delivered again to the new store" \
    wait_for 20 mail_at_least hagiang vanthu 3
check "once each" test "$(mail_count hagiang vanthu)" -eq 3
finish
