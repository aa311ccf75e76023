"""The transactional Push API: validation, dedupe, rate limits, recorded messages."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture
def push(sandbox_server, sandbox_app):
    with httpx.Client(base_url=sandbox_server.base_url, timeout=10,
                      auth=(sandbox_server.api_key, sandbox_server.api_secret)) as c:
        yield lambda body, **kw: c.post(f"/v2/push/{sandbox_app.app_id}", json=body, **kw)


def test_customer_id_batch_is_queued_and_recorded(push, sandbox_server, sandbox_app) -> None:
    body = {
        "request_id": "r-1", "target_type": "customer_id", "campaign_key": "spring",
        "labels": {"label1": "batch", "label2": "shared"},
        "messages": [
            {"target": "u1", "alert": "hi", "labels": {"label1": "own"}},
            {"target": ["u2", "u3"], "alert": {"title": "T", "body": "B"}, "label3": "flat",
             "ios": {"sound": "default", "badge": 1}, "android": {"priority": "high"}},
        ],
    }
    r = push(body)
    assert r.status_code == 202 and r.json() == {"message": "Queued for delivery"}
    recorded = sandbox_server.pushes(sandbox_app.app_id)
    assert [m["target"] for m in recorded] == ["u1", ["u2", "u3"]]
    assert recorded[0]["labels"] == {"label1": "own", "label2": "shared"}
    assert recorded[1]["labels"] == {"label1": "batch", "label2": "shared", "label3": "flat"}
    assert recorded[0]["campaign_key"] == "spring" and recorded[0]["request_id"] == "r-1"
    assert recorded[0]["received_at"].endswith("Z")


def test_repeated_request_id_is_400_for_broadcast_within_24h(push) -> None:
    body = {"request_id": "once", "target_type": "broadcast", "messages": [{"alert": "x"}]}
    assert push(body).status_code == 202
    again = push(body)
    assert again.status_code == 400 and "request_id" in again.json()["error"]


@pytest.mark.parametrize(
    "body",
    [
        {"target_type": "customer_id"},
        {"target_type": "sms", "messages": [{"target": "u"}]},
        {"target_type": "customer_id", "messages": []},
        {"target_type": "customer_id", "messages": [{"target": 5}]},
        {"target_type": "customer_id", "messages": [{"target": "u", "colour": "red"}]},
        {"target_type": "customer_id", "messages": [{"target": "u"}], "extra": 1},
        {"target_type": "customer_id", "messages": [{"target": "u", "labels": {"label1": "a"},
                                                     "label2": "b"}]},
        {"target_type": "customer_id", "messages": [{"target": "u"}], "labels": {"tag": "a"}},
        {"target_type": "customer_id", "messages": [{"target": "u"}], "labels": {"label1": 1}},
        {"target_type": "customer_id", "messages": [{"target": "u", "alert": {"title": "t"}}]},
        {"target_type": "audience_id", "messages": [{"target": "12"}]},
        {"target_type": "audience_id", "messages": [{"target": 1}, {"target": 2}]},
        {"target_type": "profile", "messages": [{"target": "x"}]},
        {"target_type": "broadcast", "messages": [{"target": "u1"}]},
        {"target_type": "broadcast", "campaign_key": "has space", "messages": [{}]},
        [1, 2],
    ],
)
def test_malformed_batches_are_400(push, body) -> None:
    r = push(body)
    assert r.status_code == 400, r.text
    assert set(r.json()) == {"error"}


def test_unparseable_json_is_422_and_auth_is_required(sandbox_server, sandbox_app) -> None:
    url = f"{sandbox_server.base_url}/v2/push/{sandbox_app.app_id}"
    auth = (sandbox_server.api_key, sandbox_server.api_secret)
    r = httpx.post(url, content=b"{", headers={"content-type": "application/json"}, auth=auth)
    assert r.status_code == 422
    assert httpx.post(url, json={}).status_code == 401
    assert httpx.post(f"{sandbox_server.base_url}/v2/push/unknown-app", auth=auth,
                      json={"target_type": "broadcast", "messages": [{}]}).status_code == 403


def test_rate_limit_per_target_type(push) -> None:
    broadcast = {"target_type": "broadcast", "messages": [{"alert": "x"}]}
    assert [push(broadcast).status_code for _ in range(3)] == [202, 202, 429]
    audience = {"target_type": "audience_id", "messages": [{"target": 1, "alert": "x"}]}
    assert [push(audience).status_code for _ in range(3)] == [202, 202, 429]
    customer = {"target_type": "customer_id", "messages": [{"target": "u", "alert": "x"}]}
    assert push(customer).status_code == 202
