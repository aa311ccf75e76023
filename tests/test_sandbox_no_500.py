"""Property: no request to either sandbox (Localytics or Stream) gets a 500.

Hypothesis throws generated methods, paths (every route template with generated ids,
plus arbitrary paths), query strings and bodies (valid samples with one value swapped,
arbitrary JSON, raw bytes) at both apps in-process through httpx's ASGI transport, with
valid credentials so requests reach the handlers. An app exception propagates (the
transport re-raises it), so a failure shows the traceback. The default profile is quick;
`make test-slow` runs the long one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.sandbox import create_app
from reconciler.sandbox.server import close
from reconciler.sandbox.stream import SANDBOX_SECRET
from reconciler.stream.client import server_token
from tests.sandbox_helpers import BEHAVIOR_RULES, audience_body, campaign_body
from tests.strategies import JSON, SLOW, swap, value_paths

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
APP = "/api/v6/orgs/{org}/apps/{app}"
LOCALYTICS = (
    ("POST", APP + "/push/campaigns"), ("GET", APP + "/push/campaigns/{id}"),
    ("PUT", APP + "/push/campaigns/{id}"), ("DELETE", APP + "/push/campaigns/{id}"),
    ("PUT", APP + "/push/campaigns/{id}/archive"), ("GET", APP + "/campaigns"),
    ("GET", APP + "/campaigns/search"), ("POST", APP + "/audiences"),
    ("GET", APP + "/audiences"), ("GET", APP + "/audiences/{id}"),
    ("PATCH", APP + "/audiences/{id}"), ("DELETE", APP + "/audiences/{id}"),
    ("POST", APP + "/audiences/{id}/segmentation"), ("POST", "/v2/push/{app}"),
)
STREAM = tuple(("/stream" + p, m) for m, p in (
    ("POST", "/segments"), ("POST", "/segments/query"), ("GET", "/segments/{id}"),
    ("PUT", "/segments/{id}"), ("DELETE", "/segments/{id}"),
    ("POST", "/segments/{id}/addtargets"), ("POST", "/segments/{id}/deletetargets"),
    ("POST", "/segments/{id}/targets/query"), ("GET", "/segments/{id}/target/{target}"),
    ("POST", "/campaigns"), ("POST", "/campaigns/query"), ("GET", "/campaigns/{id}"),
    ("PUT", "/campaigns/{id}"), ("DELETE", "/campaigns/{id}"),
    ("POST", "/campaigns/{id}/start"), ("POST", "/campaigns/{id}/stop"),
    ("POST", "/campaigns/{id}/test"),
))
STREAM_ROUTES = tuple((m, p) for p, m in STREAM)
SAMPLES: tuple[Any, ...] = (
    campaign_body(audiences={"campaign_type": "new_audience", "target_rules": BEHAVIOR_RULES}),
    audience_body(rules=BEHAVIOR_RULES),
    {"target_type": "customer_id", "messages": [{"target": ["u"], "alert": {"body": "b"}}]},
    {"type": "user", "id": "s2", "name": "n", "description": "d", "filter": {"a": {"$eq": 1}}},
    {"id": "c2", "sender_id": "b", "segment_ids": ["s"], "message_template": {"text": "x"},
     "channel_template": {"type": "messaging", "members_template": [{"user_id": "u"}]}},
    {"filter": {"$or": [{"id": {"$in": ["s"]}}, {"created_at": {"$gte": "2026-01-01T00:00:00Z"}}]},
     "sort": [{"field": "created_at", "direction": -1}], "limit": 2, "next": "eyJvIjogMX0="},
    {"scheduled_for": "2030-01-01T00:00:00Z", "stop_at": "2030-01-02T00:00:00Z"},
    {"target_ids": ["a", "b"]}, {"users": ["u"]},
)
NASTY = (b'{"name": NaN}', b'{"name": Infinity}', b'{"name": "\\ud800"}', b"[" * 50_000,
         b'{"a": 1e999}', b"\xef\xbb\xbf{}", b'{"name": "x\\u0000y"}', b"\xff")
IDS = st.one_of(st.sampled_from(["1", "demo-app", "101", "4001", "s", "c", "a", "0", "-1",
                                 "99999999999999999999999", "1e3", "%2F", ".."]),
                st.text(max_size=12))


@st.composite
def bodies(draw: st.DrawFn) -> tuple[str, Any]:
    """("json", value) or ("bytes", raw): mutated samples, arbitrary JSON or raw bytes."""
    kind = draw(st.sampled_from(["sample", "mutated", "mutated", "json", "bytes", "none"]))
    if kind == "bytes":
        return "bytes", draw(st.sampled_from(NASTY) | st.binary(max_size=40))
    if kind == "none":
        return "bytes", b""
    if kind == "json":
        return "json", draw(JSON)
    sample = draw(st.sampled_from(SAMPLES))
    if kind == "sample":
        return "json", sample
    return "json", swap(sample, draw(st.sampled_from(value_paths(sample))), draw(JSON))


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    params: dict[str, str]
    body: tuple[str, Any]


@st.composite
def requests(draw: st.DrawFn) -> Request:
    routes = LOCALYTICS + STREAM_ROUTES
    method, template = draw(st.sampled_from(routes))
    if draw(st.integers(0, 9)) == 0:
        method = draw(st.sampled_from(METHODS))
    path = template
    stream = template.startswith("/stream")
    known = {"org": ["1"], "app": ["demo-app"], "target": ["a"],
             "id": ["s", "c"] if stream else [*map(str, range(101, 104)), "4001", "4002"]}
    for name in ("org", "app", "id", "target"):  # mostly ids that exist, to reach handlers
        ident = draw(st.sampled_from(known[name]) if draw(st.integers(0, 7)) else IDS)
        safe = draw(st.sampled_from(["", "/:.%"]))  # encoded, or slashes and escapes raw
        path = path.replace("{" + name + "}", quote(ident, safe=safe))
    if draw(st.integers(0, 19)) == 0:
        path = draw(st.sampled_from(["/", "/stream/", "/api/v6/"])) + quote(
            draw(st.text(max_size=30)), safe="/%")
    params = draw(st.dictionaries(st.sampled_from(["page", "per_page", "limit", "status", "q",
                                                   "name", "archived", "order", "next"]),
                                  st.text(max_size=8), max_size=3))
    return Request(method, path, params, draw(bodies()))


class Driver:
    """Both sandboxes in one ASGI app (Stream under /stream), on one event loop."""

    def __init__(self, db: Any) -> None:
        self.app = create_app(db)
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                      base_url="http://sandbox")
        self.stream = {"Authorization": server_token(SANDBOX_SECRET), "Stream-Auth-Type": "jwt"}
        seeds = [(APP.format(org=1, app="demo-app") + "/audiences", SAMPLES[1]),
                 (APP.format(org=1, app="demo-app") + "/push/campaigns", SAMPLES[0])]
        for path, body in seeds:  # ids the generated paths name, so handlers get past 404
            assert self.send(Request("POST", path, {}, ("json", body))).status_code == 201
        assert self.seed_stream() == [201, 201]

    def seed_stream(self) -> list[int]:
        """Stream's `s` and `c` again (after a generated DELETE removed them)."""
        seeds = [("/stream/segments", {"type": "user", "id": "s"}),
                 ("/stream/campaigns", SAMPLES[4] | {"id": "c"})]
        return [self.send(Request("POST", p, {}, ("json", b))).status_code for p, b in seeds]

    def send(self, req: Request) -> httpx.Response:
        kind, body = req.body
        stream = req.path.startswith("/stream")
        params = {**req.params, "api_key": "fuzz"} if stream else req.params
        content = body if kind == "bytes" else None
        return self.loop.run_until_complete(self.http.request(
            req.method, req.path, params=params, content=content,
            json=body if kind == "json" else None,
            headers=self.stream if stream else {"Content-Type": "application/json"},
            auth=None if stream else ("sandbox", "sandbox")))

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()
        close(self.app)


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Driver]:
    d = Driver(tmp_path_factory.mktemp("no500") / "sandbox.db")
    yield d
    d.close()


def check(driver: Driver, req: Request) -> None:
    response = driver.send(req)
    assert response.status_code < 500, (req, response.status_code, response.text[:300])
    if req.method == "DELETE" and req.path.startswith("/stream"):
        driver.seed_stream()


QUICK = settings(max_examples=100, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.function_scoped_fixture])
LONG = settings(QUICK, max_examples=4000)


@QUICK
@given(req=requests())
def test_no_request_gets_a_500(driver: Driver, req: Request) -> None:
    check(driver, req)


@pytest.mark.slow
@pytest.mark.skipif(not SLOW, reason="the long run: make test-slow (RECONCILER_SLOW=1)")
@LONG
@given(req=requests())
def test_no_request_gets_a_500_long(driver: Driver, req: Request) -> None:
    check(driver, req)


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_a_date_with_no_utc_instant_is_refused_not_a_500(driver: Driver, when: str) -> None:
    """A date whose UTC falls before year 1 or after 9999 (datetime holds neither) is an
    invalid date, answered 422 like any other; it was a 500 (found by hand, not by the
    property above: its dates are samples and text, never such an offset)."""
    body = SAMPLES[0] | {"schedule": {"on_schedule": {"begin_date": when}}}
    response = driver.send(Request("POST", APP.format(org=1, app="demo-app") + "/push/campaigns",
                                   {}, ("json", body)))
    assert response.status_code == 422, response.text[:300]
    assert "begin_date" in response.text
