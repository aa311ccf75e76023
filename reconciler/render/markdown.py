"""The plan as a pull-request comment.

Summary table first, then go-live warnings, removals and refusals — the parts
a reviewer must not miss — then one collapsible <details> per changed object.
The comment stays under GitHub's 65,536-character limit for any plan size:
when too long, the per-object middle is shortened and a note says how many
objects were left out. Everything that comes from the API is escaped.
"""

from __future__ import annotations

from reconciler.plan.model import Action, Change, Plan
from reconciler.render.safe import md, plain, value
from reconciler.render.words import VERBS, label, reach_text, send_test_hint, summary_line

LIMIT = 65_536
MARKER = "<!-- reconciler-plan -->"


def render_markdown(plan: Plan, limit: int = LIMIT) -> str:
    head = _head(plan)
    tail = _tail(plan)
    middle = [_details(c) for c in plan.changes if c.action in (Action.CREATE, Action.UPDATE)]
    budget = limit - len(head) - len(tail) - 200
    kept: list[str] = []
    used = 0
    for block in middle:
        if used + len(block) > budget:
            break
        kept.append(block)
        used += len(block)
    body = "".join(kept)
    if len(kept) < len(middle):
        body += f"\n_{len(middle) - len(kept)} more changed objects left out to fit the comment; " \
                "see the plan artifact or run `reconciler plan` for all._\n"
    return head + body + tail


def _head(plan: Plan) -> str:
    s = plan.summary
    t = plan.target
    lines = [
        MARKER,
        f"### reconciler plan: `{_code(plan.env)}` (app `{_code(t['app_id'])}`)",
        "",
        "| create | update | archive | delete | unchanged | unmanaged |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {s['create']} | {s['update']} | {s['archive']} | {s['delete']} | {s['noop']} "
        f"| {s['unmanaged']} |",
        "",
    ]
    if plan.go_live:
        lines.append(f"> [!WARNING]\n> **{len(plan.go_live)} change(s) go live** and send to real users:")
        for c in plan.go_live:
            command = send_test_hint(c, plan)
            hint = f" — test it first: `{_code(command)}`" if command else ""
            lines.append(f"> - **{md(label(c))}** {md(c.name)}: {md(reach_text(c.reach))}{hint}")
        lines.append("")
    warned = [c for c in plan.changes if c.warnings]  # go-live ones too: lint matters most there
    if warned:
        lines.append("**Warnings**")
        lines += [f"- {md(label(c))}: {md(w)}" for c in warned for w in c.warnings]
        lines.append("")
    return "\n".join(lines) + "\n"


def _tail(plan: Plan) -> str:
    lines = []
    removals = [c for c in plan.changes if c.action.removes]
    if removals:
        lines += ["**Removals**", ""]
        lines += [f"- {VERBS[c.action]} {md(label(c))} {md(c.name)}" for c in removals]
        lines.append("")
    for r in plan.refusals:
        lines.append(f"> [!CAUTION]\n> apply will refuse: {md(r)}\n")
    lines += [f"<sub>note: {md(n)}</sub>\n" for n in plan.notes]
    if plan.unmanaged:
        lines.append(f"<sub>{len(plan.unmanaged)} unmanaged live object(s) are not touched.</sub>")
    lines.append(f"\n<sub>{md(summary_line(plan))}</sub>\n")
    return "\n".join(lines)


def _details(change: Change) -> str:
    live = f" (id {change.live_id})" if change.live_id and change.key else ""
    rows = "".join(
        f"| `{_code(d.path)}` | {_cell(d.before)} | {_cell(d.after)} |\n" for d in change.diff
    )
    table = f"\n| field | before | after |\n|---|---|---|\n{rows}" if rows else ""
    return (
        f"<details><summary>{VERBS[change.action]} {md(label(change))}{live}: "
        f"{md(change.name)}</summary>\n{table}\n</details>\n"
    )


def _cell(v: object) -> str:
    return md(value(v, limit=200))


def _code(text: str) -> str:
    return plain(text).replace("`", "'").replace("|", "\\|")
