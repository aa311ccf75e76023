"""Airship campaign specs as `Sending`s for the calendar and the daily cap.

A scheduled push sends at its `scheduled_time` (UTC), at its
`local_scheduled_time` (placed at that wall-clock time as if UTC: devices send
through the day across zones), or on its `best_time` day (placed at 00:00 UTC:
Airship picks the hour per user); with `recurring`, again every `count`
hours, days, weeks (on its `days_of_week`), months or years until `end_time`.
A schedule is armed once applied, so every one counts (`go_live`). Pipelines
send "on trigger", at no time a calendar can place: they are left out of the
grid (their words in a plan say when they send).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from reconciler.calendar.grid import Sending
from reconciler.workspace.base import parse_instant
from reconciler.workspace.workspace import Spec

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_SENDS = 10_000  # per schedule in one window: an hourly cadence over a long window


def first_time(schedule: Mapping[str, Any]) -> datetime | None:
    if schedule.get("scheduled_time"):
        return parse_instant(str(schedule["scheduled_time"]))
    if schedule.get("local_scheduled_time"):
        return parse_instant(str(schedule["local_scheduled_time"])).replace(tzinfo=UTC)
    day = (schedule.get("best_time") or {}).get("send_date")
    return parse_instant(str(day)) if day else None


LATEST_ZONE = timedelta(hours=14)  # a local time's last zone (UTC-12) runs this far behind
ZONE_SPREAD = timedelta(hours=26)  # from the first zone (UTC+14) to the last


def passed(schedule: Mapping[str, Any], now: datetime) -> bool:
    """Whether a one-time schedule's send time is over everywhere (a recurring one never
    is here: its `end_time` ends it). Airship removes a sent one-time schedule (ASSUMED),
    so creating it again would send it again."""
    at = first_time(schedule)
    if at is None or isinstance(schedule.get("recurring"), Mapping):
        return False
    if schedule.get("local_scheduled_time"):
        at += LATEST_ZONE
    elif schedule.get("best_time"):
        at += ZONE_SPREAD
    return at <= now


def times(schedule: Mapping[str, Any], end: datetime) -> Iterator[datetime]:
    """Every send time before `end`."""
    at = first_time(schedule)
    if at is None:
        return
    recurring = schedule.get("recurring")
    if not isinstance(recurring, Mapping):
        if at < end:
            yield at
        return
    cadence = recurring.get("cadence") or {}
    stop = parse_instant(str(recurring["end_time"])) if recurring.get("end_time") else end
    stop = min(stop, end)
    unit, step = str(cadence.get("type")), int(cadence.get("count") or 1)
    weekdays = {DAYS.index(d) for d in cadence.get("days_of_week") or () if d in DAYS}
    if unit not in ("hourly", "daily", "weekly", "monthly", "yearly"):
        return
    for n in range(MAX_SENDS):
        if unit == "weekly" and weekdays:
            if at - timedelta(days=at.weekday()) + timedelta(weeks=step * n) >= stop:
                return
            yield from (d for d in _week(at, step, n, weekdays) if d < stop)
            continue
        t = _nth(at, unit, step * n)
        if t is not None and t >= stop:
            return
        if t is not None:
            yield t


def _nth(at: datetime, unit: str, n: int) -> datetime | None:
    if unit == "hourly":
        return at + timedelta(hours=n)
    if unit == "daily":
        return at + timedelta(days=n)
    if unit == "weekly":
        return at + timedelta(weeks=n)
    months = n * (12 if unit == "yearly" else 1) if unit in ("monthly", "yearly") else None
    if months is None:
        return None
    year, month = divmod(at.month - 1 + months, 12)
    try:
        return at.replace(year=at.year + year, month=month + 1)
    except ValueError:
        return None  # the 31st in a shorter month: Airship's rule is not documented


def _week(at: datetime, step: int, n: int, weekdays: set[int]) -> list[datetime]:
    """The chosen days of the n-th active week, from `at` on."""
    monday = at - timedelta(days=at.weekday()) + timedelta(weeks=step * n)
    return sorted(d for d in (monday + timedelta(days=i) for i in weekdays) if d >= at)


def sendings(specs: Iterable[Spec], start: date, days: int, now: datetime) -> list[Sending]:
    """One `Sending` per scheduled push with sends inside the window."""
    begin = datetime(start.year, start.month, start.day, tzinfo=UTC)
    end = begin + timedelta(days=days)
    out = []
    for spec in specs:
        schedule = spec.body.get("schedule")
        if spec.kind != "campaign" or spec.body.get("type") != "schedule" or \
                not isinstance(schedule, Mapping):
            continue
        inside = tuple(t for t in times(schedule, end) if t >= begin)
        if inside:
            out.append(Sending(spec.key, spec.name, frozenset(spec.body.get("segments") or ()),
                               inside, go_live=True))
    return out
