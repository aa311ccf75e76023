"""Stream campaign specs as `Sending`s for the calendar: starts per segment per day.

A Stream campaign sends once: apply starts it through its `send:` block, at
`send.at` (Stream's `scheduled_for`) or at once for `at: now`. An `at: now` campaign
has no day of its own (the day apply starts it, or already started): it is `asap`,
which the calendar shows apart and a plan counts today; a date-time places it exactly. A campaign
without `send:` is a draft and reaches nobody, `--drafts` or not (there is no
time to place it at). Audiences are the segment keys; a segment with
`all_users` is the whole app (`EVERYONE`); explicit `user_ids` are the
campaign's own audience, overlapping nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from reconciler.calendar.grid import EVERYONE, Sending
from reconciler.workspace.base import parse_instant
from reconciler.workspace.workspace import Spec


def _audiences(spec: Spec, segments: Mapping[str, Spec]) -> frozenset[str]:
    keys = spec.body.get("segments")
    if keys is None:
        return frozenset({f"users:{spec.key}"})
    found = set()
    for k in keys:
        segment = segments.get(k)
        found.add(EVERYONE if segment is not None and segment.body.get("all_users") else k)
    return frozenset(found)


def sendings(specs: Iterable[Spec], start: date, days: int, now: datetime) -> list[Sending]:
    """One `Sending` per campaign whose start falls in the window."""
    specs = list(specs)
    segments = {s.key: s for s in specs if s.kind == "segment"}
    out = []
    for spec in specs:
        send = spec.body.get("send")
        if spec.kind != "campaign" or not isinstance(send, Mapping):
            continue
        if send.get("at", "now") == "now":
            out.append(Sending(spec.key, spec.name, _audiences(spec, segments), (),
                               go_live=True, asap=True))
            continue
        at = parse_instant(str(send["at"]))
        if start <= at.date() < start + timedelta(days=days):
            out.append(Sending(spec.key, spec.name, _audiences(spec, segments), (at,),
                               go_live=True))
    return out
