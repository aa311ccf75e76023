"""Make a spec payload and a live object comparable (DESIGN §4).

Both sides pass through the same functions, so anything the server adds or
rewrites must be undone here or an applied object would plan as a change
forever: server-computed fields are dropped, defaults the server fills in are
filled on both sides, dates become instants, one creative equals a list of one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

CAMPAIGN_FIELDS = ("name", "status", "goal", "conversion_event", "audiences", "schedule", "creatives")
AUDIENCE_FIELDS = ("name", "target_rules")
DATE_FIELDS = frozenset({"begin_date", "end_date", "fallback_time"})
SERVER_FIELDS = frozenset({"id", "letter", "interval_start", "created_at", "updated_at"})


def comparable_campaign(payload: Mapping[str, Any]) -> dict[str, Any]:
    # _strip builds fresh dicts and lists, so the input is never shared or mutated
    out = _strip({k: payload[k] for k in CAMPAIGN_FIELDS if k in payload})
    creatives = out.get("creatives")
    if isinstance(creatives, dict):
        creatives = [creatives]
    if isinstance(creatives, list):
        if len(creatives) == 1 and isinstance(creatives[0], dict):
            creatives[0].setdefault("percent", 100)
        out["creatives"] = creatives
    audiences = out.get("audiences")
    if isinstance(audiences, dict):
        audiences.setdefault("control_group_percent", 0)
    return out


def comparable_audience(payload: Mapping[str, Any]) -> dict[str, Any]:
    return _strip({k: payload[k] for k in AUDIENCE_FIELDS if k in payload})


def _strip(value: Any, key: str = "") -> Any:
    """Drop server-computed fields and nulls; canonicalize dates."""
    if isinstance(value, dict):
        return {
            k: _strip(v, k) for k, v in value.items() if v is not None and k not in SERVER_FIELDS
        }
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
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
