#!/usr/bin/env bash
# Convergence: on a 7-node tree, random edits, deletes and new documents
# at random nodes while random nodes go down (their links cut; some by
# SIGKILL) and come back. Once all are up and quiet, every replica of the
# database has the same digest: the same documents, winners, conflicts.
# Each seed gets its own database on the same network; the seeds are
# printed, and CONVERGE_SEEDS="s1 s2 ..." replays them.
cd "$(dirname "$0")/../.." && . tests/lib.sh

NODES=(tw hagiang d1.hagiang d2.hagiang c1.d1.hagiang c2.d1.hagiang
    c1.d2.hagiang)
make_node tw
make_node hagiang tw
make_node d1.hagiang hagiang
make_node d2.hagiang hagiang
make_node c1.d1.hagiang d1.hagiang
make_node c2.d1.hagiang d1.hagiang
make_node c1.d2.hagiang d2.hagiang
start_tree "${NODES[@]}"
all_up() { tree_up "${NODES[@]}"; }
check "the 7-node tree links up" wait_for 30 all_up

running() { [ -n "${PID[$1]:-}" ]; }

# Every replica of db $1 shows the same digest (and holds a document).
agree() {
	local n d first=
	for n in "${NODES[@]}"; do
		d=$(ctl "$n" --json db digest "$1" | jq -r 'select(.docs > 0) |
		    "\(.digest) \(.docs) \(.conflicts)"') || return 1
		[ -n "$d" ] || return 1
		[ -z "$first" ] && first=$d
		[ "$d" = "$first" ] || return 1
	done
	echo "$first"
}

# One of the three newest documents.
pick() {
	local k=$(( ${#docs[@]} - 1 - RANDOM % 3 ))
	echo "${docs[k < 0 ? 0 : k]}"
}

run_seed() {
	local seed=$1 db=conv$1 i n op out summary
	local -a docs=()
	RANDOM=$seed
	ctl tw db create "$db" "*" '*=editor' >/dev/null || return 1
	for ((i = 0; i < 30; i++)); do
		n=${NODES[RANDOM % ${#NODES[@]}]}
		op=$((RANDOM % 10))
		if ! running "$n"; then
			start_node "$n"
			continue
		fi
		case $op in
		0|1|2)
			out=$(ctl "$n" --json doc put "$db" "step=$i" "at=$n") &&
			    docs+=("$(jq -r .id <<<"$out")") ;;
		3|4|5)
			# The newest few: edits on both sides of a cut meet.
			[ ${#docs[@]} -gt 0 ] &&
			    ctl "$n" doc put "$db" "$(pick)" \
			    "step=$i" "at=$n" >/dev/null 2>&1 ;;
		6)
			[ ${#docs[@]} -gt 0 ] &&
			    ctl "$n" doc rm "$db" "$(pick)" >/dev/null 2>&1 ;;
		7|8)
			[ "$n" != tw ] || continue
			if ((RANDOM % 3 == 0)); then kill_node "$n"
			else stop_node "$n"; fi ;;
		9)
			sleep 0.$((RANDOM % 5)) ;;
		esac
	done
	for n in "${NODES[@]}"; do
		running "$n" || start_node "$n"
	done
	# Quiet: every link up, then every replica the same.
	wait_for 60 all_up || return 1
	ctl tw doc put "$db" "step=last" >/dev/null || return 1
	if ! wait_for 60 agree "$db"; then
		for n in "${NODES[@]}"; do
			echo "# $n: $(ctl "$n" --json db digest "$db" 2>&1 |
			    jq -c '[.digest[:12], .docs, .conflicts]' 2>&1)"
		done
		return 1
	fi
	summary=$(agree "$db")
	echo "# seed $seed: digest ${summary%% *}, docs and conflicts ${summary#* }"
}

seeds=${CONVERGE_SEEDS:-}
if [ -z "$seeds" ]; then
	base=$((RANDOM * 32768 + RANDOM))
	for ((k = 0; k < 20; k++)); do seeds="$seeds $((base + k))"; done
fi
for seed in $seeds; do
	check "seed $seed: every replica converges to one digest" run_seed "$seed"
done
finish
