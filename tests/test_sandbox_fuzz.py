"""Property: whatever JSON a client sends, the sandbox answers 2xx or 4xx, never 500.

Runs in-process (same handlers, no socket) so hundreds of bodies take a
second. Bodies are valid ones with one value swapped for arbitrary JSON, and
arbitrary JSON documents outright.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.sandbox import create_app
from tests.sandbox_helpers import BEHAVIOR_RULES, audience_body, campaign_body
from tests.strategies import JSON, swap, value_paths


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    application = create_app(tmp_path_factory.mktemp("fuzz") / "fuzz.db")
    yield application
    application.state.store.close()


def _post(app, path: str, body: Any) -> int:
    async def run() -> int:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://sandbox", auth=("sandbox", "sandbox")) as c:
            response = await c.post(path, json=body)
            return response.status_code

    return asyncio.run(run())


SAMPLES = {
    "/api/v6/orgs/1/apps/demo-app/push/campaigns": campaign_body(
        creatives=[{"percent": 50, "build_attributes": {"push_message": "a"}},
                   {"percent": 50, "build_attributes": {"push_title": "b"}}],
        schedule={"recurring": {"begin_date": "2026-12-01", "intervals": [
            {"interval": "weekly", "day_of_week": "monday"}],
            "frequency_attributes": [{"name": "messages_per_days", "count": 1, "days": 2,
                                      "messages_atleast_days_apart": 0}]}},
        audiences={"campaign_type": "new_audience", "target_rules": BEHAVIOR_RULES},
    ),
    "/api/v6/orgs/1/apps/demo-app/audiences": audience_body(rules=BEHAVIOR_RULES),
    "/v2/push/demo-app": {"target_type": "customer_id", "labels": {"label1": "x"},
                          "messages": [{"target": ["u"], "alert": {"body": "b"},
                                        "ios": {"badge": 1}}]},
}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_bodies_never_crash(app, data) -> None:
    path = data.draw(st.sampled_from(sorted(SAMPLES)))
    sample = SAMPLES[path]
    where = data.draw(st.sampled_from(value_paths(sample)))
    body = swap(sample, where, data.draw(JSON))
    assert _post(app, path, body) in (201, 202, 400, 422, 429)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(sorted(SAMPLES)), body=JSON)
def test_arbitrary_json_never_crashes(app, path, body) -> None:
    assert _post(app, path, body) in (201, 202, 400, 422, 429)


def test_the_samples_are_valid(app, tmp_path: Path) -> None:
    assert [_post(app, p, b) for p, b in SAMPLES.items()] == [201, 201, 202]
