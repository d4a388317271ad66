#!/usr/bin/env bash
# A store of the release before the certificate index kept each
# certificate's issuer and start: the node rebuilds the index from its
# certificate records at start, and links, trust and mail work as before.
cd "$(dirname "$0")/../.." && . tests/lib.sh

P=hagiang
D=bacquang.$P
C=tanthanh.$D
make_node tw
make_node $P tw
make_node $D $P
make_node $C $D
check "a four-tier chain starts" start_tree tw $P $D $C
check "it links up" wait_for 20 tree_up $P $D $C
stop_node $P
n=$("$B/tests/store_age" "$T/$P")
check "the province's store is turned back to the old index layout" \
    test "${n:-0}" -ge 2
check "the province starts on it" start_node $P
check "it logs the rebuilt index" \
    grep -qE "event=cert_index_rebuilt certs=[0-9]+" "$T/$P.log"
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
stop_node $P
check "a second start rebuilds nothing" \
    eval 'start_node $P && [ "$(grep -c event=cert_index_rebuilt "$T/$P.log")" -eq 1 ]'
finish
