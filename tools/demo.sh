#!/usr/bin/env bash
# make demo: a four-tier office network on 127.0.0.1. A root (tw), a
# province, two districts and two communes under each start as real nodes,
# each certified by its parent; mail crosses the tree, a receipt comes
# back, every hop shows its custody records, and a letter waits at the
# province while a district is down and is delivered when it returns.
# Then the province shares a database: its resolution reaches every
# commune, a commune's report reaches only its district and the province,
# and a member record edited at two offices while cut off from each other
# shows up as a conflict everywhere and is resolved.
#
# tests/lib.sh does the mechanics (keys, configs, ports, starting and
# stopping nodes) in a temporary directory that holds the node logs and is
# removed at the end (KEEP=1 keeps it). Every node started here is stopped
# on success, on failure and on Ctrl-C. WAIT=N: seconds to wait for
# anything that should happen (20).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

WAIT=${WAIT:-20}

province=hagiang
districts="bacquang.hagiang vixuyen.hagiang"
communes="tanthanh.bacquang.hagiang quyetthang.bacquang.hagiang
tanthanh.vixuyen.hagiang quyetthang.vixuyen.hagiang"
all="tw $province $districts $communes"
a=tanthanh.bacquang.hagiang	# writes the invitation
z=quyetthang.vixuyen.hagiang	# receives it
path="$a bacquang.hagiang $province vixuyen.hagiang $z"
down=vixuyen.hagiang		# stopped in step 4
late=tanthanh.vixuyen.hagiang	# gets a letter while it is down

# --- helpers -------------------------------------------------------------

say() { printf '\n== %s\n' "$*"; }
note() { printf '   %s\n' "$*"; }

# The nodes whose logs explain a failure of the current step.
LOGS_OF=$all

# One clear line and the tail of the relevant logs; the exit trap then
# stops the nodes.
fail() {
	local n
	printf '\ndemo: FAILED: %s\n' "$*" >&2
	for n in $LOGS_OF; do
		[ -s "$T/$n.log" ] || continue
		printf '\n--- %s.log (last lines)\n' "$n" >&2
		tail -n 12 "$T/$n.log" >&2
	done
	exit 1
}

# lib.sh's cleanup (SIGKILL whatever still runs, remove $T) on every exit.
on_exit() {
	local rc=$?
	trap - INT TERM HUP
	[ ${#PID[@]} -gt 0 ] && printf '(stopping %d node(s))\n' ${#PID[@]} >&2
	cleanup
	exit $rc
}
trap on_exit EXIT
trap 'printf "\ndemo: interrupted\n" >&2; exit 130' INT
trap 'exit 143' TERM HUP

# Shows a command as typed at node $1; arguments with spaces are quoted,
# long lines continue with a backslash.
prompt() {
	local line="[$1]\$ node-ctl" arg w
	shift
	for arg; do
		case $arg in
		*[[:space:]]*) w="\"$arg\"" ;;
		*) w=$arg ;;
		esac
		if [ $((${#line} + ${#w})) -ge 100 ]; then
			printf '%s \\\n' "$line"
			line="      $w"
		else
			line="$line $w"
		fi
	done
	printf '%s\n' "$line"
}

# node-ctl at node $1, shown and run; a failure ends the demo.
show() {
	echo
	prompt "$@"
	ctl "$@" || fail "node-ctl ${*:2} at $1"
}

# Node $2 sends the text in file $3 with node-ctl send ARGS...; the new
# message's id goes into variable $1.
send() {
	local var=$1 node=$2 file=$3 id
	shift 3
	echo
	prompt "$node" send "$@" "<" "$file"
	id=$(ctl "$node" send "$@" <"$T/$file") || fail "$node could not send"
	echo "$id"
	printf -v "$var" '%s' "$id"
}

# Waits up to $WAIT s for CMD...; on timeout, fails saying what did not
# happen.
await() {
	local what=$1
	shift
	wait_for "$WAIT" "$@" || fail "$what (waited $WAIT s)"
}

# Certificate ids are 64 hex digits; 12 tell them apart here.
short_ids() { sed -E 's/([0-9a-f]{12})[0-9a-f]{52}/\1…/g'; }

# A new office $1 below $2 (none: the root): its key and config (lib.sh's
# make_node); its parent certifies it with its public key (the new office's
# admin made the key and handed over the public half), writing the chain
# into its data directory; it starts. The port was free when make_node
# chose it; if something took it since, the node starts on another.
enrol_and_start() {
	local name=$1 parent=${2:-} try
	LOGS_OF="$parent $name"
	for try in 1 2 3; do
		make_node "$name" "$parent"
		[ $try = 1 ] && [ -n "$parent" ] && { echo; prompt "$parent" \
		    cert issue "$name" "<its-public-key>" -o "$name/node.chain"; }
		if [ -n "$parent" ]; then
			(cd "$T" && ctl "$parent" cert issue "$name" \
			    "$(cat "$name/pub")" -o "$name/node.chain") | short_ids
			[ "${PIPESTATUS[0]}" -eq 0 ] ||
			    fail "$parent could not certify $name"
		fi
		start_node "$name" && return
		grep -q 'Address already in use' "$T/$name.log" ||
		    fail "$name did not start"
		kill_node "$name"
		rm -rf "${T:?}/$name"
		note "(port ${PORT[$name]} was taken meanwhile: again)"
	done
	fail "$name did not start"
}

# Does node $1 list no session with $2 that is up? (A node notices that a
# node below it went away when its heartbeats stop: link_timeout_s.)
link_down() {
	ctl "$1" --json peers | jq -e --arg p "$2" \
	    'all(.peers[]; .name != $p or .state != "up")' >/dev/null
}

# Does mailbox $2 at node $1 hold record $3?
has_mail() {
	ctl "$1" --json mail ls "$2" |
	    jq -e --arg id "$3" 'any(.messages[]; .id == $id)' >/dev/null
}

# The mailbox sequence number of message $3 in mailbox $2 at node $1.
mail_seq() {
	ctl "$1" --json mail ls "$2" | jq -er --arg id "$3" \
	    'first(.messages[] | select(.id == $id) | .seq)'
}

# The mailbox sequence number of the report (receipt or failure) about
# message $3 in mailbox $2 at node $1.
report_seq() {
	ctl "$1" --json mail ls "$2" | jq -er --arg id "$3" \
	    'first(.messages[] | select(.report.message_id == $id) | .seq)'
}

# Has node $1 a custody record "$3" (received, sent, delivered) for $2?
has_event() {
	ctl "$1" --json trace "$2" |
	    jq -e --arg e "$3" 'any(.events[]; .event == $e)' >/dev/null
}

# Are all of node $1's links up, with everything sent acknowledged?
settled() {
	ctl "$1" --json peers |
	    jq -e 'all(.peers[]; .state == "up" and .sent == .acked)' >/dev/null
}

# --- the network ---------------------------------------------------------

say "A four-tier network on 127.0.0.1 (node logs in $T)"
tier() { printf '   %-38s %s\n' "$(printf '%*s%s' "$1" '' "$2")" "$3"; }
tier 0 tw "the root (central)"
tier 2 $province province
for d in $districts; do
	tier 4 $d district
	for c in $communes; do
		[ "${c#*.}" = "$d" ] && tier 6 $c commune
	done
done

say "Enrolment: each parent certifies its children, then they start"
enrol_and_start tw
note "tw started; its public key is pinned in every node's config"
enrol_and_start $province tw
for d in $districts; do
	enrol_and_start $d $province
done
for c in $communes; do
	enrol_and_start $c "${c#*.}"
done
LOGS_OF=$all
for n in $province $districts $communes; do
	await "$n did not link up to ${PARENT[$n]}" link_up $n ${PARENT[$n]}
done
echo
note "all 7 links are up: each node connected to its parent, proved its"
note "key and showed its certificate chain to the root"

# --- 1 -------------------------------------------------------------------

say "1. The province's links: state and checkpoints"
LOGS_OF="$province tw $districts"
# The certificates are still replicating; the figures settle in a moment.
wait_for 3 settled $province
show $province peers
echo
note "SENT/ACKED: how far into the province's change log it has sent on"
note "each link, and how far the peer has stored it durably and said so"
note "(the checkpoint); RECEIVED: how far the province holds the peer's log"

# --- 2 -------------------------------------------------------------------

say "2. A commune invites a commune of the other district, with a receipt"
LOGS_OF=$path
printf '%s\n' "Kính mời đồng chí Bí thư Đảng ủy xã Quyết Thắng dự họp" \
    "giao ban cụm xã lúc 8 giờ sáng thứ Hai, tại hội trường UBND xã" \
    "Tân Thành." >"$T/letter"
send letter $a letter --from vanthu@$a --subject "Giấy mời họp giao ban" \
    --receipt vanthu@$z

say "   and the root sends a directive to every commune"
LOGS_OF=$all
printf '%s\n' "Các xã khẩn trương rà soát các điểm có nguy cơ sạt lở đất," \
    "chủ động phương án sơ tán dân trước mùa mưa lũ." >"$T/directive"
send directive tw directive --from chutich@tw \
    --subject "Chỉ thị về phòng, chống thiên tai mùa mưa lũ" \
    $(printf 'vanthu@*.%s ' $districts)
note "(one address per district's subtree, vanthu@*.DISTRICT: one copy down"
note " each link, and no commune sees the others' addresses)"

# --- 3 -------------------------------------------------------------------

say "3. Delivered: the mailbox of vanthu@$z"
LOGS_OF=$path
await "the invitation did not reach vanthu@$z" has_mail $z vanthu "$letter"
LOGS_OF=$all
for c in $communes; do
	await "the directive did not reach vanthu@$c" \
	    has_mail $c vanthu "$directive"
done
show $z mail ls vanthu
show $z mail cat vanthu "$(mail_seq $z vanthu "$letter")"
note "(the directive reached all four communes the same way)"

say "   the receipt, back at the sender vanthu@$a"
LOGS_OF=$path
await "no delivery receipt came back to vanthu@$a" \
    report_seq $a vanthu "$letter"
show $a mail ls vanthu
show $a mail cat vanthu "$(report_seq $a vanthu "$letter")"

say "   where the invitation went: node-ctl trace at each hop"
# A hop records "sent" when the next one acknowledges: wait for the last.
for n in $path; do
	[ $n = $z ] && break
	await "$n recorded no hand-over of the invitation" \
	    has_event $n "$letter" sent
done
for n in $path; do
	show $n trace "$letter"
done

# --- 4 -------------------------------------------------------------------

say "4. Store and forward: $down goes down"
LOGS_OF="$province $down"
stop_node $down || fail "$down did not stop cleanly"
note "$down stopped (SIGTERM); the province notices when its"
note "heartbeats stop (after link_timeout_s, 4 s here)"
await "$province still sees $down up" link_down $province $down

LOGS_OF="tw $province"
printf '%s\n' "Đề nghị xã báo cáo nhanh tình hình thiệt hại do mưa lũ" \
    "trước 17 giờ hôm nay." >"$T/notice"
send notice tw notice --from chutich@tw --subject "Báo cáo nhanh thiệt hại" \
    vanthu@$late
await "$province did not take custody of the letter" \
    has_event $province "$notice" received

say "   the letter waits at the province: received, not sent on"
show $province trace "$notice"
echo
note "and below the district, its commune sees the link down:"
show $late peers
show $late mail ls vanthu
has_mail $late vanthu "$notice" && fail "delivered while $down was down?"

say "   $down comes back"
LOGS_OF="$province $down $late"
start_node $down || fail "$down did not restart"
await "$down did not link up to $province again" link_up $down $province
note "$down is up again; the province resumes from the checkpoint"
await "the waiting letter did not reach vanthu@$late" \
    has_mail $late vanthu "$notice"
await "$province did not record handing the letter on" \
    has_event $province "$notice" sent
show $province trace "$notice"
show $late mail ls vanthu

# --- 5 -------------------------------------------------------------------

# Does node $1 hold document $3 of database $2?
has_doc() { ctl "$1" --json doc get "$2" "$3" >/dev/null 2>&1; }
# Does node $1 list document $3 of database $2 with N conflicts ($4)?
conflicts_are() {
	ctl "$1" --json doc get "$2" "$3" |
	    jq -e --argjson n "$4" '.conflicts | length == $n' >/dev/null
}
# The digest of database $1 at node $2.
digest() { ctl "$2" --json db digest "$1" | jq -r .digest; }
# Do all nodes of the province show the same digest of database $1?
agree() {
	local n d
	d=$(digest "$1" $province)
	for n in $districts $communes; do
		[ "$(digest "$1" $n)" = "$d" ] || return 1
	done
}
doc_id() { jq -r .id <<<"$1"; }

say "5. A shared database: the province's official documents"
LOGS_OF="$province $districts $communes"
show $province db create congvan $province '*.hagiang=author'
note "scope $province: every office of the province holds a replica;"
note "the province manages it, every office below may add its own documents"
echo
prompt $province doc put congvan loai="nghị quyết" so:number=42 \
    tieude="Nghị quyết về kế hoạch phòng, chống thiên tai năm 2027"
res=$(ctl $province --json doc put congvan loai="nghị quyết" so:number=42 \
    tieude="Nghị quyết về kế hoạch phòng, chống thiên tai năm 2027") ||
    fail "the province could not write the resolution"
resolution=$(doc_id "$res")
echo "$resolution"
for c in $communes; do
	await "the resolution did not reach $c" has_doc $c congvan "$resolution"
done
show $z doc get congvan "$resolution"
note "(it reached all four communes the same way)"

say "   a commune's report, for its district and the province only"
LOGS_OF="$a bacquang.hagiang $province"
echo
prompt $a doc put congvan loai="báo cáo" \
    tieude="Báo cáo tình hình sạt lở tại xã Tân Thành" \
    --readers bacquang.hagiang,$province
rep=$(ctl $a --json doc put congvan loai="báo cáo" \
    tieude="Báo cáo tình hình sạt lở tại xã Tân Thành" \
    --readers bacquang.hagiang,$province) ||
    fail "$a could not write its report"
report=$(doc_id "$rep")
echo "$report"
await "the report did not reach bacquang.hagiang" \
    has_doc bacquang.hagiang congvan "$report"
await "the report did not reach the province" has_doc $province congvan "$report"
# Later records of the same database have passed everywhere: the report
# was held back, not merely slow.
marker=$(ctl $province --json doc put congvan loai="ghi chú" \
    tieude="Lịch trực ban tuần 48") || fail "the province could not write"
for n in vixuyen.hagiang $z quyetthang.bacquang.hagiang; do
	await "a later document did not reach $n" \
	    has_doc $n congvan "$(doc_id "$marker")"
done
show $province doc get congvan "$report"
for n in vixuyen.hagiang $z quyetthang.bacquang.hagiang; do
	has_doc $n congvan "$report" && fail "$n holds the report"
done
note "vixuyen.hagiang, $z and quyetthang.bacquang.hagiang"
note "do not hold it: their feeds never carried it (readers list)"

say "   the member registry, edited at two offices while cut off"
LOGS_OF="$province $a $z"
show $province db create hoivien $province '*.hagiang=editor'
mem=$(ctl $province --json doc put hoivien hoten="Nguyễn Văn An" \
    chucvu="Chủ tịch Hội Nông dân xã" xa=$a) ||
    fail "the province could not add a member"
member=$(doc_id "$mem")
for n in $a $z; do
	await "the member record did not reach $n" has_doc $n hoivien "$member"
done
stop_node $province || fail "$province did not stop"
note "$province stopped: the two districts cannot reach each other"
show $a doc put hoivien "$member" chucvu="Phó Chủ tịch Hội Nông dân xã"
show $z doc put hoivien "$member" dienthoai="0912 345 678"
start_node $province || fail "$province did not restart"
note "$province is back; both edits replicate everywhere"
for n in $all; do
	[ $n = tw ] && continue
	await "$n does not see the conflict" conflicts_are $n hoivien "$member" 1
done
show $a doc conflicts hoivien
note "every replica picked the same winner (no clocks: live, then the"
note "longer history, then the higher revision hash) and kept the other"
show $province doc resolve hoivien "$member"
for n in $all; do
	[ $n = tw ] && continue
	await "$n still sees a conflict" conflicts_are $n hoivien "$member" 0
done
await "the replicas do not agree" agree hoivien
note "resolved: a merge revision names both; every replica agrees:"
for n in $province $districts $communes; do
	printf '   %-30s %s\n' "$n" "$(digest hoivien $n)"
done

# --- end -----------------------------------------------------------------

say "Stopping the network"
LOGS_OF=$all
for n in $communes $districts $province tw; do
	stop_node $n || fail "$n did not stop cleanly"
done
note "8 nodes stopped (SIGTERM); removing $T"
