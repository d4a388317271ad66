# Shared by the integration tests and the demo: start real nodes on
# 127.0.0.1 in a temporary directory, drive them with node-ctl, stop them
# by PID. Source it; it sets a trap that stops every node it started and
# removes the directory.
#
#   make_node NAME [PARENT]   key, config (and a listen port) for a node
#   enrol NAME                its parent certifies it (parent must run)
#   start_node NAME           start it, wait for its control socket
#   stop_node NAME            SIGTERM, wait; kill_node NAME: SIGKILL
#   start_tree NAME...        enrol and start each, parents first
#   tree_up NAME...           is each linked up to its parent?
#   make_chain; chain_up      the four tiers tw, P, D, C; started, linked
#   ctl NAME ARGS...          node-ctl for that node
#   counter NAME COUNTER      one of its status counters
#   mail_all NAME MBOX        its mailbox, a JSON object a message
#   mail_count NAME MBOX      how many messages that is
#   FAKE[NAME]=OFFSET         NAME's wall clock that far off (libfaketime:
#                             +2h, -1d); start_node and ctl run it so
#   with_clock NAME CMD...    CMD with NAME's clock
#   wait_for SECONDS CMD...   poll until CMD succeeds
#   port_open PORT            does something listen on 127.0.0.1:PORT?
#   check DESC CMD...         "ok - DESC" or "not ok - DESC"
#   quiet CMD...              CMD with its output thrown away
#   finish                    exit status: 0 only if every check passed
#
# B is the build whose programs run (build/ by default); BIN[NAME]=DIR
# runs node NAME's node, node-ctl and node-key from DIR instead, so that
# one test runs nodes of two builds (tests/mixed.sh). Set it before
# make_node.

B=${B:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/nodetest.XXXXXX")
ROOT=${ROOT:-tw}
MAILBOXES=${MAILBOXES:-"vanthu chutich"}
declare -A PID PORT PARENT FAKE BIN
FAILED=0
CHECKS=0

cleanup() {
	local n
	for n in "${!PID[@]}"; do
		kill -9 "${PID[$n]}" 2>/dev/null
		{ wait "${PID[$n]}"; } 2>/dev/null
	done
	[ -n "${KEEP:-}" ] && { echo "# kept $T"; return; }
	rm -rf "$T"
}
trap cleanup EXIT

# A free TCP port on 127.0.0.1 (nothing listens on it now, and no node
# of this test has it), below the ephemeral range so no outgoing
# connection takes it before we bind it.
# The directory of node $1's programs: BIN[$1], or $B.
bin() { echo "${BIN[$1]:-$B}"; }

free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 12000))
		# Not one this test gave a node already (none listens yet).
		[[ " ${PORT[*]} " == *" $p "* ]] && continue
		ss -ltnH "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
	done
}

# Does something listen on 127.0.0.1:$1?
port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

set_limit() {	# NODE KEY VALUE: a [limits] setting in NODE's config
	sed -i "s/^\\[limits\\]/[limits]\\n$2 = $3/" "$T/$1.conf"
}

make_node() {
	local name=$1 parent=${2:-} dir=$T/$1
	mkdir -p "$dir" && chmod 700 "$dir"
	"$(bin "$name")/node-key" generate "$dir/node.key" >"$dir/pub"
	PORT[$name]=$(free_port)
	PARENT[$name]=$parent
	[ "$name" = "$ROOT" ] && cp "$dir/pub" "$T/root.pub"
	{
		echo "[node]"
		echo "name = $name"
		echo "data_dir = $dir"
		echo "listen = tcp://127.0.0.1:${PORT[$name]}"
		echo "root_name = $ROOT"
		echo "root_key = $(cat "$T/root.pub")"
		echo "mailboxes = $MAILBOXES"
		echo "log_level = ${LOG_LEVEL:-info}"
		echo "[limits]"
		echo "heartbeat_s = 1"
		echo "link_timeout_s = ${LINK_TIMEOUT:-4}"
		echo "retry_min_ms = 100"
		echo "retry_max_ms = 1000"
		if [ -n "$parent" ]; then
			echo "[link $parent]"
			echo "endpoint = tcp://127.0.0.1:${PORT[$parent]}"
			echo "key = $(cat "$T/$parent/pub")"
			echo "parent = yes"
		fi
	} >"$T/$name.conf"
}

# The environment that gives node $1 its clock, one VAR=VALUE a line:
# nothing, or libfaketime preloaded (the loader finds it in its own
# library directory, /usr/$LIB/faketime) with FAKE[$1] as a fixed
# offset. Only the wall clock moves: the monotonic one, which timers and
# timeouts read, stays true. ASan wants to be the first library loaded;
# it is told that libfaketime may come first.
clock_env() {
	[ -n "${FAKE[$1]:-}" ] || return 0
	printf '%s\n' 'LD_PRELOAD=/usr/$LIB/faketime/libfaketimeMT.so.1' \
	    "FAKETIME=${FAKE[$1]}" FAKETIME_DONT_FAKE_MONOTONIC=1 \
	    "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
}

# Runs CMD with node $1's clock.
with_clock() {
	local name=$1 vars; shift
	mapfile -t vars < <(clock_env "$name")
	env "${vars[@]}" "$@"
}

ctl() {
	local name=$1; shift
	with_clock "$name" "$(bin "$name")/node-ctl" -c "$T/$name.conf" "$@"
}

enrol() {
	ctl "${PARENT[$1]}" cert issue "$1" "$(cat "$T/$1/pub")" \
	    -o "$T/$1/node.chain" >/dev/null
}

wait_for() {
	local secs=$1; shift
	local end=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

start_node() {
	local name=$1 vars
	mapfile -t vars < <(clock_env "$name")
	env "${vars[@]}" "$(bin "$name")/node" -c "$T/$name.conf" \
	    >>"$T/$name.log" 2>&1 &
	PID[$name]=$!
	wait_for 10 ctl "$name" status
}

stop_node() {
	kill -TERM "${PID[$1]}" 2>/dev/null && wait "${PID[$1]}" 2>/dev/null
	unset "PID[$1]"
}

kill_node() {
	kill -KILL "${PID[$1]}" 2>/dev/null
	{ wait "${PID[$1]}"; } 2>/dev/null
	unset "PID[$1]"
}

# Is the link from $1 to peer $2 up (as $1 sees it)?
link_up() {
	ctl "$1" --json peers |
	    jq -e --arg p "$2" '.peers[] | select(.name == $p and .state == "up")' >/dev/null
}

# Enrols (all but the root) and starts the nodes named, in order: a
# parent before its children.
start_tree() {
	local n
	for n; do
		{ [ -z "${PARENT[$n]}" ] || enrol "$n"; } && start_node "$n" ||
		    return 1
	done
}

# The four tiers, one office each: the root tw, the province P, the
# district D and the commune C, made (make_node), not started.
make_chain() {
	P=hagiang D=bacquang.hagiang C=tanthanh.bacquang.hagiang
	make_node tw && make_node $P tw && make_node $D $P && make_node $C $D
}

# Starts the chain (make_chain first, unless it was), checks it links up.
chain_up() {
	[ -n "${C:-}" ] || make_chain
	check "a four-tier chain starts" start_tree tw $P $D $C
	check "it links up" wait_for 20 tree_up $P $D $C
}

# Counter $2 of node $1 (node-ctl status).
counter() { ctl "$1" --json status | jq -e ".counters.$2"; }

# Is every node named (but the root) linked up to its parent?
tree_up() {
	local n
	for n; do
		[ -z "${PARENT[$n]}" ] || link_up "$n" "${PARENT[$n]}" || return 1
	done
}

# Every message of mailbox $2 of node $1 (all pages), as mail ls shows
# it: one JSON object a line.
mail_all() {
	local from=1 page
	while [ -n "$from" ]; do
		page=$(ctl "$1" --json mail ls "$2" --from "$from") || return 1
		jq -c '.messages[]' <<<"$page"
		from=$(jq -r '.next // empty' <<<"$page")
	done
}

# Do all nodes named after $1 hold database $1 (its ACL replicated)?
# A node refuses a write to a database it does not hold yet.
db_at() {
	local db=$1 n
	shift
	for n; do
		ctl "$n" --json db ls |
		    jq -e --arg d "$db" 'any(.dbs[]; .db == $d)' >/dev/null || return 1
	done
}

# The number of messages in mailbox $2 of node $1 (all pages).
mail_count() {
	local all
	all=$(mail_all "$1" "$2") || return 1
	awk 'NF { n++ } END { print n + 0 }' <<<"$all"
}

# Does mailbox $2 of node $1 hold at least $3 messages? (for wait_for:
# counted anew on every try)
mail_at_least() {
	test "$(mail_count "$1" "$2")" -ge "$3"
}

check() {
	local desc=$1; shift
	CHECKS=$((CHECKS + 1))
	if "$@"; then
		echo "ok - $desc"
	else
		echo "not ok - $desc"
		FAILED=$((FAILED + 1))
	fi
}

# Runs a command with its output thrown away (for check).
quiet() {
	"$@" >/dev/null 2>&1
}

# Stops the nodes cleanly (so a sanitizer build reports leaks), checks no
# node logged a sanitizer report, and returns 0 only if every check passed.
finish() {
	local n
	for n in "${!PID[@]}"; do
		# A node that died on its own: say so, with how its log ends.
		if ! kill -0 "${PID[$n]}" 2>/dev/null && [ -f "$T/$n.log" ]; then
			echo "# $n exited before the end of the test; its log ends:"
			tail -n 5 "$T/$n.log" | sed 's/^/#   /'
		fi
		stop_node "$n"
	done
	check "no node logged a sanitizer report" \
	    eval '! grep -lE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T"/*.log 2>/dev/null'
	[ "$FAILED" -eq 0 ] && [ "$CHECKS" -gt 0 ]
}
