#!/usr/bin/env python3
"""Request bodies for measuring the gateway (see the README's Benchmarks section).

    make-requests.py FEED OUT_DIR [--hits 0.01] [--seed 1]

FEED is the defaulter feed ArchiveBenchmark generated for the archive under test
(/tmp/creditgate-bench/defaulters-N.ndjson). A share of candidates (--hits) are people listed in it
under their full ID; the rest are valid resident IDs (GB 11643 check character) of unknown people.
Writes bodies.ndjson (one POST /v1/checks body a line, 10,000), batch-10k.json (one inline batch)
and job-100k.ndjson, job-1m.ndjson (batch-job uploads).
"""
import argparse
import json
import os
import random

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
REGIONS = ["110105", "310101", "440305", "430102", "510104", "330106", "420106", "320102"]
PURPOSE = {"code": "civil-service-exam", "recruitmentId": "GK2026-0001", "consentReference": "C-1"}


def resident_id(rng):
    day = rng.randrange(0, 365 * 50)
    year, rest = 1955 + day // 365, day % 365
    month, dom = 1 + rest // 31 % 12, 1 + rest % 28
    body = f"{rng.choice(REGIONS)}{year:04d}{month:02d}{dom:02d}{rng.randrange(1000):03d}"
    return body + CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


def listed_people(feed, limit=200_000):
    people = []
    with open(feed, encoding="utf-8") as lines:
        for line in lines:
            entry = json.loads(line)
            card = entry.get("cardNum", "")
            if len(card) == 18 and "*" not in card and entry.get("op", "add") == "add":
                people.append((entry["iname"], card))
                if len(people) >= limit:
                    break
    return people


def candidates(count, rng, people, hits):
    for index in range(count):
        if people and rng.random() < hits:
            name, card = rng.choice(people)
        else:
            name, card = "张三", resident_id(rng)
        yield {"name": name, "idNumber": card, "reference": f"r{index}"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("feed")
    parser.add_argument("out")
    parser.add_argument("--hits", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    people = listed_people(args.feed)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "bodies.ndjson"), "w", encoding="utf-8") as out:
        for candidate in candidates(10_000, rng, people, args.hits):
            del candidate["reference"]
            out.write(json.dumps({"candidate": candidate, "purpose": PURPOSE}, ensure_ascii=False) + "\n")
    with open(os.path.join(args.out, "batch-10k.json"), "w", encoding="utf-8") as out:
        json.dump({"purpose": PURPOSE, "candidates": list(candidates(10_000, rng, people, args.hits))}, out, ensure_ascii=False)
    for name, count in [("job-100k.ndjson", 100_000), ("job-1m.ndjson", 1_000_000)]:
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as out:
            for candidate in candidates(count, rng, people, args.hits):
                out.write(json.dumps(candidate, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
