#!/usr/bin/env bash
# Four tiers on 127.0.0.1: root tw, province hagiang, two districts, two
# communes under each. Mail commune->commune across districts,
# commune->root, root->every commune: each delivered exactly once, and
# every relay checked the origin's signature (records_bad stays 0,
# records_new counts it at each hop).
cd "$(dirname "$0")/../.." && . tests/lib.sh

build_tree() {
	make_node tw
	make_node hagiang tw
	for d in bacquang vixuyen; do
		make_node $d.hagiang hagiang
		for c in tanthanh quyetthang; do
			make_node $c.$d.hagiang $d.hagiang
		done
	done
	start_node tw
	for n in hagiang bacquang.hagiang vixuyen.hagiang \
	    tanthanh.bacquang.hagiang quyetthang.bacquang.hagiang \
	    tanthanh.vixuyen.hagiang quyetthang.vixuyen.hagiang; do
		enrol $n && start_node $n || return 1
	done
}
check "a four-tier tree of 8 nodes starts and enrols" build_tree

communes="tanthanh.bacquang.hagiang quyetthang.bacquang.hagiang
tanthanh.vixuyen.hagiang quyetthang.vixuyen.hagiang"
for c in $communes; do
	check "$c links up to its district" wait_for 15 link_up $c ${c#*.}
done

a=tanthanh.bacquang.hagiang
z=quyetthang.vixuyen.hagiang
echo "Giấy mời họp" | ctl $a send --from vanthu@$a --subject "họp" \
    vanthu@$z >/dev/null
echo "Báo cáo quý" | ctl $z send --from vanthu@$z --subject "báo cáo" \
    chutich@tw >/dev/null
rcpt=""
for c in $communes; do rcpt="$rcpt vanthu@$c"; done
echo "Chỉ thị" | ctl tw send --from chutich@tw --subject "chỉ thị" \
    $rcpt >/dev/null

check "commune to commune across districts arrives" \
    wait_for 20 mail_at_least $z vanthu 2
check "commune to root arrives" wait_for 20 mail_at_least tw chutich 1
for c in $communes; do
	check "root to $c arrives" wait_for 20 mail_at_least $c vanthu 1
done
sleep 2	# anything duplicated would have arrived by now
check "the cross-district letter was delivered once" \
    test "$(ctl $z --json mail ls vanthu | jq '[.messages[] | select(.subject == "họp")] | length')" -eq 1
check "the root's directive was delivered once per commune" \
    test "$(for c in $communes; do ctl $c --json mail ls vanthu; done |
	jq -s '[.[].messages[] | select(.subject == "chỉ thị")] | length')" -eq 4
check "the report reached the root once" test "$(mail_count tw chutich)" -eq 1

# Every relay on a's path verified what it stored and refused nothing.
for n in bacquang.hagiang hagiang vixuyen.hagiang $z; do
	check "$n refused no record" \
	    test "$(ctl $n --json status | jq .counters.records_bad)" -eq 0
done
id=$(ctl $z --json mail ls vanthu | jq -r '.messages[] | select(.subject == "họp") | .id')
for n in bacquang.hagiang hagiang vixuyen.hagiang; do
	check "$n holds custody records for the letter" \
	    test "$(ctl $n --json trace "$id" | jq '[.events[] | select(.event == "received")] | length')" -eq 1
done
finish
