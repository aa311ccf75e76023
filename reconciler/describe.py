"""Building blocks for `Provider.describe`: phrases, user text, dates and counts in words.

Each platform writes its own sentences (reconciler/<platform>/words.py) from
these pieces, so every platform's dates, counts and quotes read alike and the
renderers (reconciler/render/) stay free of any platform.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reconciler.plan.model import Phrase


@dataclass(frozen=True)
class Their:
    """Text that came from the user or the API (a name, a message, an event)."""

    text: str


@dataclass(frozen=True)
class Known:
    """An object another one refers to, as a reviewer knows it: key, name, reach."""

    kind: str
    key: str | None
    name: str
    reach: Mapping[str, Any] | None = None
    new: bool = False  # created in the same run: its reach is known only after apply
    changed: bool = False  # changed in the same run: `reach` is from before the plan
    was: str = ""  # its live name, when the same run renames it


# What describe may look up: live objects by str(live id), specs by ref ("audience:key").
Context = Mapping[str, Known]

Piece = str | Their


def say(label: str, topic: str, *pieces: Piece | None, paths: tuple[str, ...] = (),
        block: bool = False, short: list[Piece] | None = None) -> Phrase:
    """A phrase from our words (str) and their text (Their); None pieces are skipped.

    `short` is the gist a long sentence's change is shown by (`Lapsed buyers` for a
    saved audience with its key and reach), so an audience swap reads `Lapsed buyers →
    New installs`."""
    return Phrase(label, _parts(pieces), topic, paths, block,
                  _parts(short) if short else ())


def _parts(pieces: Iterable[Piece | None]) -> tuple[str, ...]:
    parts: list[str] = [""]
    for piece in pieces:
        if piece is None:
            continue
        if isinstance(piece, Their):
            parts += [piece.text, ""]
        else:
            parts[-1] += piece
    return tuple(parts)


def joined(items: list[list[Piece]], sep: str = ", ", last: str = " and ") -> list[Piece]:
    """`a, b and c` over runs of pieces."""
    out: list[Piece] = []
    for i, item in enumerate(items):
        if i:
            out.append(last if i == len(items) - 1 else sep)
        out += item
    return out


def times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n:,} times")


def count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def instant(value: Any) -> datetime | None:
    """An ISO-8601 text as a UTC datetime, or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):  # no time, or none datetime holds in UTC
        return None


def day(t: datetime, year: bool = True) -> str:
    """`5 Jan 2027` (or `5 Jan`)."""
    return f"{t.day} {t:%b}" + (f" {t.year}" if year else "")


def clock(t: datetime) -> str:
    return f"{t:%H:%M}"


def moment(value: Any) -> Piece:
    """`1 Feb 2027 12:00 UTC`; a text that is no date is shown as given."""
    t = instant(value)
    return f"{day(t)} {clock(t)} UTC" if t else Their(str(value))


def span(begin: Any, end: Any) -> str:
    """`from 5 Jan to 30 Jun 2027`, `from 7 Dec 2026 to 28 Jun 2027`, `from 5 Jan 2027 on`."""
    b, e = instant(begin), instant(end)
    if b is None:
        return ""
    if e is None:
        return f"from {day(b)} on, with no end date"
    return f"from {day(b, year=b.year != e.year)} to {day(e)}"


def plain(pieces: Iterable[Piece | None]) -> str:
    """Pieces as one plain text (their text as written), for a field-table cell."""
    return "".join(p.text if isinstance(p, Their) else p for p in pieces if p is not None)


def inside(payload: Mapping[str, Any], path: str) -> Any:
    """The value at a flattened path's parent (`schedule.on_schedule` of
    `schedule.on_schedule.begin_date`), or None where there is none."""
    node: Any = payload
    for step in path.replace("[", ".[").split(".")[:-1]:
        if step.startswith("["):
            i = int(step.strip("[]"))
            node = node[i] if isinstance(node, list) and i < len(node) else None
        else:
            node = node.get(step) if isinstance(node, Mapping) else None
    return node
