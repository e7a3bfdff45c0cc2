#!/bin/bash
# Dual-signed single checks (signing.sm2: Ed25519 and SM2, sha-256 and sm3) against Ed25519 alone,
# measured in one run, alternating:
#   sm2.sh [ROUNDS] [WORK_DIR]
# Makes (once) development certificates, a 1M-listing demo archive and request bodies in WORK_DIR
# (default /tmp/perf-sm2). Each round serves the release gateway with the switch off and on (each
# with a state folder of its own, same archive; which goes first alternates), under 16 keep-alive
# connections for 10 s after a 3 s warm-up, and prints both lines of mtlsload and the ratio of the
# rates. Then the stack's own ceiling with and
# without SM2 (ServerCeiling with layers encode,sign and encode,sign,sm2), the nginx baseline, and
# what one signature costs (SignatureCost). Needs `swift build -c release` of the products
# creditgate, ServerCeiling and SignatureCost, and /tmp/mtlsload.
set -euo pipefail
rounds=${1:-3}
work=${2:-/tmp/perf-sm2}
here=$(cd "$(dirname "$0")" && pwd)
release=$here/../../.build/release
shared=$here/../../../shared/tools
certs=$work/certs
mkdir -p "$work"
[ -f "$certs/ca.pem" ] || "$release/creditgate" certs init --dir "$certs" > /dev/null
[ -f "$work/demo/archive.sqlite" ] || "$release/creditgate" demo --dir "$work/demo" --certs "$certs" --entries 1000000 --records 100000 --prepare-only > /dev/null
[ -f "$work/requests/bodies.ndjson" ] || "$here/make-requests.py" "$work/demo/defaulters.ndjson" "$work/requests" > /dev/null
cat > "$work/gateway.json" <<JSON
{"server": {"port": 8443},
 "tls": {"certificate": "$certs/server.pem", "key": "$certs/server-key.pem", "ca": "$certs/ca.pem"},
 "clients": {"registry": "$certs/clients.json"},
 "archive": {"path": "$work/demo/archive.sqlite"},
 "rate": {"per-second": 1000000, "burst": 1000000}}
JSON
curl_() { curl -sS --cacert "$certs/ca.pem" --cert "$certs/clients/bureau.pem" --key "$certs/clients/bureau-key.pem" "$@"; }
load() {
  /tmp/mtlsload -url "https://127.0.0.1:$1/v1/checks" -method POST -body "$work/requests/bodies.ndjson" -lines \
    -H 'Content-Type: application/json' -cert "$certs/clients/bureau.pem" -key "$certs/clients/bureau-key.pem" \
    -ca "$certs/ca.pem" -c 16 -d "$2" | tail -1
}
rate() { sed -E 's/.* rps=([0-9.]+) .*/\1/' <<< "$1"; }
gateway() {  # gateway SM2(true|false): serves until killed
  CREDITGATE_SIGNING_SM2=$1 CREDITGATE_STATE_DIRECTORY="$work/state-sm2-$1" "$release/creditgate" serve --config "$work/gateway.json" \
    > "$work/gateway-sm2-$1.log" 2>&1 &
  pid=$!
  until curl_ -sf https://127.0.0.1:8443/readyz > /dev/null 2>&1; do sleep 0.5; done
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; }
trap 'kill $pid 2>/dev/null || true' EXIT

measure() {  # measure SM2(true|false): warm up, then 10 s
  gateway "$1"; load 8443 3s > /dev/null; load 8443 10s
  [ -f "$work/answer.json" ] || curl_ -s -H 'Content-Type: application/json' -d "$(head -1 "$work/requests/bodies.ndjson")" \
    https://127.0.0.1:8443/v1/checks > "$work/answer.json"
  stop
}
for round in $(seq "$rounds"); do
  # Which goes first alternates: a run leaves its writes to the disk behind it.
  if [ $((round % 2)) = 1 ]; then ed=$(measure false); sm=$(measure true); else sm=$(measure true); ed=$(measure false); fi
  echo "round $round"
  echo "  Ed25519 only:        $ed"
  echo "  Ed25519 + SM2:       $sm"
  echo "  ratio:               $(python3 -c "print(f'{$(rate "$sm") / $(rate "$ed"):.2f}')")"
done

echo "the stack alone (ServerCeiling; the answer as the gateway encodes it, digested and signed):"
for layers in encode,sign encode,sign,sm2; do
  "$release/ServerCeiling" --certs "$certs" --answer "$work/answer.json" --layers "$layers" --port 8444 > /dev/null 2>&1 &
  pid=$!
  sleep 1.5
  printf '  %-19s %s\n' "$layers:" "$(load 8444 10s)"
  stop
done
echo "  nginx:              $("$shared/nginx-baseline.sh" 16 10 | tail -1)"
"$release/SignatureCost"
