"""Request bodies and clients shared by the sandbox tests."""

from __future__ import annotations

import copy
import ssl
from typing import Any

import httpx

from tests.sandbox_fixtures import AppRef, ServedSandbox

PROFILE_RULES: dict[str, Any] = {
    "targeting_type": "install_id",
    "profile": {
        "operator": "and",
        "criteria": [{"key": "country", "scope": "org", "operator": "is one of",
                      "values": ["US", "CA"]}],
    },
}

BEHAVIOR_RULES: dict[str, Any] = {
    "targeting_type": "customer_id",
    "behavior_profile_operator": "and",
    "behavior": {
        "days": 30,
        "behavior_rule_operator": "and",
        "rules": [{"rule_type": "not-event", "event_name": "Purchase", "count": 1,
                   "count_operator": "atleast", "conditions": {"operator": "and", "filters": []}}],
    },
    "profile": PROFILE_RULES["profile"],
}


def audience_body(name: str = "Lapsed buyers", rules: dict[str, Any] | None = None) -> dict:
    return {"name": name, "target_rules": copy.deepcopy(rules or PROFILE_RULES)}


def campaign_body(name: str = "Spring sale", **overrides: Any) -> dict[str, Any]:
    """A valid everyone/on_schedule campaign with one creative; overrides replace keys."""
    body: dict[str, Any] = {
        "name": name,
        "status": "draft",
        "goal": "monetize",
        "audiences": {"campaign_type": "everyone"},
        "schedule": {"on_schedule": {"begin_date": "2026-12-01T09:00:00Z",
                                     "starting_time_zone_id": 0}},
        "creatives": {"title": "A", "build_attributes": {"push_message": "20% off"}},
    }
    body.update(copy.deepcopy(overrides))
    return body


# Loaded once: a fresh httpx.Client would otherwise read the CA bundle (~0.1 s) per test.
SSL_CONTEXT = ssl.create_default_context()


def api_client(sandbox: ServedSandbox, app: AppRef, **kwargs: Any) -> httpx.Client:
    """A client whose relative URLs start at the app: `client.get("/campaigns")`."""
    return httpx.Client(
        base_url=f"{sandbox.api_url}/orgs/{app.org_id}/apps/{app.app_id}",
        auth=(sandbox.api_key, sandbox.api_secret),
        timeout=10,
        verify=SSL_CONTEXT,
        **kwargs,
    )


def fields(response: httpx.Response) -> list[str]:
    """The `details[].field` of a 422 answer."""
    return [d["field"] for d in response.json().get("details", [])]
