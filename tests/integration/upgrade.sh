#!/usr/bin/env bash
# A store of the release before the certificate index kept each
# certificate's issuer and start, and the ACL index what each ACL
# replaces and who signed it: the node rebuilds both indexes from its
# records at start, and links, trust, mail and databases work as before.
cd "$(dirname "$0")/../.." && . tests/lib.sh

chain_up
check "the province creates a database its districts may write" \
    quiet ctl $P db create congvan $P "*.$P=author"
check "the district holds it" \
    wait_for 20 db_at congvan $D
stop_node $P
n=$("$B/tests/store_age" "$T/$P")
check "the province's store is turned back to the old index layouts" \
    test "${n:-0}" -ge 3
check "the province starts on it" start_node $P
check "it logs the rebuilt indexes" \
    grep -qE "event=index_rebuilt certs=[1-9][0-9]* acls=1" "$T/$P.log"
check "the district links up to it again (its key found in the index)" \
    wait_for 20 link_up $D $P
check "cert ls shows the district's certificate valid, with its issuer and start" \
    eval 'ctl $P --json cert ls $D | jq -e --arg d $D --arg p $P ".certs[] |
        select(.subject == \$d) | .state == \"valid\" and .issuer == \$p and
        .not_before_ms > 0" >/dev/null'
echo "qua tỉnh" | ctl $C send --from vanthu@$C --subject "after the upgrade" \
    chutich@tw >/dev/null
check "mail from the commune crosses the province to the root" \
    wait_for 20 mail_at_least tw chutich 1
check "the province knows its ACL in force" \
    eval 'ctl $P --json db acl congvan | jq -e ".creator == \"$P\"" >/dev/null'
doc=$(ctl $D --json doc put congvan so=1 | jq -r .id)
check "a district's document is admitted at the province" \
    wait_for 20 eval 'ctl $P --json doc get congvan "$doc" >/dev/null'
stop_node $P
check "a second start rebuilds nothing" \
    eval 'start_node $P && [ "$(grep -c event=index_rebuilt "$T/$P.log")" -eq 1 ]'

# A store a later release wrote (its schema version above ours), as
# after a package downgrade: refused, untouched, naming both versions.
stop_node $P
read -r was now < <("$B/tests/store_age" --schema +1 "$T/$P")
check "a store of a later schema version ($now) is refused at start" \
    eval '! timeout 10 "$B/node" -c "$T/$P.conf" 2>"$T/newer.err"'
check "the refusal names both versions and what to do" \
    grep -q "cannot open store: its schema version is $now, newer than this build's $was: a later release wrote it (run that release or a later one)" "$T/newer.err"
refused_newer() {	# CMD...: fails, naming both versions
	local out
	out=$("$@" 2>&1) && return 1
	grep -q "schema version is $now, newer than this build's $was" <<<"$out"
}
check "node-ctl -d refuses it the same way" \
    refused_newer "$B/node-ctl" -d "$T/$P" status
check "node-store refuses it the same way" \
    refused_newer "$B/node-store" check "$T/$P"
"$B/tests/store_age" --schema "$was" "$T/$P" >/dev/null
check "with its version back the province starts on it as before" \
    eval 'start_node $P && wait_for 20 link_up $D $P'
finish
