# Shared by the tests of sealing (sealed_mail.sh, sealed_docs.sh; source
# it after lib.sh and hostile.sh): their four-tier tree, started, and a
# look at what a node keeps.
#
#   tw <- hagiang <- bacquang.hagiang <- tanthanh, quyetthang
#                 <- vixuyen.hagiang  <- tanthanh
#
#   hex TEXT                TEXT's bytes in hex, as mdb_dump -a shows them
#   exposes NODE TEXT       does NODE's store or log hold TEXT?
#   chairman                the first commune's chairman ($ME) gets a
#                           personal key, $T/chutich.key, passphrase
#                           $PASS, certified; checks it reaches the
#                           commune of the other district
#   with_pass PASS CMD...   CMD, reading passphrase PASS from fd 3

P=hagiang BQ=bacquang.hagiang VX=vixuyen.hagiang
C1=tanthanh.$BQ Q1=quyetthang.$BQ C2=tanthanh.$VX
ALL="tw $P $BQ $VX $C1 $Q1 $C2"
build_tree() {
	make_node tw && make_node $P tw && make_node $BQ $P &&
	    make_node $VX $P && make_node $C1 $BQ && make_node $Q1 $BQ &&
	    make_node $C2 $VX || return 1
	# shellcheck disable=SC2086
	start_tree $ALL && wait_for 20 tree_up $ALL
}
check "a tree of two districts and three communes starts and links up" \
    build_tree

hex() { printf %s "$1" | od -An -tx1 | tr -d ' \n'; }
# Does anything node $1 keeps (its store as node-store ls and mdb_dump,
# in hex and printable, show it; its log) hold text $2?
exposes() {
	"$B/node-store" ls "$T/$1" 2>&1 | grep -qF -- "$2" ||
	    mdb_dump -a "$T/$1" | grep -qF -- "$(hex "$2")" ||
	    mdb_dump -a -p "$T/$1" | grep -qF -- "$2" ||
	    grep -qF -- "$2" "$T/$1.log"
}

PASS='mật khẩu của chủ tịch xã'
ME=chutich@$C1
with_pass() {	# PASSPHRASE CMD...: CMD reads it from descriptor 3
	local p=$1; shift
	NODE_PASSPHRASE_FD=3 "$@" 3< <(printf '%s\n' "$p")
}
chairman() {
	local pub
	pub=$(with_pass "$PASS" "$B/node-key" person new "$T/chutich.key")
	check "the commune certifies its chairman's personal key" \
	    quiet ctl $C1 cert issue "$ME" "$pub"
	check "the commune of the other district holds the certificate" \
	    wait_for 20 eval 'ctl $C2 --json cert ls $C1 | jq -e --arg s "$ME" \
		".certs[] | select(.subject == \$s and .state == \"valid\")" >/dev/null'
}
