"""The apply report: a terminal table, §8 JSON, or markdown for a CI job summary."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from reconciler.apply.results import APPLIED, FAILED, Result, summary
from reconciler.render.safe import md, plain
from reconciler.render.words import label

STYLE = {APPLIED: "green", FAILED: "bold red"}


def render_report(results: list[Result], out: Console) -> None:
    if not results:
        out.print("Nothing to apply: live state matches the specs.")
        return
    table = Table(show_edge=False, header_style="bold")
    for col in ("status", "action", "object", "name", "id", "detail"):
        table.add_column(col)
    for r in results:
        table.add_row(
            r.status, r.change.action.value, label(r.change), plain(r.change.name),
            str(r.live_id or ""), plain(r.error or r.note or ""),
            style=STYLE.get(r.status, "yellow"),
        )
    out.print(table)
    out.print(summary_text(results))


def summary_text(results: list[Result]) -> str:
    s = summary(results)
    return f"Apply: {s['applied']} applied, {s['failed']} failed, {s['skipped']} skipped"


def report_markdown(results: list[Result], env: str) -> str:
    lines = [f"### reconciler apply: `{md(env)}`", "", summary_text(results), ""]
    if results:
        lines += ["| status | action | object | name | id | detail |", "|---|---|---|---|---:|---|"]
        lines += [
            f"| {r.status} | {r.change.action.value} | {md(label(r.change))} | {md(r.change.name)} "
            f"| {r.live_id or ''} | {md(r.error or r.note or '')} |"
            for r in results
        ]
    return "\n".join(lines) + "\n"
