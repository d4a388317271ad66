#!/usr/bin/env bash
# A link refused at the handshake comes up by itself once the node it
# connects to learns the certificate (libzmq alone would never retry a
# refused CURVE handshake). A commune with an extra link to the other
# district starts while that district cannot yet know its certificate.
cd "$(dirname "$0")/../.." && . tests/lib.sh

c=tanthanh.bacquang.hagiang
make_node tw
make_node hagiang tw
make_node bacquang.hagiang hagiang
make_node vixuyen.hagiang hagiang
make_node $c bacquang.hagiang
{
	echo "[link vixuyen.hagiang]"
	echo "endpoint = tcp://127.0.0.1:${PORT[vixuyen.hagiang]}"
	echo "key = $(cat "$T/vixuyen.hagiang/pub")"
} >>"$T/$c.conf"

# vixuyen admits the commune of another district: it is not its child.
sed -i "/^mailboxes/a accept = $c" "$T/vixuyen.hagiang.conf"

start_node tw && enrol hagiang && start_node hagiang &&
    enrol bacquang.hagiang && start_node bacquang.hagiang &&
    enrol vixuyen.hagiang && start_node vixuyen.hagiang
check "the tree starts" wait_for 15 link_up vixuyen.hagiang hagiang
# With the province down, the commune's certificate cannot reach vixuyen.
stop_node hagiang
enrol $c && start_node $c
check "the commune links up to its district" wait_for 15 link_up $c bacquang.hagiang
refused() {
	ctl $c --json peers | jq -e '.peers[] |
	    select(.name == "vixuyen.hagiang" and .state != "up" and
	    (.error | test("refused|failed")))' >/dev/null
}
check "the extra link is refused: vixuyen holds no certificate for it" \
    wait_for 15 refused
start_node hagiang
check "once the certificate replicates, the extra link comes up by itself" \
    wait_for 30 link_up $c vixuyen.hagiang
finish
