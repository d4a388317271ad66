#!/usr/bin/env bash
# make test-deb: the Debian package on this machine, as an office installs
# and upgrades it. It installs the package with apt, checks its files, the
# system user and the directories; enrols a root and a province as the
# README says (configs from the examples in /etc/node, stores in
# /var/lib/node, run as the user node: by systemd where it is PID 1,
# else by hand with the same user, binary and config); installs the same
# version again and a later one over it, with the stores kept; removes it
# (configs, stores and user kept), installs it again (the nodes resume),
# and purges it (all of it gone). No step may prompt or warn.
#
#   bash tests/deb.sh node_VERSION_ARCH.deb VERSION
#
# Needs root and apt; not part of make test. It refuses to run where a
# package or a user named node exists already, and purges what it
# installed also when it fails. Ends with "N passed, N failed".
cd "$(dirname "$0")/.." && . tests/lib.sh

deb=${1:?usage: tests/deb.sh node_VERSION_ARCH.deb VERSION}
version=${2:?usage: tests/deb.sh node_VERSION_ARCH.deb VERSION}
case $deb in /*) ;; *) deb=$PWD/$deb ;; esac
later=$version+test1
if [ "$(id -u)" != 0 ]; then
	echo "test-deb: run it as root: it installs a package"
	exit 2
fi
if dpkg-query -W node >/dev/null 2>&1 || getent passwd node >/dev/null ||
    getent group node >/dev/null; then
	echo "test-deb: this machine has a package, user or group named node" \
	    "already; it installs and purges its own (apt purge node first)"
	exit 2
fi

# Whatever happens, the machine is left as it was: nodes stopped, the
# package purged (which deletes the user and the directories).
deb_cleanup() {
	cleanup
	if dpkg-query -W node >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q node \
		    </dev/null >/dev/null 2>&1
	fi
}
trap deb_cleanup EXIT

SYSTEMD=
[ -d /run/systemd/system ] && SYSTEMD=1

# apt-get as a script runs it (no terminal, no questions), its output
# in $T/STEP.out; fails on a non-zero exit or a warning or error line.
apt_step() {
	local step=$1; shift
	DEBIAN_FRONTEND=noninteractive apt-get -y -q "$@" </dev/null \
	    >"$T/$step.out" 2>&1 || { sed 's/^/#   /' "$T/$step.out"; return 1; }
	! grep -iE '^[WE]: |warning|error' "$T/$step.out" | sed 's/^/#   /' |
	    grep .
}

# dpkg's state of the package: ii installed, rc removed (configs kept).
status_is() {
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}' node 2>/dev/null)" = "$1 " ]
}
owner_mode() { [ "$(stat -c '%U:%G %a' "$1" 2>/dev/null)" = "$2" ]; }
as_node() { runuser -u node -- "$@"; }
all_exist() { local f; for f; do test -e "$f" || return 1; done; }
# Is every file the package had gone? (Not its directories: nodejs,
# for one, has /usr/share/doc/node too.)
none_left() {
	local f
	while read -r f; do
		[ -d "$f" ] || ! test -e "$f" || return 1
	done <"$T/files"
}
nctl() { as_node /usr/bin/node-ctl -c "/etc/node/$1.conf" "${@:2}"; }
# Does office $1 see its link to $2 up?
peer_up() {
	nctl "$1" --json peers |
	    jq -e --arg p "$2" '.peers[] | select(.name == $p and .state == "up")'
}
# How many messages does mailbox $2 of office $1 hold?
mails() { nctl "$1" --json mail ls "$2" | jq '.messages | length'; }

# Starts node $1 (/etc/node/$1.conf) as the user node: by systemd where
# it runs, else directly (setpriv execs, so $! is the node).
start_office() {
	if [ -n "$SYSTEMD" ]; then
		systemctl start "node@$1" || return 1
	else
		setpriv --reuid=node --regid=node --init-groups \
		    /usr/sbin/node -c "/etc/node/$1.conf" >>"$T/$1.log" 2>&1 &
		PID[$1]=$!
	fi
	wait_for 10 nctl "$1" status
}

stop_office() {
	if [ -n "$SYSTEMD" ]; then
		systemctl stop "node@$1"
	else
		stop_node "$1"
	fi
}

office_user() {
	local pid
	if [ -n "$SYSTEMD" ]; then
		pid=$(systemctl show -P MainPID "node@$1")
	else
		pid=${PID[$1]}
	fi
	[ "$(ps -o user= -p "$pid")" = node ]
}

# The office's config from the example of its tier: loopback addresses
# and this test's ports, the real keys for the placeholders.
office_conf() {	# NAME TIER PORT [PARENT_PORT]
	sed -e "s|^listen = .*|listen = tcp://127.0.0.1:$3|" \
	    -e "s|tcp://[a-z]*\.example:7100|tcp://127.0.0.1:${4:-0}|" \
	    -e "s|ROOT-PUBLIC-KEY-64-HEX-DIGITS|${KEY[tw]:-}|g" \
	    -e "s|PROVINCE-PUBLIC-KEY-64-HEX-DIGITS|${KEY[hagiang]:-}|g" \
	    -e "s|DISTRICT-PUBLIC-KEY-64-HEX-DIGITS|${KEY[bacquang.hagiang]:-}|g" \
	    "/usr/share/doc/node/examples/$2.conf" >"/etc/node/$1.conf"
}

declare -A KEY

# Install.
check "the package installs without a question or a warning" \
    apt_step install install "$deb"
check "it is installed, at the project's version" \
    eval 'status_is ii && [ "$(dpkg-query -W -f="\${Version}" node)" = "$version" ]'
dpkg -L node >"$T/files"
check "the daemons are in /usr/sbin, the tools in /usr/bin" \
    eval 'test -x /usr/sbin/node && test -x /usr/sbin/mailgw &&
	test -x /usr/bin/node-ctl && test -x /usr/bin/node-key &&
	test -x /usr/bin/node-store'
check "each program has its manual page" \
    all_exist /usr/share/man/man8/{node,mailgw}.8.gz \
    /usr/share/man/man1/node-{ctl,key,store}.1.gz
check "the examples are in /usr/share/doc/node/examples" \
    all_exist /usr/share/doc/node/examples/{root,province,district,commune,mailgw}.conf
check "no configuration is shipped: nothing for dpkg to ask about" \
    eval '[ -z "$(dpkg-query -W -f="\${Conffiles}" node)" ] &&
	! grep -q "^/etc/" "$T/files"'
unit=/lib/systemd/system/node@.service
check "the unit runs /usr/sbin/node on /etc/node/NAME.conf as node" \
    eval 'grep -qx "ExecStart=/usr/sbin/node -c /etc/node/%i.conf" $unit &&
	grep -qx "User=node" $unit && grep -qx "StateDirectory=node" $unit'
cp "$unit" "$T/node@tw.service"
check "systemd-analyze verify finds nothing wrong with it" \
    eval '[ -z "$(systemd-analyze verify "$T/node@tw.service" 2>&1)" ]'
check "the system user node exists, its home /var/lib/node, no login" \
    eval 'IFS=: read -r _ _ uid gid _ home shell < <(getent passwd node) &&
	[ "$uid" -lt 1000 ] && [ "$home" = /var/lib/node ] &&
	[ "$shell" = /usr/sbin/nologin ] &&
	[ "$(getent group node | cut -d: -f3)" = "$gid" ]'
uid=$(id -u node)
check "/var/lib/node is node's alone (0700)" \
    owner_mode /var/lib/node "node:node 700"
check "/etc/node is there for the configs (root's, 0755)" \
    owner_mode /etc/node "root:root 755"

# Enrol a root and a province, as the README says.
PORT[tw]=$(free_port)
PORT[hagiang]=$(free_port)
PORT[bacquang.hagiang]=$(free_port)
check "the root's key is made as node in its data directory" \
    eval 'as_node mkdir -m 700 /var/lib/node/tw &&
	KEY[tw]=$(as_node /usr/bin/node-key generate /var/lib/node/tw/node.key) &&
	[ ${#KEY[tw]} -eq 64 ]'
office_conf tw root "${PORT[tw]}"
check "node init makes the root's store and prints its key" \
    eval '[ "$(as_node /usr/sbin/node init -c /etc/node/tw.conf)" = "${KEY[tw]}" ]'
check "node -n says the root's config (from the example) is ok" \
    quiet as_node /usr/sbin/node -n -c /etc/node/tw.conf
check "the root starts$([ -n "$SYSTEMD" ] && echo " (systemctl start node@tw)")" \
    start_office tw
check "it runs as node" office_user tw
office_conf hagiang province "${PORT[hagiang]}" "${PORT[tw]}"
check "node init makes the province's data directory, key and store" \
    eval 'KEY[hagiang]=$(as_node /usr/sbin/node init -c /etc/node/hagiang.conf) &&
	owner_mode /var/lib/node/hagiang "node:node 700" &&
	owner_mode /var/lib/node/hagiang/node.key "node:node 600"'
check "the root certifies it into its data directory" \
    quiet nctl tw cert issue hagiang "${KEY[hagiang]}" \
    -o /var/lib/node/hagiang/node.chain
check "node -n says the province's config is ok" \
    quiet as_node /usr/sbin/node -n -c /etc/node/hagiang.conf
check "the province starts and links up to the root" \
    eval 'start_office hagiang && wait_for 20 peer_up hagiang tw'
office_conf bacquang.hagiang district "${PORT[bacquang.hagiang]}" \
    "${PORT[hagiang]}"
check "the district example checks out once the province certifies it" \
    eval 'KEY[bacquang.hagiang]=$(as_node /usr/sbin/node init -c /etc/node/bacquang.hagiang.conf) &&
	nctl hagiang cert issue bacquang.hagiang "${KEY[bacquang.hagiang]}" \
	    -o /var/lib/node/bacquang.hagiang/node.chain >/dev/null &&
	as_node /usr/sbin/node -n -c /etc/node/bacquang.hagiang.conf >/dev/null'
cp /usr/share/doc/node/examples/mailgw.conf /etc/node/mailgw.conf
check "the mail gateway's example checks out (mailgw -n)" \
    quiet as_node /usr/sbin/mailgw -n -c /etc/node/mailgw.conf
echo "hello" | nctl hagiang send --from vanthu@hagiang --subject deb \
    chutich@tw >/dev/null
check "mail from the province reaches the root" \
    wait_for 20 eval '[ "$(mails tw chutich)" -ge 1 ]'
stop_office hagiang
stop_office tw

# The same version again, then a later one over it.
check "installing the same version again works quietly" \
    apt_step reinstall install --reinstall "$deb"
check "the stores, keys, configs and user are kept" \
    eval 'test -f /var/lib/node/tw/data.mdb && test -f /var/lib/node/tw/node.key &&
	test -f /etc/node/tw.conf && [ "$(id -u node)" = "$uid" ] &&
	owner_mode /var/lib/node "node:node 700"'
out=$(tools/deb.sh "$later" "$T" 2>&1) ||
    { echo "$out" | sed 's/^/#   /'; }
check "a later version ($later) builds" test -f "$T/node_${later}_$(dpkg --print-architecture).deb"
check "it installs over the first quietly" \
    apt_step upgrade install "$T/node_${later}_$(dpkg --print-architecture).deb"
check "it is installed, at the later version" \
    eval 'status_is ii && [ "$(dpkg-query -W -f="\${Version}" node)" = "$later" ]'
check "the nodes start on their stores after the upgrade and link up" \
    eval 'start_office tw && start_office hagiang &&
	wait_for 20 peer_up tw hagiang'
check "the root's mailbox still holds the mail" \
    eval '[ "$(mails tw chutich)" -ge 1 ]'
stop_office hagiang
stop_office tw

# Remove, install again, purge.
check "the package removes quietly" apt_step remove remove node
check "its programs and unit are gone" \
    eval '! test -e /usr/sbin/node && ! test -e /usr/bin/node-ctl && ! test -e $unit'
check "remove keeps the configs, the stores, the keys and the user" \
    eval 'status_is rc && test -f /etc/node/hagiang.conf &&
	test -f /var/lib/node/hagiang/node.key &&
	owner_mode /var/lib/node "node:node 700" && [ "$(id -u node)" = "$uid" ]'
check "it installs again quietly" \
    apt_step again install "$T/node_${later}_$(dpkg --print-architecture).deb"
check "the province's config checks out as before" \
    quiet as_node /usr/sbin/node -n -c /etc/node/hagiang.conf
check "the nodes resume on their stores" \
    eval 'start_office tw && start_office hagiang &&
	wait_for 20 peer_up tw hagiang'
stop_office hagiang
stop_office tw
check "the package purges quietly" apt_step purge purge node
check "dpkg knows nothing of it" eval '! dpkg-query -W node >/dev/null 2>&1'
check "no file of it is left" none_left
check "purge deletes /etc/node and /var/lib/node (stores and keys)" \
    eval '! test -e /etc/node && ! test -e /var/lib/node'
check "purge deletes the user and the group node" \
    eval '! getent passwd node >/dev/null && ! getent group node >/dev/null'

finish
rc=$?
echo "$((CHECKS - FAILED)) passed, $FAILED failed"
exit $rc
