"""Benchmark: requests per second of a served sandbox (no latency knob).

Starts `reconciler sandbox serve` on a free loopback port, then from this one
process drives it with 8 concurrent connections (one httpx.AsyncClient each) for a
fixed time per kind of request, and prints the figures against the targets
(>= 500 GET/s, >= 200 POST/s). Figures are printed, never asserted. CPU
per request of client and server is printed too: with httpx the client side
usually costs more than the server, and "GET raw" (plain sockets) shows what
the server itself sustains.

    .venv/bin/python benchmarks/sandbox_bench.py [--seconds 5] [--connections 8]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reconciler.sandbox.launcher import start_served  # noqa: E402

TARGETS = {"GET": 500.0, "POST": 200.0}
AUTH = "Basic " + base64.b64encode(b"sandbox:sandbox").decode()
AUDIENCE = {"targeting_type": "install_id", "profile": {"operator": "and", "criteria": [
    {"key": "country", "scope": "org", "operator": "is one of", "values": ["US"]}]}}


def campaign(n: int) -> dict:
    return {
        "name": f"Bench {n}", "status": "draft", "goal": "monetize",
        "audiences": {"campaign_type": "everyone"},
        "schedule": {"on_schedule": {"begin_date": "2026-12-01T09:00:00Z"}},
        "creatives": [{"title": "A", "percent": 50, "build_attributes": {"push_message": "a"}},
                      {"title": "B", "percent": 50, "build_attributes": {"push_message": "b"}}],
    }


async def drive(clients: list[httpx.AsyncClient], make: Callable[[int], httpx.Request],
                seconds: float) -> tuple[int, int, float]:
    """One worker per client (= per connection) for `seconds`; return (ok, failed, elapsed)."""
    counter = itertools.count()
    ok = failed = 0
    deadline = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal ok, failed
        while time.perf_counter() < deadline:
            response = await client.send(make(next(counter)))
            if response.status_code < 300:
                ok += 1
            else:
                failed += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in clients))
    return ok, failed, time.perf_counter() - start


def server_cpu(pid: int) -> float:
    """CPU seconds the server process has used (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def bench(api_url: str, pid: int, connections: int, seconds: float) -> dict[str, float]:
    base = f"{api_url}/orgs/1/apps/demo-app"
    # One AsyncClient per connection: httpcore's pool scans every connection of a client
    # on each request, which costs more client CPU than the server spends answering.
    # The Authorization header is set once, for the same reason (no per-request auth flow).
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(httpx.AsyncClient(
                headers={"authorization": AUTH}, timeout=30, trust_env=False,
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1)))
            for _ in range(connections)
        ]
        c = clients[0]
        seed = [(await c.post(base + "/push/campaigns", json=campaign(i))).json()["id"]
                for i in range(50)]
        await c.post(base + "/audiences", json={"name": "Bench", "target_rules": AUDIENCE})
        kinds: dict[str, Callable[[int], httpx.Request]] = {
            "GET": lambda n: c.build_request("GET", f"{base}/push/campaigns/{seed[n % 50]}"),
            "GET listing": lambda n: c.build_request("GET", f"{base}/campaigns"),
            "POST": lambda n: c.build_request("POST", f"{base}/push/campaigns",
                                              json=campaign(n)),
        }
        figures = {}
        for name, make in kinds.items():
            await drive(clients, make, 1.0)  # warm-up (connections, caches)
            client0, server0 = time.process_time(), server_cpu(pid)
            ok, failed, elapsed = await drive(clients, make, seconds)
            client_ms = (time.process_time() - client0) / max(ok, 1) * 1000
            server_ms = (server_cpu(pid) - server0) / max(ok, 1) * 1000
            figures[name] = ok / elapsed
            print(f"{name:12} {ok / elapsed:8.0f} req/s  ({ok} ok, {failed} failed; CPU per "
                  f"request: client {client_ms:.2f} ms, server {server_ms:.2f} ms)", flush=True)
        figures["GET raw"] = await raw_gets(api_url, f"{base}/push/campaigns/{seed[0]}",
                                            connections, seconds)
        print(f"{'GET raw':12} {figures['GET raw']:8.0f} req/s  (asyncio streams, no httpx: "
              "the server's own capacity)", flush=True)
        return figures


async def raw_gets(api_url: str, url: str, connections: int, seconds: float) -> float:
    """GETs over plain keep-alive sockets: what the server sustains without httpx's cost."""
    host, port = api_url.split("//")[1].split("/")[0].split(":")
    path = "/" + url.split("//")[1].split("/", 1)[1]
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {AUTH}\r\n\r\n").encode()
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection(host, int(port))
        while time.perf_counter() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            await reader.readexactly(length)
            done += 1
        writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return done / (time.perf_counter() - start)


def run(main: Any, loop: str) -> dict[str, float]:
    """Run the client on uvloop when asked and installed, else on asyncio."""
    if loop == "uvloop":
        try:
            import uvloop
        except ImportError:
            pass
        else:
            return uvloop.run(main)
    return asyncio.run(main)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="duration per request kind")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="asyncio",
                        help="client event loop (uvloop needs it installed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        served = start_served(Path(tmp) / "bench.db")
        try:
            print(f"sandbox at {served.api_url}; {args.connections} connections, "
                  f"{args.seconds:g} s per kind", flush=True)
            figures = run(bench(served.api_url, served.process.pid, args.connections,
                                args.seconds), args.loop)
        finally:
            served.stop()
    print(f"\nmachine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end")
    for kind, target in TARGETS.items():
        verdict = "meets" if figures[kind] >= target else "BELOW"
        print(f"{kind:5} {figures[kind]:8.0f} req/s  target >= {target:.0f}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
