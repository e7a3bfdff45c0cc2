#!/usr/bin/env python3
"""Times watches against a running gateway (release build): a watch upload, then a delta import and
the re-check of the watches it touched, timed until their events are queued.

  screen.py --watches 100000 --delta 100000 --touched 10000 [--gateway URL] [--certs DIR] [--region 110101]

The watched people are new to the archive (born 1960-1999 in Dongcheng, Beijing); the delta lists
`touched` of them by full ID and `delta - touched` people nobody watches. Prints one JSON line.
"""
import argparse, http.client, json, ssl, time, urllib.parse

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def resident_id(region, day_index, sequence):
    year, rest = 1960 + day_index // 336, day_index % 336
    body = f"{region}{year:04d}{rest // 28 + 1:02d}{rest % 28 + 1:02d}{sequence:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力永健鹏飞宇浩然子轩梓涵欣怡雨泽博思晨嘉佳琪雪梅兰"


def person(region, n):
    """A realistic name (CJK only, as people's are) and a resident ID new to the archive."""
    given = GIVEN[n // len(SURNAMES) % len(GIVEN)] + GIVEN[n // (len(SURNAMES) * len(GIVEN)) % len(GIVEN)]
    return SURNAMES[n % len(SURNAMES)] + given, resident_id(region, n // 1000, n % 1000)


class Gateway:
    def __init__(self, url, certs, role):
        parsed = urllib.parse.urlparse(url)
        context = ssl.create_default_context(cafile=f"{certs}/ca.pem")
        context.load_cert_chain(f"{certs}/clients/{role}.pem", f"{certs}/clients/{role}-key.pem")
        self.connection = http.client.HTTPSConnection(parsed.hostname, parsed.port, context=context, timeout=600)

    def call(self, method, path, body=None, content_type="application/json"):
        headers = {"content-type": content_type} if body is not None else {}
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status >= 300:
            raise SystemExit(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data)


def upload_watches(bureau, people, recruitment, endpoint=None):
    """Watches `people` (an NDJSON upload, a batch job) and waits for the job to finish; returns the job."""
    lines = "".join(json.dumps({"name": name, "idNumber": number}, ensure_ascii=False) + "\n" for name, number in people).encode()
    terms = {"purposeCode": "civil-service-exam", "recruitmentId": recruitment, "consentReference": "BENCH",
             "until": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 180 * 86400))}
    if endpoint:
        terms["endpointId"] = endpoint
    job = bureau.call("POST", f"/v1/watches?{urllib.parse.urlencode(terms)}", lines, "application/x-ndjson")
    while job["status"] not in ("finished", "failed"):
        time.sleep(0.5)
        job = bureau.call("GET", f"/v1/batches/{job['batchId']}")
    return job


def latest_cursor(bureau):
    """The cursor after every event queued so far."""
    cursor = bureau.call("GET", "/v1/events?limit=1000")["cursor"]
    while True:
        page = bureau.call("GET", f"/v1/events?after={cursor}&limit=1000")
        if not page["events"]:
            return cursor
        cursor = page["cursor"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gateway", default="https://localhost:8443")
    parser.add_argument("--certs", default="certs")
    parser.add_argument("--watches", type=int, default=100_000)
    parser.add_argument("--delta", type=int, default=100_000)
    parser.add_argument("--touched", type=int, default=10_000)
    parser.add_argument("--recruitment", default=f"BENCH-{int(time.time())}")
    parser.add_argument("--region", default="110101", help="the watched people's address code (another per run on one gateway)")
    parser.add_argument("--uploaded", action="store_true", help="the region's watches are there already (an earlier run): no upload")
    parser.add_argument("--first", type=int, default=0, help="the first watched person the delta lists (another per run on one upload)")
    args = parser.parse_args()
    bureau, archivist = Gateway(args.gateway, args.certs, "bureau"), Gateway(args.gateway, args.certs, "archivist")
    watched = [person(args.region, n) for n in range(args.watches)]

    upload, job = None, None
    if not args.uploaded:
        started = time.time()
        job = upload_watches(bureau, watched, args.recruitment)["status"]
        upload = round(time.time() - started, 1)

    cursor = latest_cursor(bureau)
    suffix = int(time.time())
    feed = []
    for n in range(args.delta):
        name, number = watched[args.first + n] if n < args.touched else person("120101", n)
        feed.append(json.dumps({"iname": name, "cardNum": number, "caseCode": f"({2026})湘0104执{suffix % 100000 * 1000000 + n}号",
                                "publishDate": "2026年11月20日", "courtName": "长沙市岳麓区人民法院"}, ensure_ascii=False))
    body = ("\n".join(feed) + "\n").encode()
    started = time.time()
    report = archivist.call("POST", "/v1/archive/imports?source=watch-bench", body, "application/x-ndjson")
    imported = queued = time.time()
    # Done at `touched` events, or when no more come (a person the archive listed already makes none).
    events = 0
    while events < args.touched and time.time() - imported < 600:
        page = bureau.call("GET", f"/v1/events?after={cursor}&limit=1000&wait=2")
        if not page["events"] and (events or time.time() - imported > 60):
            break
        events, cursor = events + len(page["events"]), page["cursor"]
        queued = time.time() if page["events"] else queued
    print(json.dumps({"watches": args.watches, "uploadSeconds": upload, "job": job, "delta": args.delta,
                      "accepted": report["accepted"], "importSeconds": round(imported - started, 1), "touched": args.touched,
                      "events": events, "screenSeconds": round(queued - imported, 1), "importAndScreenSeconds": round(queued - started, 1)}))

if __name__ == "__main__":
    main()
