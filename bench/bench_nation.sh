#!/usr/bin/env bash
# bench_nation: the root of a nation on this machine, the provinces
# played by a load generator. Figures, not pass/fail: only a failure to
# measure exits non-zero. With the defaults it takes about five minutes
# (with the real province, as long again to start it).
#
#   make bench-nation        (or: B=build bash bench/bench_nation.sh)
#
# The real root (tw, the README's limits: heartbeat_s 10, link_timeout_s
# 30) and NATION_PROVINCES (62) provinces tinh01, tinh02, ..., each
# certified by the root (node-ctl cert issue) and played by one
# bench/nation_sim process: a CURVE link each, NATION_NODES (190)
# offices below each, their certificates, a status report from every
# office every NATION_STATUS_S (60) s, and NATION_MAIL (10) mails a
# second between communes and the root (see nation_sim.c). With
# NATION_REAL_PROVINCE=1 the 209 real nodes of bench/bench_province.sh
# (hagiang, 3 agencies, a district per number in NATION_REAL_COMMUNES
# with that many communes) run beside them. It prints:
#
# 1. bring-up: the time to enrol the provinces, until every simulated
#    province is linked, and until the root owes no link anything (every
#    certificate of the nation on every province's link; node-ctl
#    peers), and the real province and its districts none of theirs;
# 2. steady state over NATION_MEASURE_S (STATUS_S, after a first round
#    of reports): the root's CPU (% of one core, from /proc), its commits
#    and records a second (node-ctl status), its resident memory, store
#    and links (and those of the real province, a district and a
#    commune), the bytes a second to and from it over the provinces'
#    links (node-ctl peers), mail between provinces through it, and the
#    CPU the simulator used;
# 3. node-ctl network at the root, every page (text and --json) and
#    --summary: their time, size and nodes; and the time of node-ctl
#    queue, with how many of its counts are partial;
# 4. a national broadcast: a directive from the root to vanthu at every
#    commune, as one send to vanthu@* where node-ctl send takes a subtree
#    address, else node-ctl send --batch of one message per 256
#    communes; the time until the last simulated commune's province had
#    its copy (nation_sim's watch), and the real communes' delivery;
# 5. a province outage: the last province's connection closed for
#    NATION_OUTAGE_S (60) s while the root takes NATION_OUTAGE_MAIL
#    (1,000) messages for its communes; what the root owed it then
#    (node-ctl queue); the time until its session is up, until the root
#    owes it nothing (node-ctl peers), and until the root acked what the
#    province held.
#
# KEEP=1 keeps the directory.
cd "$(dirname "$0")/.." && . tests/lib.sh && . bench/lib.sh
set -o pipefail

N=${NATION_PROVINCES:-62}
NODES=${NATION_NODES:-190}
STATUS_S=${NATION_STATUS_S:-60}
MAIL=${NATION_MAIL:-10}
MEASURE_S=${NATION_MEASURE_S:-$STATUS_S}
OUTAGE_S=${NATION_OUTAGE_S:-60}
OUTAGE_MAIL=${NATION_OUTAGE_MAIL:-1000}
REAL=${NATION_REAL_PROVINCE:-0}
REAL_COMMUNES=(${NATION_REAL_COMMUNES:-8 10 12 14 16 18 20 22 24 24 25})
P=hagiang

die() { echo "bench_nation: $*" >&2; exit 1; }
rss_kib() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
mib() { calc "$1 / 1024"; }
hub() {	# node $1: its memory, store and links
	local st
	st=$(ctl "$1" --json status) || die "no status from $1"
	printf "resident %.1f MiB, store %.1f MiB in use (%d records), %d of %d links up" \
	    "$(mib "$(rss_kib "${PID[$1]}")")" \
	    "$(calc "$(jq .store.map_used <<<"$st") / 1048576")" \
	    "$(jq .store.records <<<"$st")" "$(jq .peers_up <<<"$st")" \
	    "$(jq .peers <<<"$st")"
}

for f in "$B/node" "$B/node-ctl" "$B/node-key" "$B/bench/nation_sim" \
    "$B/bench/verify_rate" "$B/bench/commit_rate"; do
	[ -x "$f" ] || die "$f is missing: run make bench-nation"
done

real=
[ "$REAL" = 1 ] && real=" and the real $P ($((4 + ${#REAL_COMMUNES[@]} +
    $(IFS=+; echo "${REAL_COMMUNES[*]}"))) nodes)"
echo "bench_nation: the root and $N simulated provinces of $NODES offices$real"
machine_limits bench_nation

make_node "$ROOT" && readme_limits "$ROOT" || die "cannot make the root"
start_node "$ROOT" || die "the root did not start"
if [ "$REAL" = 1 ]; then
	make_province "$P" 3 "${REAL_COMMUNES[@]}" ||
	    die "cannot make $P"
	start_tree "$P" "${agencies[@]}" "${districts[@]}" "${communes[@]}" ||
	    die "a node of $P did not start"
fi

# 1. Bring-up.
names=()
for i in $(seq 1 "$N"); do names+=("$(printf 'tinh%02d' "$i")"); done
mkdir -p "$T/sim"
t0=$(ms)
for n in "${names[@]}"; do
	"$B/node-key" generate "$T/sim/$n.key" >"$T/sim/$n.pub" &&
	    ctl "$ROOT" cert issue "$n" "$(cat "$T/sim/$n.pub")" \
	    -o "$T/sim/$n.chain" >/dev/null || die "cannot enrol $n"
done
t1=$(ms)
mkfifo "$T/sim.in"
"$B/bench/nation_sim" -n "$NODES" -s "$STATUS_S" -m "$MAIL" \
    -L "$T/communes" "tcp://127.0.0.1:${PORT[$ROOT]}" "$(cat "$T/root.pub")" \
    "$T/sim" "${names[@]}" <"$T/sim.in" >"$T/sim.log" 2>&1 &
PID[nation_sim]=$!
exec 3>"$T/sim.in"
sim() { echo "$*" >&3; }
simlog() { grep -m1 "$1" "$T/sim.log"; }
sim_stats() {	# its figures now (the mail latencies since the last)
	local n
	n=$(grep -c " stats: " "$T/sim.log")
	sim stats
	wait_for 10 eval '[ "$(grep -c " stats: " "$T/sim.log")" -gt "$n" ]' ||
	    die "no figures from the simulator"
	grep " stats: " "$T/sim.log" | tail -1 | sed 's/^nation_sim: //'
}
wait_for 120 simlog "^nation_sim: all $N provinces up" ||
    die "not every province linked up: $(tail -2 "$T/sim.log")"
t2=$(ms)
# Does node $1 owe link $2 (every link: none) nothing now: its feed has
# read its whole log for it, and all that went is acked (node-ctl peers:
# lag_out 0, sent = acked)? Not node-ctl queue: a stretch of a lane with
# nothing for a link is covered only by the link's next batch, which may
# never come (the root sends a province no status report), so a count
# stays partial once more entries than it reads pile up behind the ack.
drained() {
	ctl "$1" --json peers | jq -e --arg p "${2:-}" '[.peers[] |
	    select(.name != "" and ($p == "" or .name == $p))] |
	    length > 0 and all(.state == "up" and .lag_out == 0 and
	    .sent == .acked)' >/dev/null
}
# What the root owes link $1 in the urgent and normal lanes (node-ctl
# queue): a floor, "N+", while a count is partial.
owed() {
	ctl "$ROOT" --json queue | jq -r --arg p "$1" '[.links[] |
	    select(.peer == $p) | .urgent, .normal] | "\(map(.records) |
	    add)\(if any(.partial) then "+" else "" end)"'
}
wait_for 600 drained "$ROOT" || die "the root's links did not drain in 600 s"
t3=$(ms)
province_drained() {	# the real province's hubs owe nothing?
	local n
	for n in "$P" "${districts[@]}"; do drained "$n" || return 1; done
}
if [ "$REAL" = 1 ]; then
	wait_for 1200 province_drained ||
	    die "$P did not pass everything down in 1200 s"
	t4=$(ms)
fi
offices=$(sed -n 's/.* \([0-9]*\) offices (.*/\1/p' "$T/sim.log")
echo
echo "bring-up"
printf "  %d provinces enrolled at the root in %.1f s (node-key, cert issue)\n" \
    "$N" "$(calc "($t1 - $t0) / 1000")"
printf "  %d offices in all; all %d provinces linked %.1f s after the simulator started\n" \
    "$offices" "$N" "$(calc "($t2 - $t1) / 1000")"
printf "  the root owed no link anything %.1f s after the start (%s)\n" \
    "$(calc "($t3 - $t1) / 1000")" \
    "$(simlog "holds the others'" | sed 's/^nation_sim: //')"
[ "$REAL" = 1 ] &&
printf "  %s and its districts owed no link anything %.1f s after the start\n" \
    "$P" "$(calc "($t4 - $t1) / 1000")"

# 2. Steady state, once every office has reported.
left=$(( STATUS_S * 1000 + 3000 - ($(ms) - t1) ))
[ "$left" -gt 0 ] && sleep "$(calc "$left / 1000")"
links() {	# bytes in and out over the simulated links, at the root
	ctl "$ROOT" --json peers | jq -r '[.peers[] | select(.name |
	    startswith("tinh"))] | "\(map(.bytes_in) | add) \(map(.bytes_out) |
	    add)"'
}
rpid=${PID[$ROOT]} spid=${PID[nation_sim]}
c0=$(counter "$ROOT" commits) && r0=$(counter "$ROOT" records_in) ||
    die "cannot read the root's counters"
read -r bi0 bo0 < <(links)
rc0=$(cpu_ms "$rpid") sc0=$(cpu_ms "$spid") s0=$(ms)
sim_stats >/dev/null
sleep "$MEASURE_S"
c1=$(counter "$ROOT" commits) && r1=$(counter "$ROOT" records_in) ||
    die "cannot read the root's counters"
read -r bi1 bo1 < <(links)
rc1=$(cpu_ms "$rpid") sc1=$(cpu_ms "$spid") s1=$(ms)
secs=$(calc "($s1 - $s0) / 1000")
figures=$(sim_stats)
echo
echo "steady state over $secs s"
printf "  the root: %.1f%% of one core, %.1f commits/s, %.0f records in/s\n" \
    "$(calc "($rc1 - $rc0) / 10 / $secs")" \
    "$(calc "($c1 - $c0) / $secs")" "$(calc "($r1 - $r0) / $secs")"
echo "  the root: $(hub "$ROOT")"
if [ "$REAL" = 1 ]; then
	for n in "$P" "${districts[-1]}" "${communes[-1]}"; do
		echo "  $n: $(hub "$n")"
	done
fi
printf "  over the %d simulated links: %.1f KiB/s to the root, %.1f KiB/s from it\n" \
    "$N" "$(calc "($bi1 - $bi0) / 1024 / $secs")" \
    "$(calc "($bo1 - $bo0) / 1024 / $secs")"
printf "  the simulator: %.1f%% of one core, resident %.1f MiB\n" \
    "$(calc "($sc1 - $sc0) / 10 / $secs")" "$(mib "$(rss_kib "$spid")")"
echo "  $figures"

# 3. The root's views: network, and queue.
# Every page of node-ctl [--json] network at the root, into $T/net.$1
# (text or json); the pages in PAGES, the time they took in NET_MS.
net_pages() {
	local kind=$1 from= t0=$(ms) page=$T/net.page
	: >"$T/net.$kind"
	PAGES=0
	while :; do
		ctl "$ROOT" $([ "$kind" = json ] && echo --json) network \
		    ${from:+--from "$from"} >"$page" || return 1
		cat "$page" >>"$T/net.$kind"
		PAGES=$((PAGES + 1))
		if [ "$kind" = json ]; then
			from=$(jq -r '.next // empty' "$page")
		else
			from=$(sed -n 's/.*more: node-ctl network --from \([^ )]*\).*/\1/p' "$page")
		fi
		[ -n "$from" ] || break
	done
	NET_MS=$(( $(ms) - t0 ))
}
net_pages text || die "network failed"
tp=$PAGES tms=$NET_MS
net_pages json || die "network --json failed"
t0=$(ms)
ctl "$ROOT" network --summary >"$T/net.summary" || die "network --summary failed"
t1=$(ms)
echo
echo "node-ctl network at the root"
printf "  every page (%d) in %d ms, %d bytes; --json: %d ms, %d bytes, %d nodes (%d stale)\n" \
    "$tp" "$tms" "$(wc -c <"$T/net.text")" "$NET_MS" "$(wc -c <"$T/net.json")" \
    "$(jq -s '[.[].nodes[]] | length' "$T/net.json")" \
    "$(jq -s '[.[].nodes[] | select(.stale)] | length' "$T/net.json")"
printf "  --summary: %d ms, %d bytes, %d lines\n" $((t1 - t0)) \
    "$(wc -c <"$T/net.summary")" "$(wc -l <"$T/net.summary")"
t0=$(ms)
ctl "$ROOT" --json queue >"$T/queue.json" || die "queue failed"
t1=$(ms)
echo
printf "node-ctl queue at the root\n  %d ms, %d bytes; a count partial in the urgent lane of %d links, normal %d, bulk %d (of %d)\n" \
    $((t1 - t0)) "$(wc -c <"$T/queue.json")" \
    "$(jq '[.links[] | select(.urgent.partial)] | length' "$T/queue.json")" \
    "$(jq '[.links[] | select(.normal.partial)] | length' "$T/queue.json")" \
    "$(jq '[.links[] | select(.bulk.partial)] | length' "$T/queue.json")" \
    "$(jq '.links | length' "$T/queue.json")"

# 4. A national broadcast.
subj=directive-$$
all=$(wc -l <"$T/communes")
[ "$REAL" = 1 ] && printf '%s\n' "${communes[@]}" >>"$T/communes"
sim watch "$subj"
if ctl "$ROOT" route 'vanthu@*' >/dev/null 2>&1; then
	how="one send to vanthu@* (subtree address, clear: a nation is
  past the keys one mail is sealed for)"
	t0=$(ms)
	echo "Chỉ thị" | ctl "$ROOT" send --from "vanthu@$ROOT" --clear \
	    --subject "$subj" 'vanthu@*' >/dev/null || die "the directive was refused"
else
	sed 's/^/vanthu@/' "$T/communes" | paste -d' ' $(printf ' -%.0s' \
	    $(seq 256)) | jq -Rc --arg s "$subj" --arg f "vanthu@$ROOT" \
	    '{from: $f, to: split(" ") | map(select(. != "")), subject: $s,
	    text: "Chỉ thị"}' >"$T/directive.jsonl"
	how="send --batch of $(wc -l <"$T/directive.jsonl") messages of up to 256 recipients"
	t0=$(ms)
	ctl "$ROOT" send --batch "$T/directive.jsonl" >/dev/null ||
	    die "the directive was refused"
fi
t1=$(ms)
wait_for 300 simlog "^nation_sim: watch $subj: all" ||
    die "the directive did not reach every simulated commune in 300 s"
last=$(simlog "^nation_sim: watch $subj: all" |
    sed 's/.*the last at \([0-9]*\).*/\1/')
echo
echo "national broadcast: vanthu at $all simulated communes"
echo "  $how"
printf "  the root took it in %d ms; the last simulated commune's province had it %d ms after the send began\n" \
    $((t1 - t0)) $((last - t0))
if [ "$REAL" = 1 ]; then
	wait_for 300 got_all "${communes[@]}" ||
	    die "the directive did not reach every commune of $P"
	rl=0
	for c in "${communes[@]}"; do
		id=$(ctl "$c" --json mail ls vanthu | jq -er --arg s "$subj" \
		    '[.messages[] | select(.subject == $s)][0].id') &&
		    d=$(trace_ms "$c" "$id" delivered) || die "no directive at $c"
		[ "$d" -gt "$rl" ] && rl=$d
	done
	printf "  the last of %d real communes of %s had it %d ms after the send began\n" \
	    "${#communes[@]}" "$P" $((rl - t0))
fi

# 5. A province outage.
v=${names[$((N - 1))]}
sim down "$v"
t0=$(ms)
wait_for 60 eval '! link_up "$ROOT" "$v"' || die "the root did not see $v go"
t1=$(ms)
grep "\.$v\$" "$T/communes" | awk -v n="$OUTAGE_MAIL" -v r="$ROOT" '
    { c[NR] = $0 }
    END {
	for (i = 1; i <= n; i++)
		printf "{\"from\": \"vanthu@%s\", \"to\": \"vanthu@%s\", " \
		    "\"subject\": \"outage %d\", \"text\": \"x\"}\n", r,
		    c[(i - 1) % NR + 1], i
    }' >"$T/outage.jsonl"
ctl "$ROOT" send --batch "$T/outage.jsonl" >/dev/null ||
    die "the root refused the mail for $v"
left=$(( OUTAGE_S * 1000 - ($(ms) - t0) ))
[ "$left" -gt 0 ] && sleep "$(calc "$left / 1000")"
backlog=$(owed "$v") || die "no queue from the root"
sim up "$v"
t2=$(ms)
wait_for 120 link_up "$ROOT" "$v" || die "$v did not link again"
t3=$(ms)
wait_for 300 drained "$ROOT" "$v" || die "the root's link to $v did not drain"
t4=$(ms)
wait_for 60 simlog "^nation_sim: $v caught up" || die "$v did not catch up"
sim mail "$v"
wait_for 10 simlog "^nation_sim: $v got" || die "no mail count from the simulator"
echo
echo "outage: $v cut for $OUTAGE_S s, $OUTAGE_MAIL messages for its communes sent meanwhile"
printf "  the root saw it down after %d ms; it owed it %s records when it came back\n" \
    $((t1 - t0)) "$backlog"
printf "  back: linked after %d ms, the root owed it nothing after %d ms\n" \
    $((t3 - t2)) $((t4 - t2))
echo "  $(simlog "^nation_sim: $v session up" | sed 's/^nation_sim: //')"
echo "  $(simlog "^nation_sim: $v caught up" | sed 's/^nation_sim: //')"
echo "  $(simlog "^nation_sim: $v got" | sed 's/^nation_sim: //') ($OUTAGE_MAIL from the root)"

figures=$(sim_stats)
sim quit
exec 3>&-
wait "${PID[nation_sim]}" 2>/dev/null
unset "PID[nation_sim]"
echo
echo "at the end"
echo "  $figures"
printf "  the root: resident %.1f MiB, %s\n" "$(mib "$(rss_kib "$rpid")")" \
    "$(ctl "$ROOT" --json status | jq -r '"\(.counters.records_bad) records bad, \(.counters.frames_bad) frames bad, \(.counters.hello_bad) hellos bad"')"
