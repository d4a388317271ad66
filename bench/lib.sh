# Shared by the benchmark scripts (after tests/lib.sh): arithmetic,
# medians and verdicts, CPU times, the machine's limits measured in the
# run, a pair of nodes one hop apart, a province of bench_province.sh,
# and custody times read from a store. A script sets A, BN and die()
# before it uses them.

now() { date +%s.%N; }
ms() { date +%s%3N; }
# a - b, a / b and friends, in awk: bash has no floating point.
calc() { awk "BEGIN { printf \"%s\", $1 }"; }
# The median of the numbers on stdin, one a line.
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# "ok" if the awk condition $1 holds, else "MISS".
verdict() { awk "BEGIN { exit !($1) }" && echo ok || echo MISS; }
# CPU time in ms, user + system, of every thread of process $1; with -c
# before it, of the children it has waited for instead.
cpu_ms() {
	local fields='$14 + $15' files
	if [ "$1" = -c ]; then
		fields='$16 + $17'
		files=/proc/$2/stat
	else
		files=$(echo /proc/"$1"/task/*/stat)
	fi
	awk "{ t += $fields } END { printf \"%d\", t * 1000 / $(getconf CLK_TCK) }" \
	    $files
}
# The machine's busy and total CPU ticks so far (every core, /proc/stat):
# two of these give busy_cores the cores busy between them.
busy_mark() {
	awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i;
	    print t - $5 - $6, t; exit }' /proc/stat
}
# busy_cores "$(busy_mark)" "$(busy_mark)": cores busy on average, of nproc.
busy_cores() {
	local b0 t0 b1 t1
	read -r b0 t0 <<<"$1" && read -r b1 t1 <<<"$2"
	calc "($b1 - $b0) * $(nproc) / ($t1 - $t0 > 0 ? $t1 - $t0 : 1)"
}

# Prints benchmark $1's first line and the machine's limits, measured
# now: one core's sign and verify rates (SLINE; VLINE and VRATE, see
# verify) and a durable commit on the stores' disk (CLINE; CUS, its
# microseconds).
machine_limits() {
	echo "$1: $(nproc) CPUs, load average $(cut -d' ' -f1-3 \
	    /proc/loadavg), stores in $T"
	SLINE=$(SIGN=1 "$B/bench/verify_rate" 1) || die "verify_rate failed"
	verify 1
	CLINE=$("$B/bench/commit_rate" 1 "$T") || die "commit_rate failed"
	CUS=$(echo "$CLINE" | sed -n 's/.*, \([0-9]*\) us each.*/\1/p')
	echo
	echo "machine limit"
	echo "  $SLINE"
	echo "  $VLINE"
	echo "  $CLINE"
}

# Makes and starts node $A and, one hop below it, $BN; waits for the link.
start_pair() {
	make_node "$A"
	make_node "$BN" "$A"
	start_node "$A" || die "$A did not start"
	enrol "$BN" || die "$A did not certify $BN"
	start_node "$BN" || die "$BN did not start"
	wait_for 15 link_up "$BN" "$A" || die "the link did not come up"
}

readme_limits() {	# the README's heartbeat and link timeout for node $1
	sed -i -e 's/^heartbeat_s = .*/heartbeat_s = 10/' \
	    -e 's/^link_timeout_s = .*/link_timeout_s = 30/' "$T/$1.conf"
}

# make_province P AGENCIES COMMUNES...: a province below $ROOT, made
# (make_node, the README's limits), not started: P, AGENCIES agencies
# (soA.P) and one district (huyenD.P) per number in COMMUNES with that
# many communes (xaC.huyenD.P). Their names are left in the arrays
# agencies, districts, communes, parents (P and the districts: the nodes
# with children) and UNDER (a district's communes).
make_province() {
	local p=$1 n=$2 i d c dn; shift 2
	agencies=() districts=() communes=() parents=("$p")
	declare -gA UNDER=()
	for i in $(seq 1 "$n"); do agencies+=("so$i.$p"); done
	d=0
	for n; do
		dn=huyen$((++d)).$p
		districts+=("$dn")
		parents+=("$dn")
		for c in $(seq 1 "$n"); do
			communes+=("xa$c.$dn")
			UNDER[$dn]+=" xa$c.$dn"
		done
	done
	make_node "$p" "$ROOT" && readme_limits "$p" || return 1
	for i in "${agencies[@]}" "${districts[@]}"; do
		make_node "$i" "$p" && readme_limits "$i" || return 1
	done
	for dn in "${districts[@]}"; do
		for c in ${UNDER[$dn]}; do
			make_node "$c" "$dn" && readme_limits "$c" || return 1
		done
	done
}

delivered() { counter "$1" delivered; }
# Waits up to $3 s for the delivered counter of $1 to reach $2.
wait_delivered() {
	local end=$((SECONDS + $3)) d
	while :; do
		d=$(delivered "$1" 2>/dev/null) && [ "$d" -ge "$2" ] && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.05
	done
}

# Has every node in $@ delivered at least one message?
got_all() {
	local c
	for c; do
		[ "$(counter "$c" delivered 2>/dev/null || echo 0)" -ge 1 ] ||
		    return 1
	done
}

# verify_rate for $1 s: its line in VLINE, its figure (per s) in VRATE,
# and the figure appended to $T/verifies.
verify() {
	VLINE=$("$B/bench/verify_rate" "$1") || die "verify_rate failed"
	VRATE=$(echo "$VLINE" | sed -n 's/.*one core: \([0-9]*\)\/s.*/\1/p')
	[ -n "$VRATE" ] || die "cannot read verify_rate's output: $VLINE"
	echo "$VRATE" >>"$T/verifies"
}

# The custody events at node $1, read from its store with mdb_dump: one
# line "TIME_MS EVENT ID" each (EVENT 01 submitted, 02 received, 03 sent,
# 04 delivered), in time order. Hex is done by hand: mawk has no
# strtonum, and ms since 1970 fit a double exactly.
custody_events() {
	mdb_dump -s custody "$T/$1" | awk '
	function hex(s,   i, v) {
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef",
			    substr(s, i, 1)) - 1
		return v
	}
	/^HEADER=END/ { body = 1; next }
	!body || /^DATA=END/ { next }
	{
		sub(/^ /, "")
		if (++line % 2) { key = $0; next }
		if (length(key) == 88)
			printf "%.0f %s %s\n", hex(substr(key, 65, 16)),
			    substr($0, 1, 2), substr(key, 1, 64)
	}' | sort -n
}

# Event $2 at node $1 since time $3 (s): "TIME_MS ID" lines.
events_since() {
	custody_events "$1" |
	    awk -v e="$2" -v t="$3" '$2 == e && $1 >= int(t * 1000) {
		print $1, $3 }'
}

# The time_ms of event $3 in the custody of record $2 at node $1.
trace_ms() {
	ctl "$1" --json trace "$2" |
	    jq -e --arg e "$3" '[.events[] | select(.event == $e)][0].time_ms'
}
