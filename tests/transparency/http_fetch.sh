#!/usr/bin/env bash
# http_fetch.sh — transparency case: python3 -m http.server on 127.0.0.1 (ephemeral port) serving ./www,
# curl fetching files from it, then the server stopped by its pid. Bounded: curl --max-time, the wait for
# the port ends when the server does, the server gets SIGTERM (then SIGKILL). Usage: http_fetch.sh PYTHON
set -u
python="$1"
: >server.out # exists before the next line's background redirection (else the first sed may not find it)
"$python" -u -m http.server --bind 127.0.0.1 --directory www 0 >server.out 2>server.log &
server=$!
# Wait for the port as long as the server runs (a loaded machine may take seconds to start Python; the
# suite's timeout bounds a hang), and look once more after it stopped.
port=""
while [ -z "$port" ]; do
    alive=0
    kill -0 "$server" 2>/dev/null && alive=1
    port="$(sed -n 's/^Serving HTTP on 127\.0\.0\.1 port \([0-9]*\) .*/\1/p' server.out)"
    [ -n "$port" ] || [ $alive = 0 ] && break
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
