#!/bin/bash
# The hot path's four figures in one run, beside the nginx baseline (issue "the hot path"):
#   hot-path.sh CONFIG.json [REQUESTS_DIR] [CERTS_DIR] [JOB.ndjson]
# Starts `.build/release/creditgate serve --config CONFIG.json` (a fresh state folder is the
# caller's: the job's figure depends on it), then measures, in this order:
#   nginx (../shared/tools/nginx-baseline.sh 16 10),
#   the stack's floor: ServerCeiling --layers sign on port 8444 answering one answer this gateway
#     gave, with the same load (what Hummingbird, the mutual TLS and the signature allow before
#     anything of ours is looked up, judged, audited or stored),
#   single checks (mtlsload, 16 connections, 10 s),
#   audit entries per fsync over the single checks (`/metrics` before and after),
#   three inline batches of 10,000 (`POST /v1/checks/batch`),
#   one batch job (batch-job.sh; job-1m.ndjson by default) and the gateway's peak RSS after it.
# Needs `swift build -c release --product creditgate --product ServerCeiling`, mtlsload and the request files of
# make-requests.py.
set -euo pipefail
config=$1
requests=${2:-/tmp/perf/requests}
certs=${3:-/tmp/perf/certs}
job=${4:-$requests/job-1m.ndjson}
here=$(cd "$(dirname "$0")" && pwd)
shared=$here/../../../shared/tools
url=https://127.0.0.1:$(python3 -c "import json, sys; print(json.load(open(sys.argv[1])).get('server', {}).get('port', 8443))" "$config")
curl_() { curl -sS --cacert "$certs/ca.pem" --cert "$certs/clients/bureau.pem" --key "$certs/clients/bureau-key.pem" "$@"; }
# The audit writes' and entries' counters, summed over label sets.
counter() { curl_ "$url/metrics" | awk -v name="$1" '$1 ~ "^"name"({|$)" { sum += $2 } END { printf "%d", sum }'; }

if curl_ -o /dev/null "$url/readyz" 2>/dev/null; then echo "a server already answers at $url" >&2; exit 1; fi
"$here/../../.build/release/creditgate" serve --config "$config" > /tmp/hot-path-gateway.log 2>&1 &
gateway=$!
trap 'kill $gateway ${ceiling:-} 2>/dev/null || true' EXIT
until curl_ -o /dev/null "$url/readyz" 2>/dev/null; do
  kill -0 $gateway 2>/dev/null || { cat /tmp/hot-path-gateway.log; exit 1; }
  sleep 0.5
done

# mtlsload at 16 keep-alive connections for 10 s, the request bodies one per line.
load() {
  /tmp/mtlsload -url "$1/v1/checks" -method POST -body "$requests/bodies.ndjson" -lines -H 'Content-Type: application/json' \
    -cert "$certs/clients/bureau.pem" -key "$certs/clients/bureau-key.pem" -ca "$certs/ca.pem" -c 16 -d 10s | tail -1
}

echo "nginx:          $("$shared/nginx-baseline.sh" 16 10 | tail -1)"
head -1 "$requests/bodies.ndjson" | curl_ -H 'Content-Type: application/json' --data-binary @- "$url/v1/checks" > /tmp/hot-path-answer.json
"$here/../../.build/release/ServerCeiling" --certs "$certs" --answer /tmp/hot-path-answer.json --layers sign --port 8444 \
  > /tmp/hot-path-ceiling.log 2>&1 &
ceiling=$!
until curl_ -o /dev/null https://127.0.0.1:8444/ 2>/dev/null; do
  kill -0 $ceiling 2>/dev/null || { cat /tmp/hot-path-ceiling.log; exit 1; }
  sleep 0.2
done
echo "stack's floor:  $(load https://127.0.0.1:8444)"
kill $ceiling
wait $ceiling 2>/dev/null || true
ceiling=
writes=$(counter creditgate_audit_writes_total)
entries=$(counter creditgate_audit_entries_total)
echo "single checks:  $(load "$url")"
writes=$(( $(counter creditgate_audit_writes_total) - writes ))
entries=$(( $(counter creditgate_audit_entries_total) - entries ))
python3 -c "print('audit entries per fsync: %d entries / %d writes = %.1f' % ($entries, $writes, $entries / max($writes, 1)))"
for run in 1 2 3; do
  echo "inline batch of 10,000, run $run: $(curl_ -o /dev/null -w '%{http_code} %{time_total} s' -H 'Content-Type: application/json' \
    --data-binary "@$requests/batch-10k.json" "$url/v1/checks/batch")"
done
# The job's peak anonymous memory, sampled beside the kernel's peak of all of RSS (which also
# counts the file pages SQLite's own libraries and any mapped file brought in).
( peak=0
  while [ -e /proc/$gateway/status ]; do
    while read -r key value _; do [ "$key" = RssAnon: ] && [ "$value" -gt "$peak" ] && peak=$value; done < /proc/$gateway/status
    echo $peak > /tmp/hot-path-anon; sleep 0.5
  done ) 2>/dev/null &
sampler=$!
"$here/batch-job.sh" "$job" "$certs" "$url" | tail -1 | sed "s/^/batch job $(basename "$job"): /"
kill $sampler
echo "gateway peak RSS: $(awk '/VmHWM/ { printf "%.0f MiB", $2 / 1024 }' /proc/$gateway/status)," \
  "of which anonymous at most $(( $(cat /tmp/hot-path-anon) / 1024 )) MiB"
