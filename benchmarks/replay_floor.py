"""The floor under the Stream and Smartech apply rows: the apply's own requests, sent
again by a bare httpx client.

One more apply (not a measured one) runs in a process whose httpx notes every request
it sends: method, path, headers and body, kept in that process's memory and never
written anywhere (the headers carry the credentials). When the apply has finished, the
same process sends those requests again to a second sandbox started fresh, so every
create creates. It uses a bare `httpx.AsyncClient`, 8 at a time, in the order the apply
first sent them, and waits for nothing between them: no planning, no lease, no
read-back, no answer waited for before the next request is decided.

Its time from the first request to the last answer, over requests x 50 ms / 8, is the
least these requests take with this HTTP library, this sandbox and this machine. The
plan row's floor (`floor_bench.py`) is the same measure for the plan's requests. Above
it, the apply row holds reconciler's start-up and its own work: the order its writes
must keep, the lease, the read-backs awaited, and the record pushed before a send.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.common import Server, bench_env, served
from benchmarks.floor_bench import stack_start

LATENCY = 0.050
CONCURRENCY = 8

_RECORD_AND_REPLAY = r"""
import asyncio, runpy, sys, time
import reconciler.httpboot as boot
boot.import_http()
import httpx
target, result, args = sys.argv[1], sys.argv[2], sys.argv[3:]
sent = []
original = httpx.AsyncClient.send
async def noting(self, request, **kw):
    sent.append((request.method, request.url.raw_path, list(request.headers.raw),
                 request.content))
    return await original(self, request, **kw)
httpx.AsyncClient.send = noting
sys.argv = ["reconciler", *args]
try:
    runpy.run_module("reconciler", run_name="__main__")
except SystemExit as e:
    if e.code:
        raise
httpx.AsyncClient.send = original
async def replay():
    gate, bad = asyncio.Semaphore(8), []
    async with httpx.AsyncClient(base_url=target, timeout=60,
                                 limits=httpx.Limits(max_connections=8)) as c:
        async def one(method, path, headers, body):
            async with gate:
                answer = await c.request(method, path.decode(), headers=headers,
                                         content=body)
                if answer.status_code >= 400:
                    bad.append(answer.status_code)
        start = time.perf_counter()
        await asyncio.gather(*(one(*r) for r in sent))
        return time.perf_counter() - start, bad
wall, bad = asyncio.run(replay())
with open(result, "w") as out:
    out.write(f"{wall} {len(sent)} {len(bad)}\n")
"""


def replay_floor(tmp: Path, make: Any, objects: int) -> dict[str, float]:
    """Apply `objects` specs of the repo `make` builds (as `platform_bench` builds it),
    noting its requests, then time them sent again by a bare client to a fresh sandbox.
    Also the reach: that floor plus the stack's start-up (`floor_bench.stack_start`)."""
    tmp.mkdir(parents=True, exist_ok=True)
    with served(tmp / "first.db", latency_ms=int(LATENCY * 1000)) as first, \
            served(tmp / "again.db", latency_ms=int(LATENCY * 1000)) as again:
        root = tmp / "repo"
        env = bench_env({"NO_COLOR": "1", **make(root, first, objects)})
        result = tmp / "replay.txt"
        done = subprocess.run([sys.executable, "-c", _RECORD_AND_REPLAY, _origin(again),
                               str(result), "apply", "--auto-approve", "--format", "json"],
                              cwd=root, env=env, capture_output=True, text=True)
        assert done.returncode == 0, (done.stderr[-3000:], done.stdout[-3000:])
        wall_text, requests_text, failed_text = result.read_text().split()
    wall, requests = float(wall_text), int(requests_text)
    ideal = requests * LATENCY / CONCURRENCY
    stack = stack_start()
    return {"floor_s": wall, "floor_requests": requests, "floor_failed": int(failed_text),
            "floor_ratio": wall / ideal, "stack_start_s": stack,
            "reach_ratio": (wall + stack) / ideal}


def _origin(server: Server) -> str:
    """scheme://host:port of a served sandbox: the recorded paths carry the rest."""
    scheme, rest = server.base_url.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"
