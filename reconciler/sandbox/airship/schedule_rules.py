"""The schedule object and when a schedule sends [OAS `scheduleObject`, DOC schedules,
SUP-DEL; docs/specs/airship.md#schedules].

A schedule is `{name?, schedule, push}`; `push_ids` is server-set and refused on writes
(400), `url` is ignored. `schedule` holds exactly one of `scheduled_time` (UTC),
`local_scheduled_time` (each device's own time) and `best_time` (`{send_date}`), plus an
optional `recurring` (`cadence` hourly|daily|weekly|monthly|yearly with its required
`count` >= 1 and, for weekly, `days_of_week`; `end_time`; 1 or more `exclusions`;
`paused` read-only, accepted because the library always sends it). A UTC time in
the past is refused; a local time is refused only once it has passed in every time zone
(the docs accept one already past in some zones), and a best-time date once it is over.

When a schedule sends, on the project's clock (ASSUMED windows; the docs give none): a UTC
time at that instant; a local time from when it comes in the first zone (UTC+14) to when it
comes in the last (UTC-12); a best-time date over that day in every zone. A one-time
schedule that has sent leaves the list (ASSUMED, per the notes: "done", not "deleted").
Only a schedule that has not begun sending can be cancelled [SUP-DEL] or changed (409 for a
local-time schedule already sending [OAS]).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from reconciler.sandbox.airship.audience import SegmentExists
from reconciler.sandbox.airship.protocol import (
    bad,
    integer,
    need,
    obj,
    one_of,
    only,
    parse_time,
    text,
    time_field,
)
from reconciler.sandbox.airship.push_rules import check_push

FIELDS = frozenset({"name", "schedule", "push"})
KINDS = ("scheduled_time", "local_scheduled_time", "best_time")
CADENCES = ("hourly", "daily", "weekly", "monthly", "yearly")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FIRST_ZONE, LAST_ZONE = timedelta(hours=14), timedelta(hours=12)
MAX_BATCH, MAX_LOCAL_BATCH = 1000, 100


@dataclass(frozen=True)
class Window:
    """When a schedule sends: from `begin` (the first device) to `end` (the last)."""

    begin: datetime
    end: datetime
    recurring: bool


def window(schedule: dict[str, Any]) -> Window:
    """The sending window of a checked `schedule` spec."""
    recurring = "recurring" in schedule
    if "scheduled_time" in schedule:
        at = time_field(schedule["scheduled_time"], "schedule.scheduled_time")
        return Window(at, at, recurring)
    if "local_scheduled_time" in schedule:
        at = time_field(schedule["local_scheduled_time"], "schedule.local_scheduled_time")
        return Window(at - FIRST_ZONE, at + LAST_ZONE, recurring)
    day = date.fromisoformat(schedule["best_time"]["send_date"])
    midnight = datetime.combine(day, time(0), UTC)
    return Window(midnight - FIRST_ZONE, midnight + timedelta(days=1) + LAST_ZONE, recurring)


def check_schedule(body: Any, path: str, exists: SegmentExists, now: datetime
                   ) -> dict[str, Any]:
    """The schedule as stored (`name?`, `schedule`, `push`), once it checks out."""
    s = obj(body, path or "body")
    at = f"{path}." if path else ""
    if "push_ids" in s:
        raise bad("push_ids is set by the server", f"{at}push_ids")
    s = {k: v for k, v in s.items() if k != "url"}
    only(s, FIELDS, path)
    need(s, ("schedule", "push"), path)
    if "name" in s:
        text(s["name"], f"{at}name")
    _spec(obj(s["schedule"], f"{at}schedule"), f"{at}schedule", now)
    check_push(s["push"], f"{at}push", exists, context="schedule")
    return s


def _spec(spec: dict[str, Any], path: str, now: datetime) -> None:
    only(spec, {*KINDS, "recurring"}, path)
    kinds = [k for k in KINDS if k in spec]
    if len(kinds) != 1:
        raise bad(f"{path} needs exactly one of {', '.join(KINDS)}", path)
    (kind,) = kinds
    if kind == "best_time":
        best = obj(spec[kind], f"{path}.best_time")
        only(best, {"send_date"}, f"{path}.best_time")
        try:
            date.fromisoformat(text(best.get("send_date"), f"{path}.best_time.send_date"))
        except ValueError:
            raise bad(f"{path}.best_time.send_date must be YYYY-MM-DD",
                      f"{path}.best_time.send_date") from None
    else:
        time_field(spec[kind], f"{path}.{kind}")
    if "recurring" in spec:
        _recurring(obj(spec["recurring"], f"{path}.recurring"), f"{path}.recurring")
    if window(spec).end < now or (kind == "scheduled_time" and window(spec).begin < now):
        raise bad("Cannot schedule a push in the past", f"{path}.{kind}")


def _recurring(rec: dict[str, Any], path: str) -> None:
    only(rec, {"cadence", "end_time", "exclusions", "paused"}, path)
    need(rec, ("cadence",), path)
    cadence = obj(rec["cadence"], f"{path}.cadence")
    only(cadence, {"type", "count", "days_of_week"}, f"{path}.cadence")
    need(cadence, ("type", "count"), f"{path}.cadence")  # both required [OAS]
    kind = one_of(cadence.get("type"), CADENCES, f"{path}.cadence.type")
    integer(cadence["count"], f"{path}.cadence.count", 1)
    if "days_of_week" in cadence:
        if kind != "weekly":
            raise bad(f"{path}.cadence.days_of_week is for a weekly cadence only",
                      f"{path}.cadence.days_of_week")
        _days(cadence["days_of_week"], f"{path}.cadence.days_of_week")
    if "end_time" in rec:
        time_field(rec["end_time"], f"{path}.end_time")
    if "paused" in rec and not isinstance(rec["paused"], bool):
        raise bad(f"{path}.paused must be true or false", f"{path}.paused")
    if "exclusions" in rec:
        _exclusions(rec["exclusions"], f"{path}.exclusions")


def _days(value: Any, path: str) -> None:
    """Days of the week: a non-empty array (the library's form; the spec's schema shows one
    string, which is taken too: ASSUMED)."""
    days = value if isinstance(value, list) else [value]
    if not days or not all(d in DAYS for d in days):
        raise bad(f"{path} must list days monday to sunday", path)


def _exclusions(value: Any, path: str) -> None:
    """1 or more of `{hour_range: "h-h"}`, `{date_range: "start/end"}`, `{days_of_week}`."""
    if not isinstance(value, list) or not value:
        raise bad(f"{path} must be a non-empty array", path)
    for i, item in enumerate(value):
        here = f"{path}[{i}]"
        ex = obj(item, here)
        if len(ex) != 1 or next(iter(ex)) not in ("hour_range", "date_range",
                                                  "days_of_week"):
            raise bad(f"{here} needs one of hour_range, date_range, days_of_week", here)
        ((key, given),) = ex.items()
        if key == "hour_range":
            low, dash, high = str(given).partition("-")
            if not (isinstance(given, str) and dash and low.isdigit() and high.isdigit()
                    and 0 <= int(low) <= int(high) <= 23):
                raise bad(f"{here}.hour_range must be two hours 0-23 like \"12-14\"",
                          f"{here}.hour_range")
        elif key == "date_range":
            start, slash, stop = str(given).partition("/")
            a, b = parse_time(start), parse_time(stop)
            if not (isinstance(given, str) and slash and a and b and a <= b):
                raise bad(f"{here}.date_range must be two date-times as start/end",
                          f"{here}.date_range")
        else:
            _days(given, f"{here}.days_of_week")
