"""Fault knobs of the served sandbox: error rate, dropped writes, rate limit, latency."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import reconciler.sandbox.faults as faults_module
from reconciler.sandbox import Faults, create_app
from tests.sandbox_helpers import SSL_CONTEXT, audience_body, campaign_body


def _client(served, app, **kwargs) -> httpx.Client:
    return httpx.Client(base_url=f"{served.api_url}/orgs/{app.org_id}/apps/{app.app_id}",
                        auth=(served.api_key, served.api_secret), timeout=10,
                        verify=SSL_CONTEXT, **kwargs)


def test_error_rate_fraction_over_http(sandbox_factory) -> None:
    served = sandbox_factory(error_rate=0.3, seed=7)
    app = served.new_app()
    with _client(served, app) as c:
        statuses = [c.get("/campaigns").status_code for _ in range(200)]
    failed = [s for s in statuses if s != 200]
    assert set(failed) <= {500, 502, 503} and len(set(failed)) > 1
    assert 0.2 <= len(failed) / 200 <= 0.4
    assert served.stats()["total"] == 200, "admin requests are not counted"


def _inprocess_statuses(db: Path, faults: Faults, make: Callable[[httpx.AsyncClient], Any],
                        count: int) -> list[int]:
    app = create_app(db, faults=faults)

    async def run() -> list[int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://sandbox/api/v6/orgs/1/apps/demo-app",
                                     auth=("sandbox", "sandbox")) as c:
            return [(await make(c)).status_code for _ in range(count)]

    try:
        return asyncio.run(run())
    finally:
        app.state.store.close()


def test_same_seed_same_faults(tmp_path: Path) -> None:
    runs = [_inprocess_statuses(tmp_path / f"{n}.db", Faults(error_rate=0.5, seed=3),
                                lambda c: c.get("/audiences"), 60) for n in range(2)]
    assert runs[0] == runs[1] and 200 in runs[0] and len(set(runs[0])) > 2
    other = _inprocess_statuses(tmp_path / "x.db", Faults(error_rate=0.5, seed=4),
                                lambda c: c.get("/audiences"), 60)
    assert other != runs[0]


def test_error_rate_fails_before_doing_anything(tmp_path: Path) -> None:
    statuses = _inprocess_statuses(tmp_path / "s.db", Faults(error_rate=1.0),
                                   lambda c: c.post("/audiences", json=audience_body()), 5)
    assert set(statuses) <= {500, 502, 503}
    with sqlite_rows(tmp_path / "s.db") as count:
        assert count("audiences") == 0


def test_drop_rate_performs_the_write_then_fails(sandbox_factory) -> None:
    served = sandbox_factory(drop_rate=1.0)
    app = served.new_app()
    with _client(served, app) as c:
        r = c.post("/push/campaigns", json=campaign_body("Ambiguous"))
        assert r.status_code == 502 and r.headers["content-type"].startswith("text/html")
        listed = c.get("/campaigns").json()["campaigns"]
        assert [x["name"] for x in listed] == ["Ambiguous"], "GETs are never dropped"
        assert c.delete(f"/push/campaigns/{listed[0]['id']}").status_code == 502
        assert c.get("/campaigns").json()["total_records"] == 0


def test_rate_limit_answers_429_without_retry_after(sandbox_factory) -> None:
    served = sandbox_factory(rate_limit=5)
    app = served.new_app()
    with _client(served, app) as c:
        answers = [c.get("/audiences") for _ in range(20)]
    limited = [r for r in answers if r.status_code == 429]
    assert 20 - len(limited) <= 10 and limited
    assert limited[0].json() == {"error": "Too Many Requests"}
    assert "retry-after" not in limited[0].headers
    assert served.stats()["total"] == 20
    time.sleep(1.05)
    with _client(served, app) as c:
        assert c.get("/audiences").status_code == 200


def test_latency_delays_without_blocking_other_requests(sandbox_factory) -> None:
    served = sandbox_factory(latency_ms=300)
    app = served.new_app()

    async def burst() -> float:
        async with httpx.AsyncClient(
            base_url=f"{served.api_url}/orgs/{app.org_id}/apps/{app.app_id}",
            auth=(served.api_key, served.api_secret), verify=SSL_CONTEXT, timeout=10,
        ) as c:
            start = time.perf_counter()
            answers = await asyncio.gather(*(c.get("/campaigns") for _ in range(8)))
            assert all(r.status_code == 200 for r in answers)
            return time.perf_counter() - start

    elapsed = asyncio.run(burst())
    assert 0.3 <= elapsed < 1.5, elapsed
    start = time.perf_counter()
    served.stats()
    assert time.perf_counter() - start < 0.3, "/_sandbox/ is never delayed"


class sqlite_rows:
    """Count rows of the sandbox database directly (what was really written)."""

    def __init__(self, db) -> None:
        import sqlite3

        self._db = sqlite3.connect(db)

    def __enter__(self):
        return lambda table: self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    def __exit__(self, *exc) -> None:
        self._db.close()


def test_faults_reach_the_paths_each_mount_names_and_no_other(tmp_path: Path) -> None:
    """Which paths see faults comes from the mounts (`Mount.fault_paths`): the Campaigns
    & Audiences API, the Push API and the whole Smartech sandbox; never the Stream
    sandbox, the health check or any `/_sandbox/` endpoint."""
    app = create_app(tmp_path / "s.db", faults=Faults(error_rate=1.0))
    faulted = ["/api/v6/orgs/1/apps/demo-app/campaigns", "/v2/push/demo-app",
               "/smartech/v4/campaigns", "/smartech/nowhere"]
    spared = ["/", "/stream/segments", "/_sandbox/stats", "/stream/_sandbox/starts",
              "/smartech/_sandbox/executions", "/api/v6/_sandbox/x"]

    async def run() -> dict[str, int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://sandbox") as c:
            return {path: (await c.get(path)).status_code for path in faulted + spared}

    try:
        statuses = asyncio.run(run())
    finally:
        for m in app.state.mounts.values():
            m.store.close()
    assert {p: statuses[p] in (500, 502, 503) for p in faulted + spared} == {
        **{p: True for p in faulted}, **{p: False for p in spared}}
    assert sorted(app.state.fault_paths) == ["/api/v6/", "/smartech/", "/v2/"]


@pytest.mark.parametrize("path", ["/api/v6/orgs/1/apps/a/campaigns", "/stream/campaigns"])
def test_latency_is_request_to_answer_with_the_servers_work_inside_it(monkeypatch,
                                                                      path: str) -> None:
    """A real API's latency, as its client sees it, includes the server's own work.

    Sleeping first and working after charged every request the sandbox's CPU on top of
    the latency (a plain httpx client, 8 at a time at 50 ms: 54.9 ms a request). The
    work now runs on arrival and only the answer waits until 50 ms after it."""
    events: list[object] = []

    async def wait(seconds: float) -> None:
        events.append(("wait", seconds))

    async def app(scope, receive, send) -> None:
        events.append("work")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def sent(message) -> None:
        events.append(message["type"])

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    monkeypatch.setattr(faults_module.asyncio, "sleep", wait)
    middleware = faults_module.FaultMiddleware(
        app, faults_module.Faults(latency_ms=50), paths=("/api/",), latency_paths=("/stream/",))
    scope = {"type": "http", "method": "GET", "path": path}
    asyncio.run(middleware(scope, receive, sent))
    assert events[0] == "work"
    kind, seconds = events[1]  # type: ignore[misc]
    assert kind == "wait" and 0 < seconds <= 0.05
    assert events[2:] == ["http.response.start", "http.response.body"]
