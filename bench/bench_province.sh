#!/usr/bin/env bash
# bench_province: one real province on this machine, as a new operator
# would bring it up. Figures, not pass/fail: MISS is printed, and only a
# failure to measure exits non-zero. It takes a few minutes.
#
#   make bench-province        (or: B=build bash bench/bench_province.sh)
#
# The root (tw), the province (hagiang), PROV_AGENCIES province agencies
# (3), and one district per number in PROV_COMMUNES ("8 10 12 14 16 18
# 20 22 24 24 25": 11 districts) with that many communes below it: 209
# nodes in all, every one a real node process on 127.0.0.1 with the
# README's limits (heartbeat_s 10, link_timeout_s 30). It prints:
#
# 1. bring-up: the time to enrol and start them all, one after another
#    as an operator's script would, and until every link is up (read
#    from the parents' peers);
# 2. each node's resident memory (min, median, max) and the CPU all of
#    them use together while idle (PROV_IDLE s, 10);
# 3. root -> all communes: one directive from the root to vanthu at
#    every commune (vanthu@*.DISTRICT for each district), from its
#    "submitted" custody time at the root to the last commune's
#    "delivered" (one clock, ms);
# 4. all communes -> province: every commune sends a report to the
#    province at once; the time until the province holds them all, and
#    how many were lost or delivered twice;
# 5. catch-up: the province shares a database with its subtree; every
#    district stops; the province writes PROV_DOCS documents (1,000);
#    the districts start again together. For each commune, the time from
#    its district's start (its event=start log line) until it linked up
#    again (goal 2 s) and until it has everything (goal 5 s: the commit
#    that ends its district's backlog, its event=caught_up log line,
#    with its replica then showing the province's digest), the commits
#    and the CPU the nodes used meanwhile: every commune verifies and
#    stores every document, on this machine's cores. Then the same for
#    the largest district alone, its communes no longer sharing the
#    cores with the whole province;
# 6. trace of the directive at the root: the hops it lists, of the
#    1 + 1 + districts + communes nodes that handled it.
#
# KEEP=1 keeps the directory.
cd "$(dirname "$0")/.." && . tests/lib.sh && . bench/lib.sh
set -o pipefail

AGENCIES=${PROV_AGENCIES:-3}
COMMUNES=(${PROV_COMMUNES:-8 10 12 14 16 18 20 22 24 24 25})
IDLE=${PROV_IDLE:-10}
DOCS=${PROV_DOCS:-1000}
P=hagiang DB=congvan

die() { echo "bench_province: $*" >&2; exit 1; }
log_ms() { date -u -d "$1" +%s%3N; }	# a log line's time stamp, in ms

for f in "$B/node" "$B/node-ctl" "$B/node-key" "$B/bench/commit_rate"; do
	[ -x "$f" ] || die "$f is missing: run make first"
done

# The tree: names, parents (which nodes have children), configs.
make_node "$ROOT" && readme_limits "$ROOT" &&
    make_province "$P" "$AGENCIES" "${COMMUNES[@]}" || die "cannot make the nodes"
parents=("$ROOT" "${parents[@]}")
nodes=$((2 + ${#agencies[@]} + ${#districts[@]} + ${#communes[@]}))
echo "bench_province: $nodes nodes ($(nproc) CPUs, $(awk '/MemTotal/ {
    printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), load average" \
    "$(cut -d' ' -f1-3 /proc/loadavg)), stores in $T"

# 1. Bring-up.
t0=$(ms)
start_tree "$ROOT" "$P" "${agencies[@]}" "${districts[@]}" "${communes[@]}" ||
    die "a node did not start"
t1=$(ms)
links_up() {	# how many nodes their parents see linked up
	local p
	for p in "${parents[@]}"; do
		ctl "$p" --json peers | jq --arg up "${PARENT[$p]}" \
		    '[.peers[] | select(.state == "up" and .name != $up)] | length'
	done | awk '{ s += $1 } END { print s + 0 }'
}
up=0
until [ "$up" -ge $((nodes - 1)) ]; do
	up=$(links_up)
	[ $(( $(ms) - t1 )) -gt 300000 ] && die "only $up of $((nodes - 1)) links came up in 300 s"
	[ "$up" -ge $((nodes - 1)) ] || sleep 0.5
done
t2=$(ms)
echo
echo "bring-up"
printf "  %d nodes enrolled and started one after another in %.1f s\n" \
    "$nodes" "$(calc "($t1 - $t0) / 1000")"
printf "  all %d links up %.1f s after the first start\n" $((nodes - 1)) \
    "$(calc "($t2 - $t0) / 1000")"

# 2. Memory and idle CPU.
cpu_ticks() {	# the nodes named (all if none), user + system, in clock ticks
	local n
	for n in "${@:-${!PID[@]}}"; do
		cat "/proc/${PID[$n]}/stat" 2>/dev/null
	done | awk '{ t += $14 + $15 } END { print t + 0 }'
}
sleep 3		# the status reports of the bring-up settle
for n in "${!PID[@]}"; do
	awk '/VmRSS/ { print $2 }' "/proc/${PID[$n]}/status"
done | sort -n >"$T/rss"
c0=$(cpu_ticks); sleep "$IDLE"; c1=$(cpu_ticks)
echo
echo "resources"
printf "  resident memory a node: min %.1f, median %.1f, max %.1f MiB\n" \
    "$(calc "$(head -1 "$T/rss") / 1024")" \
    "$(calc "$(median <"$T/rss") / 1024")" \
    "$(calc "$(tail -1 "$T/rss") / 1024")"
printf "  idle, all %d together: %.1f%% of one core over %d s\n" "$nodes" \
    "$(calc "($c1 - $c0) * 100 / $(getconf CLK_TCK) / $IDLE")" "$IDLE"

# 3. Root -> all communes.
to=()		# every commune: the subtree of each district
for d in "${districts[@]}"; do to+=("vanthu@*.$d"); done
did=$(echo "Chỉ thị" | ctl "$ROOT" send --from vanthu@"$ROOT" \
    --subject directive "${to[@]}") || die "the directive was refused"
wait_for 120 got_all "${communes[@]}" || die "the directive did not reach every commune"
s=$(trace_ms "$ROOT" "$did" submitted) || die "no custody at the root"
last=0
for c in "${communes[@]}"; do
	d=$(trace_ms "$c" "$did" delivered) || die "no delivery at $c"
	[ "$d" -gt "$last" ] && last=$d
done
echo
echo "root -> every commune: one directive to ${#to[@]} subtree addresses (${#communes[@]} communes)"
echo "  the last commune had it $((last - s)) ms after the root took it"

# 4. All communes -> province.
d0=$(counter "$P" delivered) || die "cannot read the province's counters"
t0=$(ms)
pids=()
for c in "${communes[@]}"; do
	echo "báo cáo" | ctl "$c" send --from "vanthu@$c" --subject "report $c" \
	    "vanthu@$P" >/dev/null &
	pids+=($!)
done
wait "${pids[@]}"
wait_for 120 eval '[ "$(counter "$P" delivered)" -ge $((d0 + ${#communes[@]})) ]' ||
    die "the province did not get every report"
t1=$(ms)
ctl "$P" --json mail ls vanthu | jq -r '.messages[].subject' |
    grep '^report ' | sort >"$T/reports"
lost=$(( ${#communes[@]} - $(sort -u "$T/reports" | wc -l) ))
twice=$(( $(wc -l <"$T/reports") - $(sort -u "$T/reports" | wc -l) ))
echo
echo "every commune -> province, all at once"
printf "  all %d at the province %.2f s after the first was sent: %d lost, %d twice\n" \
    "${#communes[@]}" "$(calc "($t1 - $t0) / 1000")" "$lost" "$twice"

# 5. Catch-up after the districts return.
ctl "$P" db create "$DB" "$P" "*.$P=reader" >/dev/null || die "db create failed"
all_have_db() {
	local c
	for c in "${communes[@]}"; do
		ctl "$c" --json db digest "$DB" >/dev/null 2>&1 || return 1
	done
}
wait_for 60 all_have_db || die "the database did not reach every commune"
commits() {	# the commits so far of the nodes named
	local c
	for c in "$@"; do counter "$c" commits; done |
	    awk '{ s += $1 } END { print s + 0 }'
}
digest_is() {	# $1's replica (read from its store) shows $want (no jq:
		# it took four times node-ctl's CPU)
	"$B/node-ctl" -d "$T/$1" --json db digest "$DB" 2>/dev/null |
	    grep -q "^  \"digest\": \"$want\",\$"
}
# Stops the districts named, writes DOCS documents at the province,
# starts them again together (as after a power cut) and times each of
# their communes: from its district's start until it linked up again
# (goal 2 s) and until it has everything (goal 5 s).
catch_up() {
	local title=$1 d c i; shift
	local ds=("$@") cs=()
	for d in "${ds[@]}"; do cs+=(${UNDER[$d]}); done
	for d in "${ds[@]}"; do stop_node "$d"; done
	t0=$(ms)
	for i in $(seq 1 "$DOCS"); do
		printf '{"db": "%s", "fields": {"so": %d, "tieude": "văn bản %d %s"}}\n' \
		    "$DB" "$i" "$i" "$title"
	done >"$T/docs.jsonl"
	ctl "$P" doc import "$T/docs.jsonl" >/dev/null 2>&1 || die "doc import failed"
	t1=$(ms)
	want=$(ctl "$P" --json db digest "$DB" | jq -r .digest)
	printf "\ncatch-up, %s: %d documents written at the province in %.1f s while %d districts were down\n" \
	    "$title" "$DOCS" "$(calc "($t1 - $t0) / 1000")" "${#ds[@]}"
	# start_node waits for each one's control socket, so the starts
	# are made first and waited for after. Each commune's replica is
	# read from its store (node-ctl -d): asking the node would queue
	# behind the catch-up being measured.
	#
	# Each commune logs when the backlog its district sent is committed
	# (event=caught_up, its own clock); its replica is then read once
	# and must show the province's digest, or it waits for a later line
	# (its district was still catching up). A commune that logs none (a
	# backlog of one batch) is timed by reading its replica every 40
	# rounds. The watch must cost little, for it shares the cores with
	# what it times: one awk a round reads the logs of the communes
	# left. (Three processes a commune every 0.1 s took more than a
	# core, and reading every replica over and over as much CPU as the
	# nodes.)
	local -A seen	# lines of each commune's log already read
	for c in "${cs[@]}"; do seen[$c]=$(wc -l <"$T/$c.log"); done
	local k0 cpu0 w0 ccpu0 m0 vars
	k0=$(commits "${cs[@]}")
	cpu0=$(cpu_ticks) w0=$(ms) ccpu0=$(cpu_ticks "${cs[@]}") m0=$(busy_mark)
	for d in "${ds[@]}"; do
		mapfile -t vars < <(clock_env "$d")
		env "${vars[@]}" "$B/node" -c "$T/$d.conf" >>"$T/$d.log" 2>&1 &
		PID[$d]=$!
	done
	for d in "${ds[@]}"; do : >"$T/caught.$d"; done
	local left=" ${cs[*]} " end=$((SECONDS + 120)) sweep=0 n at
	local -a logs skip
	while [ -n "${left// }" ] && [ $SECONDS -lt $end ]; do
		sweep=$((sweep + 1))
		logs=() skip=()
		for c in $left; do
			logs+=("$T/$c.log")
			skip+=("$c ${seen[$c]} ${PARENT[$c]}")
		done
		# The last caught_up line from its district past those
		# seen, of each commune left: "COMMUNE LINE TIME".
		while read -r c n at; do
			if digest_is "$c"; then
				echo "$c $(log_ms "$at")" >>"$T/caught.${PARENT[$c]}"
				left=${left/ $c / }
			else
				seen[$c]=$n
			fi
		done < <(printf '%s\n' "${skip[@]}" | awk -v dir="$T/" '
		    NR == FNR { seen[$1] = $2; from[$1] = $3; next }
		    FNR == 1 { c = substr(FILENAME, length(dir) + 1)
			sub(/\.log$/, "", c) }
		    FNR > seen[c] && index($0, "event=caught_up peer=" from[c] " ") {
			last[c] = FNR " " $1 }
		    END { for (c in last) print c, last[c] }' - "${logs[@]}")
		if [ $((sweep % 40)) -eq 0 ]; then
			for c in $left; do
				digest_is "$c" || continue
				echo "$c $(ms)" >>"$T/caught.${PARENT[$c]}"
				left=${left/ $c / }
			done
		fi
		sleep 0.25
	done
	local cpu1 w1 ccpu1 m1 dcpu k1 kd all=0 st up
	cpu1=$(cpu_ticks) w1=$(ms) ccpu1=$(cpu_ticks "${cs[@]}") m1=$(busy_mark)
	dcpu=$(cpu_ticks "${ds[@]}")	# all since their start
	k1=$(commits "${cs[@]}")
	kd=$(commits "${ds[@]}")	# all since their start
	: >"$T/lags"
	: >"$T/relinks"
	for d in "${ds[@]}"; do
		st=$(log_ms "$(grep 'event=start ' "$T/$d.log" | tail -n 1 | cut -d' ' -f1)")
		while read -r c at; do
			echo $((at - st)) >>"$T/lags"
			all=$((all + 1))
		done <"$T/caught.$d"
		for c in ${UNDER[$d]}; do
			up=$(grep "event=link_up peer=$d " "$T/$c.log" | tail -n 1 |
			    cut -d' ' -f1)
			echo $(( $(log_ms "$up") - st )) >>"$T/relinks"
		done
	done
	sort -n -o "$T/lags" "$T/lags"
	sort -n -o "$T/relinks" "$T/relinks"
	printf "  communes linked to their district again: median %.1f s, max %.1f s after its start (goal 2 s: %s)\n" \
	    "$(calc "$(median <"$T/relinks") / 1000")" \
	    "$(calc "$(tail -1 "$T/relinks") / 1000")" \
	    "$(awk -v m="$(tail -1 "$T/relinks")" 'BEGIN { print m <= 2000 ? "ok" : "MISS" }')"
	echo "  $all of ${#cs[@]} communes caught up within 120 s of their district's return"
	[ "$all" -gt 0 ] &&
	printf "  from the district's start until the commune had everything: median %.1f s, max %.1f s (goal 5 s: %s)\n" \
	    "$(calc "$(median <"$T/lags") / 1000")" \
	    "$(calc "$(tail -1 "$T/lags") / 1000")" \
	    "$(awk -v m="$(tail -1 "$T/lags")" -v a="$all" -v n="${#cs[@]}" \
		'BEGIN { print (m <= 5000 && a == n) ? "ok" : "MISS" }')"
	printf "  the communes made %.1f durable commits each to catch up: %d in all, %.1f s at this disk's %d commits/s (bench/commit_rate)\n" \
	    "$(calc "($k1 - $k0) / ${#cs[@]}")" $((k1 - k0)) \
	    "$(calc "($k1 - $k0) / $CRATE")" "$CRATE"
	printf "  the districts made %.1f commits each from their start, relaying it\n" \
	    "$(calc "$kd / ${#ds[@]}")"
	# The machine's limit: the catch-up is work (each commune verifies
	# and stores every document), and all of it shares this machine's
	# cores.
	printf "  the nodes used %.1f s of CPU in those %.1f s (%d cores: %.0f%% busy; the whole machine %.0f%%)\n" \
	    "$(calc "($cpu1 - $cpu0) / $(getconf CLK_TCK)")" \
	    "$(calc "($w1 - $w0) / 1000")" "$(nproc)" \
	    "$(calc "($cpu1 - $cpu0) / $(getconf CLK_TCK) * 100000 / ($w1 - $w0) / $(nproc)")" \
	    "$(calc "$(busy_cores "$m0" "$m1") * 100 / $(nproc)")"
	printf "  of which the districts %.1f s (they relay), the communes %.1f s (%.0f ms a commune)\n" \
	    "$(calc "$dcpu / $(getconf CLK_TCK)")" \
	    "$(calc "($ccpu1 - $ccpu0) / $(getconf CLK_TCK)")" \
	    "$(calc "($ccpu1 - $ccpu0) * 1000 / $(getconf CLK_TCK) / ${#cs[@]}")"
	# All of that work on these cores: no commune can be done sooner
	# than the CPU it all took spread evenly over them (one office a
	# machine, a commune's own share is the figure above).
	printf "  this machine's bound: that CPU on %d cores takes %.1f s at the least\n" \
	    "$(nproc)" "$(calc "($cpu1 - $cpu0) / $(getconf CLK_TCK) / $(nproc)")"
}
# Each store is its own file: commits of different nodes share no
# fsync, so the disk's rate one after another bounds them all together.
CLINE=$("$B/bench/commit_rate" 1 "$T") || die "commit_rate failed"
CRATE=$(echo "$CLINE" | sed -n 's/.*another: \([0-9]*\)\/s.*/\1/p')
catch_up "every district at once" "${districts[@]}"
# The same for the largest district alone: its communes' catch-up with
# the machine's cores no longer shared by the whole province, closer to
# what an office on its own machine sees.
big=${districts[0]}
for d in "${districts[@]}"; do
	[ $(wc -w <<<"${UNDER[$d]}") -gt $(wc -w <<<"${UNDER[$big]}") ] && big=$d
done
catch_up "$big alone" "$big"

# 6. Trace of the directive at the root.
ctl "$ROOT" --json trace "$did" >"$T/trace" 2>&1 || die "trace failed: $(tail -1 "$T/trace")"
hops=$(jq '[.hops[] | select((.events | length) > 0)] | length' "$T/trace")
notes=$(jq '[.hops[] | select(.note != null)] | length' "$T/trace")
want=$((2 + ${#districts[@]} + ${#communes[@]}))
echo
echo "trace of the directive at the root"
echo "  $hops hops with events of the $want nodes that handled it, $notes with a note: $(
    [ "$hops" -ge "$want" ] && echo complete || echo INCOMPLETE)"
