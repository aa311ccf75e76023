"""The calendar grid as a text table, an SVG heatmap (jinja2, autoescaped), HTML or PNG."""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

import jinja2

from reconciler.calendar.grid import Grid, Overload
from reconciler.render.safe import plain

LABEL_W = 190
CELL = 20
COLORS = ("#ebedf0", "#c6e48b", "#7bc96f", "#239a3b", "#196127")
OVER = "#d73a49"


def cap_text(grid: Grid) -> str:
    m = grid.measure
    return f"cap {grid.cap} a day ({m.setting})" if grid.cap is not None else \
        f"no cap set ({m.setting}): nothing flagged"


LIVE_NOTE = ("live: sent once, on the day apply makes the campaign live (no fixed day); "
             "each day is checked with these added")


def overload_line(grid: Grid, o: Overload) -> str:
    """One over-cap cell in words: its day, row, count and the campaigns behind it."""
    unit = grid.measure.unit
    if o.day is None:
        return (f"on going live, {plain(o.audience)}: {o.count} {unit} as soon as they are "
                f"live ({plain(', '.join(o.campaigns))})")
    dated = [c for c in o.campaigns if c not in o.live]
    live = f"; going live that day: {', '.join(o.live)}" if o.live else ""
    return (f"{o.day} {plain(o.audience)}: {o.count} {unit} "
            f"({plain(', '.join(dated) + live)})")


def _cell(n: int, over: bool, width: int = 3) -> str:
    return (" " * (width - 1) + "." if not n else f"{n}!".rjust(width) if over
            else f"{n}".rjust(width))


def text_table(grid: Grid) -> str:
    """Audiences down, days across; '.' is no send, `N!` a day over the cap; a `live`
    column first when some campaigns send as soon as they go live."""
    m = grid.measure
    width = max([len(plain(a)) for a in grid.audiences] + [8])
    first, last = grid.days[0], grid.days[-1]
    live = " live" if grid.live else ""
    lines = [
        f"Sends per {m.row} per day, {first} to {last} (UTC days); {cap_text(grid)}",
        " " * width + " " + live + "".join(f"{d:%d}".rjust(3) for d in grid.days),
    ]
    for a in grid.audiences:
        n_live = len(grid.live.get(a, ()))
        cells = _cell(n_live, grid.over(n_live), 5) if live else ""
        cells += "".join(_cell(grid.counts[a].get(d, 0), grid.over_on(a, d))
                         for d in grid.days)
        lines.append(plain(a).ljust(width) + " " + cells)
    overloads = grid.overloads
    lines.append("")
    if live:
        lines.append(LIVE_NOTE)
    if overloads:
        lines.append(f"{len(overloads)} {m.row}-day(s) over the cap:")
        lines += [f"  {overload_line(grid, o)}" for o in overloads]
    else:
        lines.append(f"No {m.row} goes over the cap.")
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("reconciler.calendar", "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )


def _svg_cell(x: int, day: str, n: int, over: bool, tip: str) -> dict[str, Any]:
    return {"x": x, "day": day, "count": n, "over": over,
            "fill": OVER if over else COLORS[min(n, 4)], "tip": plain(tip)}


def heatmap_svg(grid: Grid, caption: str, listed: bool = True) -> str:
    """Cells coloured by sends; days over the cap red with a dark border; a `live`
    column first for sends as soon as a campaign goes live. `listed`: the campaigns
    behind each flagged cell as lines under the grid (a PNG has no hover titles)."""
    m = grid.measure
    label_w = max([LABEL_W] + [7 * len(plain(a)) + 16 for a in grid.audiences])
    first_x = label_w + (2 * CELL if grid.live else 0)
    columns: list[dict[str, Any]] = []
    if grid.live:
        columns.append({"x": label_w, "label": "live", "month": ""})
    for i, d in enumerate(grid.days):
        month = f"{d:%b %Y}" if i == 0 or d.day == 1 else ""
        columns.append({"x": first_x + i * CELL, "label": f"{d:%d}", "month": month})
    rows = []
    for r, a in enumerate(grid.audiences):
        cells = []
        live = grid.live.get(a, [])
        if grid.live:
            cells.append(_svg_cell(label_w, "live", len(live), grid.over(len(live)),
                                   f"{a} as soon as live: {len(live)} {m.unit} "
                                   f"{', '.join(live)}".strip()))
        for i, d in enumerate(grid.days):
            n = grid.counts[a].get(d, 0)
            who = ", ".join(grid.by.get((a, d), []))
            cells.append(_svg_cell(first_x + i * CELL, d.isoformat(), n, grid.over_on(a, d),
                                   f"{a} {d}: {n} {m.unit} {who}".strip()))
        rows.append({"label": plain(a), "y": 72 + r * CELL, "cells": cells})
    flagged = (f"red: over {grid.cap} a day ({m.setting})" if grid.cap is not None
               else cap_text(grid))
    subtitle = f"{grid.days[0]} to {grid.days[-1]} (UTC days) · {flagged}"
    notes = ([LIVE_NOTE] if grid.live else []) + (
        [overload_line(grid, o) for o in grid.overloads] if listed else [])
    top = 72 + len(rows) * CELL + 16
    lines = [{"y": top + i * 15, "text": t, "over": i >= (1 if grid.live else 0)}
             for i, t in enumerate(notes)]
    return _env().get_template("heatmap.svg.j2").render(
        width=max(first_x + len(grid.days) * CELL + 10, 20 + 6 * len(subtitle),
                  20 + 8 * len(caption), *(20 + 6 * len(t) for t in notes)),
        height=top + len(lines) * 15 + (4 if lines else -4),
        columns=columns, rows=rows, caption=plain(caption), subtitle=subtitle,
        label_w=label_w, lines=lines,
    )


def heatmap_html(grid: Grid, caption: str) -> str:
    m = grid.measure
    over = "".join(f"<li>{html.escape(overload_line(grid, o))}</li>"
                   for o in grid.overloads)
    return (
        "<!doctype html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(plain(caption))}</title></head>"
        "<body style=\"font-family:system-ui,sans-serif\">\n"
        f"{heatmap_svg(grid, caption, listed=False)}\n"
        + (f"<h2>Over the cap</h2><ul>{over}</ul>" if over else f"<p>No {m.row} goes over "
           "the cap.</p>")
        + "\n</body></html>\n"
    )
