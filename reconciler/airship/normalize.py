"""Airship payloads and live objects in one comparable form (DESIGN §4).

Both sides pass through `comparable`: read-only fields (uid, url, status,
creation and modification times, push ids) are dropped, values Airship may
answer either as one object or as a one-item list (`immediate_trigger`,
`outcome`, `constraint`) become the single object, times become
`YYYY-MM-DDTHH:MM:SS` in UTC (Airship's form: no zone, `Z` optional), compound
selector keys become lowercase (ASSUMED: stored as sent), and nulls, empty
strings and empty containers are dropped. A campaign carries `type`
(pipeline | schedule): the endpoint it was read from, and the spec's own field.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from reconciler.workspace.base import parse_instant

SEGMENT_FIELDS = ("display_name", "criteria")
PIPELINE_FIELDS = ("type", "name", "enabled", "immediate_trigger", "outcome", "constraint",
                   "activation_time", "deactivation_time")
SCHEDULE_FIELDS = ("type", "name", "schedule", "push")
PUSH_FIELDS = ("audience", "device_types", "notification")
SINGLE = ("immediate_trigger", "outcome")  # one object, or a one-item list
TIMES = frozenset({"scheduled_time", "activation_time", "deactivation_time", "end_time"})
COMPOUND = ("and", "or", "not")


def wire_time(value: Any) -> Any:
    """A date-time as Airship writes it: UTC, no zone, whole seconds."""
    if not isinstance(value, str):
        return value
    try:
        return parse_instant(value).strftime("%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return value


def comparable(kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    if kind == "segment":
        out = {k: copy.deepcopy(payload[k]) for k in SEGMENT_FIELDS if k in payload}
        if "criteria" in out:
            out["criteria"] = lower_keys(out["criteria"])
        return _clean(out)  # type: ignore[no-any-return]
    fields = PIPELINE_FIELDS if payload.get("type") == "pipeline" else SCHEDULE_FIELDS
    out = {k: copy.deepcopy(payload[k]) for k in fields if k in payload}
    for key in SINGLE:
        if isinstance(out.get(key), list) and len(out[key]) == 1:
            out[key] = out[key][0]
    if isinstance(out.get("constraint"), Mapping):
        out["constraint"] = [out["constraint"]]
    push = out.get("push")
    if isinstance(out.get("outcome"), Mapping):
        out["outcome"] = dict(out["outcome"])
        push = out["outcome"].get("push")
        if isinstance(push, Mapping):
            out["outcome"]["push"] = _push(push)
    elif isinstance(push, Mapping):
        out["push"] = _push(push)
    if out.get("enabled") is None and out.get("type") == "pipeline":
        out["enabled"] = False
    return _clean(_times(out))  # type: ignore[no-any-return]


def _push(push: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: copy.deepcopy(push[k]) for k in PUSH_FIELDS if k in push}
    if isinstance(out.get("device_types"), list):
        out["device_types"] = sorted(out["device_types"])
    if "audience" in out:
        out["audience"] = lower_keys(out["audience"])
    return out


def lower_keys(selector: Any) -> Any:
    """Compound selector keys in lowercase, at any depth."""
    if isinstance(selector, Mapping):
        return {(k.lower() if isinstance(k, str) and k.lower() in COMPOUND else k):
                lower_keys(v) for k, v in selector.items()}
    if isinstance(selector, list):
        return [lower_keys(v) for v in selector]
    return selector


def _times(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _times(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_times(v) for v in value]
    return wire_time(value) if key in TIMES else value


def _clean(value: Any) -> Any:
    """Drop nulls, `""` and empty containers the server may add or omit."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v is not None and v != "" and v != {}
                and v != []}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def segment_ids(body: Mapping[str, Any]) -> tuple[str, ...]:
    """The segment ids a schedule's audience names (an `or` of `{segment: id}`)."""
    push = body.get("push")
    audience = push.get("audience") if isinstance(push, Mapping) else None
    found: list[str] = []
    stack = [audience]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            seg = node.get("segment")
            if isinstance(seg, str):
                found.append(seg)
            stack.extend(v for k, v in node.items() if k in COMPOUND or k.lower() in COMPOUND)
        elif isinstance(node, list):
            stack.extend(node)
    return tuple(dict.fromkeys(reversed(found)))
