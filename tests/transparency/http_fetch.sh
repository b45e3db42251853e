#!/usr/bin/env bash
# http_fetch.sh — transparency case: python3 -m http.server on 127.0.0.1 (ephemeral port) serving ./www,
# curl fetching files from it, then the server stopped by its pid. Bounded: curl --max-time, the wait for
# the port is a bounded loop, the server gets SIGTERM (then SIGKILL). Usage: http_fetch.sh PYTHON
set -u
python="$1"
"$python" -u -m http.server --bind 127.0.0.1 --directory www 0 >server.out 2>server.log &
server=$!
port=""
for _ in $(seq 1 200); do
    port="$(sed -n 's/^Serving HTTP on 127\.0\.0\.1 port \([0-9]*\) .*/\1/p' server.out)"
    [ -n "$port" ] && break
    sleep 0.05
done
status=0
if [ -n "$port" ]; then
    for f in a.txt b.bin sub/c.txt missing.txt; do
        code="$(curl -s --max-time 10 -o "got-$(basename "$f")" -w '%{http_code}' "http://127.0.0.1:$port/$f")"
        echo "GET /$f -> $code"
    done
else
    echo "server did not start"; status=1
fi
kill "$server" 2>/dev/null
for _ in $(seq 1 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.05; done
kill -9 "$server" 2>/dev/null
wait "$server" 2>/dev/null
exit $status
