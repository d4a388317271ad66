#!/usr/bin/env bash
# A parent that comes back has its children linked again within 2 s,
# however long it was away: a refused TCP connection is redialled every
# second at most, not after a backoff that grew while the parent was
# down (20 s down would have grown it to 12.8 s). retry_max_ms stays at
# its 30 s default, so only the short redial can pass.
cd "$(dirname "$0")/../.." && . tests/lib.sh

kids="bacquang.hagiang vixuyen.hagiang quanba.hagiang"
make_node tw
make_node hagiang tw
for k in $kids; do
	make_node "$k" hagiang
	sed -i 's/^retry_max_ms = .*/retry_max_ms = 30000/' "$T/$k.conf"
done
start_tree tw hagiang $kids
check "a province and its three districts link up" \
    wait_for 30 tree_up hagiang $kids

stop_node hagiang
gone() {
	local k
	for k in $kids; do ! link_up "$k" hagiang || return 1; done
}
check "its districts see it gone" wait_for 10 gone
sleep 20
start_node hagiang
check "back, the province links its districts again" \
    wait_for 30 tree_up $kids

ms() { date -u -d "$1" +%s%3N; }
# When the province started (it listens before it logs event=start),
# and when each district had its session up again.
back=$(grep 'event=start ' "$T/hagiang.log" | tail -n 1 | cut -d' ' -f1)
worst=0
for k in $kids; do
	up=$(grep 'event=link_up peer=hagiang ' "$T/$k.log" | tail -n 1 |
	    cut -d' ' -f1)
	d=$(( $(ms "$up") - $(ms "$back") ))
	[ "$d" -gt "$worst" ] && worst=$d
done
echo "# the last district linked again ${worst} ms after the province started"
check "every district linked again within 2 s of the province's start" \
    test "$worst" -le 2000
check "and mail flows down again" \
    eval 'echo x | ctl tw send --from vanthu@tw --subject back \
	chutich@quanba.hagiang >/dev/null &&
	wait_for 20 mail_at_least quanba.hagiang chutich 1'
finish
