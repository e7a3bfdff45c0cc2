#!/bin/bash
# Interactive checks beside a batch job: single checks at 4 connections (mtlsload, bureau) alone,
# then while a JOB.ndjson batch job (100k lines) runs; the ratio of the two p99s is the figure.
#   job-beside-checks.sh [JOB.ndjson] [CERTS_DIR] [DEMO_DIR]
# Runs the release build's `creditgate demo` (state in DEMO_DIR/state). Needs
# `swift build -c release --product creditgate`, mtlsload and make-requests.py's bodies.
set -euo pipefail
job=${1:-/tmp/perf/requests/job-100k.ndjson}
certs=${2:-/tmp/perf/certs}
demo=${3:-/tmp/perf/demo}
bodies=${BODIES:-/tmp/perf/requests/bodies.ndjson}
here=$(cd "$(dirname "$0")" && pwd)
gateway=$here/../../.build/release/creditgate
curl_() { curl -sS --cacert "$certs/ca.pem" --cert "$certs/clients/bureau.pem" --key "$certs/clients/bureau-key.pem" "$@"; }
load() {
  /tmp/mtlsload -url https://127.0.0.1:8443/v1/checks -method POST -body "$bodies" -lines -H 'Content-Type: application/json' \
    -cert "$certs/clients/bureau.pem" -key "$certs/clients/bureau-key.pem" -ca "$certs/ca.pem" -c 4 -d "$1" | tail -1
}
"$gateway" demo --dir "$demo" --certs "$certs" --port 8443 > /tmp/job-beside-gateway.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
until curl_ -sf https://127.0.0.1:8443/readyz > /dev/null 2>&1; do sleep 0.5; done
load 5s > /dev/null  # warm-up
echo "alone:       $(load 15s)"
query='purposeCode=civil-service-exam&recruitmentId=GK2026-0001&consentReference=C-1'
id=$(curl_ -H 'Content-Type: application/x-ndjson' --data-binary "@$job" "https://127.0.0.1:8443/v1/batches?$query" \
  | python3 -c "import sys, json; print(json.load(sys.stdin)['batchId'])")
sleep 1
echo "beside job:  $(load 15s)"
curl_ "https://127.0.0.1:8443/v1/batches/$id" | python3 -c "import sys, json; j = json.load(sys.stdin); print('job:', j['status'], j['done'], 'of', j['total'], 'lines done after the run')"
