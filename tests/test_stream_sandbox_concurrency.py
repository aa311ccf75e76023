"""The Stream sandbox's SQLite store under parallel clients and two processes over one file.

The JSON file it replaced was rewritten whole on every write, so two `serve` processes
over it lost each other's writes. Each request is now one immediate SQLite transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from reconciler.sandbox.launcher import ServedProcess, start_served
from reconciler.sandbox.stream import SANDBOX_SECRET
from reconciler.stream.client import server_token


@pytest.fixture()
def two(tmp_path: Path) -> Iterator[list[ServedProcess]]:
    servers = [start_served(tmp_path / "sandbox.db") for _ in range(2)]
    try:
        yield servers
    finally:
        for s in servers:
            s.stop()


def clients(servers: list[ServedProcess], key: str) -> list[httpx.Client]:
    headers = {"Authorization": server_token(SANDBOX_SECRET), "Stream-Auth-Type": "jwt"}
    return [httpx.Client(base_url=s.url("stream"), params={"api_key": key}, headers=headers,
                         timeout=30) for s in servers]


def test_two_processes_over_one_file_lose_no_write(two: list[ServedProcess]) -> None:
    api = clients(two, f"k-{uuid.uuid4().hex[:8]}")
    api[0].post("/segments", json={"type": "user", "id": "shared"}).raise_for_status()

    def work(i: int) -> list[int]:
        c = api[i % 2]
        made = c.post("/segments", json={"type": "user", "id": f"s{i:02d}"}).status_code
        added = c.post("/segments/shared/addtargets",
                       json={"target_ids": [f"u{i:02d}-{j}" for j in range(50)]}).status_code
        raced = c.post("/campaigns", json={"id": "same", "sender_id": "b",
                                           "message_template": {"text": "x"}}).status_code
        return [made, added, raced]

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(work, range(40)))
    assert all(c[:2] == [201, 201] for c in codes)
    assert sorted(c[2] for c in codes) == [201] + [400] * 39  # one create wins the race
    segs = api[1].post("/segments/query", json={"filter": {}, "limit": 100}).json()["segments"]
    assert len(segs) == 41
    shared = api[0].get("/segments/shared").json()["segment"]
    assert shared["size"] == 40 * 50
    for c in api:
        c.close()
