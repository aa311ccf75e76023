"""When the sandbox's schedules send, on each project's clock: `settle` and `occurrences`.

`settle` runs before every API request (and before `/_sandbox/sends` is read): every send
whose time has come since the last settle is logged once (what `/_sandbox/sends` shows
and tests count), and a one-time schedule whose sending window is over leaves the list.
A recurring schedule sends at each occurrence of its cadence from its first time up to
its `end_time`, minus its `exclusions`, and not while it is paused: an occurrence that
passes while paused is never sent later (ASSUMED: Airship documents pause as holding
sends, not queueing them). The mark of how far each schedule was settled lives in the
project's settings, so every process over the file agrees.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from reconciler.sandbox.airship.protocol import parse_time
from reconciler.sandbox.airship.schedule_rules import DAYS, window
from reconciler.sandbox.airship.store import Project, parse_stamp, stamp

KIND = "schedule"
MAX_STEPS = 200_000  # occurrences walked per schedule and settle (an hourly cadence over years)


def settle(project: Project) -> None:
    """Log the sends whose time came since the last settle; retire finished one-time ones."""
    now = project.now()
    marks: dict[str, str] = project.settings.setdefault("settled", {})
    before = dict(marks)
    for row in project.all(KIND):
        ident, spec = row["id"], row["body"]["schedule"]
        since = parse_stamp(marks[ident]) if ident in marks else None
        when = window(spec)
        if not when.recurring:
            if when.begin <= now and since is None:
                project.log_send(KIND, ident, row["body"]["push"], when.begin)
                marks[ident] = stamp(now)
            if when.end <= now:
                project.delete(KIND, ident)
                marks.pop(ident, None)
            continue
        if not spec["recurring"].get("paused"):
            for at in occurrences(spec, since, now):
                project.log_send(KIND, ident, row["body"]["push"], at)
        if when.begin <= now:
            marks[ident] = stamp(now)
    if marks != before:
        project.save_settings()


def forget(project: Project, ident: str) -> None:
    """Drop a deleted schedule's settle mark."""
    marks = project.settings.get("settled", {})
    if marks.pop(ident, None) is not None:
        project.save_settings()


def occurrences(spec: dict[str, Any], after: datetime | None, until: datetime
                ) -> Iterator[datetime]:
    """The sends of a recurring schedule `spec` in (`after`, `until`], each at the moment
    its first device gets it (local time: in UTC+14)."""
    rec = spec["recurring"]
    end = parse_time(rec.get("end_time"))
    last = min(until, end) if end is not None else until
    first = window(spec).begin
    nominal = parse_time(spec.get("scheduled_time") or spec.get("local_scheduled_time")) \
        or first
    # the cadence, its weekdays and exclusions run on the schedule's own (local) time;
    # each occurrence goes out when that time first comes (UTC+14 for a local time)
    for at in _cadence(nominal, rec["cadence"]):
        sent = at + (first - nominal)
        if sent > last:
            return
        if (after is None or sent > after) and not _excluded(at, rec.get("exclusions") or []):
            yield sent


def _cadence(first: datetime, cadence: dict[str, Any]) -> Iterator[datetime]:
    kind, count = cadence["type"], int(cadence.get("count", 1))
    for step in range(MAX_STEPS):
        if kind == "hourly":
            yield first + timedelta(hours=count * step)
        elif kind == "daily":
            yield first + timedelta(days=count * step)
        elif kind == "weekly":
            yield from _week(first, step, count, cadence.get("days_of_week") or [])
        else:
            months = count * step * (12 if kind == "yearly" else 1)
            yield _add_months(first, months)


def _week(first: datetime, step: int, count: int, days: list[str] | str
          ) -> Iterator[datetime]:
    """The listed days of the week `step` (every `count`th week from the first's week)."""
    monday = first - timedelta(days=first.weekday())
    week = monday + timedelta(weeks=count * step)
    listed = days if isinstance(days, list) else [days]
    # no days given: the first time's own weekday (ASSUMED)
    for day in sorted(DAYS.index(d) for d in listed) or [first.weekday()]:
        at = week + timedelta(days=day)
        if at >= first:
            yield at


def _add_months(moment: datetime, months: int) -> datetime:
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _excluded(at: datetime, exclusions: list[dict[str, Any]]) -> bool:
    """Whether an occurrence falls in one of the schedule's exclusions (UTC)."""
    for ex in exclusions:
        if "hour_range" in ex:
            low, _, high = str(ex["hour_range"]).partition("-")
            if low.isdigit() and high.isdigit() and int(low) <= at.hour <= int(high):
                return True
        days = ex.get("days_of_week") or []
        if DAYS[at.weekday()] in (days if isinstance(days, list) else [days]):
            return True
        if "date_range" in ex:
            start, _, stop = str(ex["date_range"]).partition("/")
            a, b = parse_time(start), parse_time(stop)
            if a is not None and b is not None and a <= at <= b:
                return True
    return False
