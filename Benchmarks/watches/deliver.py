#!/usr/bin/env python3
"""Times webhook delivery from a running gateway (release build) to a local receiver: nginx over TLS
answering 204 to every push (the receiver costs next to nothing, so the figure is the sender's).

  deliver.py --events 20000 [--gateway URL] [--certs DIR] [--region 110102]

Starts nginx (Debian's nginx-light) with a throwaway CA and certificate, registers it as a webhook
endpoint, watches `events` new people with that endpoint, then imports a delta listing all of them
by full ID and counts the pushes nginx logs. The gateway must allow the receiver's address
(CREDITGATE_WEBHOOKS_ALLOW=127.0.0.1). Prints one JSON line: the delivery rate from the first push
to the last, and the time from the import's answer to the last push.
"""
import argparse, json, os, subprocess, tempfile, time, urllib.parse

from screen import Gateway, latest_cursor, person, upload_watches


def start_receiver(folder, port):
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=receiver-ca")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "srv.key", "-out", "srv.csr",
            "-subj", "/CN=127.0.0.1")
    with open(f"{folder}/srv.ext", "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "srv.pem", "-days", "2",
            "-extfile", "srv.ext")
    with open(f"{folder}/nginx.conf", "w") as f:
        f.write(f"""
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 1024; }}
http {{
  log_format pushes '$msec $status $http_webhook_id';
  access_log {folder}/pushes.log pushes buffer=64k flush=200ms;
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {folder}/srv.pem; ssl_certificate_key {folder}/srv.key;
    keepalive_requests 1000000;
    location /hook {{ return 204; }}
  }}
}}
""")
    subprocess.run(["nginx", "-c", f"{folder}/nginx.conf"], check=True)


def pushes(folder):
    try:
        with open(f"{folder}/pushes.log") as f:
            return [line.split() for line in f if " 204 " in line]
    except FileNotFoundError:
        return []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gateway", default="https://localhost:8443")
    parser.add_argument("--certs", default="certs")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--port", type=int, default=9643)
    parser.add_argument("--region", default="110102", help="the watched people's address code (another per run on one gateway)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="creditgate-receiver-")
    start_receiver(folder, args.port)
    try:
        bureau, archivist = Gateway(args.gateway, args.certs, "bureau"), Gateway(args.gateway, args.certs, "archivist")
        with open(f"{folder}/ca.pem") as f:
            endpoint = bureau.call("POST", "/v1/webhook-endpoints",
                                   json.dumps({"url": f"https://127.0.0.1:{args.port}/hook", "caBundle": f.read()}).encode())
        watched = [person(args.region, n) for n in range(args.events)]
        upload_watches(bureau, watched, f"DELIVER-{int(time.time())}", endpoint["endpointId"])
        suffix = int(time.time())
        body = "".join(json.dumps({"iname": name, "cardNum": number, "caseCode": f"(2026)湘0104执{suffix % 100000 * 1000000 + n}号",
                                   "publishDate": "2026年11月20日", "courtName": "长沙市岳麓区人民法院"}, ensure_ascii=False) + "\n"
                       for n, (name, number) in enumerate(watched)).encode()
        cursor = latest_cursor(bureau)
        archivist.call("POST", "/v1/archive/imports?source=deliver-bench", body, "application/x-ndjson")
        imported = time.time()
        # Done when every event queued so far has been pushed and no more are coming (a person already
        # listed before the delta makes no event).
        queued, seen, quiet = 0, [], False
        while not (quiet and queued and len(seen) >= queued) and time.time() - imported < 600:
            page = bureau.call("GET", f"/v1/events?after={cursor}&limit=1000&wait=2")
            queued, cursor, quiet = queued + len(page["events"]), page["cursor"], not page["events"]
            seen = pushes(folder)
        stamps = sorted(float(line[0]) for line in seen)
        ids = {line[2] for line in seen}
        span = stamps[-1] - stamps[0] if len(stamps) > 1 else 0
        print(json.dumps({"watches": args.events, "events": queued, "pushes": len(seen), "distinctIds": len(ids),
                          "pushesPerSecond": round((len(stamps) - 1) / span) if span else None,
                          "importToLastPushSeconds": round(stamps[-1] - imported, 1) if stamps else None}))
    finally:
        subprocess.run(["nginx", "-c", f"{folder}/nginx.conf", "-s", "stop"])


if __name__ == "__main__":
    main()
