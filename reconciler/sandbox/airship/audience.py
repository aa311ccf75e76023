"""Audience selectors: a segment's `criteria` and a push's `audience` [OAS `segmentObject`,
`audienceSelector`; docs/specs/airship.md#audience-selectors].

The grammar is checked, not echoed: compound `and`/`or` (1 to 10 items) and `not` (one
selector), in lowercase or uppercase (the schema spells them `AND/OR/NOT`, the examples and
the library use lowercase; ASSUMED either is accepted and stored as sent); atomic selectors
with only their own keys [OAS `atomicSelector`]: a tag, named user or static list 1 to 128
characters, an SMS sender 1 to 16, a subscription list id of letters, digits, `_` and `-`,
segment and channel ids UUIDs, `sms_id` an object of `sender` and `msisdn`, and an array of
any of them 1 to 100 items; at most 1,000 selectors in all [SUP-LIM, OAS
`audienceSelector1000`]. A `segment` selector must name a segment of the project (ASSUMED:
the spec only says segments can nest). `location`, `tag_class`, `web_channel` and
`email_address` are not atomic selectors in the current spec: unknown keys, so 400.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from reconciler.sandbox.airship.protocol import bad, one_of, only, text

MAX_SELECTORS = 1000
COMPOUND_ITEMS = (1, 10)
TAG_LENGTH = (1, 128)
MAX_IDS = 100  # a selector's array of ids or names [OAS `uuidArray`, `stringArray`]
# atomic selectors of one id or an array of ids: the spec's `format: uuid` ones, the
# 1-128 character names, and SMS sender codes (1-16) [OAS `atomicSelector`]
UUID_SELECTORS = frozenset({"segment", "channel", "ios_channel", "android_channel",
                            "amazon_channel", "open_channel"})
NAME_SELECTORS = {"named_user": (1, 128), "static_list": (1, 128),
                  "subscription_list": (1, None), "sms_sender": (1, 16)}
SUBSCRIPTION_LIST_ID = re.compile(r"[A-Za-z0-9_-]+")
ATTRIBUTE_OPERATORS = ("equals", "contains", "less", "greater", "is_empty", "before", "after",
                       "range")
ACTIVITY_KEYS = frozenset({"activity", "metric", "operator", "value", "after", "before", "on",
                           "precision", "where", "event", "timeframe"})
METRICS = ("count", "total_value", "first", "last")

SegmentExists = Callable[[str], bool]


def check_audience(value: Any, path: str, segment_exists: SegmentExists, *,
                   allow: tuple[str, ...] = ("all",)) -> None:
    """400 unless `value` is a valid selector tree with at most 1,000 selectors. `allow`:
    the bare words this context takes ("all" for a push, "triggered" for an outcome)."""
    count = _selector(value, path, segment_exists, allow, depth=0)
    if count > MAX_SELECTORS:
        raise bad(f"An audience may hold at most {MAX_SELECTORS} selectors, not {count}", path)


def _selector(value: Any, path: str, exists: SegmentExists, allow: tuple[str, ...],
              depth: int) -> int:
    """The number of atomic selectors in `value`, after checking it."""
    if isinstance(value, str):
        if value in allow:
            return 1
        raise bad(f"{path} must be a selector object" + (
            f" or {' or '.join(repr(a) for a in allow)}" if allow else ""), path)
    if not isinstance(value, dict) or not value:
        raise bad(f"{path} must be a selector object", path)
    if depth > 50:
        raise bad("Audience nested too deeply", path)
    keys = {k.lower() for k in value}
    if keys & {"and", "or", "not"}:
        return _compound(value, path, exists, depth)
    return _atomic(value, path, exists)


def _compound(value: dict[str, Any], path: str, exists: SegmentExists, depth: int) -> int:
    if len(value) != 1:
        raise bad(f"{path}: a compound selector has exactly one key", path)
    ((key, items),) = value.items()
    here = f"{path}.{key}"
    if key.lower() == "not":
        if isinstance(items, list):  # the spec's NOT takes one selector
            raise bad(f"{here} takes one selector, not an array", here)
        return _selector(items, here, exists, (), depth + 1)
    low, high = COMPOUND_ITEMS
    if not isinstance(items, list) or not low <= len(items) <= high:
        raise bad(f"{here} must be an array of {low} to {high} selectors", here)
    return sum(_selector(item, f"{here}[{i}]", exists, (), depth + 1)
               for i, item in enumerate(items))


def _atomic(value: dict[str, Any], path: str, exists: SegmentExists) -> int:
    if "tag" in value:
        return _tag(value, path)
    if "attribute" in value:
        only(value, {"attribute", "operator", "value", "precision", "unit"}, path)
        text(value["attribute"], f"{path}.attribute", 1)
        op = one_of(value.get("operator"), ATTRIBUTE_OPERATORS, f"{path}.operator")
        if op != "is_empty" and "value" not in value:
            raise bad(f"{path}.value is required with operator {op}", f"{path}.value")
        return 1
    if "activity" in value:
        only(value, ACTIVITY_KEYS, path)
        text(value["activity"], f"{path}.activity", 1)
        if "metric" in value:
            one_of(value["metric"], METRICS, f"{path}.metric")
        return 1
    if "sms_id" in value:
        only(value, {"sms_id"}, path)
        sms = value["sms_id"]
        if not isinstance(sms, dict):
            raise bad(f"{path}.sms_id must be an object with sender and msisdn",
                      f"{path}.sms_id")
        only(sms, {"sender", "msisdn"}, f"{path}.sms_id")
        for key in ("sender", "msisdn"):
            text(sms.get(key), f"{path}.sms_id.{key}", 1, 128)
        return 1
    if len(value) != 1:
        raise bad(f"{path}: an atomic selector has exactly one key", path)
    ((key, ids),) = value.items()
    here = f"{path}.{key}"
    if key in UUID_SELECTORS:
        listed = _ids(ids, here, (36, 36))
        for ident in listed:
            if not _is_uuid(ident):
                raise bad(f"{here}: {ident!r} is not a UUID", here)
        if key == "segment":
            for ident in listed:
                if not exists(ident):
                    raise bad(f"Segment {ident} does not exist", here)
        return len(listed)
    if key in NAME_SELECTORS:
        listed = _ids(ids, here, NAME_SELECTORS[key])
        if key == "subscription_list" and not all(
                SUBSCRIPTION_LIST_ID.fullmatch(i) for i in listed):
            raise bad(f"{here}: a list id holds letters, digits, _ and - only", here)
        return len(listed)
    raise bad(f"Unexpected key {key!r}", here)


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def _tag(value: dict[str, Any], path: str) -> int:
    only(value, {"tag", "group"}, path)
    if "group" in value:
        text(value["group"], f"{path}.group", 1)
    return len(_ids(value["tag"], f"{path}.tag", TAG_LENGTH))


def _ids(value: Any, path: str, length: tuple[int, int | None]) -> list[str]:
    """One id or name, or an array of 1 to 100 of them, each `length` characters."""
    listed = value if isinstance(value, list) else [value]
    low, high = length
    if not 1 <= len(listed) <= MAX_IDS or not all(
            isinstance(v, str) and low <= len(v) <= (high or len(v)) for v in listed):
        span = f"{low} to {high} characters" if high else "non-empty"
        raise bad(f"{path} must be one id or an array of 1 to {MAX_IDS}, each {span}", path)
    return listed


def named_recipients(value: Any) -> list[tuple[str, str]] | None:
    """The (selector, id) pairs of an audience made only of named channels or named users
    (one selector, or an `or` of them); None for any other audience. The sandbox sends
    only to such audiences (its send-test guard, not an Airship rule)."""
    named = ("channel", "ios_channel", "android_channel", "named_user")
    parts = value.get("or", value.get("OR")) if isinstance(value, dict) and len(value) == 1 \
        else None
    selectors = parts if isinstance(parts, list) else [value]
    found: list[tuple[str, str]] = []
    for selector in selectors:
        if not isinstance(selector, dict) or len(selector) != 1:
            return None
        ((key, ids),) = selector.items()
        listed = ids if isinstance(ids, list) else [ids]
        if key not in named or not listed or not all(isinstance(i, str) and i for i in listed):
            return None
        found += [(key, i) for i in listed]
    return found
