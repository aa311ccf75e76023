"""Lint for Airship campaigns: what a reviewer should see before devices do.

Limits (docs/specs/airship.md §8): an iOS or Android override payload is at
most 4,096 bytes [OAS]; Airship documents no length limit on `alert` itself
(ASSUMED: no server check, platforms truncate on screen), so the byte limits
are the ones linted. A one-time schedule whose time has passed (in every time
zone, for a local time) is flagged: Airship removes a schedule once it sent
(ASSUMED), so creating it again would send it again, and apply refuses that
create. Days on which a segment gets more than `safety.max_pushes_per_day`
scheduled pushes are flagged from the calendar.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from reconciler.airship.sendings import passed, sendings
from reconciler.calendar.grid import build, cap_warnings
from reconciler.workspace.workspace import Spec

MAX_OVERRIDE_BYTES = {"ios": 4096, "android": 4096}
PLAN_HORIZON_DAYS = 90
PASSED = ("its one-time send time has passed: Airship removes a sent schedule, so creating "
          "it would send it again; apply refuses to: delete the file, or give it a new time")


def override_bytes(notification: Mapping[str, Any], device: str) -> int:
    """The size of what one platform receives: its override with the default alert."""
    override = dict(notification.get(device) or {})
    override.setdefault("alert", notification.get("alert") or "")
    return len(json.dumps(override, ensure_ascii=False, separators=(",", ":")).encode())


def lint_campaign(body: Mapping[str, Any], now: datetime) -> list[str]:
    out = []
    notification = body.get("notification") or {}
    for device, limit in MAX_OVERRIDE_BYTES.items():
        if device in (body.get("device_types") or ()):
            size = override_bytes(notification, device)
            if size > limit:
                out.append(f"the {device} notification is {size:,} bytes: Airship refuses an "
                           f"{device} payload over {limit:,} bytes")
    schedule = body.get("schedule")
    if body.get("type") == "schedule" and isinstance(schedule, Mapping) and \
            passed(schedule, now):
        out.append(PASSED)
    return out


def lint(changed: Sequence[Spec], every: Sequence[Spec], cap: int,
         now: datetime | None = None) -> dict[str, list[str]]:
    now = now or datetime.now(UTC)
    out = {s.ref: lint_campaign(s.body, now) for s in changed if s.kind == "campaign"}
    grid = build(sendings(every, now.date(), PLAN_HORIZON_DAYS, now), now.date(),
                 PLAN_HORIZON_DAYS, cap, asap_on=now.date())
    for s in changed:
        if s.kind == "campaign" and s.body.get("type") == "schedule":
            out.setdefault(s.ref, []).extend(cap_warnings(grid, s.key))
    return {ref: w for ref, w in out.items() if w}
