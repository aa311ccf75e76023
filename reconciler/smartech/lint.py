"""Lint and calendar for Smartech campaigns: what a reviewer should see before users do.

Sends: a campaign's `send:` block executes once, now (app push) or at `send.at`
(email); one already executed (its pin says so) sends no more. Audiences are
the references as written: an audience key, or `list:11` / `segment:13` for a
raw panel id. Days where an audience gets more than
`safety.max_pushes_per_day` executes are flagged, in plans and in
`reconciler calendar`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from reconciler.calendar.grid import Sending, build, cap_warnings
from reconciler.workspace.base import parse_instant
from reconciler.workspace.workspace import Spec

PLAN_HORIZON_DAYS = 90


def lint_campaign(body: Mapping[str, Any]) -> list[str]:
    """Warnings about one campaign body (rendered spec fields)."""
    out = []
    for tag in body.get("tags") or ():
        if "," in tag or tag != tag.strip():
            out.append(f"tag {tag!r} has a comma or surrounding blanks: Smartech joins tags "
                       "with commas in some APIs")
    personalization = (body.get("send") or {}).get("personalization") or {}
    for k, v in personalization.items():
        if "{{" in v or "}}" in v or not v.strip():
            out.append(f"personalization {k!r} is {v!r}: empty, or a template that did not "
                       "render")
    return out


def executed(spec: Spec) -> bool:
    value = (spec.pin_state or {}).get("executed")
    return value not in (None, False, "unknown")


def sending(spec: Spec, start: date, days: int, now: datetime) -> Sending | None:
    send = spec.body.get("send")
    if spec.kind != "campaign" or not send or executed(spec):
        return None
    refs = frozenset(a if isinstance(a, str) else f"{a['type']}:{a['id']}"
                     for a in send.get("audience") or ())
    if send.get("at", "now") == "now":  # executes when apply runs: no day of its own
        return Sending(spec.key, spec.name, refs, (), go_live=True, asap=True)
    at = parse_instant(str(send["at"]))
    times = (at,) if start <= at.date() < start + timedelta(days=days) else ()
    return Sending(spec.key, spec.name, refs, times, go_live=True)


def sendings(specs: Iterable[Spec], start: date, days: int, now: datetime, *,
             drafts: bool = False) -> list[Sending]:
    """Executes to come (a draft without `send:` reaches nobody, `drafts` or not)."""
    found = (sending(s, start, days, now) for s in specs)
    return [s for s in found if s is not None]


def lint(changed: Sequence[Spec], every: Sequence[Spec], cap: int) -> dict[str, list[str]]:
    now = datetime.now(UTC)
    out = {s.ref: lint_campaign(s.body) for s in changed if s.kind == "campaign"}
    grid = build(sendings(every, now.date(), PLAN_HORIZON_DAYS, now), now.date(),
                 PLAN_HORIZON_DAYS, cap, asap_on=now.date())
    for s in changed:
        if s.kind == "campaign" and s.body.get("send"):
            out.setdefault(s.ref, []).extend(cap_warnings(grid, s.key))
    return {ref: w for ref, w in out.items() if w}
