"""Campaign specs as `Sending`s for the calendar, and the over-cap warnings of a plan.

Audience identity is the reference as written: a saved audience's key (or
`#id` for a raw live id), `everyone`, or the campaign's own inline audience
(`new:<campaign key>`), which overlaps only everyone. A key and a raw id of
the same live audience are not recognised as one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from reconciler.calendar.grid import EVERYONE, Sending, build, cap_warnings
from reconciler.localytics.schedule import sends
from reconciler.workspace.workspace import Spec

PLAN_HORIZON_DAYS = 90


def audiences_of(key: str, body: Mapping[str, Any]) -> frozenset[str]:
    target = body.get("audiences") or {}
    kind = target.get("campaign_type")
    if kind == "everyone":
        return frozenset({EVERYONE})
    if kind == "new_audience":
        return frozenset({f"new:{key}"})
    refs = (target.get("target_rules") or {}).get("audience") or []
    return frozenset(a if isinstance(a, str) else f"#{a}" for a in refs)


def sending(spec: Spec, start: date, days: int, now: datetime, go_live: bool = False) -> Sending:
    """`begin_immediately` sends when apply makes the campaign live: no day of its own
    (`asap`), so the calendar never pins it on whichever day its window starts."""
    body = spec.body
    schedule = body.get("schedule") or {}
    if "begin_immediately" in schedule:
        return Sending(spec.key, spec.name, audiences_of(spec.key, body), (), go_live,
                       asap=True)
    times = sends(schedule, start, start + timedelta(days=days), now)
    return Sending(spec.key, spec.name, audiences_of(spec.key, body), tuple(times), go_live)


def sendings(
    specs: Iterable[Spec], start: date, days: int, now: datetime, *, drafts: bool = False
) -> list[Sending]:
    """The campaigns that send: active specs (and drafts too when `drafts`)."""
    return [
        sending(s, start, days, now) for s in specs
        if s.kind == "campaign" and (drafts or s.body.get("status") == "active")
    ]


def over_cap(changed: Iterable[Spec], every: Iterable[Spec], cap: int,
             now: datetime) -> dict[str, list[str]]:
    """Warnings, by spec ref, for changed active campaigns on an audience-day over `cap`.

    The calendar is the specs' desired state (active specs, the changed ones
    included) over the next PLAN_HORIZON_DAYS days; one warning per audience
    names the first such day, how many days, and the other campaigns involved.
    """
    grid = build(sendings(every, now.date(), PLAN_HORIZON_DAYS, now), now.date(),
                 PLAN_HORIZON_DAYS, cap, asap_on=now.date())
    out: dict[str, list[str]] = {}
    for spec in changed:
        if spec.kind == "campaign" and spec.body.get("status") == "active":
            out[spec.ref] = cap_warnings(grid, spec.key)
    return {k: v for k, v in out.items() if v}
