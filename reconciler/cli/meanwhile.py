"""Work a plan need not wait for, run while its first requests are answered (issue 29).

A plan that loaded its specs afresh keeps them for the next plan (the spec memo): 35 ms
of CPU that ran before the first request. The first requests then wait some 50 ms for
their answers with the processor idle. Jobs handed to `meanwhile` run there, on one
worker thread, and the block does not end before they have (a job never fails: the
memo's store swallows its own errors).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

# Loop turns before the jobs start: a job's thread contends with the loop for the
# interpreter, and the first requests take some turns to connect and be written. Begun
# at once, the jobs held the first requests back by 25 ms; after 20 turns the loop is
# waiting on the network (a count, not a clock: on a slow machine it is the same point).
TURNS = 20


@asynccontextmanager
async def meanwhile(jobs: list[Callable[[], None]]) -> AsyncIterator[None]:
    """Run `jobs` (which never fail) in order on a worker thread during the block."""
    if not jobs:
        yield
        return
    done = asyncio.ensure_future(_later(list(jobs)))
    try:
        yield
    finally:
        await done


async def _later(jobs: list[Callable[[], None]]) -> None:
    for _ in range(TURNS):
        await asyncio.sleep(0)
    await asyncio.to_thread(_all, jobs)


def _all(jobs: list[Callable[[], None]]) -> None:
    for job in jobs:
        job()
