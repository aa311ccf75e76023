"""Make a spec payload and a live object comparable (DESIGN §4).

Both sides pass through the same functions, so anything the server adds or
rewrites must be undone here or an applied object would plan as a change
forever: server-computed fields are dropped, defaults the server fills in are
filled on both sides, dates become instants, one creative equals a list of one.

Every documented form reads the same (docs/apis.md lists the sources): saved
audiences under `target_rules.audience` (the OpenAPI) or `.audiences` (the
vendor's own campaign script) compare as `audience`; creatives as an object
or a list; dates date-only, with offsets or milliseconds; the empty values a
server fills into a creative (`push_title: ""`, `key_values: []`, `percent: 0`
on a lone creative) equal their absence.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# The fields a spec sends: its model's fields (CampaignSpec, AudienceSpec) but the
# reconciler-only ones, in the model's order; sent, diffed, verified after write and
# imported. Written out, so a plan of memoized specs builds no pydantic model (issue
# 29); tests/test_replan_imports.py fails when a model's fields and these differ.
CAMPAIGN_FIELDS = ("name", "status", "goal", "conversion_event", "audiences", "schedule",
                   "creatives")
AUDIENCE_FIELDS = ("name", "target_rules")
DATE_FIELDS = frozenset({"begin_date", "end_date", "fallback_time"})
SERVER_FIELDS = frozenset({"id", "letter", "interval_start", "created_at", "updated_at"})
AUDIENCE_KEYS = ("audience", "audiences")  # the OpenAPI's, the vendor script's


def saved_audiences(target_rules: Any) -> list[Any] | None:
    """The saved-audience ids of `target_rules`, under either documented key."""
    if not isinstance(target_rules, Mapping):
        return None
    for key in AUDIENCE_KEYS:
        if isinstance(target_rules.get(key), list):
            return list(target_rules[key])
    return None


def comparable_campaign(payload: Mapping[str, Any]) -> dict[str, Any]:
    # _strip builds fresh dicts and lists, so the input is never shared or mutated
    out = _strip_object({k: payload[k] for k in CAMPAIGN_FIELDS if k in payload})
    creatives = out.get("creatives")
    if isinstance(creatives, dict):
        creatives = [creatives]
    if isinstance(creatives, list):
        creatives = [_unfilled(c) for c in creatives]
        if len(creatives) == 1 and isinstance(creatives[0], dict):
            if creatives[0].get("percent") == 0:
                del creatives[0]["percent"]  # a lone creative gets everyone whatever it says
            creatives[0].setdefault("percent", 100)
        out["creatives"] = creatives
    audiences = out.get("audiences")
    if isinstance(audiences, dict):
        audiences.setdefault("control_group_percent", 0)
        rules = audiences.get("target_rules")
        if isinstance(rules, dict) and "audience" not in rules and "audiences" in rules:
            rules["audience"] = rules.pop("audiences")
    return out


def _unfilled(creative: Any) -> Any:
    """A creative without the empty strings and lists a server fills in for absent keys."""
    if not isinstance(creative, dict):
        return creative
    out = {k: v for k, v in creative.items() if v != "" and v != []}
    build = out.get("build_attributes")
    if isinstance(build, dict):
        out["build_attributes"] = {k: v for k, v in build.items() if v != "" and v != []}
    return out


def comparable_audience(payload: Mapping[str, Any]) -> dict[str, Any]:
    return _strip_object({k: payload[k] for k in AUDIENCE_FIELDS if k in payload})


def _strip_object(value: Mapping[str, Any]) -> dict[str, Any]:
    """`_strip` of one JSON object, typed as the object it stays."""
    return {k: _strip(v, k) for k, v in value.items() if v is not None and k not in SERVER_FIELDS}


def _strip(value: Any, key: str = "") -> Any:
    """Drop server-computed fields and nulls; canonicalize dates."""
    if isinstance(value, dict):
        return _strip_object(value)
    if isinstance(value, list):
        return [_strip(v) for v in value]
    if key in DATE_FIELDS:
        return instant(value)
    return value


def instant(value: Any) -> Any:
    """An ISO-8601 date or datetime as a UTC instant string; anything else unchanged."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return value
    else:
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except OverflowError:  # no UTC instant (year 1 at a positive offset): as it came
        return value
