"""The calendar grid as a text table, an SVG heatmap (jinja2, autoescaped), HTML or PNG."""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

import jinja2

from reconciler.calendar.grid import Grid
from reconciler.render.safe import plain

LABEL_W = 190
CELL = 20
COLORS = ("#ebedf0", "#c6e48b", "#7bc96f", "#239a3b", "#196127")
OVER = "#d73a49"


def cap_text(grid: Grid) -> str:
    m = grid.measure
    return f"cap {grid.cap} a day ({m.setting})" if grid.cap is not None else \
        f"no cap set ({m.setting}): nothing flagged"


def text_table(grid: Grid) -> str:
    """Audiences down, days across; '.' is no send, `N!` a day over the cap."""
    m = grid.measure
    width = max([len(plain(a)) for a in grid.audiences] + [8])
    first, last = grid.days[0], grid.days[-1]
    lines = [
        f"Sends per {m.row} per day, {first} to {last} (UTC days); {cap_text(grid)}",
        " " * width + " " + "".join(f"{d:%d}".rjust(3) for d in grid.days),
    ]
    for a in grid.audiences:
        cells = ""
        for d in grid.days:
            n = grid.counts[a].get(d, 0)
            cells += ("  ." if not n else f"{n}!".rjust(3) if grid.over(n) else f"{n}".rjust(3))
        lines.append(plain(a).ljust(width) + " " + cells)
    overloads = grid.overloads
    lines.append("")
    if overloads:
        lines.append(f"{len(overloads)} {m.row}-day(s) over the cap:")
        lines += [f"  {o.day} {plain(o.audience)}: {o.count} {m.unit} "
                  f"({plain(', '.join(o.campaigns))})" for o in overloads]
    else:
        lines.append(f"No {m.row} goes over the cap.")
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("reconciler.calendar", "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )


def heatmap_svg(grid: Grid, caption: str) -> str:
    """Cells coloured by sends; days over the cap red with a dark border."""
    m = grid.measure
    label_w = max([LABEL_W] + [7 * len(plain(a)) + 16 for a in grid.audiences])
    columns: list[dict[str, Any]] = []
    for i, d in enumerate(grid.days):
        month = f"{d:%b %Y}" if i == 0 or d.day == 1 else ""
        columns.append({"x": label_w + i * CELL, "label": f"{d:%d}", "month": month})
    rows = []
    for r, a in enumerate(grid.audiences):
        cells = []
        for i, d in enumerate(grid.days):
            n = grid.counts[a].get(d, 0)
            over = grid.over(n)
            who = ", ".join(grid.by.get((a, d), []))
            cells.append({"x": label_w + i * CELL, "day": d.isoformat(), "count": n,
                          "over": over, "fill": OVER if over else COLORS[min(n, 4)],
                          "tip": plain(f"{a} {d}: {n} {m.unit} {who}".strip())})
        rows.append({"label": plain(a), "y": 72 + r * CELL, "cells": cells})
    flagged = (f"red: over {grid.cap} a day ({m.setting})" if grid.cap is not None
               else cap_text(grid))
    subtitle = f"{grid.days[0]} to {grid.days[-1]} (UTC days) · {flagged}"
    return _env().get_template("heatmap.svg.j2").render(
        width=max(label_w + len(grid.days) * CELL + 10, 20 + 6 * len(subtitle),
                  20 + 8 * len(caption)), height=72 + len(rows) * CELL + 12,
        columns=columns, rows=rows, caption=plain(caption), subtitle=subtitle,
        label_w=label_w,
    )


def heatmap_html(grid: Grid, caption: str) -> str:
    m = grid.measure
    over = "".join(
        f"<li>{o.day} {html.escape(plain(o.audience))}: {o.count} {m.unit} "
        f"({html.escape(plain(', '.join(o.campaigns)))})</li>" for o in grid.overloads
    )
    return (
        "<!doctype html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(plain(caption))}</title></head>"
        "<body style=\"font-family:system-ui,sans-serif\">\n"
        f"{heatmap_svg(grid, caption)}\n"
        + (f"<h2>Over the cap</h2><ul>{over}</ul>" if over else f"<p>No {m.row} goes over "
           "the cap.</p>")
        + "\n</body></html>\n"
    )
