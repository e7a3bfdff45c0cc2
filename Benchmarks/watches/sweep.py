#!/usr/bin/env python3
"""Times the daily sweep over every active watch (release build, embedded store).

  sweep.py --state demo/state -- creditgate serve [its options]

With the gateway stopped, makes every active watch in `STATE/watches.sqlite` due today (as if the
evidence of each changed with time alone), then starts the command, waits for the sweep's log line
(`due watches swept … seconds=…`), stops the gateway and prints one JSON line. Set the command's
state folder (CREDITGATE_STATE_DIRECTORY or its configuration) to the same folder.
"""
import argparse, json, re, signal, sqlite3, subprocess, time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--state", required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    # The gateway's calendar day (China Standard Time), as days since 1970-01-01.
    today = int((time.time() + 8 * 3600) // 86400)
    with sqlite3.connect(f"{args.state}/watches.sqlite") as database:
        due = database.execute("UPDATE watches SET recheck_on = ? WHERE status = 'active'", (today,)).rowcount
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
