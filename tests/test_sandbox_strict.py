"""The Localytics sandbox keeps only what the API defines, and campaigns live on a clock.

Unknown keys are a 422 naming them (the real API keeps only what it
defines, so an echo would prove nothing about perpetual diffs); the OpenAPI's
own example values are accepted; the frequency rule the spec states holds;
with the sandbox clock set, active campaigns become scheduled/sent/expired,
sent or expired ones cannot be edited, and scheduled ones cannot be deleted.
Push API rules from Localytics' push docs are enforced.
"""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox_helpers import api_client, audience_body, campaign_body, fields


@pytest.fixture
def client(sandbox_server, sandbox_app):
    with api_client(sandbox_server, sandbox_app) as c:
        yield c


@pytest.fixture
def clocked(sandbox_factory):
    """A private server (the clock is server-wide) and a client on a fresh app of it."""
    server = sandbox_factory()
    admin = httpx.Client(base_url=server.base_url + "/_sandbox", timeout=10)
    with api_client(server, server.new_app()) as c, admin:
        yield c, lambda **body: admin.post("/clock", json=body)


@pytest.mark.parametrize(("extra", "field"), [
    ({"colour": "red"}, "colour"),
    ({"audiences": {"campaign_type": "everyone", "segment": 1}}, "audiences.segment"),
    ({"creatives": {"build_attributes": {"push_message": "x", "emoji": "y"}}},
     "creatives[0].build_attributes.emoji"),
    ({"schedule": {"on_schedule": {"begin_date": "2026-12-01", "tz": "UTC"}}},
     "schedule.on_schedule.tz"),
])
def test_unknown_campaign_keys_are_422_naming_them(client, extra, field) -> None:
    r = client.post("/push/campaigns", json=campaign_body(**extra))
    assert r.status_code == 422, r.text
    assert field.replace("[0]", "") in [f.replace("[0]", "") for f in fields(r)]
    assert "is not a field the API defines" in r.text


def test_unknown_audience_keys_are_422_and_nothing_unknown_is_stored(client) -> None:
    body = audience_body()
    body["target_rules"]["profile"]["criteria"][0]["weight"] = 2
    r = client.post("/audiences", json=body)
    assert r.status_code == 422 and fields(r) == ["target_rules.profile.criteria[0].weight"]
    made = client.post("/audiences", json=audience_body()).json()
    patch = client.patch(f"/audiences/{made['id']}", json={"name": "x", "note": "y"})
    assert patch.status_code == 422 and fields(patch) == ["note"]


def test_the_keep_knob_makes_an_api_that_echoes_unknown_keys(sandbox_factory) -> None:
    server = sandbox_factory()
    server.answers(unknown_keys="keep")
    with api_client(server, server.new_app()) as c:
        made = c.post("/push/campaigns", json=campaign_body(colour="red"))
        assert made.status_code == 201 and made.json()["colour"] == "red"
        assert c.get(f"/push/campaigns/{made.json()['id']}").json()["colour"] == "red"


def test_keys_an_answer_carries_may_be_sent_back(client) -> None:
    """A client that PUTs what GET answered (ids, letters, timestamps) is not refused."""
    made = client.post("/push/campaigns", json=campaign_body()).json()
    again = client.put(f"/push/campaigns/{made['id']}", json=made)
    assert again.status_code == 200, again.text


def test_the_openapi_example_values_are_accepted(client) -> None:
    """Values the OpenAPI gives as examples: ms dates, 5 % control, [0, 15] windows, ..."""
    audience = client.post("/audiences", json=audience_body()).json()
    body = campaign_body(
        audiences={"campaign_type": "saved_audience", "control_group_percent": 5,
                   "target_rules": {"audience": [audience["id"]]}},
        schedule={"recurring": {
            "begin_date": "2025-08-26T04:30:00.000Z", "end_date": "2026-08-26T04:30:00.000Z",
            "intervals": [{"interval": "weekly", "day_of_week": "sunday"}],
            "frequency_attributes": [{"name": "messages_per_days", "days": 7, "count": 1,
                                      "messages_atleast_days_apart": 1}]}},
        creatives={"build_attributes": {
            "push_message": "hi", "attachment_url": "https://sample.com/p/rp/859d34a70914df30.png",
            "push_category": "like_dislike",
            "ll_mi_deep_link_url": "https://sample.com/p/rp/859d34a70914df30.png",
            "ll_deep_link_url": "yourappname://product/12345?color=red&size=large"}},
    )
    r = client.post("/push/campaigns", json=body)
    assert r.status_code == 201, r.text
    rules = {"targeting_type": "install_id", "behavior": {
        "days": 30, "behavior_rule_operator": "and", "rules": [{
            "rule_type": "event", "event_name": "Purchase", "count": 1,
            "count_operator": "atleast", "neg_time_window": [0, 15],
            "conditions": {"operator": "and", "filters": [
                {"dimension_name": "App Version", "operator": "is one of", "value": ["1.0"]}]}}]}}
    assert client.post("/audiences", json=audience_body(rules=rules)).status_code == 201


def test_messages_per_days_needs_days_and_atleast_days_apart(client) -> None:
    cap = {"name": "messages_per_days", "count": 1, "days": 7}
    schedule = {"recurring": {"begin_date": "2026-12-01", "frequency_attributes": [cap],
                              "intervals": [{"interval": "every day"}]}}
    r = client.post("/push/campaigns", json=campaign_body(schedule=schedule))
    assert r.status_code == 422
    assert fields(r) == ["schedule.recurring.frequency_attributes[0].messages_atleast_days_apart"]
    cap["messages_atleast_days_apart"] = 2
    assert client.post("/push/campaigns", json=campaign_body(schedule=schedule)).status_code == 201
    ever = {"name": "total_message_ever", "count": 3}
    schedule["recurring"]["frequency_attributes"] = [ever]
    assert client.post("/push/campaigns", json=campaign_body(schedule=schedule)).status_code == 201


def _status(client: httpx.Client, cid: int) -> str:
    rows = client.get("/campaigns", params={"per_page": 100}).json()["campaigns"]
    return next(r["status"] for r in rows if r["id"] == cid)


def test_one_time_campaign_is_scheduled_then_sent_and_then_frozen(clocked) -> None:
    client, clock = clocked
    body = campaign_body(status="active", schedule={"on_schedule": {
        "begin_date": "2027-03-01T09:00:00Z"}})
    cid = client.post("/push/campaigns", json=body).json()["id"]
    assert _status(client, cid) == "active"  # the clock is off: nothing moves
    assert clock(now="2027-02-01T00:00:00Z").json() == {"now": "2027-02-01T00:00:00Z"}
    assert _status(client, cid) == "scheduled"
    assert client.delete(f"/push/campaigns/{cid}").status_code == 403  # jobs queued
    assert client.put(f"/push/campaigns/{cid}", json={**body, "name": "B"}).status_code == 200
    clock(advance_seconds=40 * 86400)
    assert _status(client, cid) == "sent"
    assert client.get("/campaigns", params={"status": "sent"}).json()["total_records"] == 1
    refused = client.put(f"/push/campaigns/{cid}", json=body)
    assert refused.status_code == 422 and "sent" in refused.json()["error"]
    assert client.get(f"/push/campaigns/{cid}").json()["status"] == "active"  # params' enum


def test_recurring_campaign_runs_then_expires(clocked) -> None:
    client, clock = clocked
    body = campaign_body(status="active", schedule={"recurring": {
        "begin_date": "2027-01-01T09:00:00Z", "end_date": "2027-02-01T09:00:00Z",
        "intervals": [{"interval": "every day"}]}})
    cid = client.post("/push/campaigns", json=body).json()["id"]
    draft = client.post("/push/campaigns", json=campaign_body("Draft")).json()["id"]
    clock(now="2027-01-10T00:00:00Z")
    assert (_status(client, cid), _status(client, draft)) == ("active", "draft")
    assert client.delete(f"/push/campaigns/{cid}").status_code == 403  # jobs running
    clock(now="2027-03-01T00:00:00Z")
    assert _status(client, cid) == "expired"
    assert client.put(f"/push/campaigns/{cid}", json=body).status_code == 422
    clock(now=None)
    assert _status(client, cid) == "active"


def test_clock_refuses_what_is_not_a_time(clocked) -> None:
    _client, clock = clocked
    assert clock(now="soon").status_code == 422
    assert clock(advance_seconds="1").status_code == 422


@pytest.fixture
def push(sandbox_server, sandbox_app):
    with httpx.Client(base_url=sandbox_server.base_url, timeout=10,
                      auth=(sandbox_server.api_key, sandbox_server.api_secret)) as c:
        yield lambda body: c.post(f"/v2/push/{sandbox_app.app_id}", json=body)


def _batch(**overrides) -> dict:
    return {"target_type": "customer_id", "campaign_key": "rcl-test-x",
            "messages": [{"target": "u1", "alert": {"title": "T", "body": "B"}}], **overrides}


@pytest.mark.parametrize(("batch", "why"), [
    (_batch(campaign_key="rcl-test-seasonal/holiday-sale"), "campaign_key"),
    (_batch(campaign_key="café"), "campaign_key"),
    (_batch(messages=[{"target": "u1", "alert": {"body": ""}}]), "body"),
    (_batch(messages=[{"target": "u1", "alert": "  "}]), "alert"),
    (_batch(messages=[{"target": "u1", "alert": {"body": "B", "subtitle": "S"}}]), "subtitle"),
    (_batch(messages=[{"target": "", "alert": "B"}]), "target"),
    (_batch(messages=[{"target": ["u1", ""], "alert": "B"}]), "target"),
])
def test_push_docs_rules_are_400(push, batch, why) -> None:
    r = push(batch)
    assert r.status_code == 400, r.text
    assert why in r.json()["error"]


def test_push_accepts_a_null_campaign_key_and_the_documented_alphabet(push) -> None:
    assert push(_batch(campaign_key=None)).status_code == 202
    assert push(_batch(campaign_key="rcl-test-promos.big_sale-1f2e")).status_code == 202
    full = {"title": "T", "subtitle": "S", "body": "B"}
    assert push(_batch(messages=[{"target": "u2", "alert": full}])).status_code == 202
