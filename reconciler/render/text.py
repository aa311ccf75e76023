"""The plan for a terminal: rich colours on a TTY, plain text when piped or NO_COLOR."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from rich.console import Console
from rich.text import Text

from reconciler.plan.model import Action, Change, Phrase, Plan
from reconciler.render.safe import plain
from reconciler.render.words import (
    SIGNS,
    VERBS,
    Line,
    card,
    changed,
    label,
    leaf_text,
    plural,
    reach_of,
    send_test_hint,
    summary_line,
    summary_words,
)

STYLES = {
    Action.CREATE: "green",
    Action.UPDATE: "yellow",
    Action.NOOP: "dim",
    Action.ARCHIVE: "red",
    Action.DELETE: "red",
}


def console(file: TextIO | None = None) -> Console:
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
    for problem in plan.errors:
        out.print(Text.assemble(("CANNOT CHANGE ", "bold red"),
                                f"{problem.kind} {problem.key} {plain(problem.name)!r}: "
                                f"{plain(problem.line)}"))
    for change in plan.go_live:
        facts, _ = summary_words(change)
        reach = "" if facts else f": {reach_of(change)}"  # the who phrase has the reach
        out.print(Text.assemble(("GOES LIVE ", "bold red"),
                                f"{label(change)} {plain(change.name)!r}{reach}"))
        for p in facts:
            out.print(Text(f"  {p.label}: {phrase_text(p)}"))
        hint = send_test_hint(change, plan)
        if hint:
            out.print(Text(f"  see it on a phone first: {plain(hint)}", style="dim"))
    for change in plan.changes:
        if change.stop is not None:  # an emergency stop, in words (held or not)
            verb = "HELD BACK " if change.stop.get("held") else "STOPPED "
            out.print(Text.assemble((verb, "bold red"), f"{label(change)} "
                                    f"{plain(change.name)!r}: {plain(change.stop['message'])}"))
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
    if plan.errors:
        out.print(Text(f"apply refuses this plan while it has {plural(len(plan.errors), 'error')}"
                       ": fix the spec(s) named above", style="bold red"))
    for note in plan.notes:
        out.print(Text(f"note: {plain(note)}", style="dim"))
    out.print()
    out.print(Text(f"Summary: {summary_line(plan)}", style="bold"))


def _change(change: Change, out: Console) -> None:
    style = STYLES[change.action]
    live = f" (id {change.live_id})" if change.live_id and change.key else ""
    out.print(Text.assemble(
        (f"{SIGNS[change.action]} {VERBS[change.action]:<8} ", style),
        f"{label(change)}{live} {plain(change.name)!r}",
    ))
    lines = card(change) if change.action is Action.CREATE else changed(change)
    for line in lines:
        out.print(Text(_line(line, change.action is Action.CREATE)))
    for w in change.warnings:
        out.print(Text(f"      warning: {plain(w)}", style="yellow"))


def _line(line: Line, create: bool) -> str:
    """One line of words (the markdown says the same), continuation lines indented."""
    if line.path:
        new = _quoted(line.new)
        text = f"{line.path}: {new}" if create else f"{line.path}: {_quoted(line.old)} → {new}"
    elif create:
        text = f"{line.label}: {phrase_text(line.after)}"
    elif line.same:
        text = f"{line.label}: {phrase_text(line.before)} (unchanged)"
    else:
        text = f"{line.label}: {phrase_text(line.before)} → {phrase_text(line.after)}"
        if line.hidden:
            text += f" ({plural(line.hidden, 'unchanged condition')} hidden)"
    return "      " + plain(text).replace("\n", "\n        ")


def _quoted(v: object) -> str:
    return repr(v) if isinstance(v, str) else leaf_text(v)


def phrase_text(phrase: Phrase | None) -> str:
    """Our words as they are, their text in quotes."""
    if phrase is None:
        return "(none)"
    return "".join(p if i % 2 == 0 else f"'{p}'" for i, p in enumerate(phrase.parts) if p)
