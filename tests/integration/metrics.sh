#!/usr/bin/env bash
# The metrics endpoint ([node] metrics_listen): GET /metrics answers with
# the text node-ctl metrics prints, both pass a format check, other
# requests get 404, 405, 400 or 431, hostile clients (too many, idle,
# oversized, random bytes) neither block nor stop the node, and node -n
# refuses an address that is not loopback.
cd "$(dirname "$0")/../.." && . tests/lib.sh

if command -v curl >/dev/null; then HAVE_CURL=1; else HAVE_CURL=; fi

make_node tw
make_node hagiang tw
mport=$(free_port)
sed -i "/^\[node\]\$/a metrics_listen = 127.0.0.1:$mport" "$T/hagiang.conf"
start_node tw && enrol hagiang && start_node hagiang
check "the province links up" wait_for 15 link_up hagiang tw
check "the node logs where it serves metrics" \
    grep -q "event=metrics_listen address=127.0.0.1:$mport" "$T/hagiang.log"

# raw TEXT: TEXT (printf %b escapes) on a new connection; prints the
# answer's status line, or nothing if the connection closed without one.
raw() {
	(
		exec 3<>"/dev/tcp/127.0.0.1/$mport" || exit 1
		printf '%b' "$1" >&3 2>/dev/null
		IFS= read -r -t 10 line <&3
		printf '%s\n' "${line%$'\r'}"
	) 2>/dev/null
}

# get PATH [METHOD]: the status code; headers in $T/h, body in $T/b.
get() {
	if [ -n "$HAVE_CURL" ]; then
		curl -s -m 10 -X "${2:-GET}" -D "$T/h" -o "$T/b" \
		    -w '%{http_code}' "http://127.0.0.1:$mport$1"
	else
		(
			exec 3<>"/dev/tcp/127.0.0.1/$mport" || exit 1
			printf '%s %s HTTP/1.0\r\nHost: x\r\n\r\n' "${2:-GET}" \
			    "$1" >&3
			timeout 10 cat <&3 >"$T/resp"
		)
		sed -n '1,/^\r$/p' "$T/resp" >"$T/h"
		sed '1,/^\r$/d' "$T/resp" >"$T/b"
		sed -n '1s/^HTTP\/1\.[01] \([0-9]*\).*/\1/p' "$T/h"
	fi
}

# Every line empty, a # HELP or # TYPE comment, or name{labels} value.
format_ok() {
	[ -s "$1" ] && ! grep -vE '^$|^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]*( .*)?$|^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? ([-+]?[0-9.eE+-]+|[-+]?Inf|NaN)$' "$1"
}
names() {
	grep -vE '^(#|$)' "$1" | sed 's/[{ ].*//' | sort -u
}

check "GET /metrics answers 200" eval '[ "$(get /metrics)" = 200 ]'
cp "$T/b" "$T/http.txt"
ctl hagiang metrics >"$T/ctl.txt"
check "with Content-Type text/plain; version=0.0.4" \
    grep -qi '^Content-Type: text/plain; version=0.0.4'$'\r''$' "$T/h"
check "and Connection: close" grep -qi '^Connection: close'$'\r''$' "$T/h"
check "metrics over HTTP pass the format check" format_ok "$T/http.txt"
check "node-ctl metrics passes the format check" format_ok "$T/ctl.txt"
check "both carry the same metric names" \
    eval '[ -n "$(names "$T/http.txt")" ] && [ "$(names "$T/http.txt")" = "$(names "$T/ctl.txt")" ]'
check "the HTTP text shows the link to the root up" \
    grep -q '^node_peer_up{peer="tw"} 1$' "$T/http.txt"
check "GET /metrics?x=1 (a query) answers 200 too" \
    eval '[ "$(get "/metrics?x=1")" = 200 ]'

check "GET /nope answers 404" eval '[ "$(get /nope)" = 404 ]'
check "GET / answers 404" eval '[ "$(get /)" = 404 ]'
check "POST /metrics answers 405" eval '[ "$(get /metrics POST)" = 405 ]'
check "with Allow: GET" grep -qi '^Allow: GET'$'\r''$' "$T/h"
check "a malformed request line answers 400" \
    eval '[[ $(raw "garbage\r\n\r\n") == "HTTP/1.0 400 "* ]]'
check "a header line without a colon answers 400" \
    eval '[[ $(raw "GET /metrics HTTP/1.0\r\nnocolon\r\n\r\n") == "HTTP/1.0 400 "* ]]'
check "an unknown HTTP version answers 400" \
    eval '[[ $(raw "GET /metrics HTTP/2.0\r\n\r\n") == "HTTP/1.0 400 "* ]]'
check "a NUL byte answers 400" \
    eval '[[ $(raw "GET /metrics\0 HTTP/1.0\r\n\r\n") == "HTTP/1.0 400 "* ]]'
check "bare LF line ends are understood" \
    eval '[[ $(raw "GET /metrics HTTP/1.0\nHost: x\n\n") == "HTTP/1.0 200 "* ]]'

big=$(head -c 8000 /dev/zero | tr '\0' a)
check "an 8 KB header answers 431" \
    eval '[[ $(raw "GET /metrics HTTP/1.0\r\nX-Big: $big\r\n\r\n") == "HTTP/1.0 431 "* ]]'
huge=$(head -c 1000000 /dev/zero | tr '\0' b)
st=$(raw "GET /$huge")
check "a 1 MB request line gets an error status or a closed connection" \
    eval '[ -z "$st" ] || [[ $st == "HTTP/1.0 4"* ]]'
head -c 3000 /dev/urandom >"$T/noise"
st=$(raw "$(tr -d '\0\\' <"$T/noise")\r\n\r\n")
check "random bytes get an error status or a closed connection" \
    eval '[ -z "$st" ] || [[ $st == "HTTP/1.0 4"* ]]'
check "the node keeps running (ctl status answers)" quiet ctl hagiang status
check "and still serves metrics" eval '[ "$(get /metrics)" = 200 ]'

# Sixteen idle connections fill the endpoint; the seventeenth is closed at
# once, the node answers node-ctl meanwhile, and the idle ones are closed
# at their 5 s deadline.
fds=()
for i in $(seq 16); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$mport"
	fds+=("$fd")
done
sleep 0.5
exec {x}<>"/dev/tcp/127.0.0.1/$mport"
read -r -t 3 line <&"$x"
rc=$?
exec {x}<&-
check "a 17th connection is closed at once" test "$rc" -eq 1
check "node-ctl answers while 16 connections idle" \
    quiet timeout 3 "$B/node-ctl" -c "$T/hagiang.conf" status
start=$SECONDS
read -r -t 10 line <&"${fds[0]}"
rc=$?
check "an idle connection is closed at its deadline" \
    eval '[ "$rc" -eq 1 ] && [ $((SECONDS - start)) -le 7 ]'
for fd in "${fds[@]}"; do
	exec {fd}<&-
done
check "then the endpoint serves again" \
    wait_for 5 eval '[ "$(get /metrics)" = 200 ]'
check "refusals are logged, one line each" \
    eval 'grep -q "event=metrics_http_refused .*status=400" "$T/hagiang.log" &&
	grep -q "event=metrics_http_refused .*status=431" "$T/hagiang.log" &&
	grep -q "event=metrics_http_refused .*16 connections open" "$T/hagiang.log" &&
	grep -q "event=metrics_http_refused .*no complete request" "$T/hagiang.log"'

# node -n: loopback addresses only, a port 1..65535, nothing else.
conf_with() {
	sed "/^\[node\]\$/a metrics_listen = $1" "$T/tw.conf" >"$T/m.conf"
	"$B/node" -n -c "$T/m.conf" 2>&1
}
refused() {	# value, what the message must say
	local out
	out=$(conf_with "$1") && return 1
	[[ $out == *"m.conf:"*"metrics_listen: "*"$2"* ]]
}
p=$(free_port)
check "node -n accepts 127.0.0.1:PORT" quiet conf_with "127.0.0.1:$p"
check "node -n accepts 127.9.8.7:PORT" quiet conf_with "127.9.8.7:$p"
check "node -n accepts [::1]:PORT" quiet conf_with "[::1]:$p"
check "node -n refuses 0.0.0.0:PORT: not loopback" \
    refused "0.0.0.0:$p" "0.0.0.0 is not a loopback address"
check "node -n refuses 10.1.2.3:PORT" \
    refused "10.1.2.3:$p" "not a loopback address"
check "node -n refuses [::]:PORT" refused "[::]:$p" "not a loopback address"
check "node -n refuses [::ffff:127.0.0.1]:PORT" \
    refused "[::ffff:127.0.0.1]:$p" "not a loopback address"
check "node -n refuses a name" refused "localhost:$p" "write 127.0.0.1"
check "node -n refuses port 0" refused "127.0.0.1:0" "not a number 1..65535"
check "node -n refuses port 65536" \
    refused "127.0.0.1:65536" "not a number 1..65535"
check "node -n refuses no port" refused "127.0.0.1" "there is no port"
check "node -n refuses garbage" refused "tcp://127.0.0.1:$p" ""
check "node -n refuses an empty value" refused "" ""
check "node -n exits 1 on it" \
    eval 'conf_with "0.0.0.0:$p" >/dev/null; [ $? -eq 1 ]'
finish
