#!/bin/bash
# What any server built the way the contract and the proof require can reach on this machine,
# measured in one run with the nginx baseline (see ServerCeiling's doc comment and the README):
#   ceiling.sh ANSWER.json BODIES.ndjson [CERTS_DIR] [ROUNDS]
# ANSWER.json is one answer of the gateway (a POST /v1/checks body); BODIES.ndjson the request bodies
# make-requests.py writes. Needs `swift build -c release --product ServerCeiling` and mtlsload.
set -euo pipefail
answer=$1
bodies=$2
certs=${3:-/tmp/perf/certs}
rounds=${4:-2}
here=$(cd "$(dirname "$0")" && pwd)
ceiling=$here/../../.build/release/ServerCeiling
shared=$here/../../../shared/tools
load() {
  /tmp/mtlsload -url https://127.0.0.1:8444/v1/checks -method POST -body "$bodies" -lines -H 'Content-Type: application/json' \
    -cert "$certs/clients/bureau.pem" -key "$certs/clients/bureau-key.pem" -ca "$certs/ca.pem" -c 16 -d 10s | tail -1
}
for _ in $(seq "$rounds"); do
  echo "nginx:                  $("$shared/nginx-baseline.sh" 16 10 | tail -1)"
  for layers in none encode sign encode,sign; do
    arguments=(--certs "$certs" --answer "$answer")
    [ "$layers" != none ] && arguments+=(--layers "$layers")
    "$ceiling" "${arguments[@]}" > /dev/null 2>&1 &
    pid=$!
    sleep 1.5
    printf '%-23s %s\n' "layers $layers:" "$(load)"
    kill $pid
    wait $pid 2>/dev/null || true
  done
done
