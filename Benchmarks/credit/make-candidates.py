#!/usr/bin/env python3
"""Candidate files for measuring `credit batch` (see the README's Benchmarks section).

    make-candidates.py FEED OUT.csv [--rows 100000] [--hits 0.01] [--bad 0] [--gb18030] [--seed 1]

Writes a CSV as HR staff have it: a Chinese header (编号,姓名,身份证号), UTF-8 with a BOM, or GB18030
(what Excel saves in a Chinese locale) with --gb18030. A share of candidates (--hits) are people
listed under their full ID in FEED (the defaulter feed the archive was imported from); the rest are
valid IDs of unknown people. --bad rows get a broken check character.
"""
import argparse
import importlib.util
import os
import random

spec = importlib.util.spec_from_file_location(
    "make_requests", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gateway", "make-requests.py"))
make_requests = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_requests)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("feed")
    parser.add_argument("out")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--hits", type=float, default=0.01)
    parser.add_argument("--bad", type=int, default=0)
    parser.add_argument("--gb18030", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    people = make_requests.listed_people(args.feed)
    bad = set(rng.sample(range(args.rows), args.bad))
    lines = ["编号,姓名,身份证号"]
    for index, candidate in enumerate(make_requests.candidates(args.rows, rng, people, args.hits)):
        card = candidate["idNumber"]
        if index in bad:
            card = card[:17] + ("0" if card[17] != "0" else "1")
        lines.append(f"{candidate['reference']},{candidate['name']},{card}")
    text = "\r\n".join(lines) + "\r\n"
    with open(args.out, "wb") as out:
        out.write(text.encode("gb18030") if args.gb18030 else b"\xef\xbb\xbf" + text.encode("utf-8"))


if __name__ == "__main__":
    main()
