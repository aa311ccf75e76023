"""Airship segments, pipelines and scheduled pushes in a reviewer's words.

Who: a segment's criteria as a sentence (`devices tagged vip and not tagged
churned`), a schedule's segments by name, a pipeline's "each device that
triggers it". What: the alert per platform (an override, else the default).
When: a schedule's time (UTC, device-local, Airship's best time that day, and
how it recurs); a pipeline's trigger, and whether it is enabled.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from reconciler.airship.normalize import comparable, segment_ids
from reconciler.describe import Context, Piece, Their, joined, moment, say
from reconciler.plan.model import Phrase, Words

PLATFORMS = {"ios": "iOS", "android": "Android", "web": "web"}
TRIGGERS = {"open": "the app is opened", "first_open": "the app is first opened",
            "first_opt_in": "a device first opts in to push",
            "double_opt_in": "a device double opts in"}


def describe(kind: str, payload: Mapping[str, Any], context: Context) -> Words:
    body = comparable(kind, payload)
    if kind == "segment":
        return (say("name", "name", Their(str(body.get("display_name", ""))),
                    paths=("display_name",)),
                say("who", "who", "devices ", *criteria(body.get("criteria")),
                    paths=("criteria",)))
    out = [say("name", "name", Their(str(body.get("name", ""))), paths=("name",))]
    if body.get("type") == "schedule":
        push = body.get("push") or {}
        out += [say("status", "status", "scheduled push: armed once applied", paths=()),
                _who_segments(body, context), _when_schedule(body.get("schedule") or {})]
    else:
        push = (body.get("outcome") or {}).get("push") or {}
        on = bool(body.get("enabled"))
        out += [say("status", "status", "automation: " + (
                    "enabled, sends on its trigger" if on else "disabled: reaches no one"),
                    paths=("enabled",)),
                say("who", "who", "each device that triggers it", paths=("immediate_trigger",)),
                say("when", "when", "when ", *_trigger(body.get("immediate_trigger")),
                    *_window(body), paths=("immediate_trigger", "activation_time",
                                          "deactivation_time"))]
        if body.get("constraint"):
            out.append(say("limits", "other", *_limits(body["constraint"]),
                           paths=("constraint",)))
    prefix = "push." if body.get("type") == "schedule" else "outcome.push."
    out += _what(push if isinstance(push, Mapping) else {}, prefix)
    return tuple(out)


def criteria(node: Any) -> list[Piece]:
    """A selector tree as a sentence; one we have no words for, as written."""
    if node == "all":
        return ["of every user"]
    if isinstance(node, Mapping) and len(node) == 1:
        key, value = next(iter(node.items()))
        if key in ("and", "or") and isinstance(value, list):
            parts = [criteria(v) for v in value]
            return ["(", *joined(parts, sep=f" {key} ", last=f" {key} "), ")"] \
                if len(parts) > 1 else parts[0]
        if key == "not":
            return ["not ", *criteria(value)]
        if key in ("named_user", "static_list", "subscription_list", "segment"):
            return [f"in {key.replace('_', ' ')} ", Their(_text(value))]
    if isinstance(node, Mapping) and "tag" in node:
        group: list[Piece] = [" (group ", Their(str(node["group"])), ")"] \
            if node.get("group") else []
        return ["tagged ", Their(_text(node["tag"])), *group]
    return ["matching ", Their(_text(node))]


def _who_segments(body: Mapping[str, Any], context: Context) -> Phrase:
    names: list[list[Piece]] = []
    for sid in segment_ids(body):
        known = context.get(sid) or context.get(sid.strip("<>"))
        names.append([Their(known.name), f" ({known.key})"] if known and known.key else
                     [Their(known.name)] if known else [Their(sid), " (not managed here)"])
    noun = "segment " if len(names) == 1 else "anyone in the segments "
    return say("who", "who", noun, *joined(names, last=" or "), paths=("push.audience",))


def _when_schedule(schedule: Mapping[str, Any]) -> Phrase:
    pieces: list[Piece]
    if schedule.get("scheduled_time"):
        pieces = ["at ", moment(schedule["scheduled_time"])]
    elif schedule.get("local_scheduled_time"):
        pieces = ["at ", Their(str(schedule["local_scheduled_time"])),
                  " in each device's own time zone"]
    else:
        day = (schedule.get("best_time") or {}).get("send_date")
        pieces = ["on ", Their(str(day)), " at the hour Airship predicts each user opens"]
    recurring = schedule.get("recurring")
    if isinstance(recurring, Mapping):
        cadence = recurring.get("cadence") or {}
        every = int(cadence.get("count") or 1)
        unit = {"hourly": "hour", "daily": "day", "weekly": "week", "monthly": "month",
                "yearly": "year"}.get(str(cadence.get("type")), str(cadence.get("type")))
        pieces += [", then every " + (unit if every == 1 else f"{every} {unit}s")]
        if cadence.get("days_of_week"):
            pieces += [" on ", ", ".join(map(str, cadence["days_of_week"]))]
        pieces += [" until ", moment(recurring["end_time"])] if recurring.get("end_time") \
            else [", with no end"]
    return say("when", "when", *pieces, paths=("schedule",))


def _trigger(trigger: Any) -> list[Piece]:
    items = trigger if isinstance(trigger, list) else [trigger]
    parts: list[list[Piece]] = []
    for item in items:
        if isinstance(item, str):
            parts.append([TRIGGERS.get(item, item)])
        elif isinstance(item, Mapping) and len(item) == 1:
            key, value = next(iter(item.items()))
            parts.append([key.replace("_", " ") + " ", Their(_text(value))])
    return joined(parts, last=" or ")


def _window(body: Mapping[str, Any]) -> list[Piece]:
    out: list[Piece] = []
    if body.get("activation_time"):
        out += [", from ", moment(body["activation_time"])]
    if body.get("deactivation_time"):
        out += [", until ", moment(body["deactivation_time"])]
    return out


def _limits(constraints: list[Any]) -> list[Piece]:
    parts: list[list[Piece]] = []
    for c in constraints:
        rate = c.get("rate") if isinstance(c, Mapping) else None
        if isinstance(rate, Mapping):
            unit = next((u for u in ("days", "hours") if rate.get(u)), None)
            per = f"per {rate[unit]} {unit}" if unit else "per device, ever"
            parts.append([f"at most {rate.get('pushes')} {per}"])
    return joined(parts, last=" and ")


def _what(push: Mapping[str, Any], prefix: str) -> list[Phrase]:
    note = push.get("notification") or {}
    default = note.get("alert")
    out = []
    for device in push.get("device_types") or ():
        found = note.get(device)
        override: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        text = override.get("alert") or default
        title = override.get("title")
        pieces: list[Piece] = [Their(str(title)), ": "] if title else []
        out.append(say(PLATFORMS.get(device, device), "what", *pieces, Their(str(text)),
                       paths=(f"{prefix}notification.{device}", f"{prefix}notification.alert",
                              f"{prefix}device_types"), block=True))
    return out


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
