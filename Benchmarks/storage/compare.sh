#!/bin/bash
# The same gateway on PostgreSQL and on SQLite, measured in one run (README, "Benchmarks"):
#
#   Benchmarks/storage/compare.sh [ENTRIES] [ROUNDS] [JOB]
#
# 1. imports the ENTRIES-listing feed (10,000,000) into PostgreSQL and measures batched lookups
#    there (ArchiveBenchmark --database), beside the SQLite archive ArchiveBenchmark made before;
# 2. ROUNDS times (2), alternating: single checks at 16 connections for 10 s on a gateway whose
#    stores are SQLite files, then on one whose stores are the PostgreSQL database, with what the
#    database spent on them: statements, rows, transactions, bytes on its sockets, its CPU;
# 3. the batch job JOB (/tmp/perf/requests/job-1m.ndjson; "" for none) on each.
#
# Needs: `swift build -c release --product creditgate` and `--product ArchiveBenchmark`; a run of
# ArchiveBenchmark --entries ENTRIES (the feed and its SQLite archive in /tmp/creditgate-bench);
# the certificates and request files in /tmp/perf (README); /tmp/mtlsload; PostgreSQL from Debian.
# It starts its own PostgreSQL server (Scripts/with-postgres) with the settings below.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/../..
if [ -z "${CREDITGATE_TEST_DATABASE_URL:-}" ]; then
    # Memory for the archive's indexes and the answers, and the WAL room a 10M-row load needs
    # without a checkpoint every few seconds; commits stay synchronous (an answer leaves only once
    # its audit entry is durable). pg_stat_statements counts what each check costs.
    export CREDITGATE_POSTGRES_OPTIONS="-c shared_buffers=4GB -c max_wal_size=16GB -c checkpoint_timeout=30min \
        -c maintenance_work_mem=1GB -c work_mem=64MB -c shared_preload_libraries=pg_stat_statements -c track_io_timing=on"
    exec "$root/Scripts/with-postgres" "$0" "$@"
fi
entries=${1:-10000000}
rounds=${2:-2}
job=${3-/tmp/perf/requests/job-1m.ndjson}
bench=/tmp/creditgate-bench
perf=/tmp/perf
certs=$perf/certs
release=${CREDITGATE_RELEASE:-$root/.build/release}   # another build's binaries, to compare builds
database="$CREDITGATE_TEST_DATABASE_URL?schema=bench"
port=${database##*:}
port=${port%%/*}
sql() { psql "$CREDITGATE_TEST_DATABASE_URL" -XAtq -F ' ' -c "$1"; }

echo "== archive on PostgreSQL: import and batched lookups"
"$release/ArchiveBenchmark" --entries "$entries" --dir "$bench" --database "$database" --reuse   # imports unless already there
sql "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
echo "database size: $(sql "SELECT pg_size_pretty(pg_database_size(current_database()))")"

# serve BACKEND: a gateway on its own fresh state folder, stores in SQLite files or the database.
serve() {
    local state=$perf/state-$1
    rm -rf "$state"
    mkdir -p "$state"
    local storage="\"archive\": {\"path\": \"$bench/archive-$entries.sqlite\"}"
    [ "$1" = postgres ] && storage="\"database\": {\"url\": \"$database\"}"
    cat > "$state/serve.json" <<EOF
{"server": {"host": "127.0.0.1", "port": 8443},
 "tls": {"certificate": "$certs/server.pem", "key": "$certs/server-key.pem", "ca": "$certs/ca.pem"},
 "clients": {"registry": "$certs/clients.json"}, "state": {"directory": "$state"},
 "rate": {"per-second": 1000000, "burst": 1000000}, $storage}
EOF
    "$release/creditgate" serve --config "$state/serve.json" 2> "$state/serve.log" &
    gateway=$!
    for _ in $(seq 600); do
        curl -s -o /dev/null --cacert "$certs/ca.pem" --cert "$certs/clients/bureau.pem" --key "$certs/clients/bureau-key.pem" \
            https://127.0.0.1:8443/healthz && return
        sleep 0.1
    done
    echo "the gateway did not start: $state/serve.log" >&2
    exit 1
}
stop() { kill "$gateway"; wait "$gateway" 2>/dev/null || true; }
load() {
    local seconds=${1:-10}
    /tmp/mtlsload -url https://127.0.0.1:8443/v1/checks -method POST -body "$perf/requests/bodies.ndjson" -lines \
        -H 'Content-Type: application/json' -cert "$certs/clients/bureau.pem" -key "$certs/clients/bureau-key.pem" \
        -ca "$certs/ca.pem" -c 16 -d "${seconds}s" | tail -1
}
# CPU seconds (user + system) of the processes named $1.
cpu() { awk '{ sum += $14 + $15 } END { printf "%.2f", sum / 100 }' $(pgrep -x "$1" | sed 's|.*|/proc/&/stat|') 2>/dev/null; }
# Bytes the database server sent and received on its client sockets.
socket_bytes() {
    ss -tin state established "( sport = :$port )" | grep -o 'bytes_sent:[0-9]*\|bytes_received:[0-9]*' \
        | awk -F: '{ sum[$1] += $2 } END { printf "%d %d\n", sum["bytes_sent"], sum["bytes_received"] }'
}

echo "== single checks, 16 connections, 10 s, alternating"
for round in $(seq "$rounds"); do
    # Each gateway warmed for 3 s first: its first lookups read the archive's texts.
    serve sqlite
    load 3 > /dev/null
    echo "round $round sqlite:   $(load)"
    stop
    serve postgres
    load 3 > /dev/null
    sql "SELECT pg_stat_statements_reset()" > /dev/null
    read -r commits_before < <(sql "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
    read -r sent_before received_before < <(socket_bytes)
    db_cpu_before=$(cpu postgres)
    gateway_cpu_before=$(awk '{ printf "%.2f", ($14 + $15) / 100 }' /proc/$gateway/stat)
    result=$(load)
    echo "round $round postgres: $result"
    checks=$(echo "$result" | grep -o '200:[0-9]*' | cut -d: -f2)
    read -r commits_after < <(sql "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
    read -r sent_after received_after < <(socket_bytes)
    db_cpu=$(echo "$(cpu postgres) - $db_cpu_before" | bc)
    gateway_cpu=$(echo "$(awk '{ printf "%.2f", ($14 + $15) / 100 }' /proc/$gateway/stat) - $gateway_cpu_before" | bc)
    echo "  per check ($checks checks): $(echo "scale=2; ($commits_after - $commits_before) / $checks" | bc) transactions," \
        "$(sql "SELECT round(sum(calls)::numeric / $checks, 2) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())") statements," \
        "$(sql "SELECT round(sum(rows)::numeric / $checks, 2) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())") rows," \
        "$(( (sent_after - sent_before) / checks )) bytes sent, $(( (received_after - received_before) / checks )) received," \
        "database CPU $(echo "scale=3; $db_cpu * 1000 / $checks" | bc) ms, gateway CPU $(echo "scale=3; $gateway_cpu * 1000 / $checks" | bc) ms"
    echo "  statements per check (calls, rows, mean ms):"
    sql "SELECT round(calls::numeric / $checks, 2), round(rows::numeric / $checks, 2), round(mean_exec_time::numeric, 3),
                regexp_replace(left(query, 90), '\s+', ' ', 'g')
         FROM pg_stat_statements WHERE calls >= $checks / 10 ORDER BY calls DESC" | sed 's/^/    /'
    stop
done

[ -n "$job" ] || exit 0
echo "== batch job $(basename "$job")"
for backend in sqlite postgres; do
    serve "$backend"
    echo "$backend: $("$here/../gateway/batch-job.sh" "$job" "$certs" | python3 -c '
import json, sys
job, seconds = sys.stdin.read().strip().rsplit("\n", 1)
job = json.loads(job)
print(job["status"], job["done"], "lines,", seconds)'); peak RSS $(grep VmHWM /proc/$gateway/status | awk '{print $2 / 1024 " MiB"}')"
    stop
done
