#!/usr/bin/env python3
"""Times the daily sweep over every active watch (release build, embedded store).

  sweep.py --state demo/state -- creditgate serve [its options]
  sweep.py --database 'postgres://…?schema=bench' -- creditgate serve [its options]

With the gateway stopped, makes every active watch due today (as if the evidence of each changed
with time alone) in `STATE/watches.sqlite`, or in the PostgreSQL database the gateway's
`database.url` names (through `psql`), then starts the command, waits for the sweep's log line
(`due watches swept … seconds=…`), stops the gateway and prints one JSON line. Give the command the
same state folder or database.
"""
import argparse, json, re, signal, sqlite3, subprocess, time, urllib.parse


def make_due(args, today):
    """Every active watch due `today`; returns how many."""
    if args.state:
        with sqlite3.connect(f"{args.state}/watches.sqlite") as database:
            return database.execute("UPDATE watches SET recheck_on = ? WHERE status = 'active'", (today,)).rowcount
    url = urllib.parse.urlsplit(args.database)
    schema = urllib.parse.parse_qs(url.query).get("schema", ["public"])[0]
    done = subprocess.run(["psql", urllib.parse.urlunsplit(url._replace(query="")), "-XAt", "-c",
                           f"UPDATE \"{schema}\".watch_checks SET recheck_on = {today} "
                           f"WHERE watch_id IN (SELECT watch_id FROM \"{schema}\".watches WHERE status = 'active')"],
                          check=True, capture_output=True, text=True)
    return int(done.stdout.split()[-1])


def main():
    parser = argparse.ArgumentParser()
    store = parser.add_mutually_exclusive_group(required=True)
    store.add_argument("--state", help="the gateway's state folder (watches in SQLite)")
    store.add_argument("--database", help="the gateway's database.url (watches in PostgreSQL)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    # The gateway's calendar day (China Standard Time), as days since 1970-01-01.
    due = make_due(args, int((time.time() + 8 * 3600) // 86400))
    started = time.time()
    gateway = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in gateway.stdout:
            if "due watches swept" in line:
                fields = dict(re.findall(r"(\w+)=(\S+)", line))
                print(json.dumps({"due": due, "rechecked": int(fields["rechecked"]), "changed": int(fields["changed"]),
                                  "sweepSeconds": round(float(fields["seconds"]), 1), "sinceStartSeconds": round(time.time() - started, 1)}))
                break
    finally:
        gateway.send_signal(signal.SIGTERM)
        gateway.wait()


if __name__ == "__main__":
    main()
