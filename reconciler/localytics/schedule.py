"""When a Localytics push campaign sends, as instants: its schedule expanded.

Frequency caps are per user, and over-messaging is about one user, so the
expansion follows one user who qualifies for every send: a send is kept
only while the campaign's caps still allow it to reach that user.
Days are UTC days; `starting_time_zone_id` (local-time delivery) is ignored.
"""

from __future__ import annotations

import calendar as cal
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from reconciler.workspace.base import parse_instant

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A capped recurring campaign is followed from its begin date (its caps count
# earlier sends) for up to MAX_HISTORY; one begun longer ago, from a year before
# the window (caps then count that year only). MAX_SENDS bounds any walk.
MAX_HISTORY = timedelta(days=3 * 366)
LOOKBACK = timedelta(days=366)
MAX_SENDS = 200_000


def sends(schedule: Mapping[str, Any], start: date, end: date, now: datetime) -> list[datetime]:
    """Send instants of `schedule` on the UTC days [start, end), after frequency caps.

    begin_immediately sends once, `now`; on_schedule once at begin_date;
    optimized once, counted at its fallback_time; recurring per its intervals.
    """
    times: list[datetime]
    if "begin_immediately" in schedule:
        times = [now.astimezone(UTC)]
    elif "on_schedule" in schedule:
        times = [_utc(schedule["on_schedule"]["begin_date"])]
    elif "optimized" in schedule:
        times = [_utc(schedule["optimized"]["fallback_time"])]
    elif "recurring" in schedule:
        times = _recurring(schedule["recurring"], start, end)
    else:
        times = []
    return [t for t in times if start <= t.date() < end]


def _utc(value: Any) -> datetime:
    """A schedule date as a UTC datetime, so its day is the UTC day."""
    return parse_instant(str(value)).astimezone(UTC)


def _recurring(rec: Mapping[str, Any], start: date, end: date) -> list[datetime]:
    begin = _utc(rec["begin_date"])
    stop = datetime.combine(end, datetime.min.time(), UTC)
    if rec.get("end_date"):
        stop = min(stop, _utc(rec["end_date"]) + timedelta(microseconds=1))
    first = datetime.combine(start, datetime.min.time(), UTC)
    caps = rec.get("frequency_attributes") or ()
    since = begin
    if not caps:
        since = max(begin, first)
    elif first - begin > MAX_HISTORY:
        since = first - LOOKBACK
    candidates: set[datetime] = set()
    for interval in rec.get("intervals") or ():
        for t in _interval(interval, begin, since):
            if t >= stop or len(candidates) >= MAX_SENDS:
                break
            candidates.add(t)
    return _capped(sorted(candidates), rec.get("frequency_attributes") or ())


def _interval(interval: Mapping[str, Any], begin: datetime,
              since: datetime) -> Iterator[datetime]:
    """The interval's send times from begin on, skipping those before `since`."""
    kind = interval.get("interval")
    steps = {"every hour": timedelta(hours=1), "every day": timedelta(days=1),
             "every other day": timedelta(days=2), "weekly": timedelta(days=7)}
    if kind in steps:
        step = steps[kind]
        t = begin
        if kind == "weekly":
            target = WEEKDAYS.index(str(interval.get("day_of_week")))
            t = begin + timedelta(days=(target - begin.weekday()) % 7)
        if since > t:
            t += step * ((since - t) // step)  # same phase, no walk through the years
        while True:
            yield t
            t += step
    elif kind == "monthly":
        yield from _monthly(int(interval.get("on_day") or 1), begin)


def _monthly(on_day: int, begin: datetime) -> Iterator[datetime]:
    """The on_day of every month from begin's month; in shorter months, their last day.

    The API does not say what on_day 31 does in a 30-day month; sending on the
    month's last day is the reading that never silently skips a month.
    """
    year, month = begin.year, begin.month
    while True:
        day = min(on_day, cal.monthrange(year, month)[1])
        t = begin.replace(year=year, month=month, day=day)
        if t >= begin:
            yield t
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _capped(times: list[datetime], caps: Any) -> list[datetime]:
    """The sends one user receives under `messages_per_days` and `total_message_ever` caps."""
    kept: list[datetime] = []
    for t in times:
        if all(_allows(cap, kept, t) for cap in caps if isinstance(cap, Mapping)):
            kept.append(t)
    return kept


def _allows(cap: Mapping[str, Any], kept: list[datetime], t: datetime) -> bool:
    count = int(cap.get("count") or 0)
    if cap.get("name") == "total_message_ever":
        return len(kept) < count
    if cap.get("name") == "messages_per_days":
        window = timedelta(days=int(cap.get("days") or 1))
        apart = int(cap.get("messages_atleast_days_apart") or 0)
        if kept and apart and (t.date() - kept[-1].date()).days < apart:
            return False
        recent = 0
        for k in reversed(kept):  # newest first: stop at the window's edge
            if t - k >= window:
                break
            recent += 1
        return recent < count
    return True
