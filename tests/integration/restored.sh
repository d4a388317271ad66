#!/usr/bin/env bash
# A node restored from a backup of its data directory: its log is wound
# back to the backup's head, but its store keeps its instance id, and its
# neighbours hold checkpoints of its log past that head. They must not
# skip what it writes after the restore: every start of a node begins a
# new epoch of its log, a checkpoint names the epoch it was taken in
# (Hello), and checkpoints of an epoch the restored store never had, or
# past where that epoch ended in it, count as 0.
#
#   tw <- hagiang <- bacquang.hagiang
#
# hagiang writes a status report every second, so its own sequence
# (origin_seq) and its log move on while it runs. Its letters go to
# vanthu@ of tw and the district and a copy to its own chutich@.
#
# (a) Cold backup. hagiang sends 2 letters to vanthu@tw and
#     vanthu@bacquang.hagiang; it is stopped and its data directory copied
#     (cp -a). It runs on: 3 more letters, and 2 letters from tw to
#     vanthu@hagiang. Its neighbours stop (a power cut), it is stopped and
#     the copy is put back. It starts alone, sends 4 letters and goes on
#     writing (letters to its own mailbox) until its log's head is past
#     what both neighbours hold of it; then they start. Each of the 9
#     letters reaches tw and the district exactly once (before log epochs
#     the neighbours resumed past the 4 new ones); hagiang logs
#     event=log_rewound for both and counts log_rewinds; each neighbour
#     logs event=feed_restarted and takes the feed from 0 without a resync
#     loop. What hagiang lost with the restore comes back from them: tw's
#     2 letters, and its own copies of its 3 letters (chutich@hagiang),
#     which they now send it as to a replaced store
#     (event=peer_log_rewound).
# (b) Hot backup. mdb_copy of the running hagiang's store; it runs on
#     (3 letters, 2 from tw, some status reports), is stopped, and the
#     copy's data.mdb is put back; it starts with its neighbours up and
#     sends 3 letters. The neighbours' checkpoints are of an epoch the copy
#     has, but past where the copy ends. The 3 letters arrive exactly
#     once, tw's 2 and hagiang's own copies come back, and tw's network
#     view shows hagiang's reports from after the restore at once (its
#     origin_seq went back with the copy: it is raised when the rewind is
#     noticed).
MAILBOXES="vanthu chutich luutru"
cd "$(dirname "$0")/../.." && . tests/lib.sh

TW=tw HG=hagiang D=bacquang.hagiang

last_seq() { ctl "$1" --json status | jq -e .store.last_seq; }
# The furthest checkpoint NODE holds of PEER's log (any lane).
received() {
	ctl "$1" --json peers |
	    jq -e --arg p "$2" '[.peers[] | select(.name == $p)][0].received'
}
# hagiang sends letter SUBJ to vanthu@ of tw and of the district, with
# a copy to its own chutich@.
send_both() {
	echo "Công văn $1" | ctl $HG send --from chutich@$HG --subject "$1" \
	    vanthu@$TW vanthu@$D chutich@$HG >/dev/null
}
send_tw() {
	echo "Chỉ thị $1" | ctl $TW send --from chutich@$TW --subject "$1" \
	    vanthu@$HG >/dev/null
}
# Mailbox MBOX of NODE holds exactly the subjects given, each once.
holds_exactly() {
	local node=$1 mbox=$2; shift 2
	ctl "$node" --json mail ls "$mbox" | jq -e --args '
	    [.messages[].subject] as $got |
	    ($got | length) == ($ARGS.positional | length) and
	    ($got | sort) == ($ARGS.positional | sort)' "$@" >/dev/null
}
delivered() {
	holds_exactly $TW vanthu "$@" && holds_exactly $D vanthu "$@"
}
# Subjects P-1 .. P-N.
subjects() { local i; for ((i = 1; i <= $2; i++)); do echo "$1-$i"; done; }
# How many lines of NODE's log match PATTERN.
logged() { grep -c -- "$2" "$T/$1.log"; }
# Puts hagiang's store back from a copy: a whole data directory (cold)
# or a data.mdb (hot).
restore_dir() {
	rm -rf "$T/$HG" && cp -a "$1" "$T/$HG"
}
restore_mdb() {
	cp "$1/data.mdb" "$T/$HG/data.mdb" && rm -f "$T/$HG/lock.mdb"
}
now_ms() { date +%s%3N; }
# tw's network view shows a status report hagiang wrote after $1 (ms).
reported_since() {
	ctl $TW --json network | jq -e --arg n $HG --argjson t "$1" \
	    '[.nodes[] | select(.name == $n)][0].reported_ms >= $t' >/dev/null
}

make_node $TW
make_node $HG $TW
make_node $D $HG
sed -i 's/^\[limits\]/[limits]\nstatus_s = 1/' "$T/$HG.conf"
check "tw <- hagiang <- district start" start_tree $TW $HG $D
check "the tree links up" wait_for 30 tree_up $HG $D

# --- (a) cold backup ---------------------------------------------------
B1=$(subjects b1 2) M1=$(subjects m1 3) A1=$(subjects a1 4)
T1=$(subjects t1 2)
for s in $B1; do send_both $s; done
check "hagiang's first 2 letters arrive" wait_for 30 delivered $B1
stop_node $HG
check "a cold backup of hagiang's data directory (cp -a)" \
    cp -a "$T/$HG" "$T/backup1"
check "hagiang starts again" start_node $HG
check "the tree links up again" wait_for 30 tree_up $HG $D
for s in $M1; do send_both $s; done
for s in $T1; do send_tw $s; done
check "3 more letters arrive" wait_for 30 delivered $B1 $M1
check "tw's 2 letters reach hagiang" \
    wait_for 30 holds_exactly $HG vanthu $T1
sleep 2		# status reports: hagiang's sequence moves on
cp_tw=$(received $TW $HG) cp_d=$(received $D $HG)
echo "# tw holds hagiang's log to $cp_tw, the district to $cp_d"
stop_node $TW
stop_node $D
stop_node $HG
check "hagiang's store is put back from the backup" \
    restore_dir "$T/backup1"
check "the restored hagiang starts alone" start_node $HG
check "hagiang no longer holds tw's 2 letters" \
    holds_exactly $HG vanthu
for s in $A1; do send_both $s; done
ahead() {
	local head
	head=$(last_seq $HG) || return 1
	[ "$head" -gt "$cp_tw" ] && [ "$head" -gt "$cp_d" ] && return 0
	echo "local work" | ctl $HG send --from vanthu@$HG --subject local \
	    luutru@$HG >/dev/null
	return 1
}
check "hagiang's log head passes its neighbours' checkpoints" \
    wait_for 60 ahead
echo "# hagiang's log head is at $(last_seq $HG)"
check "tw and the district start again" eval \
    "start_node $TW && start_node $D"
check "the tree links up after the restore" wait_for 30 tree_up $HG $D
check "the 4 letters written after the restore arrive, each once" \
    wait_for 30 delivered $B1 $M1 $A1
check "hagiang logs the rewind for tw" \
    wait_for 10 grep -q "event=log_rewound peer=$TW " "$T/$HG.log"
check "hagiang logs the rewind for the district" \
    wait_for 10 grep -q "event=log_rewound peer=$D " "$T/$HG.log"
check "hagiang counts them (log_rewinds)" \
    test "$(counter $HG log_rewinds)" -ge 2
check "tw takes hagiang's feed from 0 (event=feed_restarted)" \
    grep -q "event=feed_restarted peer=$HG " "$T/$TW.log"
check "so does the district" \
    grep -q "event=feed_restarted peer=$HG " "$T/$D.log"
check "tw's 2 letters reach the restored hagiang again, each once" \
    wait_for 30 holds_exactly $HG vanthu $T1
check "its own copies of the 3 letters lost with the restore come back" \
    wait_for 30 holds_exactly $HG chutich $B1 $M1 $A1
check "tw and the district are told to send them (event=peer_log_rewound)" \
    eval "grep -q 'event=peer_log_rewound peer=$HG ' '$T/$TW.log' &&
    grep -q 'event=peer_log_rewound peer=$HG ' '$T/$D.log'"
sleep 2
check "still each letter once at tw and the district" \
    delivered $B1 $M1 $A1
for n in $TW $D; do
	check "$n went through no resync loop" \
	    test "$(logged $n batch_out_of_order)" -le 2
done

# --- (b) hot backup ----------------------------------------------------
M2=$(subjects m2 3) A2=$(subjects a2 3) T2=$(subjects t2 2)
mkdir "$T/backup2"
check "a hot backup of the running hagiang's store (mdb_copy)" \
    mdb_copy "$T/$HG" "$T/backup2"
for s in $M2; do send_both $s; done
for s in $T2; do send_tw $s; done
check "3 more letters arrive" wait_for 30 delivered $B1 $M1 $A1 $M2
check "tw's 2 more letters reach hagiang" \
    wait_for 30 holds_exactly $HG vanthu $T1 $T2
sleep 8		# status reports: hagiang's sequence moves well on
r0=$(logged $HG event=log_rewound)
stop_node $HG
check "hagiang's data.mdb is put back from the hot backup" \
    restore_mdb "$T/backup2"
t0=$(now_ms)
check "the restored hagiang starts, its neighbours up" start_node $HG
for s in $A2; do send_both $s; done
check "the tree links up after the restore" wait_for 30 tree_up $HG $D
check "the 3 letters written after the restore arrive, each once" \
    wait_for 30 delivered $B1 $M1 $A1 $M2 $A2
check "hagiang logs the rewind again, for both" \
    test "$(logged $HG event=log_rewound)" -ge $((r0 + 2))
check "and counts it (log_rewinds, since its start)" \
    test "$(counter $HG log_rewinds)" -ge 2
check "tw's 2 letters reach the restored hagiang again, each once" \
    wait_for 30 holds_exactly $HG vanthu $T1 $T2
check "its own copies of the 3 letters lost with the restore come back" \
    wait_for 30 holds_exactly $HG chutich $B1 $M1 $A1 $M2 $A2
check "tw shows hagiang's status reports from after the restore" \
    wait_for 5 reported_since "$t0"
sleep 2
check "still each letter once at tw and the district" \
    delivered $B1 $M1 $A1 $M2 $A2
for n in $TW $D; do
	check "$n went through no resync loop" \
	    test "$(logged $n batch_out_of_order)" -le 2
done
finish
