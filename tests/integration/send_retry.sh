#!/usr/bin/env bash
# node-ctl send tells a lost reply from a failed write: every send
# carries a key, a lost reply is asked for again with it, and a send
# that got no answer says so (exit 3) with the key that finds it out.
#
# A district hg sends to vanthu@tw.
#   - hg stopped with SIGSTOP: a send with --retry 0 exits 3, and its
#     JSON error object carries the key; the same command with that key,
#     once hg goes on, prints an id; again, the same id (duplicate).
#   - hg stopped while a send retries: the send says it tries again with
#     its key; continued, it prints an id.
#   - a crash loop: hg killed with SIGKILL and restarted KILLS times
#     while sends (with the defaults: 15 s for a reply, retries for
#     30 s) run back to back, each with its own subject. Each send
#     prints an id (exit 0), or exits 3 with its key, or exits 1 saying
#     nothing was sent; each exit 3 is run again with its key and prints
#     an id. In the end tw's mailbox holds each message sent exactly once
#     (by subject, with the id its send printed), and none said unsent.
cd "$(dirname "$0")/../.." && . tests/lib.sh

KILLS=${KILLS:-8}
S=hg
make_node tw
make_node $S tw
start_tree tw $S
check "the district links up to the root" wait_for 30 tree_up $S

# send SUBJECT [OPTIONS...]: node-ctl --json send from chutich@hg to
# vanthu@tw, the text made from the subject.
send() {
	local subject=$1; shift
	echo "thư $subject" | ctl $S --json send --from chutich@$S \
	    --subject "$subject" "$@" vanthu@tw
}
# jq -e on FILE, which must not be empty.
jqt() { [ -s "${@: -1}" ] && jq -e "$@" >/dev/null 2>&1; }

# 1. A reply that cannot come: exit 3, and the key.
kill -STOP "${PID[$S]}"
send stopped --timeout 1 --retry 0 >"$T/stop.json" 2>"$T/stop.err"
rc=$?
check "a send to a stopped node exits 3: no answer, outcome unknown" \
    test $rc -eq 3
check "its JSON error object carries the key and says it may be stored" \
    jqt '.ok == false and .maybe_stored == true and
    (.key | test("^node-ctl:[0-9a-f]{32}$")) and
    (.error | contains("may or may not have been stored")) and
    (.key as $k | .error | contains("--key " + $k))' "$T/stop.json"
key=$(jq -r .key "$T/stop.json")

# 2. Stopped while a send retries, then continued.
send continued --timeout 1 --retry 120 >"$T/cont.json" 2>"$T/cont.err" &
spid=$!
check "while the node is stopped, the send tries again with its key" \
    wait_for 60 grep -qE "trying again with key node-ctl:[0-9a-f]{32}$" \
    "$T/cont.err"
kill -CONT "${PID[$S]}"
wait $spid
rc=$?
check "continued, the retried send prints an id (exit 0)" \
    eval '[ $rc -eq 0 ] && jqt ".ok and (.id | test(\"^[0-9a-f]{64}$\"))" "$T/cont.json"'
check "the same command with the key of the unknown send prints an id" \
    eval 'send stopped --key "$key" >"$T/again.json" && jqt ".ok" "$T/again.json"'
check "and once more, the same id, marked duplicate" \
    eval 'send stopped --key "$key" >"$T/again2.json" &&
    [ "$(jq -r .id "$T/again.json")" = "$(jq -r .id "$T/again2.json")" ] &&
    jqt ".duplicate == true" "$T/again2.json"'
echo "hi" | ctl $S send --from chutich@$S --key "$key" vanthu@tw \
    >"$T/human.out" 2>"$T/human.err"
check "in human output too: the id, and a note that nothing was sent now" \
    eval '[ "$(cat "$T/human.out")" = "$(jq -r .id "$T/again.json")" ] &&
    grep -q "key $key was used before" "$T/human.err"'

# 3. The crash loop. The sender runs until the killer is done (and at
# least 20 sends), so every kill falls while sends run.
sender() {
	local i=0
	while [ ! -e "$T/killed" ] || [ $i -lt 20 ]; do
		i=$((i + 1))
		send "m$i" >"$T/s$i.json" 2>"$T/s$i.err"
		echo $? >"$T/s$i.rc"
	done
	echo $i >"$T/sends"
}
sender &
spid=$!
for k in $(seq "$KILLS"); do
	sleep "0.$((RANDOM % 5 + 1))"
	kill_node $S
	start_node $S || echo "# $S did not start again"
done
touch "$T/killed"
wait $spid
n=$(cat "$T/sends")
echo "# $n sends during $KILLS kills"

# Each send's outcome; exit 3 is asked again with its key.
: >"$T/want"	# SUBJECT ID: each message that must be there once
: >"$T/unsent"	# SUBJECT: each message a send said it did not send
bad=0 unknown=0 dup=0
for i in $(seq "$n"); do
	rc=$(cat "$T/s$i.rc")
	case $rc in
	0)	read -r id d < <(jq -r 'select(.ok) | "\(.id) \(.duplicate)"' \
		    "$T/s$i.json")
		[[ $id =~ ^[0-9a-f]{64}$ ]] || bad=$((bad + 1))
		[ "$d" = true ] && dup=$((dup + 1))
		echo "m$i $id" >>"$T/want" ;;
	3)	unknown=$((unknown + 1))
		k=$(jq -r .key "$T/s$i.json")
		if send "m$i" --key "$k" >"$T/r$i.json" &&
		    jqt '.ok' "$T/r$i.json"; then
			echo "m$i $(jq -r .id "$T/r$i.json")" >>"$T/want"
		else
			bad=$((bad + 1))
		fi ;;
	1)	grep -q "nothing was sent" "$T/s$i.err" || bad=$((bad + 1))
		echo "m$i" >>"$T/unsent" ;;
	*)	bad=$((bad + 1)) ;;
	esac
done
retried=$(grep -l "trying again with key" "$T"/s*.err | wc -l)
echo "# outcomes: $(wc -l <"$T/want") stored ($retried sends tried again, $dup found stored by an earlier attempt), $unknown unknown then asked again, $(wc -l <"$T/unsent") not sent"
check "every send printed an id, or exited 3 with a key that then gave one, or said nothing was sent" \
    test $bad -eq 0

# The messages in tw's mailbox (every page), as "SUBJECT ID" lines,
# sorted.
inbox() {
	local from=1 page
	while [ -n "$from" ]; do
		page=$(ctl tw --json mail ls vanthu --from "$from") || return 1
		jq -r '.messages[] | select(.subject | test("^m[0-9]+$")) |
		    "\(.subject) \(.id)"' <<<"$page"
		from=$(jq -r '.next // empty' <<<"$page")
	done | sort
}
want=$(wc -l <"$T/want")
check "tw's mailbox receives them all" \
    wait_for 60 eval '[ "$(inbox | wc -l)" -ge "$want" ]'
inbox >"$T/got"
sort "$T/want" >"$T/want.sorted"
check "each message sent is there exactly once, with the id its send printed" \
    eval '[ -s "$T/want.sorted" ] && cmp -s "$T/got" "$T/want.sorted"'
check "no message a send said it did not send is there" \
    eval '! grep -qxFf "$T/unsent" <(cut -d" " -f1 "$T/got")'
check "the messages of part 1 and 2 are there once each" \
    eval '[ "$(ctl tw --json mail ls vanthu | jq "[.messages[] |
    select(.subject == \"stopped\" or .subject == \"continued\")] | length")" -eq 2 ]'
finish
