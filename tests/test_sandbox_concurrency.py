"""Parallel clients: distinct ids, nothing lost, a consistent database."""

from __future__ import annotations

import asyncio
import sqlite3

import httpx

from tests.sandbox_helpers import SSL_CONTEXT, audience_body, campaign_body

CLIENTS = 12
EACH = 8


def test_parallel_creates_get_distinct_ids(sandbox_server) -> None:
    apps = [sandbox_server.new_app(), sandbox_server.new_app()]

    async def worker(n: int) -> list[tuple[str, int]]:
        app = apps[n % 2]
        base = f"{sandbox_server.api_url}/orgs/{app.org_id}/apps/{app.app_id}"
        made = []
        async with httpx.AsyncClient(base_url=base, verify=SSL_CONTEXT, timeout=20,
                                     auth=(sandbox_server.api_key, sandbox_server.api_secret)) as c:
            for i in range(EACH):
                a = await c.post("/audiences", json=audience_body(f"a-{n}-{i}"))
                target = {"campaign_type": "saved_audience",
                          "target_rules": {"audience": [a.json()["id"]]}}
                k = await c.post("/push/campaigns",
                                 json=campaign_body(f"c-{n}-{i}", audiences=target))
                assert (a.status_code, k.status_code) == (201, 201), (a.text, k.text)
                made += [("audience", a.json()["id"]), ("campaign", k.json()["id"])]
                made += [("creative", c["id"]) for c in k.json()["creatives"]]
        return made

    async def run() -> list[tuple[str, int]]:
        results = await asyncio.gather(*(worker(n) for n in range(CLIENTS)))
        return [x for r in results for x in r]

    made = asyncio.run(run())
    assert len(made) == len(set(made)) == CLIENTS * EACH * 3
    for kind in ("audience", "campaign", "creative"):
        ids = [i for k, i in made if k == kind]
        assert len(ids) == len(set(ids))
    with httpx.Client(auth=(sandbox_server.api_key, sandbox_server.api_secret)) as c:
        for app in apps:
            base = f"{sandbox_server.api_url}/orgs/{app.org_id}/apps/{app.app_id}"
            listing = c.get(base + "/campaigns", params={"per_page": 1000}).json()
            assert listing["total_records"] == CLIENTS // 2 * EACH
            assert len(c.get(base + "/audiences").json()) == CLIENTS // 2 * EACH
    db = sqlite3.connect(sandbox_server.db)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
