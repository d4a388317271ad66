#!/usr/bin/env bash
# A node below that goes away is seen gone at once, not after
# link_timeout: its connection's close ends its session at the parent,
# whether it stopped cleanly (SIGTERM) or was killed (SIGKILL: the
# kernel closes the connection). link_timeout_s is 600 here, so only the
# close can have ended the session within the wait.
cd "$(dirname "$0")/../.." && . tests/lib.sh

LINK_TIMEOUT=600
make_node tw
make_node hagiang tw
start_tree tw hagiang
check "the province links up" wait_for 20 link_up hagiang tw
check "the root sees it up" wait_for 20 link_up tw hagiang

gone() {	# is hagiang's session down at the root, with why?
	ctl tw --json peers | jq -e '.peers[] | select(.name == "hagiang" and
	    .state == "down" and (.error | test("connection closed")))' >/dev/null
}
stop_node hagiang
check "stopped (SIGTERM): the root ends its session within 30 s" \
    wait_for 30 gone
check "and logs why" grep -q 'event=link_fail peer=hagiang reason="connection closed"' "$T/tw.log"

start_node hagiang
check "started again, it links up" wait_for 20 link_up tw hagiang
kill_node hagiang
check "killed (SIGKILL): the root ends its session within 30 s" \
    wait_for 30 gone
start_node hagiang
check "started again, it links up and mail flows" \
    eval 'wait_for 20 link_up tw hagiang &&
	echo x | ctl hagiang send --from vanthu@hagiang --subject up chutich@tw >/dev/null &&
	wait_for 20 mail_at_least tw chutich 1'
finish
