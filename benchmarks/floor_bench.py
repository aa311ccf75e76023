"""The floor under the plan row: a bare httpx client's reads against the same sandbox.

The plan row's ideal, requests x 50 ms / 8, is a client that costs nothing. No
client does: a bare `httpx.AsyncClient` that lists the campaigns (page 1, then the other
pages at once) and reads the 1,000 the plan row reads, 8 at a time, spends its own time per request (building the request,
parsing the answer on a CPU that idled through the 50 ms) and its answers queue on
one event loop. This row measures that floor, from its first request to its last answer
(start-up not counted), with the same sandbox, latency and requests, so the plan
row's figure can be read against what the HTTP library alone costs: what is above
the floor is reconciler's start-up and its own work.

The reach row adds to the floor the start-up no reconciler on this stack can skip: a
Python process that imports httpx (as reconciler imports it), asyncio and pydantic's
BaseModel, and does nothing else. That start-up must end before the first request (the
env's URL and credentials come from a validated reconciler.yaml, and a bad spec makes no
request), so (floor + that start-up) / ideal is the least any plan built on httpx and
pydantic can read on this machine today, before reading one spec. A target below it is
out of reach here, whatever reconciler does.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from benchmarks.common import Server, bench_env

LATENCY = 0.050
CONCURRENCY = 8

_READS = r"""
import asyncio, sys, time
import httpx
base, app, reads = sys.argv[1], sys.argv[2], int(sys.argv[3])
LISTING = {"channel": "push", "is_archived": 0, "per_page": 1000, "sort_by": "created_at",
           "sort_order": "asc"}
async def main():
    async with httpx.AsyncClient(base_url=f"{base}/orgs/1/apps/{app}", auth=("sandbox", "sandbox"),
                                 limits=httpx.Limits(max_connections=8), timeout=60) as c:
        start = time.perf_counter()

        async def page(number):
            answer = await c.get("/campaigns", params={**LISTING, "page_number": number})
            return answer.raise_for_status().json()
        first = await page(1)
        pages = [first, *await asyncio.gather(
            *(page(n) for n in range(2, -(-first["total_records"] // 1000) + 1)))]
        ids = [row["id"] for p in pages for row in p["campaigns"]]
        gate = asyncio.Semaphore(8)
        async def read(campaign_id):
            async with gate:
                (await c.get(f"/push/campaigns/{campaign_id}")).raise_for_status()
        await asyncio.gather(*(read(i) for i in ids[-reads:]))
        print(time.perf_counter() - start)
asyncio.run(main())
"""


_STACK = ("import reconciler.httpboot as boot; boot.import_http(); "
          "import asyncio, httpx; from pydantic import BaseModel")


def stack_start(runs: int = 5) -> float:
    """Seconds (median of `runs`) of a process that only starts Python and imports the
    libraries every plan needs before its first request."""
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", _STACK], check=True, env=bench_env())
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def bench_floor(server: Server, app: str, reads: int) -> dict[str, float]:
    """Seconds from a bare client's first request to its last answer: the listing and
    `reads` detail reads (its start-up, imports included, is not counted)."""
    server.reset_stats()
    done = subprocess.run([sys.executable, "-c", _READS, server.api_url, app, str(reads)],
                          check=True, env=bench_env(), capture_output=True, text=True)
    wall = float(done.stdout.split()[-1])
    requests = server.stats()["total"]
    ideal = requests * LATENCY / CONCURRENCY
    stack = stack_start()
    return {"floor_s": wall, "floor_requests": requests, "floor_ratio": wall / ideal,
            "stack_start_s": stack, "reach_ratio": (wall + stack) / ideal}
