#!/usr/bin/env bash
# The example config of each tier checks out once its placeholders are
# filled in with real keys (node -n reads the config, the key and the
# chain), so the examples an admin copies are valid files.
cd "$(dirname "$0")/../.." && . tests/lib.sh

make_node tw
make_node hagiang tw
make_node bacquang.hagiang hagiang
make_node tanthanh.bacquang.hagiang bacquang.hagiang
start_node tw && enrol hagiang && start_node hagiang &&
    enrol bacquang.hagiang && start_node bacquang.hagiang &&
    enrol tanthanh.bacquang.hagiang
for tier in root:tw province:hagiang district:bacquang.hagiang \
    commune:tanthanh.bacquang.hagiang; do
	ex=${tier%%:*} name=${tier#*:}
	sed -e "s|^data_dir = .*|data_dir = $T/$name|" \
	    -e "s|ROOT-PUBLIC-KEY-64-HEX-DIGITS|$(cat "$T/tw/pub")|g" \
	    -e "s|PROVINCE-PUBLIC-KEY-64-HEX-DIGITS|$(cat "$T/hagiang/pub")|g" \
	    -e "s|DISTRICT-PUBLIC-KEY-64-HEX-DIGITS|$(cat "$T/bacquang.hagiang/pub")|g" \
	    "tools/examples/$ex.conf" >"$T/example-$ex.conf"
	check "the $ex example checks out (node -n)" \
	    quiet "$B/node" -n -c "$T/example-$ex.conf"
done
check "the systemd unit checks the config before it starts the node" \
    grep -q '^ExecStartPre=.*node -n -c' tools/systemd/node@.service
make -s install DESTDIR="$T/root" B="${B#$PWD/}" >/dev/null 2>&1
check "make install puts the programs, the unit and the examples in place" \
    eval 'test -x "$T/root/usr/local/bin/node" && test -x "$T/root/usr/local/bin/node-ctl" &&
	test -f "$T/root/usr/local/lib/systemd/system/node@.service" &&
	test -f "$T/root/usr/local/share/doc/node/examples/commune.conf"'
check "make install puts the man pages in place" \
    eval 'test -f "$T/root/usr/local/share/man/man1/node-ctl.1" &&
	test -f "$T/root/usr/local/share/man/man1/node-key.1" &&
	test -f "$T/root/usr/local/share/man/man1/node-store.1" &&
	test -f "$T/root/usr/local/share/man/man8/node.8" &&
	test -f "$T/root/usr/local/share/man/man8/mailgw.8"'
for page in tools/man/*.[18]; do
	check "$page renders without a warning" \
	    eval '[ -z "$(groff -man -Tutf8 -ww "$page" 2>&1 >/dev/null)" ]'
done
# Every command node-ctl --help lists has its entry in the man page.
plain=$(groff -man -Tascii tools/man/node-ctl.1 2>/dev/null | sed 's/.\x08//g')
for cmd in $("$B/node-ctl" --help | awk '/^  [a-z]/ { print $1 }' | sort -u); do
	check "node-ctl(1) documents $cmd" grep -qE "^ {7}$cmd( |$)" <<<"$plain"
done
finish
