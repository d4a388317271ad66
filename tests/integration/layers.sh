#!/usr/bin/env bash
# The daemon's files call each other one way only: the include graph of
# node/ and store/ (.ci/include-graph) has no cycle. A cycle would mean a
# module that cannot be read, built or tested without the ones above it.
cd "$(dirname "$0")/../.." && . tests/lib.sh

check "no cycle among the modules of node/ and store/" \
    eval '.ci/include-graph --quiet >"$T/cycles"; test $? -eq 0 && ! test -s "$T/cycles"'
[ -s "$T/cycles" ] && sed 's/^/# /' "$T/cycles"
check "the transport names no protocol module above it" \
    eval '! grep -qE "#include \"(repl|trace|record|mail|doc|status)\.h\"" node/peer.c'
check "the record door names no kind's module" \
    eval '! grep -qE "#include \"(mail|doc|status|route|peer)\.h\"" node/record.c'
finish
