#!/bin/bash
# The verification page's first paint, measured by the browser itself (Performance API,
# first-contentful-paint), from a local gateway whose audit log holds a million entries or more.
#
#   Benchmarks/page/first-paint.sh [WORK_DIR] [RUNS]
#
# Release build; the demo gateway (mutual TLS on 18443, public listener on 18444) on the demo
# archive in WORK_DIR. The first run fills the log with one batch job of 1,000,000 candidates
# (every answer is an audit entry) and keeps it for the next runs. Then headless Chromium
# (Tests/Browser/page_check.py) loads the page RUNS times (5 by default), each from a new browser,
# and each figure is printed with the log's size.
set -euo pipefail
work=${1:-/tmp/creditgate-page-bench}
runs=${2:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
swift build -c release --product creditgate --package-path "$root" >/dev/null
bin=$root/.build/release/creditgate
mkdir -p "$work"
cd "$work"
[ -f demo/defaulters.ndjson ] || "$bin" demo --dir demo --certs certs --prepare-only >/dev/null
"$bin" demo --dir demo --certs certs --port 18443 --public-port 18444 > demo.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
public() { curl -sS --cacert certs/ca.pem "https://localhost:18444$1"; }
for _ in $(seq 1 600); do public /v1/audit/checkpoint >/dev/null 2>&1 && break; sleep 0.5; done
size=$(public /v1/audit/checkpoint | sed -n 2p)
if [ "$size" -lt 1000000 ]; then
  echo "filling the log ($size entries): one batch job of 1,000,000 candidates"
  [ -f requests/job-1m.ndjson ] || python3 "$root/Benchmarks/gateway/make-requests.py" demo/defaulters.ndjson requests >/dev/null
  "$root/Benchmarks/gateway/batch-job.sh" requests/job-1m.ndjson certs https://localhost:18443 | tail -1
  size=$(public /v1/audit/checkpoint | sed -n 2p)
fi
spki=$(openssl x509 -in certs/server.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
echo "log size: $size entries"
for run in $(seq 1 "$runs"); do
  python3 "$root/Tests/Browser/page_check.py" https://localhost:18444 "$spki" "$work/shots" \
    | python3 -c "import json, sys; t = json.load(sys.stdin)['timing']; print(f\"run $run: first paint {t['firstPaint']:.0f} ms, DOM ready {t['domContentLoaded']:.0f} ms, load {t['load']:.0f} ms\")"
done
