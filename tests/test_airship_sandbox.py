"""The Airship sandbox's mount and what the official client does not reach: the served
faults in Airship's form, the mount under its prefix, body limits, the knobs (clock,
drops, config), and when recurring schedules send (`sending.occurrences`, no server).

The mount is served as `sandbox serve` serves a non-default platform: under its prefix
in a root app (`Mount.prefix`), over real HTTP on a loopback port (`serve_asgi`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import urbanairship as ua
from fastapi import FastAPI
from urbanairship.urls import Urls

from reconciler.sandbox.airship import SANDBOX_MASTER_SECRET
from reconciler.sandbox.airship.app import mount
from reconciler.sandbox.airship.protocol import parse_time
from reconciler.sandbox.airship.sending import occurrences
from reconciler.sandbox.base import Mount, SandboxOptions
from reconciler.sandbox.faults import Faults
from tests.sandbox_fixtures import ServedApp, serve_asgi

ACCEPT = {"Accept": "application/vnd.urbanairship+json; version=3"}
SEGMENT = {"display_name": "s", "criteria": {"tag": "t"}}


class Served:
    def __init__(self, running: ServedApp, mounted: Mount) -> None:
        self.running, self.mounted = running, mounted
        self.api = running.base_url + mounted.prefix + mounted.api_path
        self.key = uuid.uuid4().hex[:22]
        self.http = httpx.Client(base_url=self.api, headers=ACCEPT, timeout=30,
                                 auth=(self.key, SANDBOX_MASTER_SECRET))

    def admin(self, path: str, body: dict[str, Any]) -> Any:
        answer = self.http.post(f"/_sandbox{path}", json={"app_key": self.key, **body})
        return answer


def serve_mount(db: Path, faults: Faults | None = None) -> Served:
    mounted = mount(db, embedded=False, options=SandboxOptions(faults=faults))
    root = FastAPI()
    root.mount(mounted.prefix, mounted.app)
    return Served(serve_asgi(root), mounted)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    made = serve_mount(tmp_path / "sandbox.db")
    yield made
    made.http.close()
    made.running.stop()
    made.mounted.store.close()


def test_mount_is_under_its_prefix_with_its_own_file(served: Served, tmp_path: Path) -> None:
    assert (served.mounted.platform, served.mounted.prefix) == ("airship", "/airship")
    assert served.mounted.store.path == tmp_path / "sandbox-airship.db"
    made = served.http.post("/api/segments", json=SEGMENT)
    assert made.status_code == 201
    assert made.headers["Location"] == (f"{served.api}/api/segments/"
                                        f"{made.json()['segment_id']}")
    client = ua.Airship(served.key, SANDBOX_MASTER_SECRET)
    client.urls = Urls(base_url=f"{served.api}/api/")
    for _ in range(2):
        served.http.post("/api/segments", json=SEGMENT)
    assert len(list(ua.SegmentList(client, limit=1))) == 3  # next_page under the prefix


def test_bodies_that_are_not_json_or_too_big(served: Served) -> None:
    bad = served.http.post("/api/segments", content=b"{not json")
    assert bad.status_code == 400 and bad.json()["error_code"] == 40001
    assert "operation_id" in bad.json()
    lone = served.http.post("/api/segments", content=b'{"display_name": "\\ud800", '
                            b'"criteria": {"tag": "t"}}')
    assert lone.status_code == 400 and lone.json()["error_code"] == 40001
    big = served.http.post("/api/segments", content=b" " * (5 * 1024 * 1024 + 1))
    assert big.status_code == 413 and big.json()["error_code"] == 41307
    assert served.http.get("/api/segments", params={"limit": 201}).status_code == 400
    assert served.http.get("/api/segments").json() == {"ok": True, "segments": []}


def test_clock_knob(served: Served) -> None:
    assert served.admin("/clock", {"now": "2031-05-01T10:00:00Z"}).json() == {
        "now": "2031-05-01T10:00:00"}
    assert served.admin("/clock", {"advance_seconds": 90}).json() == {
        "now": "2031-05-01T10:01:30"}
    assert served.admin("/clock", {"now": "yesterday"}).status_code == 400
    assert served.admin("/clock", {"advance_seconds": -1}).status_code == 400
    assert served.http.get("/_sandbox/clock", params={"app_key": served.key}).json() == {
        "now": "2031-05-01T10:01:30"}


def test_best_time_schedule_window(served: Served) -> None:
    served.admin("/clock", {"now": "2031-05-01T10:00:00"})
    push = {"audience": {"tag": "t"}, "device_types": ["android"],
            "notification": {"alert": "hi"}}
    past = served.http.post("/api/schedules", json={
        "schedule": {"best_time": {"send_date": "2031-04-29"}}, "push": push})
    assert past.status_code == 400
    made = served.http.post("/api/schedules", json={
        "schedule": {"best_time": {"send_date": "2031-05-03"}}, "push": push})
    assert made.status_code == 201
    ident = made.json()["schedule_ids"][0]
    served.admin("/clock", {"now": "2031-05-02T11:00:00"})  # 00:00 on the 3rd at UTC+14
    assert served.http.delete(f"/api/schedules/{ident}").status_code == 409
    served.admin("/clock", {"now": "2031-05-04T12:00:01"})  # over in UTC-12 too
    assert served.http.get(f"/api/schedules/{ident}").status_code == 404
    sends = served.http.get("/_sandbox/sends", params={"app_key": served.key}).json()
    assert [s["ref"] for s in sends] == [ident]


def test_pipeline_historical_trigger_keeps_its_creation_time(served: Served) -> None:
    body = {"enabled": False, "historical_trigger": {"event": "open", "equals": 0, "days": 7},
            "outcome": {"push": {"audience": "triggered", "device_types": ["ios"],
                                 "notification": {"alert": "We miss you"}}}}
    served.admin("/clock", {"now": "2031-01-01T00:00:00"})
    url = served.http.post("/api/pipelines", json=body).json()["pipeline_urls"][0]
    got = served.http.get(url).json()["pipeline"]
    assert got["historical_trigger"]["creation_time"] == "2031-01-01T00:00:00"
    served.admin("/clock", {"now": "2031-02-01T00:00:00"})
    assert served.http.put(url, json=got).status_code == 200  # sent back: kept
    assert served.http.get(url).json()["pipeline"]["historical_trigger"][
        "creation_time"] == "2031-01-01T00:00:00"
    assert served.http.put(url, json=body).status_code == 200  # left out: reset
    assert served.http.get(url).json()["pipeline"]["historical_trigger"][
        "creation_time"] == "2031-02-01T00:00:00"


def test_served_errors_are_in_airships_body(tmp_path: Path) -> None:
    made = serve_mount(tmp_path / "sandbox.db", Faults(error_rate=1.0, seed=1))
    try:
        answer = made.http.post("/api/segments", json=SEGMENT)
        assert answer.status_code in (500, 502, 503)
        body = answer.json()
        assert body["ok"] is False and body["error_code"] // 100 == answer.status_code
        assert "operation_id" in body
        admin = made.http.get("/_sandbox/sends", params={"app_key": made.key})
        assert admin.status_code == 200  # admin endpoints never see faults
    finally:
        made.http.close()
        made.running.stop()
        made.mounted.store.close()


def test_served_rate_limit_is_429_with_retry_after(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("reconciler.sandbox.faults.time.monotonic", lambda: 1000.0)
    made = serve_mount(tmp_path / "sandbox.db", Faults(rate_limit=1))
    try:
        assert made.http.get("/api/segments").status_code == 200
        refused = made.http.get("/api/segments")  # the same (frozen) second
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
        assert refused.json()["ok"] is False and refused.json()["error_code"] // 100 == 429
    finally:
        made.http.close()
        made.running.stop()
        made.mounted.store.close()


def test_served_drop_performs_the_write_and_loses_the_answer(tmp_path: Path) -> None:
    made = serve_mount(tmp_path / "sandbox.db", Faults(drop_rate=1.0))
    try:
        lost = made.http.post("/api/segments", json=SEGMENT)
        assert lost.status_code == 502 and lost.headers["content-type"].startswith("text/html")
        listed = made.http.get("/api/segments").json()["segments"]
        assert [s["display_name"] for s in listed] == ["s"]  # it was created
    finally:
        made.http.close()
        made.running.stop()
        made.mounted.store.close()


def test_drop_knob_loses_the_next_answers_of_a_route(served: Served) -> None:
    assert served.admin("/config", {"drop": {"segments-create": 1}}).json()["drop"] == {
        "segments-create": 1}
    lost = served.http.post("/api/segments", json=SEGMENT)
    assert lost.status_code == 502 and lost.headers["content-type"].startswith("text/html")
    assert served.http.post("/api/segments", json=SEGMENT).status_code == 201
    assert len(served.http.get("/api/segments").json()["segments"]) == 2  # both were made


def test_a_bad_config_changes_nothing(served: Served) -> None:
    answer = served.admin("/config", {"throttle": 3, "drop": {"no-such-route": 1}})
    assert answer.status_code == 400 and "segments-create" in answer.json()["error"]
    assert served.admin("/config", {"throttle": 2, "pipeline_limits": {"active": -1}}
                        ).status_code == 400
    assert served.http.get("/api/segments").status_code == 200  # no throttle was set
    assert served.http.get("/api/pipelines/limits").json()["limits"]["active_limit"] == 200


def test_inprocess_transport_serves_the_same_api(tmp_path: Path) -> None:
    """`api_url: sandbox` reaches the same handlers without a socket; closing the client
    closes the store."""
    from reconciler.sandbox.airship.app import inprocess_transport

    async def run() -> list[str]:
        transport = inprocess_transport(tmp_path / "sandbox-airship.db")
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox",
                                     headers=ACCEPT, auth=("k" * 22, SANDBOX_MASTER_SECRET)
                                     ) as client:
            made = await client.post("/api/segments/", json=SEGMENT)
            assert made.status_code == 201
            listed = (await client.get("/api/segments")).json()["segments"]
            return [s["id"] for s in listed]

    assert asyncio.run(run()) != []


def test_the_apps_own_429_passes_the_fault_shape_untouched(tmp_path: Path) -> None:
    made = serve_mount(tmp_path / "sandbox.db", Faults(rate_limit=10_000))
    try:
        made.admin("/config", {"throttle": 1, "retry_after": 9})
        refused = made.http.get("/api/segments")
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "9"
        assert refused.json()["error"] == "Too many requests"
    finally:
        made.http.close()
        made.running.stop()
        made.mounted.store.close()


def test_pipeline_status_follows_the_clock_at_its_edges(served: Served) -> None:
    """pending while now <= activation_time, completed once now >= deactivation_time [OAS]."""
    body = {"enabled": True, "immediate_trigger": "open", "activation_time": "2031-01-01T00:00:00",
            "deactivation_time": "2031-02-01T00:00:00",
            "outcome": {"push": {"audience": "triggered", "device_types": ["ios"],
                                 "notification": {"alert": "hi"}}}}
    url = served.http.post("/api/pipelines", json=body).json()["pipeline_urls"][0]
    seen = []
    for now in ("2030-12-31T23:59:59", "2031-01-01T00:00:00", "2031-01-01T00:00:01",
                "2031-01-31T23:59:59", "2031-02-01T00:00:00"):
        served.admin("/clock", {"now": now})
        seen.append(served.http.get(url).json()["pipeline"]["status"])
    assert seen == ["pending", "pending", "live", "live", "completed"]


# --- when recurring schedules send (the sandbox's clock, no server needed) ------

def sends(schedule: dict[str, Any], until: str, after: str | None = None) -> list[str]:
    moments = occurrences(schedule, parse_time(after) if after else None,
                          parse_time(until) or datetime.now(UTC))
    return [m.strftime("%Y-%m-%dT%H:%M") for m in moments]


def every(kind: str, first: str = "2030-01-31T08:00:00", **recurring: Any
          ) -> dict[str, Any]:
    cadence = {"type": kind, "count": recurring.pop("count", 1)}
    return {"scheduled_time": first, "recurring": {"cadence": cadence, **recurring}}


def test_hourly_daily_monthly_and_yearly_cadences() -> None:
    assert sends(every("hourly", "2030-01-01T00:00:00", count=2), "2030-01-01T06:00:00") == [
        "2030-01-01T00:00", "2030-01-01T02:00", "2030-01-01T04:00", "2030-01-01T06:00"]
    assert sends(every("daily", "2030-01-01T08:00:00"), "2030-01-03T09:00:00",
                 after="2030-01-01T08:00:00") == ["2030-01-02T08:00", "2030-01-03T08:00"]
    assert sends(every("monthly"), "2030-04-01T00:00:00") == [  # clamped to the month's end
        "2030-01-31T08:00", "2030-02-28T08:00", "2030-03-31T08:00"]
    assert sends(every("yearly", "2028-02-29T08:00:00"), "2032-03-01T00:00:00") == [
        "2028-02-29T08:00", "2029-02-28T08:00", "2030-02-28T08:00", "2031-02-28T08:00",
        "2032-02-29T08:00"]


def test_exclusions_end_time_and_local_time() -> None:
    weekdays = every("daily", "2030-01-04T08:00:00", exclusions=[  # Friday the 4th
        {"days_of_week": ["saturday", "sunday"]}, {"hour_range": "12-14"},
        {"date_range": "2030-01-08T00:00:00/2030-01-08T23:59:59"}])
    assert sends(weekdays, "2030-01-09T09:00:00") == [
        "2030-01-04T08:00", "2030-01-07T08:00", "2030-01-09T08:00"]
    at_noon = every("hourly", "2030-01-01T11:00:00", exclusions=[{"hour_range": "12-14"}])
    assert sends(at_noon, "2030-01-01T16:00:00") == [
        "2030-01-01T11:00", "2030-01-01T15:00", "2030-01-01T16:00"]
    ended = every("daily", "2030-01-01T08:00:00", end_time="2030-01-02T09:00:00")
    assert sends(ended, "2030-02-01T00:00:00") == ["2030-01-01T08:00", "2030-01-02T08:00"]
    local = {"local_scheduled_time": "2030-01-02T09:00:00",
             "recurring": {"cadence": {"type": "weekly", "count": 1,
                                       "days_of_week": ["wednesday"]}}}
    assert sends(local, "2030-01-08T20:00:00") == [  # 09:00 first comes in UTC+14
        "2030-01-01T19:00", "2030-01-08T19:00"]
    every_other = every("weekly", "2030-01-02T09:00:00", count=2)  # no days: its own
    assert sends(every_other, "2030-01-31T00:00:00") == [
        "2030-01-02T09:00", "2030-01-16T09:00", "2030-01-30T09:00"]
