"""Count sends per audience per day and find the days over the cap (platform-neutral).

Audiences are opaque names here. Two campaigns overlap when they name the
same audience; `EVERYONE` overlaps every audience. Nothing else is known to
overlap (two rule-based audiences may share users without this noticing).

A campaign that sends "as soon as it goes live" (`asap`) has no day of its own: it
sends on whatever day apply makes it live. A plan knows that day (today: apply follows
it) and passes it as `asap_on`; the calendar does not, so such sends stay in a row's
`live` list, shown apart, and a day is over the cap when its own sends plus them are:
the verdict never depends on which day the calendar's window starts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

EVERYONE = "everyone"


@dataclass(frozen=True)
class Sending:
    """One campaign's sends inside the window."""

    key: str
    name: str
    audiences: frozenset[str]
    times: tuple[datetime, ...]
    go_live: bool = False  # a draft (or new campaign) this plan makes active
    asap: bool = False  # sends once, when apply makes it live (`times` is empty)


@dataclass(frozen=True)
class Overload:
    """An audience that gets more than the cap on one day, and from whom."""

    audience: str
    day: date | None  # None: the go-live sends alone are over the cap, whatever the day
    count: int
    campaigns: tuple[str, ...]  # keys, in order of first send that day, then `live` ones
    live: tuple[str, ...] = ()  # of those, the ones counted "if it goes live that day"


@dataclass(frozen=True)
class Measure:
    """What a grid counts and which setting caps it, in the words its output uses."""

    row: str = "audience"
    unit: str = "pushes"
    setting: str = "safety.max_pushes_per_day"


PUSHES = Measure()
MESSAGES = Measure("people group", "messages", "safety.max_messages_per_day")


@dataclass
class Grid:
    """counts[audience][day] over `days`; `by` names the campaigns behind each cell.

    `cap` None: nothing is flagged (an optional cap that is not set)."""

    days: list[date]
    audiences: list[str]
    cap: int | None
    counts: dict[str, dict[date, int]] = field(default_factory=dict)
    by: dict[tuple[str, date], list[str]] = field(default_factory=dict)
    measure: Measure = PUSHES
    live: dict[str, list[str]] = field(default_factory=dict)  # row → its `asap` campaigns

    def over(self, count: int) -> bool:
        return self.cap is not None and count > self.cap

    def over_on(self, audience: str, day: date) -> bool:
        """Whether a day with sends goes over the cap with the row's go-live sends."""
        n = self.counts[audience].get(day, 0)
        return n > 0 and self.over(n + len(self.live.get(audience, ())))

    @property
    def overloads(self) -> list[Overload]:
        out = []
        for a in self.audiences:
            live = tuple(self.live.get(a, ()))
            if live and self.over(len(live)):
                out.append(Overload(a, None, len(live), live, live))
            out += [Overload(a, d, n + len(live), tuple(self.by[(a, d)]) + live, live)
                    for d, n in sorted(self.counts[a].items()) if self.over_on(a, d)]
        return out


def window(start: date, days: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(days)]


def build(sendings: list[Sending], start: date, days: int, cap: int | None,
          measure: Measure = PUSHES, asap_on: date | None = None) -> Grid:
    """The grid of `sendings` over `days` days from `start`.

    Each named audience's row counts its own campaigns plus those sent to
    everyone; the everyone row counts only campaigns sent to everyone. `asap`
    sendings count on `asap_on` when given (a plan: apply is today), else in `live`.
    """
    rows = sorted({a for s in sendings for a in s.audiences} - {EVERYONE})
    if any(EVERYONE in s.audiences for s in sendings) or not rows:
        rows = [EVERYONE, *rows]
    grid = Grid(window(start, days), rows, cap, {a: defaultdict(int) for a in rows},
                measure=measure)
    for s in sorted(sendings, key=lambda s: (s.times[:1], s.key)):
        reached = rows if EVERYONE in s.audiences else [a for a in rows if a in s.audiences]
        times = s.times
        if s.asap and asap_on is None:
            for a in reached:
                grid.live.setdefault(a, []).append(s.key)
            continue
        if s.asap and asap_on is not None:
            in_window = start <= asap_on < start + timedelta(days=days)
            times = (datetime.combine(asap_on, time(), UTC),) if in_window else ()
        for t in times:
            for a in reached:
                grid.counts[a][t.date()] += 1
                who = grid.by.setdefault((a, t.date()), [])
                if s.key not in who:
                    who.append(s.key)
    return grid


@dataclass(frozen=True)
class Hit:
    """A row where one campaign takes part in days over the cap: the first such day."""

    row: str
    day: date
    count: int
    others: list[str]  # the other campaigns on those days
    more_days: int


def hits(grid: Grid, key: str) -> list[Hit]:
    """Per row (audience or people group), the over-cap days campaign `key` is part of."""
    found: dict[str, list[tuple[date, int, tuple[str, ...]]]] = {}
    for o in grid.overloads:
        if key in o.campaigns and o.day is not None:  # plans pass asap_on: always a day
            found.setdefault(o.audience, []).append((o.day, o.count, o.campaigns))
    return [Hit(row, days[0][0], days[0][1],
                sorted({k for _, _, ks in days for k in ks} - {key}), len(days) - 1)
            for row, days in found.items()]


def more_days(hit: Hit) -> str:
    return f" and {hit.more_days} more day(s)" if hit.more_days else ""


def cap_warnings(grid: Grid, key: str) -> list[str]:
    """One warning per audience where campaign `key` is part of a day over the cap."""
    return [f"audience {h.row} would get {h.count} pushes on {h.day:%Y-%m-%d}{more_days(h)} "
            f"(safety.max_pushes_per_day {grid.cap}), with {', '.join(h.others)}"
            for h in hits(grid, key)]
