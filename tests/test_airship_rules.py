"""What the Airship sandbox validates, rule by rule, through its validate endpoints
(`/api/push/validate`, `/api/pipelines/validate`) and schedule creates over real HTTP.

Each refused body names the rule's field in `details.path`; each accepted one uses the
rule's whole range, so a rule the sandbox only echoed, or checked too tightly, fails
here. The rules and their sources: docs/specs/airship.md#the-api-as-modelled.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.sandbox.airship import SANDBOX_MASTER_SECRET
from reconciler.sandbox.airship.app import create_airship_app
from tests.sandbox_fixtures import serve_asgi

ACCEPT = {"Accept": "application/vnd.urbanairship+json; version=3"}


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    app = create_airship_app(tmp_path_factory.mktemp("rules") / "sandbox-airship.db")
    running = serve_asgi(app)
    key = uuid.uuid4().hex[:22]
    client = httpx.Client(base_url=running.base_url, headers=ACCEPT, timeout=30,
                          auth=(key, SANDBOX_MASTER_SECRET))
    client.post("/_sandbox/clock", json={"app_key": key, "now": "2030-01-01T00:00:00"})
    try:
        yield client
    finally:
        client.close()
        running.stop()
        app.state.store.close()


def push(**more: Any) -> dict[str, Any]:
    body = {"audience": {"tag": "t"}, "device_types": ["ios", "android", "web"],
            "notification": {"alert": "hi"}}
    return {**body, **more}


def refused(answer: httpx.Response) -> str:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["ok"] is False and body["error_code"] == 40001 and body["operation_id"]
    return str(body["details"].get("path", ""))


GOOD_PUSHES = [
    push(),
    push(device_types=["ios"], notification={"ios": {
        "alert": "a", "title": "t", "subtitle": "s", "badge": "+1", "sound": "default",
        "collapse_id": "c" * 64, "priority": 10, "extra": {"k": "v"},
        "interruption_level": "active", "media_attachment": {"url": "https://x/y.png"},
        "actions": {"open": {"type": "deep_link", "content": "app://x" + "y" * 1017}}}}),
    push(device_types=["android"], notification={"android": {
        "alert": "a", "title": "t", "summary": "s", "priority": -2,
        "delivery_priority": "high", "extra": {"deal": "10"},
        "style": {"type": "big_picture", "big_picture": "https://x/y.png"}}}),
    push(device_types=["web"], notification={"web": {"alert": "a",
                                                    "time_to_live": 2_419_200}}),
    push(device_types=["sms"], notification={"sms": {"alert": "x" * 1600}}),
    push(device_types=["email"], notification={"email": {"subject": "s"}}),
    push(device_types=["ios"], notification={}, message={"title": "t", "body": "b"}),
    push(campaigns={"categories": [f"c{i}" for i in range(10)]},
         options={"expiry": 3600, "redact_payload": True},
         notification={"alert": "hi", "actions": {"open": {"type": "url",
                                                           "content": "https://x"}}}),
    push(audience="all"),
    push(options={"omit_from_activity_log": True, "bypass_holdout_groups": True},
         message_type="commercial"),
    push(device_types=["open::kiosk"], notification={"alert": "hi"}),
]

BAD_PUSHES = [
    ({"device_types": ["ios"], "notification": {"alert": "x"}}, "push.audience"),
    (push(device_types=[]), "push.device_types"),
    (push(device_types=["ios", "ios"]), "push.device_types"),
    (push(device_types=["blackberry"]), "push.device_types"),
    (push(colour="red"), "push.colour"),
    (push(device_types=["ios"], notification={"android": {"alert": "x"}}),
     "push.notification.android"),
    (push(device_types=["ios", "android"], notification={"ios": {"alert": "x"}}),
     "push.notification"),
    (push(device_types=["email"], notification={"alert": "x"}), "push.notification.email"),
    (push(notification={"alert": "x", "ios": {"alert": "y" * 4100}}),
     "push.notification.ios"),
    (push(notification={"alert": "x", "ios": {"collapse_id": "c" * 65}}),
     "push.notification.ios.collapse_id"),
    (push(notification={"alert": "x", "ios": {"priority": 7}}),
     "push.notification.ios.priority"),
    (push(notification={"alert": "x", "ios": {"extra": {"aps": {}}}}),
     "push.notification.ios.extra"),
    (push(notification={"alert": "x", "ios": {"hue": 1}}), "push.notification.ios.hue"),
    (push(notification={"alert": "x", "android": {"alert": {"body": "x"}}}),
     "push.notification.android.alert"),
    (push(notification={"alert": "x", "android": {"priority": 3}}),
     "push.notification.android.priority"),
    (push(notification={"alert": "x", "android": {"delivery_priority": "urgent"}}),
     "push.notification.android.delivery_priority"),
    (push(notification={"alert": "x", "android": {"extra": {"n": 1}}}),
     "push.notification.android.extra"),
    (push(notification={"alert": "x", "android": {"extra": {"gcm.x": "1"}}}),
     "push.notification.android.extra"),
    (push(notification={"alert": "x", "android": {"alert": "y" * 4100}}),
     "push.notification.android"),
    (push(notification={"alert": "x", "web": {"time_to_live": 2_419_201}}),
     "push.notification.web.time_to_live"),
    (push(device_types=["sms"], notification={"sms": {"alert": "x" * 1601}}),
     "push.notification.sms.alert"),
    (push(notification={"alert": "x", "actions": {"open": {"type": "deep_link",
                                                           "content": "y" * 1025}}}),
     "push.notification.actions.open.content"),
    (push(notification={"alert": "x", "actions": {"open": {"type": "app"}}}),
     "push.notification.actions.open.type"),
    (push(notification={"alert": "x", "actions": {"open": {"type": "url"}}}),
     "push.notification.actions.open.content"),
    (push(notification={"alert": 5}), "push.notification.alert"),
    (push(campaigns={"categories": []}), "push.campaigns.categories"),
    (push(campaigns={"categories": ["x" * 65]}), "push.campaigns.categories"),
    (push(options={"ttl": 5}), "push.options.ttl"),
    (push(audience="triggered"), "push.audience"),
]


@pytest.mark.parametrize("body", GOOD_PUSHES)
def test_valid_pushes_pass(http: httpx.Client, body: dict[str, Any]) -> None:
    answer = http.post("/api/push/validate/", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["ok"] is True and answer.json()["operation_id"]


@pytest.mark.parametrize(("body", "path"), BAD_PUSHES)
def test_invalid_pushes_are_400(http: httpx.Client, body: dict[str, Any], path: str
                                ) -> None:
    assert refused(http.post("/api/push/validate", json=body)) == path


def test_push_validate_takes_up_to_100(http: httpx.Client) -> None:
    assert http.post("/api/push/validate", json=[push()] * 100).status_code == 200
    assert refused(http.post("/api/push/validate", json=[push()] * 101)) == ""
    assert refused(http.post("/api/push/validate", json=[push(), push(colour=1)])) == \
        "[1].colour"


OUTCOME = {"push": {"audience": "triggered", "device_types": ["ios"],
                    "notification": {"alert": "hi"}}}


def pipeline(**more: Any) -> dict[str, Any]:
    return {"enabled": False, "immediate_trigger": "first_open", "outcome": OUTCOME, **more}


DAYPARTS = [{"days_of_week": ["monday", "friday"],
             "allowed_times": [{"start": "09:00:00", "end": "17:00:00",
                                "preferred": "09:00:00"}, {"preferred": "12:00:00"}]}]
GOOD_PIPELINES = [
    pipeline(),
    pipeline(immediate_trigger=["open", {"tag_removed": "vip"},
                                {"custom_event": {"key": "name", "value": {"equals": "buy"}}},
                                {"subscription_added": "list-1",
                                 "activation_time": "2030-02-01T00:00:00"}]),
    pipeline(outcome=[OUTCOME, OUTCOME]),
    pipeline(timing={"delay": {"seconds": 1}, "schedule": {"type": "utc",
                                                           "miss_behavior": "cancel",
                                                           "dayparts": DAYPARTS}},
             cancellation_trigger=[{"tag_added": {"tag": "bought", "group": "crm"}}]),
    pipeline(immediate_trigger=None,
             historical_trigger={"event": "open", "equals": 0, "days": 90}),
    pipeline(constraint=[{"rate": {"pushes": 1, "days": 90}},
                         {"rate": {"pushes": 2, "hours": 72}},
                         {"rate": {"pushes": 1, "lifetimes": 1}}]),
    pipeline(condition=[{"and": [{"tag": {"tag_name": "a"}}] * 10},
                        {"or": [{"subscription": {"list_id": "l"}}] * 10}]),
    pipeline(immediate_trigger=None, historical_trigger=[
        {"event": "open", "equals": 0, "days": 1}, {"event": "open", "equals": 0, "days": 7}]),
    pipeline(immediate_trigger={"id": "8e1a61d7-7e9d-4870-a548-2d4d6eb6405f",
                                "double_opt_in": {}}),
    pipeline(name="n", activation_time="2030-01-01T00:00:00Z",
             deactivation_time="2031-01-01T00:00:00", uid="ignored", status="live"),
]

BAD_PIPELINES = [
    (pipeline(immediate_trigger=[]), "immediate_trigger"),
    (pipeline(immediate_trigger={"tag_added": "a", "tag_removed": "b"}), "immediate_trigger"),
    (pipeline(immediate_trigger={"tag_added": "x" * 129}), "immediate_trigger.tag_added"),
    (pipeline(immediate_trigger={"tag_added": {"group": "g"}}),
     "immediate_trigger.tag_added.tag"),
    (pipeline(immediate_trigger={"tag_added": "a", "activation_time": "soon"}),
     "immediate_trigger.activation_time"),
    (pipeline(outcome=[]), "outcome"),
    (pipeline(outcome={"push": OUTCOME["push"], "delay": 60}), "outcome.delay"),
    (pipeline(timing={"delay": {}}), "timing.delay.seconds"),
    (pipeline(timing={"schedule": {"type": "utc"}}), "timing.schedule.dayparts"),
    (pipeline(timing={"schedule": {"type": "zulu", "dayparts": DAYPARTS}}),
     "timing.schedule.type"),
    (pipeline(timing={"schedule": {"dayparts": [{"days_of_week": ["someday"]}]}}),
     "timing.schedule.dayparts[0].days_of_week"),
    (pipeline(timing={"schedule": {"dayparts": [{"allowed_times": [{"start": "9am"}]}]}}),
     "timing.schedule.dayparts[0].allowed_times[0].start"),
    (pipeline(constraint=[{"rate": {"pushes": 1, "days": 1}}] * 2), "constraint[1]"),
    (pipeline(constraint=[{"rate": {"pushes": 1, "lifetimes": 2}}]),
     "constraint[0].rate.lifetimes"),
    (pipeline(constraint=[{"rate": {"pushes": 1, "days": 1, "hours": 1}}]),
     "constraint[0].rate"),
    (pipeline(condition=[{"and": [{"tag": {}}] * 11}, {"or": [{"tag": {}}] * 10}]),
     "condition"),
    (pipeline(condition=[{"not": [{"tag": {}}]}]), "condition[0]"),
    (pipeline(condition=[{"and": [{"segment": "s"}]}]), "condition[0][0]"),
    (pipeline(historical_trigger={"event": "first_open", "equals": 0, "days": 1}),
     "historical_trigger.event"),
    (pipeline(historical_trigger={"event": "open", "equals": 1, "days": 1}),
     "historical_trigger.equals"),
    (pipeline(enabled="yes"), "enabled"),
    (pipeline(timing={"delay": {"seconds": 60}}, cancellation_trigger=["open", "first_opt_in"]),
     "cancellation_trigger"),
    (pipeline(timing={"schedule": {"dayparts": [{"allowed_times": [{"start": "09:00:00"}]}]}}),
     "timing.schedule.dayparts[0].allowed_times[0]"),
    (pipeline(timing={"schedule": {"dayparts": [{"allowed_times": [
        {"start": "09:00:00", "end": "10:00:00", "preferred": "11:00:00"}]}]}}),
     "timing.schedule.dayparts[0].allowed_times[0].preferred"),
    (pipeline(immediate_trigger=None, historical_trigger=[]), "historical_trigger"),
    (pipeline(immediate_trigger=None, historical_trigger=[{"event": "open", "equals": 0,
                                                           "days": 0}]),
     "historical_trigger[0].days"),
    (pipeline(name=7), "name"),
    (pipeline(outcome={"push": {**OUTCOME["push"], "localizations": []}}),
     "outcome.push.localizations"),
]


@pytest.mark.parametrize("body", GOOD_PIPELINES)
def test_valid_pipelines_pass(http: httpx.Client, body: dict[str, Any]) -> None:
    body = {k: v for k, v in body.items() if v is not None}
    answer = http.post("/api/pipelines/validate", json=body)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(("body", "path"), BAD_PIPELINES)
def test_invalid_pipelines_are_400(http: httpx.Client, body: dict[str, Any], path: str
                                   ) -> None:
    assert refused(http.post("/api/pipelines/validate", json=body)) == path
    assert refused(http.post("/api/pipelines/validate", json=[pipeline(), body])) == (
        f"[1].{path}")


SCHEDULE_PUSH = push(device_types=["ios"])
BAD_SCHEDULES = [
    ({"schedule": {}, "push": SCHEDULE_PUSH}, "schedule"),
    ({"schedule": {"scheduled_time": "2030-02-01T00:00:00",
                   "best_time": {"send_date": "2030-02-01"}}, "push": SCHEDULE_PUSH},
     "schedule"),
    ({"schedule": {"scheduled_time": "2030-02-01T00:00:00+02:00"}, "push": SCHEDULE_PUSH},
     "schedule.scheduled_time"),
    ({"schedule": {"best_time": {"send_date": "Feb 1"}}, "push": SCHEDULE_PUSH},
     "schedule.best_time.send_date"),
    ({"schedule": {"scheduled_time": "2030-02-01T00:00:00",
                   "recurring": {"cadence": {"type": "fortnightly", "count": 1}}},
      "push": SCHEDULE_PUSH},
     "schedule.recurring.cadence.type"),
    ({"schedule": {"scheduled_time": "2030-02-01T00:00:00",
                   "recurring": {"cadence": {"type": "weekly"}}}, "push": SCHEDULE_PUSH},
     "schedule.recurring.cadence.count"),
    ({"schedule": {"scheduled_time": "2030-02-01T00:00:00",
                   "recurring": {"cadence": {"type": "weekly", "count": 1,
                                             "days_of_week": []}}}, "push": SCHEDULE_PUSH},
     "schedule.recurring.cadence.days_of_week"),
    ({"schedule": {"scheduled_time": "2030-02-01T00:00:00",
                   "recurring": {"cadence": {"type": "daily", "count": 1,
                                             "days_of_week": ["monday"]}}},
      "push": SCHEDULE_PUSH}, "schedule.recurring.cadence.days_of_week"),
    ({"schedule": {"scheduled_time": "2030-02-01T00:00:00",
                   "recurring": {"cadence": {"type": "daily", "count": 0}}},
      "push": SCHEDULE_PUSH}, "schedule.recurring.cadence.count"),
    ({"schedule": {"scheduled_time": "2030-02-01T00:00:00",
                   "recurring": {"cadence": {"type": "daily", "count": 1},
                                 "exclusions": [{}]}},
      "push": SCHEDULE_PUSH}, "schedule.recurring.exclusions[0]"),
    *[({"schedule": {"scheduled_time": "2030-02-01T00:00:00", "recurring": {
        "cadence": {"type": "daily", "count": 1}, "exclusions": exclusions}},
        "push": SCHEDULE_PUSH}, f"schedule.recurring.exclusions{where}")
      for exclusions, where in [
          ([], ""), ([{"hour_range": "25-3"}], "[0].hour_range"),
          ([{"hour_range": "14-12"}], "[0].hour_range"),
          ([{"date_range": "2030-03-02T00:00:00/2030-03-01T00:00:00"}], "[0].date_range"),
          ([{"date_range": "2030-03-01"}], "[0].date_range"),
          ([{"days_of_week": ["funday"]}], "[0].days_of_week"),
          ([{"hour_range": "1-2", "days_of_week": ["monday"]}], "[0]")]],
    ({"schedule": {"scheduled_time": "2030-02-01T00:00:00"}, "push": SCHEDULE_PUSH,
      "name": 5}, "name"),
    ({"schedule": {"scheduled_time": "2030-02-01T00:00:00"},
      "push": push(device_types=["ios"], options={"redact_payload": True})},
     "push.options.redact_payload"),
    ({"schedule": {"scheduled_time": "2030-02-01T00:00:00"}}, "push"),
]


@pytest.mark.parametrize(("body", "path"), BAD_SCHEDULES)
def test_invalid_schedules_are_400(http: httpx.Client, body: dict[str, Any], path: str
                                   ) -> None:
    assert refused(http.post("/api/schedules", json=body)) == path
    assert http.get("/api/schedules").json()["total_count"] == 0


def test_local_time_batches_hold_at_most_100(http: httpx.Client) -> None:
    local = {"schedule": {"local_scheduled_time": "2030-03-01T09:00:00"},
             "push": SCHEDULE_PUSH}
    assert refused(http.post("/api/schedules", json=[local] * 101)) == ""
    assert http.get("/api/schedules").json()["total_count"] == 0


# --- no body makes it fail: any JSON in any field is a 2xx or a 4xx --------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda sub: st.lists(sub, max_size=4) | st.dictionaries(st.text(max_size=12), sub,
                                                            max_size=4),
    max_leaves=12)
VALID = [
    ("/api/segments", {"display_name": "s", "criteria": {"and": [
        {"tag": ["a", "b"], "group": "g"}, {"not": {"named_user": "u"}},
        {"attribute": "x", "operator": "equals", "value": 1},
        {"activity": "app_open", "metric": "count"}]}}),
    ("/api/pipelines/validate", GOOD_PIPELINES[1]),
    ("/api/pipelines/validate", GOOD_PIPELINES[3]),
    ("/api/pipelines/validate", {**GOOD_PIPELINES[5], **GOOD_PIPELINES[6]}),
    ("/api/pipelines/validate", {**GOOD_PIPELINES[4], "immediate_trigger": "open"}),
    ("/api/push/validate", GOOD_PUSHES[1]),
    ("/api/push/validate", GOOD_PUSHES[7]),
    ("/api/push/validate", [GOOD_PUSHES[2], GOOD_PUSHES[3]]),
    ("/api/schedules", {"name": "n", "schedule": {
        "local_scheduled_time": "2030-02-01T09:00:00", "recurring": {
            "cadence": {"type": "weekly", "count": 2, "days_of_week": ["monday"]},
            "end_time": "2030-06-01T00:00:00",
            "exclusions": [{"hour_range": "1-2"}, {"days_of_week": ["sunday"]},
                           {"date_range": "2030-03-01T00:00:00/2030-03-02T00:00:00"}]}},
        "push": GOOD_PUSHES[2]}),
    ("/api/schedules", {"schedule": {"best_time": {"send_date": "2030-02-01"}},
                        "push": GOOD_PUSHES[6]}),
]


def paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value, the value itself first."""
    found = [at]
    items = value.items() if isinstance(value, dict) else enumerate(value) \
        if isinstance(value, list) else ()
    for key, inner in items:
        found += paths(inner, (*at, key))
    return found


def replaced(value: Any, at: tuple[Any, ...], new: Any) -> Any:
    if not at:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[at[0]] = replaced(value[at[0]], at[1:], new)
    return copy


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.sampled_from(VALID), pick=st.integers(0, 10**6), new=JSON)
def test_any_json_in_any_field_is_answered_2xx_or_4xx(
        http: httpx.Client, case: tuple[str, Any], pick: int, new: Any) -> None:
    route, valid = case
    places = paths(valid)
    body = replaced(valid, places[pick % len(places)], new)
    answer = http.post(route, json=body)
    assert answer.status_code in (200, 201, 400, 404), answer.text
    assert answer.json()["ok"] is (answer.status_code < 300)


@pytest.mark.parametrize("case", VALID)
def test_the_fuzzed_bodies_are_valid_as_they_stand(http: httpx.Client,
                                                   case: tuple[str, Any]) -> None:
    route, valid = case
    assert http.post(route, json=valid).status_code in (200, 201)


UUID = "0b9d1a2e-8f7c-4b7e-9a51-2f0c6f1d7a10"
GOOD_CRITERIA = [
    {"tag": "x" * 128},
    {"tag": [f"t{i}" for i in range(100)], "group": "loyalty"},
    {"AND": [{"named_user": "u" * 128}, {"NOT": {"static_list": ["vip", "beta"]}}]},
    {"or": [{"channel": UUID}, {"ios_channel": [UUID]}, {"android_channel": UUID},
            {"amazon_channel": UUID}, {"open_channel": UUID}]},
    {"or": [{"sms_sender": "1" * 16}, {"sms_id": {"sender": "12345", "msisdn": "15035551212"}},
            {"subscription_list": ["monthly_news-letter"]}]},
    {"attribute": "city", "operator": "is_empty"},
    {"activity": "app_open", "metric": "count", "operator": "greater", "value": 3},
]


@pytest.mark.parametrize("criteria", GOOD_CRITERIA)
def test_valid_criteria_pass(http: httpx.Client, criteria: Any) -> None:
    made = http.post("/api/segments", json={"display_name": "ok", "criteria": criteria})
    assert made.status_code == 201, made.text
    assert http.get(f"/api/segments/{made.json()['segment_id']}").json()["criteria"] == \
        criteria
