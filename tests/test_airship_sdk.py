"""The official `urbanairship` client against the served Airship sandbox: segments and
pipelines (create, list, get, update, delete), read back as written, and their errors in
Airship's body. How the client is aimed at the sandbox: tests/airship_sdk_helpers.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import urbanairship as ua
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.airship_sdk_helpers import (
    Project,
    assert_airship_error,
    failure,
    fresh_project,
    project_fixture,  # noqa: F401 (the fixture "project")
    served_fixture,  # noqa: F401 (the fixture "served")
)
from tests.sandbox_fixtures import ServedApp

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
    with fresh_project(served) as project:
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
