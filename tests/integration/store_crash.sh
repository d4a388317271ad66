#!/usr/bin/env bash
# store_crash.sh: kill -9 a store writer at random moments, then check that
# every batch it wrote is wholly present or wholly absent, that batches
# never go missing once committed, and that the data directory is a plain
# LMDB environment mdb_stat can read. Run from the repository root (as
# tests/run does); binaries come from ${B:-build}/tests/. Prints TAP-style
# "ok - ..." / "not ok - ..." lines and exits non-zero on any "not ok".
set -u

B=${B:-build}
BIN=$B/tests/store_crash
ROUNDS=${ROUNDS:-20}
# The sub-databases store/store.h names; mdb_stat -a must list each one.
SUBDBS="records log mbox mbox_index peers certs revoked custody meta
	lanes db_acls doc_heads doc_revs doc_stubs doc_chunks status transit"
failed=0

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failed=$((failed + 1)); }

if [ ! -x "$BIN" ]; then
	not_ok "store_crash: $BIN is not built"
	exit 1
fi

tmp=$(mktemp -d /tmp/store_crash.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
dir=$tmp/store
mkdir "$dir"

# Prints the number of batches a "batches=M records=N" line names.
batches_of() { sed -n 's/^batches=\([0-9]*\) records=[0-9]*$/\1/p' "$1"; }

first=
prev=0
for i in $(seq 1 "$ROUNDS"); do
	"$BIN" write "$dir" 2>>"$tmp/write.log" &
	pid=$!
	ms=$((50 + RANDOM % 351))
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	wrc=$?
	"$BIN" check "$dir" >"$tmp/check.out" 2>&1
	crc=$?
	n=$(batches_of "$tmp/check.out")
	if [ "$wrc" -ne 137 ]; then
		not_ok "crash $i: the writer exited with status $wrc before" \
		    "the kill"
		sed 's/^/# /' "$tmp/write.log" | tail -n 5
	elif [ "$crc" -ne 0 ] || [ -z "$n" ]; then
		not_ok "crash $i: check failed after ${ms} ms (status $crc)"
		sed 's/^/# /' "$tmp/check.out" | head -n 20
	elif [ "$n" -lt "$prev" ]; then
		not_ok "crash $i: batches went from $prev to $n"
	else
		ok "crash $i: batches wholly present ($(cat "$tmp/check.out")," \
		    "killed after ${ms} ms)"
	fi
	[ -n "$n" ] && prev=$n
	[ -z "$first" ] && [ -n "$n" ] && first=$n
done

if [ -n "$first" ] && [ "$prev" -gt "$first" ]; then
	ok "store_crash: batches grew across the run ($first to $prev)"
else
	not_ok "store_crash: batches did not grow (first ${first:-?}," \
	    "last $prev)"
fi

if ! command -v mdb_stat >/dev/null 2>&1; then
	not_ok "mdb_stat lists the sub-databases: mdb_stat not installed" \
	    "(Debian lmdb-utils)"
elif ! mdb_stat -a "$dir" >"$tmp/stat.out" 2>&1; then
	not_ok "mdb_stat lists the sub-databases: mdb_stat -a failed"
	sed 's/^/# /' "$tmp/stat.out" | head -n 5
else
	missing=
	for db in $SUBDBS; do
		grep -qx "Status of $db" "$tmp/stat.out" ||
		    missing="$missing $db"
	done
	if [ -z "$missing" ]; then
		ok "mdb_stat lists the sub-databases"
	else
		not_ok "mdb_stat lists the sub-databases: missing$missing"
	fi
fi

[ "$failed" -eq 0 ]
