"""The plan for a terminal: rich colours on a TTY, plain text when piped or NO_COLOR."""

from __future__ import annotations

import io
import os
import sys

from rich.console import Console
from rich.text import Text

from reconciler.plan.model import Action, Change, Plan
from reconciler.render.safe import plain, value
from reconciler.render.words import (
    SIGNS,
    VERBS,
    label,
    reach_text,
    send_test_hint,
    summary_line,
)

STYLES = {
    Action.CREATE: "green",
    Action.UPDATE: "yellow",
    Action.NOOP: "dim",
    Action.ARCHIVE: "red",
    Action.DELETE: "red",
}


def console(file: io.TextIOBase | None = None) -> Console:
    target = file or sys.stdout
    tty = target.isatty()
    color = tty and "NO_COLOR" not in os.environ
    return Console(file=target, no_color=not color, highlight=False, soft_wrap=True,
                   force_terminal=color, emoji=False, width=None if tty else 160)


def render_plan(plan: Plan, out: Console) -> None:
    t = plan.target
    org = f", org {t['org_id']}" if t.get("org_id") else ""
    out.print(Text(f"Plan for env {plain(plan.env)} (app {plain(t['app_id'])}{org})",
                   style="bold"))
    for change in plan.go_live:
        out.print(Text.assemble(
            ("GOES LIVE ", "bold red"),
            f"{label(change)} {plain(change.name)!r}: {reach_text(change.reach)}",
        ))
        hint = send_test_hint(change, plan)
        if hint:
            out.print(Text(f"  see it on a phone first: {plain(hint)}", style="dim"))
    out.print()
    noops = [c for c in plan.changes if c.action is Action.NOOP]
    for change in plan.changes:
        if change.action is not Action.NOOP:
            _change(change, out)
    if noops:
        out.print(Text(f"= {len(noops)} unchanged", style="dim"))
    if plan.unmanaged:
        names = ", ".join(f"{u.kind} #{u.live_id} {plain(u.name)!r}" for u in plan.unmanaged[:10])
        more = f" and {len(plan.unmanaged) - 10} more" if len(plan.unmanaged) > 10 else ""
        out.print(Text(f"Unmanaged, not touched: {names}{more}", style="dim"))
    for refusal in plan.refusals:
        out.print(Text(f"apply will refuse: {refusal}", style="bold red"))
    for note in plan.notes:
        out.print(Text(f"note: {plain(note)}", style="dim"))
    out.print()
    out.print(Text(f"Summary: {summary_line(plan)}", style="bold"))


def _messages(change: Change, out: Console) -> None:
    """For a new campaign, what its recipients will read."""
    creatives = next((d.after for d in change.diff if d.path == "creatives"), None)
    for i, creative in enumerate(creatives if isinstance(creatives, list) else []):
        attrs = creative.get("build_attributes", {}) if isinstance(creative, dict) else {}
        title = attrs.get("push_title")
        text = " / ".join(value(x) for x in (title, attrs.get("push_message")) if x is not None)
        share = f" ({creative['percent']}%)" if "percent" in creative else ""
        out.print(Text(f"      creative {chr(65 + i)}{share}: {text}"))


def _change(change: Change, out: Console) -> None:
    style = STYLES[change.action]
    live = f" (id {change.live_id})" if change.live_id and change.key else ""
    out.print(Text.assemble(
        (f"{SIGNS[change.action]} {VERBS[change.action]:<8} ", style),
        f"{label(change)}{live} {plain(change.name)!r}",
    ))
    if change.action is Action.CREATE:
        _messages(change, out)
    else:
        for d in change.diff:
            out.print(Text(f"      {plain(d.path)}: {value(d.before)} → {value(d.after)}"))
    for w in change.warnings:
        out.print(Text(f"      warning: {plain(w)}", style="yellow"))
