"""The official `urbanairship` client (7.x) against the Airship sandbox over real HTTP.

The sandbox app is served by uvicorn on a loopback port (`serve_asgi`), as `sandbox
serve` will once the platform is registered. The client is aimed at it the way the
library supports (docs/specs/airship.md#the-official-client): `ua.Airship(key, secret)`
has no `base_url` argument, so its `urls` attribute is replaced by
`urbanairship.urls.Urls(base_url=".../api/")` (the trailing `/` matters: the library
concatenates). Plain http works: the library's `requests.Session` takes any scheme.

Every scenario runs on a fresh app key (a clean project) and checks read-back equality:
what the client wrote is what it reads. Error paths check Airship's error body. Time is
the project's clock, frozen by the test: nothing waits on the wall clock.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import urbanairship as ua
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from urbanairship.urls import Urls

from reconciler.sandbox.airship import SANDBOX_MASTER_SECRET, SANDBOX_TOKEN
from reconciler.sandbox.airship.app import create_airship_app
from tests.sandbox_fixtures import ServedApp, serve_asgi

ACCEPT = {"Accept": "application/vnd.urbanairship+json; version=3"}
NOW = "2030-01-01T00:00:00"  # every project's frozen clock


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    app = create_airship_app(tmp_path_factory.mktemp("airship") / "sandbox-airship.db")
    running = serve_asgi(app)
    try:
        yield running
    finally:
        running.stop()
        app.state.store.close()


class Project:
    """One fresh app key: the official client on it, raw calls, and the admin knobs."""

    def __init__(self, served: ServedApp) -> None:
        self.base = served.base_url
        self.key = uuid.uuid4().hex[:22]
        self.client = ua.Airship(self.key, SANDBOX_MASTER_SECRET)
        self.client.urls = Urls(base_url=f"{self.base}/api/")
        self.http = httpx.Client(base_url=self.base, auth=(self.key, SANDBOX_MASTER_SECRET),
                                 headers=ACCEPT, timeout=30)
        self.admin("POST", "/clock", json={"now": NOW})

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        body = kwargs.pop("json", None)
        if body is not None:
            kwargs["json"] = {"app_key": self.key, **body}
        else:
            kwargs["params"] = {"app_key": self.key}
        response = httpx.request(method, f"{self.base}/_sandbox{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def sends(self) -> list[dict[str, Any]]:
        return list(self.admin("GET", "/sends"))

    def get(self, path: str) -> Any:
        """A read through the library's own request path (auth, headers, errors)."""
        return self.client._request("GET", None, f"{self.base}/api/{path}", version=3).json()


@pytest.fixture
def project(served: ServedApp) -> Iterator[Project]:
    made = Project(served)
    yield made
    made.http.close()
    made.client.session.close()


def failure(call: Any) -> ua.AirshipFailure:
    with pytest.raises(ua.AirshipFailure) as caught:
        call()
    return caught.value


def assert_airship_error(err: ua.AirshipFailure, status: int) -> dict[str, Any]:
    """Airship's error body: ok false, error, error_code (status + 2 digits), details."""
    body = err.response.json()
    assert err.response.status_code == status
    assert body["ok"] is False and body["error"] == err.error
    assert body["error_code"] == err.error_code and body["error_code"] // 100 == status
    assert isinstance(body["details"], dict)
    return dict(body)


# --- segments ----------------------------------------------------------------

CRITERIA = {"and": [{"tag": "vip", "group": "loyalty"}, {"not": {"tag": "churned"}}]}


def test_segment_create_list_get_update_delete(project: Project) -> None:
    seg = ua.Segment()
    seg.display_name, seg.criteria = "VIP buyers", CRITERIA
    created = seg.create(project.client)
    assert created.status_code == 201
    ident = created.json()["segment_id"]
    assert created.headers["Location"] == f"{project.base}/api/segments/{ident}"
    assert project.get(f"segments/{ident}") == {"display_name": "VIP buyers",
                                                "criteria": CRITERIA}
    listed = list(ua.SegmentList(project.client))
    assert [(s.id, s.display_name) for s in listed] == [(ident, "VIP buyers")]
    assert isinstance(listed[0].creation_date, int)  # epoch milliseconds

    seg.id, seg.display_name = ident, "VIP buyers (EU)"
    seg.criteria = {"or": [{"tag": ["vip", "gold"]}, {"segment": ident}]}
    assert failure(lambda: seg.update(project.client)).response.status_code == 400  # itself
    seg.criteria = {"or": [{"tag": ["vip", "gold"]}, {"named_user": "user-1"}]}
    assert seg.update(project.client).status_code == 200
    assert project.get(f"segments/{ident}") == {"display_name": "VIP buyers (EU)",
                                                "criteria": seg.criteria}

    assert seg.delete(project.client).status_code == 204
    assert list(ua.SegmentList(project.client)) == []
    err = failure(lambda: ua.Segment.from_id(project.client, ident))
    assert_airship_error(err, 404)


def test_segment_list_follows_next_page(project: Project) -> None:
    made = set()
    for i in range(5):
        seg = ua.Segment()
        seg.display_name, seg.criteria = f"s{i}", {"tag": f"t{i}"}
        made.add(seg.create(project.client).json()["segment_id"])
    first = project.http.get("/api/segments", params={"limit": 2})
    assert len(first.json()["segments"]) == 2 and "next_page" in first.json()
    assert first.headers["Link"] == f"<{first.json()['next_page']}>; rel=next"
    assert {s.id for s in ua.SegmentList(project.client, limit=2)} == made


@pytest.mark.parametrize(("criteria", "path"), [
    ({"tag": "x" * 129}, "criteria.tag"),
    ({"tag": ""}, "criteria.tag"),
    ({"and": []}, "criteria.and"),
    ({"and": [{"tag": f"t{i}"} for i in range(11)]}, "criteria.and"),
    ({"or": [{"tag": "a"}], "and": [{"tag": "b"}]}, "criteria"),
    ({"tag_class": "autogroup", "tag": "a"}, "criteria.tag_class"),
    ({"location": {"id": "x"}}, "criteria.location"),
    ({"segment": "no-such-segment"}, "criteria.segment"),
    ({"segment": "0b9d1a2e-8f7c-4b7e-9a51-2f0c6f1d7a10"}, "criteria.segment"),  # unknown
    ({"channel": "c-1"}, "criteria.channel"),
    ({"named_user": "u" * 129}, "criteria.named_user"),
    ({"tag": [f"t{i}" for i in range(101)]}, "criteria.tag"),
    ({"sms_sender": "12345678901234567"}, "criteria.sms_sender"),
    ({"subscription_list": "news letter"}, "criteria.subscription_list"),
    ({"sms_id": "15035551212"}, "criteria.sms_id"),
    ({"web_channel": "0b9d1a2e-8f7c-4b7e-9a51-2f0c6f1d7a10"}, "criteria.web_channel"),
    ("all", "criteria"),
])
def test_bad_criteria_is_400_in_airships_body(project: Project, criteria: Any, path: str
                                              ) -> None:
    seg = ua.Segment()
    seg.display_name, seg.criteria = "bad", criteria
    body = assert_airship_error(failure(lambda: seg.create(project.client)), 400)
    assert body["details"]["path"] == path
    assert "operation_id" in body  # every write carries one, errors too
    assert list(ua.SegmentList(project.client)) == []  # nothing half-written


def test_more_than_1000_selectors_is_400(project: Project) -> None:
    thousand = {"or": [{"tag": [f"t{i}-{j}" for j in range(100)]} for i in range(10)]}
    seg = ua.Segment()
    seg.display_name, seg.criteria = "at the limit", thousand
    assert seg.create(project.client).status_code == 201
    criteria = {"and": [thousand, {"tag": "one-more"}]}
    seg = ua.Segment()
    seg.display_name, seg.criteria = "huge", criteria
    assert "1000 selectors" in failure(lambda: seg.create(project.client)).error


def test_unknown_keys_are_400(project: Project) -> None:
    answer = project.http.post("/api/segments", json={"display_name": "x", "criteria":
                                                       {"tag": "a"}, "colour": "red"})
    assert answer.status_code == 400 and answer.json()["details"]["path"] == "colour"


# --- pipelines -----------------------------------------------------------------

def pipeline(name: str, enabled: bool = False, **more: Any) -> dict[str, Any]:
    return {"name": name, "enabled": enabled,
            "immediate_trigger": {"tag_added": {"tag": "signed_up", "group": "crm"}},
            "outcome": {"push": {"audience": "triggered", "device_types": ["ios", "android"],
                                 "notification": {"alert": "Welcome!",
                                                  "ios": {"title": "Hi"}}}},
            **more}


READ_ONLY = ("uid", "url", "status", "creation_time", "last_modified_time")


def written(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k not in READ_ONLY}


def test_pipeline_create_list_get_update_delete(project: Project) -> None:
    auto = ua.Automation(project.client)
    body = pipeline("cac: welcome", constraint=[{"rate": {"pushes": 1, "days": 1}}],
                    activation_time="2030-02-01T00:00:00")
    created = auto.create(body)
    assert created.status_code == 201
    (url,) = created.json()["pipeline_urls"]
    ident = url.rsplit("/", 1)[1]
    got = auto.lookup(ident).json()["pipeline"]
    assert written(got) == body and got["status"] == "disabled" and got["uid"] == ident
    assert auto.list_automations().json()["pipelines"] == []  # the library's enabled=True
    assert [p["uid"] for p in auto.list_automations(enabled=None).json()["pipelines"]] == [
        ident]

    live = {**body, "enabled": True}
    assert auto.update(ident, live).status_code == 200
    assert auto.lookup(ident).json()["pipeline"]["status"] == "pending"  # activation later
    project.admin("POST", "/clock", json={"now": "2030-02-02T00:00:00"})
    got = auto.lookup(ident).json()["pipeline"]
    assert written(got) == live and got["status"] == "live"

    # the emergency stop: a PUT of the full body with enabled false; a PUT is a full
    # replace, so what is left out (the constraint) is gone
    stopped = {k: v for k, v in live.items() if k != "constraint"} | {"enabled": False}
    assert auto.update(ident, stopped).status_code == 200
    got = auto.lookup(ident).json()["pipeline"]
    assert written(got) == stopped and got["status"] == "disabled"

    assert auto.delete(ident).status_code == 204
    assert_airship_error(failure(lambda: auto.lookup(ident)), 404)
    assert auto.list_deleted_automations().json()["pipelines"][0]["pipeline_id"] == ident


def test_pipeline_array_create_filtered_and_paging(project: Project) -> None:
    auto = ua.Automation(project.client)
    names = ["cac: b", "cac: a", "other", "cac: c"]
    urls = auto.create([pipeline(n) for n in names]).json()["pipeline_urls"]
    ids = [u.rsplit("/", 1)[1] for u in urls]
    for ident, name in zip(ids, names, strict=True):  # URLs in request order
        assert auto.lookup(ident).json()["pipeline"]["name"] == name
    found = project.http.get("/api/pipelines/filtered", params={"prefix": "cac: "}).json()
    assert [p["name"] for p in found["pipelines"]] == ["cac: a", "cac: b", "cac: c"]
    assert found["total_count"] == 3
    page = project.http.get("/api/pipelines", params={"limit": 3}).json()
    assert [p["uid"] for p in page["pipelines"]] == ids[::-1][:3]  # newest first
    rest = project.http.get(page["next_page"]).json()
    assert [p["uid"] for p in rest["pipelines"]] == ids[:1] and "next_page" not in rest


def test_pipeline_limits_answer_409(project: Project) -> None:
    auto = ua.Automation(project.client)
    project.admin("POST", "/config", json={"pipeline_limits": {"active": 1, "total": 2}})
    auto.create(pipeline("one", enabled=True))
    err = failure(lambda: auto.create(pipeline("two", enabled=True)))
    assert_airship_error(err, 409)
    auto.create(pipeline("two"))
    assert_airship_error(failure(lambda: auto.create(pipeline("three"))), 409)
    limits = project.get("pipelines/limits")["limits"]
    assert limits == {"active_count": 1, "active_limit": 1, "total_count": 2,
                      "total_limit": 2}


HISTORICAL = {"event": "open", "equals": 0, "days": 30}


@pytest.mark.parametrize(("change", "path"), [
    ({"enabled": None}, "enabled"),
    ({"immediate_trigger": None}, "immediate_trigger"),
    ({"immediate_trigger": "app_launch"}, "immediate_trigger"),
    ({"cancellation_trigger": "open"}, "cancellation_trigger"),
    ({"timing": {"delay": {"seconds": 60}}, "cancellation_trigger": "first_open"},
     "cancellation_trigger"),
    ({"historical_trigger": HISTORICAL, "timing": {"delay": {"seconds": 60}}}, "timing"),
    ({"historical_trigger": {**HISTORICAL, "days": 91}}, "historical_trigger.days"),
    ({"timing": {"delay": {"seconds": 0}}}, "timing.delay.seconds"),
    ({"constraint": [{"rate": {"pushes": 1, "days": d}} for d in (1, 2, 3, 4)]},
     "constraint"),
    ({"constraint": [{"rate": {"pushes": 1, "hours": 73}}]}, "constraint[0].rate.hours"),
    ({"outcome": {"push": {"audience": "all", "device_types": ["ios"],
                           "notification": {"alert": "x"}}}}, "outcome.push.audience"),
    ({"outcome": {"push": {"audience": "triggered", "device_types": ["ios"],
                           "notification": {"android": {"alert": "x"}}}}},
     "outcome.push.notification.android"),
    ({"activation_time": "2030-01-01T00:00:00+01:00"}, "activation_time"),
    ({"status": "live", "colour": "red"}, "colour"),
])
def test_invalid_pipeline_is_400(project: Project, change: dict[str, Any], path: str
                                 ) -> None:
    body = {k: v for k, v in (pipeline("bad") | change).items() if v is not None}
    auto = ua.Automation(project.client)
    for call in (auto.validate, auto.create):
        err = assert_airship_error(failure(lambda c=call: c(body)), 400)  # type: ignore
        assert err["details"]["path"] == path
    assert auto.list_automations(enabled=None).json()["pipelines"] == []


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
    app = create_airship_app(tmp_path / "a.db")
    running = serve_asgi(app)
    try:
        one, two = Project(running), Project(running)
        seg = ua.Segment()
        seg.display_name, seg.criteria = "mine", {"tag": "t"}
        seg.create(one.client)
        assert list(ua.SegmentList(two.client)) == []
        assert len(list(ua.SegmentList(one.client))) == 1
        one.http.close()
        two.http.close()
    finally:
        running.stop()
        app.state.store.close()


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


# --- criteria read back as written, for any valid tree -------------------------

TAG = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=128)
ATOMS = st.one_of(
    TAG.map(lambda t: {"tag": t}),
    st.tuples(st.lists(TAG, min_size=1, max_size=3), TAG).map(
        lambda p: {"tag": p[0], "group": p[1]}),
    TAG.map(lambda u: {"named_user": u}),
    st.tuples(TAG, st.sampled_from(["equals", "contains", "less", "greater"]), TAG).map(
        lambda a: {"attribute": a[0], "operator": a[1], "value": a[2]}),
)
TREES = st.recursive(ATOMS, lambda sub: st.one_of(
    st.lists(sub, min_size=1, max_size=10).map(lambda xs: {"and": xs}),
    st.lists(sub, min_size=1, max_size=10).map(lambda xs: {"OR": xs}),
    sub.map(lambda x: {"not": x})), max_leaves=25)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(criteria=TREES)
def test_any_valid_criteria_reads_back_as_written(served: ServedApp, criteria: Any) -> None:
    project = Project(served)
    try:
        seg = ua.Segment()
        seg.display_name, seg.criteria = "property", criteria
        ident = seg.create(project.client).json()["segment_id"]
        assert project.get(f"segments/{ident}") == {"display_name": "property",
                                                    "criteria": criteria}
        spoiled = json.loads(json.dumps(criteria).replace('"tag": "', '"tag": "' + "x" * 128,
                                                          1))
        if spoiled != criteria:  # one tag made longer than 128 characters
            seg.criteria = spoiled
            assert_airship_error(failure(lambda: seg.update(project.client)), 400)
            assert project.get(f"segments/{ident}")["criteria"] == criteria
    finally:
        project.http.close()
        project.client.session.close()
