#!/usr/bin/env bash
# A province with nodes one protocol version apart (proto/README.md,
# "Versions"), as while it upgrades over weeks: this build ($B) and the
# previous release, built here from git history into build/old.
#
#   tw (new) <- hagiang (old) <- bacquang (old) <- tanthanh (new)
#                                               <- quyetthang (old)
#                             <- vixuyen (new)  <- tanthanh (old)
#                                               <- quyetthang (new)
#
# (bacquang and vixuyen are districts of hagiang.) Each certificate is
# issued by its parent's build, so an old parent certifies a new child
# and the other way round, and every pair of builds is linked both
# ways. Checked: every link comes up at the version both speak; mail
# crosses mixed hops both ways, once each, with receipts, sealed too
# (version 4, which both speak); a database of the old province
# replicates to its every node with one digest; a trace at the root
# follows a letter through old nodes; a sealed document (version 5) is
# never handed to an old node, and goes on to its new readers where
# the way is new; an official's signature crosses old relays, checked
# by each node; old nodes stopped and started relink and get what
# waited; then the upgrade, top down: an old district and then the
# province stopped and started with this build on their stores, mail
# queued at them delivered, after which a sealed document crosses
# them to its reader, and a sealed subtree address reaches every node.
#
# Not part of make test: make test-mixed runs it. OLD_REV= picks the
# old build's commit; the binaries are kept in build/old/bin, rebuilt
# when OLD_REV changes.
cd "$(dirname "$0")/.." && . tests/lib.sh

# The last commit of main before the protocol went to version 5 (sealed
# documents raised WIRE_PROTOCOL_VERSION in node/lib/wire.h): the
# release every office runs before this one, 0.3.0.
OLD_REV=${OLD_REV:-dbbcd6e2232abc8fcbb03007465fa4550a50afc4}
OLD_DIR=$PWD/build/old
OLDB=$OLD_DIR/bin

# Builds node, node-ctl and node-key of OLD_REV into build/old/bin from
# a git archive of it in build/old/src (its own Makefile, its build/).
build_old() {
	local rev
	rev=$(git rev-parse --verify -q "$OLD_REV^{commit}") || {
		echo "# OLD_REV $OLD_REV: no such commit (a git clone is needed)"
		return 1
	}
	if [ "$(cat "$OLD_DIR/rev" 2>/dev/null)" = "$rev" ] &&
	    [ -x "$OLDB/node" ] && [ -x "$OLDB/node-ctl" ] &&
	    [ -x "$OLDB/node-key" ]; then
		return 0
	fi
	rm -rf "$OLD_DIR/src" "$OLDB" "$OLD_DIR/rev"
	mkdir -p "$OLD_DIR/src" "$OLDB" &&
	    git archive "$rev" | tar -x -C "$OLD_DIR/src" || return 1
	if ! make -C "$OLD_DIR/src" -j2 build/node build/node-ctl \
	    build/node-key >"$OLD_DIR/build.log" 2>&1; then
		echo "# the old build failed; build/old/build.log ends:"
		tail -n 5 "$OLD_DIR/build.log" | sed 's/^/#   /'
		return 1
	fi
	cp "$OLD_DIR/src/build/node" "$OLD_DIR/src/build/node-ctl" \
	    "$OLD_DIR/src/build/node-key" "$OLDB/" &&
	    echo "$rev" >"$OLD_DIR/rev"
}
# WIRE_PROTOCOL_VERSION of node/lib/wire.h at git revision $1 (or of
# the work tree for "").
proto_version() {
	local src
	if [ -n "$1" ]; then src=$(git show "$1:node/lib/wire.h"); else
		src=$(cat node/lib/wire.h); fi
	sed -n 's/^#define WIRE_PROTOCOL_VERSION[[:space:]]*\([0-9]*\).*/\1/p' \
	    <<<"$src"
}
if ! check "the release $OLD_REV builds" build_old; then
	finish
	exit 1
fi
V=$(proto_version "") VOLD=$(proto_version "$OLD_REV")
echo "# old: $OLD_REV, protocol version $VOLD; new: $V"
check "the old build is one protocol version older ($VOLD, new $V)" \
    test "$VOLD" -eq $((V - 1))

P=hagiang BQ=bacquang.hagiang VX=vixuyen.hagiang
TB=tanthanh.$BQ QB=quyetthang.$BQ TV=tanthanh.$VX QV=quyetthang.$VX
ALL="tw $P $BQ $VX $TB $QB $TV $QV"
PROVINCE="$P $BQ $VX $TB $QB $TV $QV"
COMMUNES="$TB $QB $TV $QV"
for n in $P $BQ $QB $TV; do BIN[$n]=$OLDB; done

is_new() { [ "$(bin "$1")" = "$B" ]; }
label() { if is_new "$1"; then echo "$1 (new)"; else echo "$1 (old)"; fi; }
# The protocol version a session of $1 and $2 runs.
pair_version() {
	if is_new "$1" && is_new "$2"; then echo "$V"; else echo "$VOLD"; fi
}
# Is the link from $1 to $2 up as $1 sees it, at version $3?
link_at() {
	ctl "$1" --json peers | jq -e --arg p "$2" --argjson v "$3" \
	    '.peers[] | select(.name == $p and .state == "up" and
	    .version == $v)' >/dev/null
}
# Is node $1 linked to its parent, both ends seeing it up at the
# version both speak?
relinked() {
	local v
	v=$(pair_version "$1" "${PARENT[$1]}")
	link_at "$1" "${PARENT[$1]}" "$v" && link_at "${PARENT[$1]}" "$1" "$v"
}
# Checks the link of each node named to its parent, both ends.
check_links() {
	local n p
	for n; do
		p=${PARENT[$n]}
		check "$(label "$p") and its child $(label "$n") link up, version $(pair_version "$n" "$p") at both ends" \
		    wait_for 20 relinked "$n"
	done
}

# Messages with subject $3 in mailbox $2 of node $1.
count() {
	ctl "$1" --json mail ls "$2" 2>/dev/null |
	    jq --arg s "$3" '[.messages[]? | select(.subject == $s)] | length'
}
# Does each node of $1 hold exactly $4 (default 1) of subject $3 in $2?
each_has() {
	local n
	for n in $1; do
		[ "$(count "$n" "$2" "$3")" -eq "${4:-1}" ] || return 1
	done
}
# NODE FROM SUBJECT [ARGS...] TO...: sends a letter sealed, as a node
# does unless told (both builds seal mail), and prints its id.
sealed() {
	local n=$1 from=$2 s=$3; shift 3
	echo "văn bản: $s" | ctl "$n" --json send --from "$from" --subject "$s" \
	    "$@" | jq -r .id
}
# The same sent clear, readable on the way (a trace follows either).
send() { sealed "$1" "$2" "$3" --clear "${@:4}"; }
# The reports in mailbox $2 of node $1 about message $3, as JSON lines.
reports() {
	ctl "$1" --json mail ls "$2" | jq -c --arg id "$3" \
	    '.messages[] | select(.kind == "report" and .report.message_id == $id)'
}
# Node $1 holds record $2 (its own custody events of it).
holds() {
	ctl "$1" --json trace "$2" | jq -e '.events | length > 0' >/dev/null
}
sum_counter() {	# COUNTER: summed over every node running
	local n t=0
	for n in $ALL; do
		[ -n "${PID[$n]:-}" ] || continue
		t=$((t + $(counter "$n" "$1")))
	done
	echo "$t"
}

# --- 1. Links and certificates ------------------------------------------------
build_tree() {
	local n
	make_node tw && make_node $P tw && make_node $BQ $P &&
	    make_node $VX $P || return 1
	for n in $TB $QB; do make_node "$n" $BQ || return 1; done
	for n in $TV $QV; do make_node "$n" $VX || return 1; done
	for n in $ALL; do set_limit "$n" status_s 1; done
	# shellcheck disable=SC2086
	start_tree $ALL
}
check "a province of both builds starts, each office certified by its parent" \
    build_tree
# shellcheck disable=SC2086
check_links $PROVINCE
# A chain an old parent issued, held to this build's rules, and the
# other way round: node -n checks the key and the chain.
chain_ok() { "$(bin "$1")/node" -n -c "$T/$1.conf" >/dev/null 2>&1; }
check "$(label $VX) starts on the chain $(label $P) issued it" chain_ok $VX
check "$(label $TV) starts on the chain $(label $VX) issued it" chain_ok $TV
cert_valid() {	# NODE SUBJECT ISSUER: NODE holds SUBJECT's, valid
	ctl "$1" --json cert ls "$2" | jq -e --arg s "$2" --arg i "$3" \
	    '.certs[] | select(.subject == $s and .issuer == $i and
	    .state == "valid")' >/dev/null
}
check "the old province holds the new district's certificate, valid" \
    cert_valid $P $VX $P
check "the new district holds the old commune's certificate it issued, valid" \
    cert_valid $VX $TV $VX
check "the new root holds the old province's certificate, valid" \
    cert_valid tw $P tw
check "the new commune holds its old district's, valid to it" \
    cert_valid $TB $BQ $P

# --- 2. Mail across mixed hops --------------------------------------------
bad0=$(sum_counter records_bad)
up=$(send $TB vanthu@$TB "báo cáo xã mới" chutich@tw)
send $TV vanthu@$TV "báo cáo xã cũ" chutich@tw >/dev/null
check "a new commune's report crosses an old district and province to the root" \
    wait_for 20 each_has tw chutich "báo cáo xã mới"
check "an old commune's report crosses a new district and the old province" \
    wait_for 20 each_has tw chutich "báo cáo xã cũ"
rcpt=
for n in $COMMUNES; do rcpt="$rcpt vanthu@$n"; done
# shellcheck disable=SC2086
down=$(send tw chutich@tw "chỉ thị" $rcpt)
check "the root's directive reaches every commune, old and new" \
    wait_for 20 each_has "$COMMUNES" vanthu "chỉ thị"
cross=$(send $TB vanthu@$TB "giấy mời" --receipt --expires 600 vanthu@$TV)
send $QV vanthu@$QV "công văn" --receipt vanthu@$QB >/dev/null
check "a new commune's letter reaches an old one of the other district" \
    wait_for 20 each_has $TV vanthu "giấy mời"
check "and the other way: new to old across the province" \
    wait_for 20 each_has $QB vanthu "công văn"
check "the old commune's receipt comes back to the new one" \
    wait_for 20 eval 'reports $TB vanthu "$cross" | jq -s -e "any(.[];
	.report.result == \"delivered\" and .from == \"$TV\")" >/dev/null'
sleep 2	# anything duplicated would have arrived by now
check "each was delivered once" \
    eval 'each_has tw chutich "báo cáo xã mới" && each_has tw chutich "báo cáo xã cũ" &&
	each_has "$COMMUNES" vanthu "chỉ thị" && each_has $TV vanthu "giấy mời" &&
	each_has $QB vanthu "công văn"'
check "one receipt" test "$(reports $TB vanthu "$cross" | jq -s length)" -eq 1
sealed $TB vanthu@$TB "thư kín" vanthu@$TV >/dev/null
check "a new commune's sealed letter crosses old relays to an old commune, which opens it" \
    wait_for 20 each_has $TV vanthu "thư kín"
nobody=$(send tw chutich@tw "không có" khongco@$TV)
check "an old commune's failure report for a mailbox it lacks reaches the root" \
    wait_for 20 eval 'reports tw chutich "$nobody" | jq -s -e --arg a khongco@$TV \
	"any(.[]; .report.result == \"failed\" and .report.recipients == [\$a] and
	.from == \"$TV\")" >/dev/null'
# Every node's status report, old and new, reaches the root, all links
# up.
network_all() {
	ctl tw --json network | jq -e --arg all "$ALL" '[.nodes[] |
	    select(.state == "up") | .name] | sort == ($all | split(" ") | sort)' \
	    >/dev/null
}
check "node-ctl network at the root lists all 8 nodes, up" \
    wait_for 20 network_all
check "no node refused a record of the other build (records_bad)" \
    test "$(sum_counter records_bad)" -eq "$bad0"

# --- 2b. An official's signature across old relays ---------------------------
# Personal signatures need no new version (proto/README.md "Versions"),
# and the old release has them: a signed letter sent clear crosses old
# relays, each node on the way checks it, old or new.
PASS='mật khẩu của chủ tịch'
with_pass() {	# PASSPHRASE CMD...: CMD reads it from descriptor 3
	local p=$1; shift
	NODE_PASSPHRASE_FD=3 "$@" 3< <(printf '%s\n' "$p")
}
official_valid() {	# NODE PERSON: NODE holds PERSON's certificate, valid
	ctl "$1" --json cert ls "${2#*@}" | jq -e --arg s "$2" \
	    '.certs[] | select(.subject == $s and .state == "valid")' >/dev/null
}
refused_at() { grep -F "event=record_refused" "$T/$1.log" | grep -qF -- "$2"; }
bad_old=$(( $(counter $BQ records_bad) + $(counter $P records_bad) ))
pub=$(with_pass "$PASS" "$B/node-key" person new "$T/chutich.key")
ctl $TB cert issue "chutich@$TB" "$pub" >/dev/null
check "the new commune's official is certified at the root, through old relays" \
    wait_for 20 official_valid tw "chutich@$TB"
echo "nghị quyết" | with_pass "$PASS" ctl $TB send --from vanthu@$TB \
    --subject "ký qua nút cũ" --sign-as "$T/chutich.key" --clear \
    chutich@tw >/dev/null
check "a signed letter crosses the old district and province" \
    wait_for 20 each_has tw chutich "ký qua nút cũ"
signed_seq=$(ctl tw --json mail ls chutich | jq -r '[.messages[] |
    select(.subject == "ký qua nút cũ")][0].seq')
check "the new root checked it and shows it signed, valid" \
    eval 'ctl tw --json mail cat chutich $signed_seq | jq -e ".signed_by.now == \"valid\"" >/dev/null'
stop_node $TB
with_pass "$PASS" "$B/tests/forge_person" "$T/$TB" "$T/$TB/node.key" $TB \
    moved "chutich@$TB" chutich@tw "chữ ký chuyển" "$T/chutich.key" >/dev/null
start_node $TB
check "$(label $TB) relinks" wait_for 20 relinked $TB
check "a signature moved to other content is refused at the first relay, old" \
    wait_for 20 refused_at $BQ "personal signature of chutich@$TB does not verify"
check "there, and no further" \
    test "$(( $(counter $BQ records_bad) + $(counter $P records_bad) ))" -eq $((bad_old + 1))

# --- 3. Trace at the root through old nodes ---------------------------------
# The nodes of the trace answer at $1 for record $2, sorted.
trace_nodes() {
	ctl "$1" --json trace "$2" | jq -r '[.hops[].node] | sort | join(" ")'
}
# Was $2 delivered at node $3, as the trace at $1 says?
trace_delivered() {
	ctl "$1" --json trace "$2" | jq -e --arg n "$3" \
	    '.hops[] | select(.node == $n) | .events[] |
	    select(.event == "delivered")' >/dev/null
}
want=$(printf '%s\n' tw $P $BQ $VX $COMMUNES | sort | tr '\n' ' ')
check "node-ctl trace at the root follows the directive through the old province" \
    eval '[ "$(trace_nodes tw "$down") " = "$want" ]'
check "to each commune, old and new, delivered" \
    eval 'for c in $COMMUNES; do trace_delivered tw "$down" $c || exit 1; done'
check "the trace is complete (no hop did not answer)" \
    eval 'ctl tw --json trace "$down" | jq -e ".complete == true" >/dev/null'
want=$(printf '%s\n' $P $BQ $VX $COMMUNES | sort | tr '\n' ' ')
check "at the old province, the trace asks the new district too, and answers" \
    eval '[ "$(trace_nodes $P "$down") " = "$want" ] &&
	trace_delivered $P "$down" $QV'
want=$(printf '%s\n' $TB $BQ $P tw | sort | tr '\n' ' ')
check "at the new commune, the report's trace goes up through the old ones to the root" \
    eval '[ "$(trace_nodes $TB "$up") " = "$want" ] &&
	trace_delivered $TB "$up" tw'

# --- 4. A database of the old province ------------------------------------
digest() { ctl "$1" --json db digest congvan | jq -r '"\(.digest) \(.docs)"'; }
agree() {	# every node of the province: the same digest, $1 documents
	local n d
	d=$(digest $P)
	[ "${d#* }" -eq "$1" ] || return 1
	for n in $PROVINCE; do [ "$(digest "$n")" = "$d" ] || return 1; done
}
check "the old province creates a database for its offices" \
    quiet ctl $P db create congvan $P "*.$P=author"
check "it reaches them" wait_for 30 db_at congvan $VX $TB $TV
for n in $P $VX $TB $TV; do
	check "$(label $n) writes a document in it" \
	    quiet ctl $n doc put congvan loai="công văn" tu=$n
done
check "every node of the province holds all 4, with one digest" \
    wait_for 30 agree 4

# --- 5. Sealed mail and sealed documents through the old province -----------
# node-ctl route at $1 for address $2: each link as "PEER:VERSION:CARRIED",
# sorted.
route_links() {
	ctl "$1" --json route "$2" |
	    jq -r '[.links[] | "\(.peer):\(.version):\(.carried)"] | sort | join(" ")'
}
check "node-ctl route at the root: vanthu@*.$VX goes down to the old province, sealed" \
    test "$(route_links tw "vanthu@*.$VX")" = "$P:$VOLD:true"
check "at the new district: to its new commune and its old one" \
    test "$(route_links $VX "vanthu@*.$VX")" = "$QV:$V:true $TV:$VOLD:true"
bad0=$(sum_counter records_bad)
sealed tw chutich@tw "chỉ thị huyện" "vanthu@*.$VX" >/dev/null
check "the root's sealed vanthu@*.$VX reaches both communes through the old province" \
    wait_for 20 each_has "$TV $QV" vanthu "chỉ thị huyện"
# A sealed document (version 5), in a database of its own (the other's
# replicas keep one digest): readers a new commune of the other
# district; then both communes of the new district.
check "the old province creates a database for reports" \
    quiet ctl $P db create baocao $P "*.$P=author"
check "the new commune holds it" \
    wait_for 20 db_at baocao $TB
kin=$(ctl $TB --json doc put baocao loai="báo cáo mật" --readers $QV | jq -r .rev)
check "a new commune writes a sealed report for a commune of the other district" \
    test ${#kin} -eq 64
out=$(ctl $VX --json doc put baocao loai="báo cáo huyện" --readers "$QV,$TV")
kin2=$(jq -r .rev <<<"$out") kdoc2=$(jq -r .id <<<"$out")
check "the new district writes one for both its communes" test ${#kin2} -eq 64
check "the new district's reaches its new commune, which reads it" \
    wait_for 20 eval 'ctl $QV --json doc get baocao "$kdoc2" |
	jq -e ".sealed and .fields.loai == \"báo cáo huyện\"" >/dev/null'
sleep 2
check "no old node holds either: neither the old district nor the old commune" \
    eval '! holds $BQ "$kin" && ! holds $P "$kin" && ! holds $TV "$kin2"'
check "so the commune's report, held back at its first hop, is nowhere else" \
    eval '! holds $QV "$kin" && ! holds $VX "$kin"'
check "and no node refused a record (records_bad)" \
    test "$(sum_counter records_bad)" -eq "$bad0"

# --- 6. Old nodes stopped and started ---------------------------------------
stop_node $BQ
send tw chutich@tw "chờ huyện" vanthu@$TB vanthu@$QB >/dev/null
sleep 1
check "the old district comes back" start_node $BQ
check_links $BQ $TB $QB
check "the mail that waited at the old province reaches both its communes" \
    wait_for 20 each_has "$TB $QB" vanthu "chờ huyện"
stop_node $TV
w=$(send tw chutich@tw "chờ xã" vanthu@$TV)
check "mail for an old commune that is down waits at its new district" \
    wait_for 20 holds $VX "$w"
check "the old commune comes back" start_node $TV
check_links $TV
check "and gets it" wait_for 20 each_has $TV vanthu "chờ xã"
stop_node $P
check "the old province comes back" start_node $P
check_links $P $BQ $VX
send $QB vanthu@$QB "sau khởi động lại" vanthu@$QV >/dev/null
check "mail flows across it again" wait_for 20 each_has $QV vanthu "sau khởi động lại"

# --- 7. The upgrade, top down: a district, then the province -----------------
# The old district holds a letter for its new commune, which is down;
# the province one for the district: both wait through the upgrade.
stop_node $TB
q1=$(send tw chutich@tw "qua nâng cấp 1" vanthu@$TB)
check "a letter for a commune that is down waits at its old district" \
    wait_for 20 holds $BQ "$q1"
stop_node $BQ
q2=$(send $QV vanthu@$QV "qua nâng cấp 2" vanthu@$QB)
check "a letter for the district's other commune waits at the province" \
    wait_for 20 holds $P "$q2"
unset "BIN[$BQ]"
check "this build's node-store checks the old district's store (schema and records)" \
    quiet "$B/node-store" check "$T/$BQ"
check "this build starts on the old district's store" start_node $BQ
check "its new commune comes back" start_node $TB
check_links $BQ $TB $QB
check "the letter queued at the district is delivered" \
    wait_for 20 each_has $TB vanthu "qua nâng cấp 1"
check "and the one queued at the province" \
    wait_for 20 each_has $QB vanthu "qua nâng cấp 2"
check "the upgraded district kept its records and its replica" \
    eval 'holds $BQ "$down" && holds $BQ "$cross" &&
	[ "$(digest $BQ)" = "$(digest $P)" ]'

stop_node $P
q3=$(send tw chutich@tw "qua nâng cấp 3" vanthu@$P)
unset "BIN[$P]"
check "this build's node-store checks the old province's store" \
    quiet "$B/node-store" check "$T/$P"
check "this build starts on the old province's store" start_node $P
check_links $P $BQ $VX
check "the letter for it that waited at the root is delivered" \
    wait_for 20 each_has $P vanthu "qua nâng cấp 3"
check "node-ctl route at the root: now carried down to the province" \
    test "$(route_links tw "vanthu@*.$P")" = "$P:$V:true"
sealed tw chutich@tw "chỉ thị sau nâng cấp" "vanthu@*.$P" >/dev/null
check "the root's sealed vanthu@*.$P reaches every node below the province" \
    wait_for 20 each_has "$BQ $VX $TB $QV $QB $TV" vanthu "chỉ thị sau nâng cấp"
out=$(ctl $TB --json doc put baocao loai="báo cáo sau nâng cấp" --readers $QV)
kdoc3=$(jq -r .id <<<"$out")
check "now a new commune's sealed report crosses the upgraded district and province" \
    wait_for 20 eval 'ctl $QV --json doc get baocao "$kdoc3" |
	jq -e ".sealed and .fields.loai == \"báo cáo sau nâng cấp\"" >/dev/null'
check "which hold it, and cannot read it" \
    eval '( for n in $BQ $P; do
	    ! ctl $n doc get baocao "$kdoc3" 2>"$T/err" >/dev/null &&
	    grep -q "not among its readers" "$T/err" || exit 1; done )'
check "the upgraded province writes a document; every replica agrees" \
    eval 'quiet ctl $P doc put congvan loai="nghị quyết" &&
	wait_for 30 agree 5'

# All but the forged signature of 2b, refused on purpose.
refusals() {
	grep -hE 'event=(frame_refused|record_refused|version_refused|batch_out_of_order)' \
	    "$T"/*.log |
	    grep -vF "personal signature of chutich@$TB does not verify"
}
check "no node logged a refused frame, record or version" \
    eval '[ -z "$(refusals)" ] || { refusals | head -n 5 | sed "s/^/# /"; false; }'
finish
