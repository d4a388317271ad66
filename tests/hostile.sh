# Shared by the tests that play a hostile node (source it after lib.sh):
# hand-made keys and certificates, evil_peer, and what to look at after.
#
#   new_key NAME            a key pair for a name that runs no node
#   issue NODE NAME         NODE certifies NAME's key; prints the cert id
#   evil NAME PARENT MODE [OPTION...]   evil_peer as NAME against PARENT
#   evil_said NAME MODE TEXT            did that run print TEXT?
#   evil_output NAME MODE               what that run printed
#   counter NODE NAME       a counter of node-ctl status
#   subject_count NODE MAILBOX SUBJECT  messages with that subject
#   holds NODE ID           does NODE hold record ID?
#   logged NODE TEXT        did NODE log TEXT?
#   link_down, link_error, has_link_error, never_for, is_running

EVIL=$B/tests/evil_peer
FORGE=$B/tests/forge_cert

counter() { ctl "$1" --json status | jq ".counters.$2"; }

# Messages with subject $3 in mailbox $2 of node $1.
subject_count() {
	ctl "$1" --json mail ls "$2" |
	    jq --arg s "$3" '[.messages[] | select(.subject == $s)] | length'
}

# Does node $1 hold record $2 (it has custody events for it)?
holds() {
	test "$(ctl "$1" --json trace "$2" | jq '.events | length')" -gt 0
}

link_down() { ! link_up "$@"; }

# The error node $1 shows for its link to $2 (empty if none).
link_error() {
	ctl "$1" --json peers |
	    jq -r --arg p "$2" '.peers[] | select(.name == $p) | .error'
}

has_link_error() { test -n "$(link_error "$1" "$2")"; }

# Succeeds if CMD never succeeds for SECONDS.
never_for() {
	local secs=$1; shift
	local end=$((SECONDS + secs))
	while [ $SECONDS -lt $end ]; do
		"$@" >/dev/null 2>&1 && return 1
		sleep 0.2
	done
}

# grep -q with a fixed string in node $1's log.
logged() { grep -qF -- "$2" "$T/$1.log"; }

# A key pair for a name that runs no node (evil_peer uses it).
new_key() {
	mkdir -p "$T/$1" && chmod 700 "$T/$1"
	"$B/node-key" generate "$T/$1/node.key" >"$T/$1/pub"
}

# Node $1 certifies $2's key; prints the certificate id.
issue() {
	ctl "$1" cert issue "$2" "$(cat "$T/$2/pub")" -o "$T/$2/node.chain" |
	    awk '{ print $3 }'
}

# evil NAME PARENT MODE [OPTION...]: evil_peer as NAME against PARENT;
# its output goes to $T/evil.log; returns its exit status.
evil() {
	local name=$1 parent=$2 mode=$3 rc; shift 3
	echo "== $name $mode $*" >>"$T/evil.log"
	"$EVIL" "$@" "$T/$name/node.key" "$T/$name/node.chain" "$name" \
	    "tcp://127.0.0.1:${PORT[$parent]}" "$(cat "$T/$parent/pub")" \
	    "$mode" >>"$T/evil.log" 2>&1
	rc=$?
	echo "== exit $rc" >>"$T/evil.log"
	return $rc
}

# What the run of evil_peer as NAME in MODE printed.
evil_output() { sed -n "/^== $1 $2/,/^== exit/p" "$T/evil.log"; }
evil_said() { evil_output "$1" "$2" | grep -qF -- "$3"; }

is_running() { kill -0 "${PID[$1]}" 2>/dev/null; }
