"""The official `urbanairship` client against the served Airship sandbox: scheduled
pushes (create, list, get, update, delete, pause, resume), when they send on the
project's clock and when they can still be stopped, send-test pushes, and the transport
(version header, basic and bearer auth, throttling). Helpers: tests/airship_sdk_helpers.py.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import urbanairship as ua

from reconciler.sandbox.airship import SANDBOX_MASTER_SECRET, SANDBOX_TOKEN
from tests.airship_sdk_helpers import (
    ACCEPT,
    Project,
    assert_airship_error,
    failure,
    fresh_project,
    project_fixture,  # noqa: F401 (the fixture "project")
    served_fixture,  # noqa: F401 (the fixture "served")
    served_sandbox,
)
from tests.sandbox_fixtures import ServedApp

# --- schedules -----------------------------------------------------------------

def scheduled(project: Project, when: dict[str, Any], name: str = "cac: spring sale"
              ) -> ua.ScheduledPush:
    sp = ua.ScheduledPush(project.client)
    sp.name, sp.schedule = name, when
    sp.push = ua.Push(project.client)
    sp.push.audience = ua.and_(ua.tag("spring"), ua.not_(ua.tag("opted_out")))
    sp.push.notification = ua.notification(alert="Spring sale!",
                                           ios=ua.ios(alert="Spring sale!", badge="+1"))
    sp.push.device_types = ua.device_types("ios", "android")
    return sp


def test_schedule_create_list_get_update_delete(project: Project) -> None:
    sp = scheduled(project, ua.scheduled_time(datetime(2030, 3, 1, 9, 0)))
    answer = sp.send()
    assert answer.ok and sp.url and sp.url == answer.payload["schedule_urls"][0]
    ident = sp.url.rsplit("/", 1)[1]
    assert answer.payload["schedule_ids"] == [ident]
    got = project.get(f"schedules/{ident}")
    assert {k: got[k] for k in ("name", "schedule", "push")} == sp.payload
    loaded = ua.ScheduledPush.from_url(project.client, sp.url)
    assert loaded.payload == sp.payload
    assert [s.url for s in ua.ScheduledList(project.client)] == [sp.url]

    sp.schedule = ua.scheduled_time(datetime(2030, 3, 2, 9, 0))
    sp.push.notification = ua.notification(alert="Spring sale, day two!")
    assert sp.update().ok
    got = project.get(f"schedules/{ident}")
    assert {k: got[k] for k in ("name", "schedule", "push")} == sp.payload

    assert sp.cancel().status_code == 204
    assert list(ua.ScheduledList(project.client)) == []
    assert_airship_error(failure(lambda: ua.ScheduledPush.from_url(project.client, sp.url)),
                         404)
    assert project.sends() == []  # cancelled before its time: nothing went out


def test_schedule_list_pages_with_start(project: Project) -> None:
    urls = [scheduled(project, ua.scheduled_time(datetime(2030, 4, 1, h)), f"s{h}").send()
            .payload["schedule_urls"][0] for h in range(5)]
    first = project.http.get("/api/schedules", params={"limit": 2}).json()
    assert first["count"] == 2 and first["total_count"] == 5
    assert first["next_page"].split("start=")[1].startswith(urls[2].rsplit("/", 1)[1])
    assert [s.url for s in ua.ScheduledList(project.client, limit=2)] == urls


def test_schedule_in_the_past_is_400_and_collection_delete_is_405(project: Project) -> None:
    sp = scheduled(project, ua.scheduled_time(datetime(2029, 12, 31, 23, 59)))
    assert "past" in assert_airship_error(failure(sp.send), 400)["error"]
    # local time: still ahead in the western zones, so accepted; a day late, refused
    assert scheduled(project, ua.local_scheduled_time(datetime(2029, 12, 31, 20))).send().ok
    late = scheduled(project, ua.local_scheduled_time(datetime(2029, 12, 30, 9)))
    assert_airship_error(failure(late.send), 400)
    gone = project.http.delete("/api/schedules")
    assert gone.status_code == 405 and gone.json()["error_code"] // 100 == 405
    assert "operation_id" in gone.json()
    with_ids = {**sp.payload, "schedule": {"scheduled_time": "2030-05-01T00:00:00"},
                "push_ids": ["x"]}
    assert project.http.post("/api/schedules", json=with_ids).status_code == 400


def test_a_schedule_sends_when_the_clock_comes_and_then_cannot_be_stopped(
        project: Project) -> None:
    utc = scheduled(project, ua.scheduled_time(datetime(2030, 1, 1, 12)), "utc")
    utc.send()
    local = scheduled(project, ua.local_scheduled_time(datetime(2030, 1, 2, 9)), "local")
    local.send()
    project.admin("POST", "/clock", json={"advance_seconds": 13 * 3600})  # 13:00 UTC
    assert [s["source"] for s in project.sends()] == ["schedule"]  # the UTC one went out
    assert_airship_error(failure(utc.cancel), 404)  # sent: no longer listed
    # 09:00 local first comes at 19:00 UTC (UTC+14); until then it can still be stopped
    project.admin("POST", "/clock", json={"advance_seconds": 7 * 3600})  # 20:00 UTC
    assert len(project.sends()) == 2
    err = assert_airship_error(failure(local.cancel), 409)
    assert "begun sending" in err["error"]
    assert_airship_error(failure(local.update), 409)


def test_recurring_schedule_pause_and_resume(project: Project) -> None:
    when = ua.scheduled_time(datetime(2030, 6, 1, 8))
    sp = scheduled(project, {**when, **ua.recurring_schedule(
        count=1, type="weekly", days_of_week=["monday"], end_time=datetime(2030, 12, 1))})
    sp.send()
    assert sp.pause().status_code == 204
    ident = sp.url.rsplit("/", 1)[1]
    assert project.get(f"schedules/{ident}")["schedule"]["recurring"]["paused"] is True
    assert sp.resume().status_code == 204
    assert project.get(f"schedules/{ident}")["schedule"]["recurring"]["paused"] is False
    one_off = scheduled(project, ua.scheduled_time(datetime(2030, 6, 1, 8)), "once")
    one_off.send()
    assert_airship_error(failure(one_off.pause), 400)


# --- push (send-test) ----------------------------------------------------------

def test_push_sends_only_to_named_recipients_and_is_logged(project: Project) -> None:
    push = ua.Push(project.client)
    push.audience = ua.or_(ua.ios_channel("9c36e8c7-5a73-47c0-9716-99fd3d4197d5"),
                           ua.named_user("tester-1"))
    push.notification = ua.notification(alert="Test: spring sale")
    push.device_types = ua.device_types("ios", "android")
    sent = push.send()
    assert sent.ok and len(sent.push_ids or []) == 1
    assert [(s["source"], s["body"]["audience"]) for s in project.sends()] == [
        ("push", push.payload["audience"])]

    push.audience = ua.tag("everyone")
    assert push.validate().ok  # a valid push: validate sends nothing
    assert "named" in assert_airship_error(failure(push.send), 400)["error"]
    assert len(project.sends()) == 1


def test_channel_lookup(project: Project) -> None:
    project.admin("POST", "/channels", json={"channel_id": "c-1", "device_type": "ios",
                                             "named_user_id": "tester-1"})
    assert project.get("channels/c-1")["channel"]["named_user_id"] == "tester-1"
    assert_airship_error(failure(lambda: project.get("channels/c-2")), 404)


# --- transport: version header, auth, throttling --------------------------------

def test_version_header_is_required(project: Project) -> None:
    bare = httpx.get(f"{project.base}/api/segments", auth=(project.key, SANDBOX_MASTER_SECRET))
    assert bare.status_code == 406
    assert bare.json()["ok"] is False and bare.json()["error_code"] == 40601
    assert bare.headers["content-type"] == "application/json"
    unknown = httpx.get(f"{project.base}/api/segments/{uuid.uuid4()}", headers=ACCEPT,
                        auth=(project.key, SANDBOX_MASTER_SECRET))
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/vnd.urbanairship+json")
    denied = httpx.get(f"{project.base}/api/segments", headers=ACCEPT)
    assert denied.status_code == 401 and denied.headers["content-type"].startswith(
        "text/plain")  # as the spec labels it; the body is still Airship's error
    assert denied.json()["error_code"] == 40101
    v2 = httpx.get(f"{project.base}/api/segments", auth=(project.key, SANDBOX_MASTER_SECRET),
                   headers={"Accept": "application/vnd.urbanairship+json; version=2"})
    assert v2.status_code == 406


def test_basic_and_bearer_auth(project: Project, served: ServedApp) -> None:
    wrong = ua.Airship(project.key, "x" * 22)
    wrong.urls = project.client.urls
    with pytest.raises(ua.Unauthorized):
        list(ua.SegmentList(wrong))
    bearer = ua.BearerTokenClient(project.key, SANDBOX_TOKEN)
    bearer.urls = project.client.urls
    seg = ua.Segment()
    seg.display_name, seg.criteria = "by token", {"tag": "t"}
    ident = seg.create(bearer).json()["segment_id"]
    assert [s.id for s in ua.SegmentList(project.client)] == [ident]  # the same project
    bad_token = ua.BearerTokenClient(project.key, "nope")
    bad_token.urls = project.client.urls
    with pytest.raises(ua.Unauthorized):
        list(ua.SegmentList(bad_token))


def test_throttle_answers_429_with_retry_after(project: Project) -> None:
    project.admin("POST", "/config", json={"throttle": 1, "retry_after": 7})
    err = failure(lambda: list(ua.SegmentList(project.client)))
    assert_airship_error(err, 429)
    assert err.response.headers["Retry-After"] == "7"
    assert list(ua.SegmentList(project.client)) == []  # the next one goes through
    assert project.admin("GET", "/throttled") == {"429": 1}


def test_trailing_slash_and_none_both_route(project: Project) -> None:
    for path in ("/api/segments", "/api/segments/", "/api/pipelines/", "/api/schedules"):
        assert project.http.get(path).status_code == 200


def test_files_stay_apart(tmp_path: Path) -> None:
    """Two projects on one file never see each other's objects."""
    with served_sandbox(tmp_path / "a.db") as running, fresh_project(running) as one, \
            fresh_project(running) as two:
        seg = ua.Segment()
        seg.display_name, seg.criteria = "mine", {"tag": "t"}
        seg.create(one.client)
        assert list(ua.SegmentList(two.client)) == []
        assert len(list(ua.SegmentList(one.client))) == 1


def test_recurring_schedule_sends_each_occurrence_until_deleted(project: Project) -> None:
    # first send Monday 2030-01-07 09:00 UTC, then Mondays and Thursdays
    sp = scheduled(project, {**ua.scheduled_time(datetime(2030, 1, 7, 9)),
                             **ua.recurring_schedule(count=1, type="weekly",
                                                     days_of_week=["monday", "thursday"])})
    sp.send()
    week = 7 * 86_400
    day = 86_400
    project.admin("POST", "/clock", json={"advance_seconds": 10 * day + 9 * 3600})  # Fri 11th
    assert [s["at"][:16] for s in project.sends()] == [
        "2030-01-07T09:00", "2030-01-10T09:00"]
    sp.pause()
    project.admin("POST", "/clock", json={"advance_seconds": week})  # 14th, 17th held
    sp.resume()
    assert len(project.sends()) == 2  # held occurrences are not sent late
    project.admin("POST", "/clock", json={"advance_seconds": 3 * day})  # Mon 21st 09:00
    assert [s["at"][:16] for s in project.sends()][2:] == ["2030-01-21T09:00"]
    assert sp.cancel().status_code == 204  # the stop: a recurring one can always be deleted
    project.admin("POST", "/clock", json={"advance_seconds": 4 * week})
    assert len(project.sends()) == 3
