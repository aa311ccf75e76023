"""The pipeline object, checked [OAS `pipelineObject`; docs/specs/airship.md#pipelines].

Required `enabled` and `outcome`, and at least one of `immediate_trigger` /
`historical_trigger`. A historical trigger is inactivity only (`{event: "open", equals:
0, days: 1..90}`) and excludes `timing`. A `cancellation_trigger` needs timing that can
delay the outcome and no historical trigger, and may not be `first_open`. `timing`:
`delay.seconds >= 1`, a schedule of dayparts. At most 3 unique `constraint` rates (days
<= 90, hours <= 72, lifetimes = 1), at most 20 `condition`s. The read-only fields
(`uid, url, status, creation_time, last_modified_time`) are ignored on writes [OAS].
"""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.airship.audience import SegmentExists
from reconciler.sandbox.airship.protocol import (
    bad,
    boolean,
    integer,
    need,
    obj,
    one_of,
    only,
    text,
    time_field,
)
from reconciler.sandbox.airship.push_rules import check_push

FIELDS = frozenset({"name", "enabled", "activation_time", "deactivation_time",
                    "immediate_trigger", "cancellation_trigger", "historical_trigger",
                    "outcome", "timing", "constraint", "condition"})
READ_ONLY = frozenset({"uid", "url", "status", "creation_time", "last_modified_time"})
SIMPLE_EVENTS = ("open", "first_open", "first_opt_in", "double_opt_in", "region_entered",
                 "region_exited")
COMPOUND_EVENTS = frozenset({"tag_added", "tag_removed", "custom_event", "subscription_added",
                             "subscription_removed", "region_entered", "region_exited",
                             "double_opt_in", "pipeline_event"})
# what a compound event identifier may carry besides its event [OAS `eventIdentifier`]
IDENTIFIER_EXTRAS = frozenset({"activation_time", "deactivation_time", "condition", "id"})
IMMEDIATE_ONLY = ("first_open", "first_opt_in")  # "only available in immediate triggers"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
RATE_CAPS = {"days": 90, "hours": 72, "lifetimes": 1}
MAX_CONSTRAINTS, MAX_CONDITIONS, HISTORICAL_DAYS = 3, 20, (1, 90)


def check_pipeline(body: Any, path: str, segment_exists: SegmentExists) -> dict[str, Any]:
    """The pipeline as stored: the body without its read-only fields, once it checks out."""
    p = obj(body, path or "body")
    only(p, FIELDS | READ_ONLY, path)
    p = {k: v for k, v in p.items() if k not in READ_ONLY}
    at = f"{path}." if path else ""
    need(p, ("enabled", "outcome"), path)
    boolean(p["enabled"], f"{at}enabled")
    if "name" in p and p["name"] is not None:
        text(p["name"], f"{at}name")
    for key in ("activation_time", "deactivation_time"):
        if p.get(key) is not None:
            time_field(p[key], f"{at}{key}")
    if p.get("immediate_trigger") is None and p.get("historical_trigger") is None:
        raise bad("A pipeline needs an immediate_trigger or a historical_trigger",
                  f"{at}immediate_trigger")
    if p.get("immediate_trigger") is not None:
        _triggers(p["immediate_trigger"], f"{at}immediate_trigger")
    if p.get("historical_trigger") is not None:
        _historicals(p["historical_trigger"], f"{at}historical_trigger")
        if p.get("timing") is not None:
            raise bad("A pipeline with a historical_trigger cannot have timing", f"{at}timing")
    if p.get("timing") is not None:
        _timing(p["timing"], f"{at}timing")
    if p.get("cancellation_trigger") is not None:
        _cancellation(p, f"{at}cancellation_trigger")
    _outcome(p["outcome"], f"{at}outcome", segment_exists)
    if p.get("constraint") is not None:
        _constraints(p["constraint"], f"{at}constraint")
    if p.get("condition") is not None:
        _conditions(p["condition"], f"{at}condition")
    return p


def _listed(value: Any) -> list[Any]:
    """A field that may be one item or an array of them (implicit OR)."""
    return value if isinstance(value, list) else [value]


def _triggers(value: Any, path: str) -> list[Any]:
    items = _listed(value)
    if not items:
        raise bad(f"{path} must name at least one event", path)
    for i, item in enumerate(items):
        here = f"{path}[{i}]" if isinstance(value, list) else path
        if isinstance(item, str):
            one_of(item, SIMPLE_EVENTS, here)
            continue
        event = obj(item, here)
        kinds = set(event) - IDENTIFIER_EXTRAS
        if len(kinds) != 1 or not kinds <= COMPOUND_EVENTS:
            raise bad(f"{here} must be one event: {', '.join(sorted(COMPOUND_EVENTS))}", here)
        (kind,) = kinds
        if kind in ("tag_added", "tag_removed"):
            _tag_event(event[kind], f"{here}.{kind}")
        for extra in ("activation_time", "deactivation_time"):
            if extra in event:
                time_field(event[extra], f"{here}.{extra}")
    return items


def _tag_event(value: Any, path: str) -> None:
    if isinstance(value, str):
        text(value, path, 1, 128)
        return
    tag = obj(value, path)
    only(tag, {"tag", "group"}, path)
    need(tag, ("tag",), path)
    text(tag["tag"], f"{path}.tag", 1, 128)


def _historicals(value: Any, path: str) -> None:
    """One historical trigger or an array of them [OAS `pipelineObject`]."""
    items = _listed(value)
    if not items:
        raise bad(f"{path} must hold at least one trigger", path)
    for i, item in enumerate(items):
        _historical(item, f"{path}[{i}]" if isinstance(value, list) else path)


def _historical(value: Any, path: str) -> None:
    h = obj(value, path)
    only(h, {"event", "equals", "days", "creation_time"}, path)
    need(h, ("event", "equals", "days"), path)
    one_of(h["event"], ("open",), f"{path}.event")
    integer(h["equals"], f"{path}.equals", 0, 0)
    integer(h["days"], f"{path}.days", *HISTORICAL_DAYS)


def _timing(value: Any, path: str) -> None:
    t = obj(value, path)
    only(t, {"delay", "schedule"}, path)
    if "delay" in t:
        delay = obj(t["delay"], f"{path}.delay")
        only(delay, {"seconds"}, f"{path}.delay")
        need(delay, ("seconds",), f"{path}.delay")
        integer(delay["seconds"], f"{path}.delay.seconds", 1)
    if "schedule" in t:
        s = obj(t["schedule"], f"{path}.schedule")
        only(s, {"type", "miss_behavior", "dayparts"}, f"{path}.schedule")
        need(s, ("dayparts",), f"{path}.schedule")
        one_of(s.get("type", "local"), ("local", "utc"), f"{path}.schedule.type")
        one_of(s.get("miss_behavior", "wait"), ("wait", "cancel"),
               f"{path}.schedule.miss_behavior")
        parts = s["dayparts"]
        if not isinstance(parts, list) or not parts:
            raise bad(f"{path}.schedule.dayparts must be a non-empty array",
                      f"{path}.schedule.dayparts")
        for i, part in enumerate(parts):
            _daypart(part, f"{path}.schedule.dayparts[{i}]")


def _daypart(value: Any, path: str) -> None:
    part = obj(value, path)
    only(part, {"days_of_week", "allowed_times"}, path)
    days = part.get("days_of_week", [])
    if not isinstance(days, list) or not all(d in DAYS for d in days):
        raise bad(f"{path}.days_of_week must list days monday to sunday", f"{path}.days_of_week")
    spans = part.get("allowed_times", [])
    if not isinstance(spans, list):
        raise bad(f"{path}.allowed_times must be an array", f"{path}.allowed_times")
    for j, span in enumerate(spans):
        here = f"{path}.allowed_times[{j}]"
        times = obj(span, here)
        only(times, {"start", "end", "preferred"}, here)
        for key, clock in times.items():
            if not (isinstance(clock, str) and len(clock) == 8 and clock[2] == clock[5] == ":"
                    and clock.replace(":", "").isdigit()):
                raise bad(f"{here}.{key} must be hh:mm:ss", f"{here}.{key}")
        if ("start" in times) != ("end" in times):  # "optional, unless ... is specified"
            raise bad(f"{here}: start and end go together", here)
        if "preferred" in times and "start" in times and not (
                times["start"] <= times["preferred"] <= times["end"]):
            raise bad(f"{here}.preferred must be between start and end", f"{here}.preferred")


def _cancellation(p: dict[str, Any], path: str) -> None:
    if p.get("historical_trigger") is not None:
        raise bad("cancellation_trigger cannot be used with a historical_trigger", path)
    if p.get("timing") is None:
        raise bad("cancellation_trigger needs timing that can delay the outcome", path)
    for event in _triggers(p["cancellation_trigger"], path):
        if event in IMMEDIATE_ONLY:
            raise bad(f"{event} cannot be a cancellation_trigger", path)


def _outcome(value: Any, path: str, exists: SegmentExists) -> None:
    items = _listed(value)
    if not items:
        raise bad(f"{path} must hold at least one outcome", path)
    for i, item in enumerate(items):
        here = f"{path}[{i}]" if isinstance(value, list) else path
        outcome = obj(item, here)
        only(outcome, {"push"}, here)
        need(outcome, ("push",), here)
        check_push(outcome["push"], f"{here}.push", exists, context="pipeline")


def _constraints(value: Any, path: str) -> None:
    items = _listed(value)
    if len(items) > MAX_CONSTRAINTS:
        raise bad(f"{path}: at most {MAX_CONSTRAINTS} constraints", path)
    seen = []
    for i, item in enumerate(items):
        here = f"{path}[{i}]"
        rate = obj(obj(item, here).get("rate"), f"{here}.rate")
        only(obj(item, here), {"rate"}, here)
        integer(rate.get("pushes"), f"{here}.rate.pushes", 1)
        spans = set(rate) - {"pushes"}
        if len(spans) != 1 or not spans <= set(RATE_CAPS):
            raise bad(f"{here}.rate takes pushes and one of days, hours, lifetimes",
                      f"{here}.rate")
        (span,) = spans
        integer(rate[span], f"{here}.rate.{span}", 1, RATE_CAPS[span])
        if rate in seen:
            raise bad(f"{path}: constraints must be unique", here)
        seen.append(rate)


def _conditions(value: Any, path: str) -> None:
    items = _listed(value)
    for i, item in enumerate(items):
        here = f"{path}[{i}]"
        group = obj(item, here)
        if len(group) != 1 or next(iter(group)) not in ("and", "or"):
            raise bad(f"{here} must be one and/or group of conditions", here)
        conds = next(iter(group.values()))
        if not isinstance(conds, list) or not conds:
            raise bad(f"{here} must hold at least one condition", here)
        for j, cond in enumerate(conds):
            c = obj(cond, f"{here}[{j}]")
            if len(c) != 1 or next(iter(c)) not in ("tag", "subscription"):
                raise bad(f"{here}[{j}] must be a tag or subscription condition",
                          f"{here}[{j}]")
    if sum(len(next(iter(g.values()))) for g in items) > MAX_CONDITIONS:
        raise bad(f"{path}: at most {MAX_CONDITIONS} conditions", path)
