#!/usr/bin/env python3
"""Hostile clients for flood.sh: slow senders and connection hoarders, over mutual TLS.

  flood.py slow N --certs DIR --role auditor   # N clients announce a 100 KB body, send a byte a second
  flood.py hoard N --certs DIR --role archivist  # one certificate opens N connections and holds them

`slow` prints when the gateway cut each client off (seconds after its head was sent); `hoard` prints
how many connections the gateway kept open and how many it closed at the handshake. Each runs until
`--seconds` have passed and prints one line of JSON.
"""
import argparse
import asyncio
import json
import ssl
import statistics
import time


def context(certs, role):
    tls = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=f"{certs}/ca.pem")
    tls.load_cert_chain(f"{certs}/clients/{role}.pem", f"{certs}/clients/{role}-key.pem")
    return tls


async def slow_client(host, port, tls, seconds):
    reader, writer = await asyncio.open_connection(host, port, ssl=tls, server_hostname="localhost")
    writer.write(b"POST /v1/checks HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100000\r\n\r\n")
    await writer.drain()
    start = time.monotonic()
    closed = asyncio.ensure_future(reader.read())
    while time.monotonic() - start < seconds:
        done, _ = await asyncio.wait({closed}, timeout=1)
        if done:
            return time.monotonic() - start
        try:
            writer.write(b" ")
            await writer.drain()
        except (ConnectionError, ssl.SSLError):
            return time.monotonic() - start
    writer.close()
    return None


async def hoarder(host, port, tls, seconds):
    try:
        reader, writer = await asyncio.open_connection(host, port, ssl=tls, server_hostname="localhost")
    except (ConnectionError, ssl.SSLError, OSError):
        return "refused"
    try:
        data = await asyncio.wait_for(reader.read(), timeout=seconds)
        return "kept" if data else "closed"
    except asyncio.TimeoutError:
        writer.close()
        return "kept"
    except (ConnectionError, ssl.SSLError):
        return "closed"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["slow", "hoard"])
    parser.add_argument("count", type=int)
    parser.add_argument("--certs", required=True)
    parser.add_argument("--role", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    tls = context(args.certs, args.role)
    if args.mode == "slow":
        cuts = await asyncio.gather(*(slow_client(args.host, args.port, tls, args.seconds) for _ in range(args.count)))
        cut = sorted(c for c in cuts if c is not None)
        print(json.dumps({
            "clients": args.count, "cut": len(cut), "stillOpen": args.count - len(cut),
            "cutAfterSeconds": {"min": round(cut[0], 1), "median": round(statistics.median(cut), 1),
                                "max": round(cut[-1], 1)} if cut else None,
        }))
    else:
        tasks = []
        for i in range(args.count):
            tasks.append(asyncio.ensure_future(hoarder(args.host, args.port, tls, args.seconds)))
            if i % 100 == 99:
                await asyncio.sleep(0.2)  # 100 handshakes at a time, as a greedy pool would open them
        results = await asyncio.gather(*tasks)
        print(json.dumps({"connections": args.count, **{k: results.count(k) for k in ("kept", "closed", "refused")}}))


asyncio.run(main())
