"""Fields the server computes: timestamps, normalized dates, letters, reach counts.

Kept apart from the routers so that every place that answers a timestamp or a
date answers it in the same form, and so segmentation counts are one pure
function of the rules (plans show reach; the same rules must always give the
same reach).
"""

from __future__ import annotations

import hashlib
import json
import string
from datetime import UTC, datetime
from typing import Any

from reconciler.sandbox.base import iso_ms

LETTERS = string.ascii_uppercase
MAX_CREATIVES = len(LETTERS)


def iso_seconds(moment: datetime) -> str:
    """`2025-11-26T10:34:18Z`: the form of `last_calculated_on`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_api_date(value: object) -> datetime | None:
    """A client's date (`2026-12-01`, `…T09:00:00Z`, `…+02:00`, naive = UTC), or None.

    The OpenAPI calls these `format: date` yet gives date-times as examples, so
    both are accepted and answered as one UTC instant.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # year 1 at a positive offset: no UTC instant, no date
        return None


def normalize_date(value: object) -> object:
    """The API's answer for a date a client sent; unparseable input is left alone."""
    moment = parse_api_date(value)
    return iso_ms(moment) if moment else value


def canonical_json(value: Any) -> str:
    """Key-order independent JSON: the input of every stable hash."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def segmentation_counts(target_rules: Any) -> dict[str, int]:
    """Reach of an audience, deterministic from its rules.

    A stable hash (not Python's salted `hash`) of the canonical rules picks a
    user_count in [1000, 500000]; has_push and seen_last_thirty are fractions
    of it, so has_push <= user_count always holds as it does in the real API.
    """
    digest = hashlib.sha256(canonical_json(target_rules).encode("utf-8")).digest()
    user_count = 1000 + int.from_bytes(digest[0:8], "big") % 499_001
    push_share = 40 + digest[8] % 51  # 40..90 %
    seen_share = 20 + digest[9] % 61  # 20..80 %
    return {
        "user_count": user_count,
        "has_push": user_count * push_share // 100,
        "seen_last_thirty": user_count * seen_share // 100,
    }


def schedule_summary(schedule: dict[str, Any]) -> dict[str, Any]:
    """Listing columns derived from a (normalized) schedule.

    `send_local_tz` is 1 when a starting time zone is given (the campaign is
    sent by the users' local clock); `begin_date` is the first send, or null
    for begin_immediately; `end_date` exists only for recurring campaigns.
    """
    kind, body = next(iter(schedule.items()))
    body = body if isinstance(body, dict) else {}
    begin = body.get("begin_date") if kind != "optimized" else body.get("fallback_time")
    return {
        "recurring": 1 if kind == "recurring" else 0,
        "send_local_tz": 1 if body.get("starting_time_zone_id") is not None else 0,
        "begin_date": begin,
        "end_date": body.get("end_date") if kind == "recurring" else None,
    }
