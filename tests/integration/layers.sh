#!/usr/bin/env bash
# The parts call each other one way only: the include graph of node/,
# node/view/, node/lib/ and store/ (.ci/include-graph) has no cycle and
# no edge up a layer, and no tool includes the daemon's headers. A cycle
# would mean a module that cannot be read, built or tested without the
# ones above it.
cd "$(dirname "$0")/../.." && . tests/lib.sh

check "no cycle among the modules, no edge up a layer" \
    eval '.ci/include-graph --quiet >"$T/cycles"; test $? -eq 0 && ! test -s "$T/cycles"'
[ -s "$T/cycles" ] && sed 's/^/# /' "$T/cycles"
check "the transport names no protocol module above it" \
    eval '! grep -qE "#include \"(repl|trace|record|mail|doc|status)\.h\"" node/peer.c'
check "the record door names no kind's module" \
    eval '! grep -qE "#include \"(mail|doc|status|route|peer)\.h\"" node/record.c'

# Each header a tool includes is its own, the shared library's, the
# store views' or the store's: a tool links only those.
tool_headers() {
	local f h
	for f in tools/*.c tools/*/*.[ch]; do
		sed -n 's/^#include "\(.*\)"$/\1/p' "$f" | while read -r h; do
			[ -f "$(dirname "$f")/$h" ] || [ -f "node/lib/$h" ] ||
			    [ -f "node/view/$h" ] || [ -f "store/$h" ] ||
			    [ "${h%.pb-c.h}" != "$h" ] || echo "$f: $h"
		done
	done
}
check "no tool includes a header of the daemon" \
    eval 'tool_headers >"$T/tools"; ! test -s "$T/tools"'
[ -s "$T/tools" ] && sed 's/^/# /' "$T/tools"
finish
