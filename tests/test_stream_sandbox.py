"""The Stream sandbox's answers against Stream's OpenAPI (chat-openapi v236.0.4): required
keys, filters, sort, cursors both ways, and Stream's error body for anything malformed.

In-process (ASGI) for speed; the SDK tests (test_stream_sdk.py) cover the served port.
The required-key lists below are copied from the OpenAPI's `required` arrays.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.sandbox.stream import SANDBOX_SECRET, create_stream_app
from reconciler.stream.client import server_token

SEGMENT = {"id", "type", "name", "description", "filter", "all_users", "all_sender_channels",
           "size", "created_at", "updated_at", "deleted_at"}
CAMPAIGN = {"id", "segment_ids", "segments", "sender_id", "sender_mode", "sender_visibility",
            "name", "create_channels", "show_channels", "description", "skip_push",
            "skip_webhook", "user_ids", "users", "status", "created_at", "updated_at", "stats"}
STATS = {"stats_started_at", "stats_completed_at", "stats_messages_sent",
         "stats_channels_created", "progress", "stats_users_sent", "stats_users_read"}
TARGET = {"app_pk", "segment_id", "target_id", "created_at"}
USER = {"id", "custom", "language", "role", "teams", "created_at", "updated_at", "banned",
        "online", "blocked_user_ids", "shadow_banned", "invisible"}
ERROR = {"code", "message", "StatusCode", "duration", "more_info", "details"}


class Api:
    """Synchronous calls into the in-process app (one event loop for the test)."""

    def __init__(self, path: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(base_url="http://stream.invalid",
                                      transport=httpx.ASGITransport(create_stream_app(path)))
        self.key = f"k-{uuid.uuid4().hex[:8]}"

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()

    def __call__(self, method: str, path: str, body: Any = None, status: int | None = None,
                 **kw: Any) -> Any:
        r = self.loop.run_until_complete(self.http.request(
            method, path, params={"api_key": self.key}, json=body,
            headers={"Authorization": server_token(SANDBOX_SECRET), "Stream-Auth-Type": "jwt"},
            **kw))
        if status is not None:
            assert r.status_code == status, r.text
        if r.status_code >= 400:
            assert ERROR <= set(r.json()) and r.json()["StatusCode"] == r.status_code, r.text
        assert r.status_code < 500, r.text
        return r.json()


@pytest.fixture()
def api(tmp_path: Path) -> Iterator[Api]:
    api = Api(tmp_path / "s.db")
    try:
        yield api
    finally:
        api.close()


def test_answers_carry_every_key_the_openapi_requires(api: Api) -> None:
    seg = api("POST", "/segments", {"type": "user", "id": "s"}, 201)["segment"]
    assert SEGMENT <= set(seg) and (seg["name"], seg["description"], seg["filter"]) == ("", "", None)
    api("POST", "/segments/s/addtargets", {"target_ids": ["b", "a"]}, 201)
    targets = api("POST", "/segments/s/targets/query", {}, 201)["targets"]
    assert [t["target_id"] for t in targets] == ["a", "b"]
    assert all(TARGET <= set(t) and t["created_at"].endswith("Z") for t in targets)
    camp = api("POST", "/campaigns", {"id": "c", "sender_id": "bot", "segment_ids": ["s"],
                                      "message_template": {"text": "hi"}}, 201)["campaign"]
    assert CAMPAIGN <= set(camp) and STATS <= set(camp["stats"]) and USER <= set(camp["sender"])
    assert camp["segments"][0]["size"] == 2
    listed = api("POST", "/campaigns/query", {"filter": {}}, 201)["campaigns"]
    assert CAMPAIGN <= set(listed[0])
    users = api("POST", "/campaigns", {"sender_id": "b", "user_ids": ["u"],
                                       "message_template": {"text": "x"}}, 201)["campaign"]
    assert USER <= set(users["users"][0]) and len(users["id"]) == 36  # a generated uuid


def test_target_exists(api: Api) -> None:
    api("POST", "/segments", {"type": "channel", "id": "s"}, 201)
    api("POST", "/segments/s/addtargets", {"target_ids": ["messaging:a/b"]}, 201)
    assert api("GET", "/segments/s/target/messaging:a%2Fb", status=200) == {"duration": "0.01ms"}
    assert api("GET", "/segments/s/target/nope", status=404)["code"] == 16
    assert api("GET", "/segments/other/target/x", status=404)["code"] == 16


def ids(rows: list[dict[str, Any]], key: str = "id") -> list[Any]:
    return [r[key] for r in rows]


def test_filters_on_segments(api: Api) -> None:
    for name in ("b", "a", "c"):
        api("POST", "/segments", {"type": "user", "id": name, "name": name.upper()}, 201)
    at = api("GET", "/segments/b")["segment"]["created_at"]

    def query(flt: Any) -> list[str]:
        return sorted(ids(api("POST", "/segments/query", {"filter": flt}, 201)["segments"]))

    assert query({}) == ["a", "b", "c"]
    assert query({"id": "a"}) == query({"id": {"$eq": "a"}}) == ["a"]
    assert query({"id": {"$ne": "a"}}) == ["b", "c"]
    assert query({"id": {"$gt": "a"}}) == ["b", "c"] and query({"id": {"$gte": "b"}}) == ["b", "c"]
    assert query({"id": {"$lt": "b"}}) == ["a"] and query({"id": {"$lte": "b"}}) == ["a", "b"]
    assert query({"id": {"$in": ["a", "c", "x"]}}) == ["a", "c"]
    assert query({"id": {"$nin": ["a", "c"]}}) == ["b"]
    assert query({"$or": [{"id": "a"}, {"name": "C"}]}) == ["a", "c"]
    assert query({"$and": [{"id": {"$gte": "a"}}, {"name": {"$ne": "B"}}]}) == ["a", "c"]
    assert query({"id": {"$gt": "a", "$lt": "c"}}) == ["b"]
    assert "b" in query({"created_at": {"$lte": at.replace("Z", "+00:00")}})
    assert query({"created_at": {"$gte": "2000-01-01T02:00:00+02:00"}}) == ["a", "b", "c"]
    assert query({"created_at": {"$gt": "2999-01-01T00:00:00Z"}}) == []


def test_target_id_ranges_and_campaigns_by_segment(api: Api) -> None:
    api("POST", "/segments", {"type": "user", "id": "s"}, 201)
    api("POST", "/segments", {"type": "user", "id": "t"}, 201)
    api("POST", "/segments/s/addtargets", {"target_ids": [f"u{i}" for i in range(10)]}, 201)
    got = api("POST", "/segments/s/targets/query",
              {"filter": {"target_id": {"$gte": "u3", "$lte": "u6"}}}, 201)["targets"]
    assert ids(got, "target_id") == ["u3", "u4", "u5", "u6"]
    for cid, seg in (("c1", "s"), ("c2", "t"), ("c3", "s")):
        api("POST", "/campaigns", {"id": cid, "sender_id": "b", "segment_ids": [seg],
                                   "message_template": {"text": "x"}}, 201)

    def query(flt: Any) -> list[str]:
        return sorted(ids(api("POST", "/campaigns/query", {"filter": flt}, 201)["campaigns"]))

    assert query({"segments": {"$in": ["s"]}}) == ["c1", "c3"]
    assert query({"segments": "t"}) == ["c2"]
    assert query({"segments": {"$nin": ["s"]}}) == ["c2"]
    assert query({"status": "draft", "id": {"$ne": "c1"}}) == ["c2", "c3"]


def test_sort_and_cursors_both_ways(api: Api) -> None:
    for i in range(5):
        api("POST", "/segments", {"type": "user", "id": f"s{i}", "name": f"n{4 - i}"}, 201)
        api("POST", "/campaigns", {"id": f"c{i}", "name": f"n{i % 2}{i}", "sender_id": "b",
                                   "message_template": {"text": "x"}}, 201)
    api("POST", "/segments/s0/addtargets", {"target_ids": ["a", "c", "b", "e", "d"]}, 201)
    segs = api("POST", "/segments/query",
               {"filter": {}, "sort": [{"field": "name", "direction": 1}]}, 201)["segments"]
    assert ids(segs) == ["s4", "s3", "s2", "s1", "s0"]
    camps = api("POST", "/campaigns/query", {"sort": [{"field": "name", "direction": -1}]})
    assert ids(camps["campaigns"]) == ["c3", "c1", "c4", "c2", "c0"]
    body: dict[str, Any] = {"sort": [{"field": "target_id", "direction": -1}], "limit": 2}
    first = api("POST", "/segments/s0/targets/query", body, 201)
    assert ids(first["targets"], "target_id") == ["e", "d"] and "prev" not in first
    second = api("POST", "/segments/s0/targets/query", {**body, "next": first["next"]}, 201)
    third = api("POST", "/segments/s0/targets/query", {**body, "next": second["next"]}, 201)
    assert ids(third["targets"], "target_id") == ["a"] and "next" not in third
    back = api("POST", "/segments/s0/targets/query", {**body, "prev": third["prev"]}, 201)
    assert back["targets"] == second["targets"]
    start = api("POST", "/segments/s0/targets/query", {**body, "prev": back["prev"]}, 201)
    assert start["targets"] == first["targets"]


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/campaigns/c/start", {"scheduled_for": "tomorrow"}),
    ("POST", "/campaigns/c/start", {"stop_at": 5}),
    ("POST", "/campaigns/c/start", {"scheduled_for": "2030-01-02T00:00:00Z",
                                    "stop_at": "2030-01-01T00:00:00Z"}),
    ("POST", "/campaigns", {"sender_id": "b", "message_template": "hi"}),
    ("POST", "/campaigns", {"sender_id": "b", "message_template": {"text": ["x"]}}),
    ("POST", "/campaigns", {"sender_id": "b", "message_template": {"text": "x"},
                            "channel_template": {"type": "m", "members_template": [5]}}),
    ("POST", "/campaigns", {"sender_id": "b", "message_template": {"text": "x"},
                            "sender_mode": "loud"}),
    ("PUT", "/campaigns/c", {"sender_id": ["b"], "message_template": {"text": "x"}}),
    ("POST", "/segments/query", {"filter": ["id"]}),
    ("POST", "/segments/query", {}),
    ("POST", "/segments/query", {"filter": {"id": {"$in": "s"}}}),
    ("POST", "/segments/query", {"filter": {"$or": {}}}),
    ("POST", "/segments/query", {"filter": {}, "sort": [{"field": "id", "direction": 2}]}),
    ("POST", "/segments/query", {"filter": {}, "limit": 0}),
    ("POST", "/segments/query", {"filter": {}, "prev": "AAAA"}),
    ("POST", "/campaigns/query", {"filter": {"created_at": {"$gte": "yesterday"}}}),
    ("POST", "/segments", {"type": "user", "name": "x" * 129}),
    ("POST", "/segments", {"type": "group"}),
    ("PUT", "/segments/s", {"all_users": True}),
    ("POST", "/segments/s/addtargets", {"target_ids": "a"}),
    ("POST", "/segments/s/deletetargets", {"target_ids": ["a"] * 101}),
])
def test_malformed_input_is_a_400(api: Api, method: str, path: str, body: Any) -> None:
    api("POST", "/segments", {"type": "user", "id": "s"}, 201)
    api("POST", "/campaigns", {"id": "c", "sender_id": "b", "message_template": {"text": "x"}},
        201)
    assert api(method, path, body, 400)["code"] == 4


@pytest.mark.parametrize("content", [b"{", b"[1]", b'{"type": NaN}', b"\xff", b'"x"',
                                     b'{"type": "user", "name": "\\ud800"}',
                                     b"[" * 100_000])
def test_bodies_that_are_not_json_objects_are_a_400(api: Api, content: bytes) -> None:
    api("POST", "/segments", None, 400, content=content)


def test_unknown_routes_and_methods_get_streams_body(api: Api) -> None:
    assert api("GET", "/nope", status=404)["code"] == 16
    assert api("PATCH", "/segments/s", status=405)["StatusCode"] == 405


def test_updating_a_segment_clears_a_string_sent_empty(api: Api) -> None:
    api("POST", "/segments", {"type": "user", "id": "s", "description": "d", "name": "n"}, 201)
    seg = api("PUT", "/segments/s", {"description": "", "name": None}, 201)["segment"]
    assert (seg["description"], seg["name"]) == ("", "n")



def knob(api: Api, key: str, **body: Any) -> httpx.Response:
    return api.loop.run_until_complete(api.http.post(
        "/_sandbox/config", json={"api_key": key, **body}))


def test_the_app_clock_moves_a_campaign_through_its_life_only_when_told(api: Api) -> None:
    """`advance` is how time passes in a test: a status never waits on the machine's speed."""
    in_an_hour = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    other = Api.__new__(Api)  # a second app (API key) on the same server and clock knobs
    other.loop, other.http, other.key = api.loop, api.http, f"k-{uuid.uuid4().hex[:8]}"
    for app in (api, other):
        app("POST", "/campaigns", {"id": "c", "sender_id": "bot", "user_ids": ["u"],
                                   "message_template": {"text": "Hi"}}, 201)
        app("POST", "/campaigns/c/start", {"scheduled_for": in_an_hour}, 201)
        camp = app("GET", "/campaigns/c", status=200)["campaign"]
        assert camp["status"] == "scheduled" and camp["stats"]["stats_started_at"] is None

    assert knob(api, api.key, advance=3600).json()["ahead"] == 3600
    assert knob(api, api.key, advance=1.5).json()["ahead"] == 3601.5  # it adds up
    camp = api("GET", "/campaigns/c", status=200)["campaign"]
    assert camp["status"] == "completed" and camp["stats"]["progress"] == 1.0
    assert camp["stats"]["stats_completed_at"] is not None
    assert api("POST", "/campaigns/c/stop", {}, 400)["code"] == 4  # completed: cannot stop
    assert other("GET", "/campaigns/c", status=200)["campaign"]["status"] == "scheduled"


@pytest.mark.parametrize("advance", [-1, "60", True, None, 10**9])
def test_a_bad_advance_is_a_400_and_moves_nothing(api: Api, advance: Any) -> None:
    answer = knob(api, api.key, advance=advance)
    assert answer.status_code == 400 and "advance" in answer.json()["message"]
    assert knob(api, api.key).json()["ahead"] == 0
