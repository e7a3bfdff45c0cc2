#!/bin/bash
# Other clients' latency while hostile ones flood the gateway, and the gateway's peak memory:
#   flood.sh [CERTS_DIR] [DEMO_DIR]
# Runs the release build's `creditgate demo` (default limits: 128 connections a certificate, a
# request whole within 30 s plus a second per 8 KiB), then single checks at 4 connections
# (mtlsload, bureau) alone, and again beside 200 clients that announce a 100 KB body and send a
# byte a second (auditor and admin, 100 each) and one certificate opening 2,000 connections (archivist). BODIES come
# from make-requests.py. Needs `swift build -c release --product creditgate` and mtlsload.
set -euo pipefail
certs=${1:-/tmp/perf/certs}
demo=${2:-/tmp/perf/demo}
bodies=${BODIES:-/tmp/perf/requests/bodies.ndjson}
here=$(cd "$(dirname "$0")" && pwd)
gateway=$here/../../.build/release/creditgate
load() {
  /tmp/mtlsload -url https://127.0.0.1:8443/v1/checks -method POST -body "$bodies" -lines -H 'Content-Type: application/json' \
    -cert "$certs/clients/bureau.pem" -key "$certs/clients/bureau-key.pem" -ca "$certs/ca.pem" -c 4 -d "$1" | tail -1
}
memory() { awk -v field="$1" '$1 == field":" { printf "%.0f MB", $2 / 1024 }' "/proc/$pid/status"; }

"$gateway" demo --dir "$demo" --certs "$certs" --port 8443 > /tmp/flood-gateway.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -sf --cacert "$certs/ca.pem" --cert "$certs/clients/bureau.pem" --key "$certs/clients/bureau-key.pem" \
    https://127.0.0.1:8443/readyz > /dev/null; do sleep 0.5; done
load 5s > /dev/null  # warm-up
echo "alone:           $(load 15s)"
echo "memory before:   $(memory VmRSS)"
# 200 slow senders as two clients of 100 each, within the per-client limit: each must be cut by
# its deadline, not refused at the handshake.
python3 "$here/flood.py" slow 100 --certs "$certs" --role auditor --seconds 60 > /tmp/flood-slow-1.json &
slow1=$!
python3 "$here/flood.py" slow 100 --certs "$certs" --role admin --seconds 60 > /tmp/flood-slow-2.json &
slow2=$!
python3 "$here/flood.py" hoard 2000 --certs "$certs" --role archivist --seconds 20 > /tmp/flood-hoard.json &
hoard=$!
sleep 5
echo "beside flood:    $(load 15s)"
wait $hoard
echo "hoarder:         $(cat /tmp/flood-hoard.json)"
wait $slow1 $slow2
echo "slow senders:    $(cat /tmp/flood-slow-1.json)"
echo "                 $(cat /tmp/flood-slow-2.json)"
echo "memory peak:     $(memory VmHWM), now $(memory VmRSS)"
grep -c 'connection refused' /tmp/flood-gateway.log | sed 's/^/refusals logged: /'
