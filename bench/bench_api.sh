#!/usr/bin/env bash
# Load-tests the REST API with wrk: bench_api_server (a full 3-hour snapshot) on 127.0.0.1, then
# /high_value_addr and /transactions_count_per_minute/30 at 1, 16 and 64 connections, keep-alive.
# Prints requests/s and p50/p99 latency per run. Usage: bench/bench_api.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
build=${1:-build}
seconds=${2:-10}
server="$build/bench/bench_api_server"
[[ -x $server ]] || { echo "build $server first (ninja -C $build bench_api_server)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

log=$(mktemp)
"$server" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q listening "$log" && break; sleep 0.1; done
port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$log")
[[ -n $port ]] || { cat "$log" >&2; exit 1; }

printf '%-36s %5s %10s %9s %9s\n' path conns 'req/s' p50 p99
for path in /high_value_addr /transactions_count_per_minute/30; do
    for conns in 1 16 64; do
        threads=$(( conns < 2 ? 1 : 2 ))
        out=$(wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency "http://127.0.0.1:$port$path")
        rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
        p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
        p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
        errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")
        printf '%-36s %5s %10s %9s %9s %s\n' "$path" "$conns" "$rps" "$p50" "$p99" "$errors"
    done
done
