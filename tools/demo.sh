#!/usr/bin/env bash
# make demo: one office node making, signing, storing and listing records.
# (The network demo replaces this once nodes link up.) Everything happens
# in a temporary directory that is removed at the end.
set -eu
B=${B:-build}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

say() { printf '\n== %s\n' "$*"; }

say "A new office, bacquang.hagiang, gets its Ed25519 key pair (file mode 0600)"
"$B/node-key" generate "$dir/node.key"
ls -l "$dir/node.key" | awk '{print $1, $NF}'

say "Its clerk writes three letters; each is signed and stored durably"
printf 'Kính gửi Ban Thường vụ Tỉnh ủy,\nbáo cáo tình hình tháng 11.\n' |
    "$B/node-store" mail "$dir/data" "$dir/node.key" \
	vanthu@bacquang.hagiang vanphong@hagiang "Báo cáo tháng 11"
echo "Giấy mời họp chi bộ." |
    "$B/node-store" mail "$dir/data" "$dir/node.key" \
	vanthu@bacquang.hagiang bithu@tanthanh.bacquang.hagiang "Giấy mời họp"
echo "Đề nghị cấp kinh phí." |
    "$B/node-store" mail "$dir/data" "$dir/node.key" \
	vanthu@bacquang.hagiang ketoan@hagiang "Đề nghị kinh phí"

say "The change log, every record's signature verified as it is read"
"$B/node-store" ls "$dir/data"

say "The store is a plain LMDB environment (mdb_stat -a)"
mdb_stat -a "$dir/data" | grep -E '^Status of|Entries'

say "A full check: ids, signatures, and a log without holes"
"$B/node-store" check "$dir/data"

say "One flipped bit on disk is caught, never served"
off=$(grep -obaF 'Đề nghị cấp' "$dir/data/data.mdb" | head -n1 | cut -d: -f1)
printf 'X' | dd of="$dir/data/data.mdb" bs=1 seek="$off" conv=notrunc status=none
if "$B/node-store" check "$dir/data"; then
	echo "demo: the corruption went unnoticed" >&2
	exit 1
fi
echo "(check exited non-zero, as it must)"
