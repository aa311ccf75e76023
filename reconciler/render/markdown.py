"""The plan as a pull-request comment: who gets what, and when, for a marketer to review.

Summary table first, then the go-lives (each with who, what and when in two
lines) and warnings, then one card per changed object: a new object's who,
what (every message whole), when and goal; an update's changed fields before
→ after in the same words. Each card keeps the raw field table in a collapsed
<details> for engineers. Removals and refusals close the comment.

The comment fits GitHub's 65,536-character limit for any plan: every section
has a budget (go-lives and removals first, then warnings, then the cards),
long warning lists are grouped by kind with counts, and a closing note says
what was left out. Text from specs and the API is escaped (render.safe).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from reconciler.plan.model import Action, Change, Phrase, Plan, Problem
from reconciler.plan.within import who_leaves
from reconciler.render.safe import code, html_text, md, md_line, value
from reconciler.render.words import (
    SIGNS,
    VERBS,
    Line,
    card,
    changed,
    flatten,
    label,
    leaf_text,
    plural,
    reach_of,
    send_test_hint,
    summary_line,
    summary_words,
)

LIMIT = 65_536
MARKER = "<!-- reconciler-plan -->"
NOTE_ROOM = 600  # the closing note of what was left out
# Shares of the room a section may take at most, in priority order.
GO_LIVE_SHARE, REMOVAL_SHARE, WARNING_SHARE = 0.35, 0.15, 0.15
STOP_SHARE = 0.15  # campaigns an emergency stop holds back (taken after the go-lives)
LISTED_WARNINGS = 40  # more than this and warnings are grouped by kind
FULL = 80  # less room than this left in a section: it is full
COMPACT = 100  # characters of each message in go-live lines when they would not all fit


@dataclass
class Budget:
    """Room left in the comment, and what was left out for want of it."""

    room: int
    left_out: list[str] = field(default_factory=list)

    def take(self, entries: Iterable[str], total: int, share: float, what: str) -> list[str]:
        """Entries in order while they fit in `share` of the room (and in what is left).

        `entries` may be lazy: once less than a line's room is left, the rest
        are counted as left out without being rendered (thousands of cards).
        """
        cap = min(self.room, int(self.room * share))
        kept, used = [], 0
        for entry in entries:
            if used + len(entry) <= cap:
                kept.append(entry)
                used += len(entry)
            if cap - used < FULL:
                break
        self.room -= used
        if len(kept) < total:
            self.left_out.append(f"{total - len(kept):,} {what}")
        return kept


def render_markdown(plan: Plan, limit: int = LIMIT) -> str:
    head, foot = _head(plan), _foot(plan)
    budget = Budget(limit - len(head) - len(foot) - NOTE_ROOM)
    go_live = budget.take(_go_lives(plan, int(budget.room * GO_LIVE_SHARE)), len(plan.go_live),
                          GO_LIVE_SHARE, "go-lives")
    stopped = [c for c in plan.changes if c.stop is not None]
    stopped.sort(key=lambda c: not (c.stop or {}).get("held"))  # the held back first
    stops = budget.take(map(_stop, stopped), len(stopped), STOP_SHARE, "stopped campaigns")
    removed = [c for c in plan.changes if c.action.removes]
    removals = budget.take(map(_removal, removed), len(removed), REMOVAL_SHARE, "removals")
    refusals = budget.take([f"> [!CAUTION]\n> apply will refuse: {md(r)}\n\n"
                            for r in plan.refusals], len(plan.refusals), 1, "refusals")
    errors = budget.take(map(_error, plan.errors), len(plan.errors), 1, "errors")
    said = _warnings(plan, int(budget.room * WARNING_SHARE))
    warnings = budget.take(said, len(said), WARNING_SHARE, "warning lines")
    changed_ = [c for c in plan.changes if c.action in (Action.CREATE, Action.UPDATE)]
    cards = budget.take((_card(c, plan.names, under=not said) for c in changed_), len(changed_), 1,
                        "changed objects")
    out = [head]
    if errors:
        out.append(f"> [!CAUTION]\n> **{plural(len(plan.errors), 'change')} cannot be made**; "
                   "apply refuses this plan until the spec is fixed. The rest of the plan "
                   "is below.\n")
        out += errors
        out.append("\n")
    if plan.go_live:
        one = len(plan.go_live) == 1
        out.append(f"> [!WARNING]\n> **{plural(len(plan.go_live), 'change')} "
                   f"{'goes' if one else 'go'} live** and {'sends' if one else 'send'} to "
                   "real users:\n")
        out += go_live
        out.append("\n")
    out += _stopped(plan, stops)
    if warnings:
        out += ["**Warnings**\n\n", *warnings, "\n"]
    out += cards
    if removals:
        out += ["**Removals**\n\n", *removals, "\n"]
    out += refusals
    if budget.left_out:
        out.append(f"\n_Left out to fit the comment: {', '.join(budget.left_out)}. The plan "
                   "artifact and `reconciler plan` have all of it._\n")
    return "".join(out) + foot


def _head(plan: Plan) -> str:
    s = plan.summary
    return "\n".join([
        MARKER,
        f"### reconciler plan: {code(plan.env)} (app {code(plan.target.get('app_id'))})",
        "",
        "| create | update | archive | delete | unchanged | unmanaged |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {s['create']} | {s['update']} | {s['archive']} | {s['delete']} | {s['noop']} "
        f"| {s['unmanaged']} |",
        "", "",
    ])


def _foot(plan: Plan) -> str:
    lines = []
    lines += [f"<sub>note: {md(n)}</sub>\n" for n in plan.notes]
    if plan.unmanaged:
        n = len(plan.unmanaged)
        lines.append(f"<sub>{plural(n, 'unmanaged live object')} "
                     f"{'is' if n == 1 else 'are'} not touched.</sub>")
    lines.append(f"\n<sub>{md(summary_line(plan))}</sub>\n")
    return "\n".join(lines)


# --- go-lives, removals, warnings ------------------------------------------
def _go_lives(plan: Plan, room: int) -> Iterable[str]:
    """Every go-live with its messages whole if all fit in `room`, else with them shortened."""
    full: list[str] = []
    for c in plan.go_live:
        full.append(_go_live(c, plan))
        if sum(map(len, full)) > room:  # many: more of them, shorter
            return (_go_live(c, plan, cut=COMPACT) for c in plan.go_live)
    return full


def _go_live(change: Change, plan: Plan, cut: int | None = None) -> str:
    """Two lines: the object, its reach and the test command; then who, when, what it says.

    With `cut`, messages are shortened to that many characters: the go-live list
    of a large plan then names more go-lives (the cards show every message whole).
    """
    command = send_test_hint(change, plan)
    hint = f" — test it first: {code(command)}" if command else ""
    facts, messages = summary_words(change)
    reach = "" if facts else f": {md(reach_of(change))}"  # the who phrase has the reach
    first = (f"> - **{md(change.kind)} {code(change.key or change.live_id)}** "
             f"{md(change.name)}{reach}{hint}\n")
    said = [f"**{md(p.label)}:** {_inline(p)}" for p in facts]
    said += [f"**{md(p.label)}:** {_inline(_shorter(p, cut))}" for p in messages]
    return first + (f">   {'; '.join(said)}\n" if said else "")


def _shorter(phrase: Phrase, cut: int | None) -> Phrase:
    if cut is None or len(phrase.text) <= cut:
        return phrase
    parts = tuple(p[:cut] + "…" if i % 2 else p for i, p in enumerate(phrase.parts))
    return Phrase(phrase.label, parts, phrase.topic, phrase.paths, phrase.block)


def _stopped(plan: Plan, rows: list[str]) -> list[str]:
    """Specs stopped by an emergency stop, in words: the go-lives held back first."""
    if not rows:
        return []
    held = len(plan.held)
    head = ("> [!IMPORTANT]\n> **Stopped in an emergency**"
            + (f": {plural(held, 'campaign')} held back, apply does not send "
               f"{'it' if held == 1 else 'them'} again" if held else "") + "\n")
    return [head, *rows, "\n"]


def _stop(change: Change) -> str:
    return (f"> - **{md(change.kind)} {code(change.key or change.live_id)}** {md(change.name)}: "
            f"{md((change.stop or {}).get('message', ''))}\n")


def _error(problem: Problem) -> str:
    return (f"> - **{md(problem.kind)} {code(problem.key)}** {md(problem.name)}: "
            f"{code(problem.path)}: {md(problem.message)}\n")


def _removal(change: Change) -> str:
    return f"- {VERBS[change.action]} {md(label(change))}: {md(change.name)}\n"


def _warnings(plan: Plan, room: int) -> list[str]:
    """None when every warning fits under its change's card; when they are many, one line
    per kind with a count (the cards that fit still list theirs)."""
    pairs = [(c, w) for c in plan.changes for w in c.warnings]
    if len(pairs) <= LISTED_WARNINGS:
        lines = [f"- {md(label(c))}: {md(w)}\n" for c, w in pairs]
        if sum(map(len, lines)) <= room:
            return []
    groups: dict[str, dict[int, Change]] = {}
    for c, w in pairs:
        groups.setdefault(_kind(w), {})[id(c)] = c  # by identity: one count per object
    out = []
    for kind, by_id in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        changes = list(by_id.values())
        kinds = {c.kind for c in changes}
        noun = f"{next(iter(kinds))}s" if len(kinds) == 1 else "objects"
        examples = ", ".join(code(c.key or c.live_id) for c in changes[:3])
        more = ", …" if len(changes) > 3 else ""
        out.append(f"- {len(changes):,} {md(noun)}: {md(kind)} (e.g. {examples}{more})\n")
    return out


def _kind(warning: str) -> str:
    """What a warning is about, without the creative and the figures: its group."""
    head = re.sub(r"^creative \S+ ", "", warning.split(":", 1)[0])
    return re.sub(r"\d[\d,.]*", "N", head)


# --- cards -------------------------------------------------------------------
def _card(change: Change, names: dict[str, str], under: bool = True) -> str:
    """The object's title, its lines in words, its warnings (`under`) and the field table."""
    live = f" (id {md(change.live_id)})" if change.live_id is not None and change.key else ""
    goes = " · **goes live**" if change.go_live else ""
    title = (f"**{SIGNS[change.action]} {VERBS[change.action]} {md(change.kind)} "
             f"{code(change.key)}**{live} · {md(change.name)}{goes}\n\n")
    lines = card(change) if change.action is Action.CREATE else changed(change)
    body = "".join(_line(line, change.action is Action.CREATE) for line in lines)
    if under:
        body += "".join(f"- ⚠️ **warning:** {md(w)}\n" for w in change.warnings)
    return title + body + ("\n" if body else "") + _raw(change, names)


def _line(line: Line, create: bool) -> str:
    if line.path:
        new = md(leaf_text(line.new))
        return (f"- {code(line.path)}: {new}\n" if create
                else f"- {code(line.path)}: {md(leaf_text(line.old))} → {new}\n")
    if create:
        return _said(line.label, line.after)
    if line.same:
        return f"- **{md(line.label)}:** {_inline(line.before)} (unchanged)\n" \
            if line.before else ""
    if (line.before and line.before.block) or (line.after and line.after.block):
        return _said(line.label, line.before, ", before") + _said(line.label, line.after, ", after")
    was = _inline(line.before) if line.before else "(none)"
    now = _inline(line.after) if line.after else "(none)"
    hidden = f" ({plural(line.hidden, 'unchanged condition')} hidden)" if line.hidden else ""
    return f"- **{md(line.label)}:** {was} → {now}{hidden}\n"


def _said(name: str, phrase: Phrase | None, when: str = "") -> str:
    head = f"- **{md(name)}{when}:**"
    if phrase is None:
        return f"{head} (none)\n"
    if not phrase.block:
        return f"{head} {_inline(phrase)}\n"
    text = phrase.text.replace("\r\n", "\n").split("\n")
    return f"{head}\n" + "".join(f"  > {md_line(t)}\n" for t in text)


def _inline(phrase: Phrase) -> str:
    """Our words as they are, their text set off (emphasis where markdown allows it)."""
    return "".join(md(p) if i % 2 == 0 else _theirs(p) for i, p in enumerate(phrase.parts))


def _theirs(text: str) -> str:
    if "://" in text and "\n" not in text:
        return code(text)  # a link: shown exactly, never made clickable
    escaped = md(text)
    if text[:1].isalnum() and text[-1:].isalnum():
        return f"*{escaped}*"
    return f"“{escaped}”" if text else ""


def _cell(v: object, who: bool, names: dict[str, str], said: str | None = None) -> str:
    """A field table value; an audience id or key as its name (`Lapsed buyers (104)`), or
    as the platform says it (`Change.shown`: a time in its schedule's zone, not `…Z`)."""
    name = names.get(str(v)) if who and v is not None else None
    if name:
        return f"{md(name)} ({md(value(v, 60))})"
    return md(said) if said is not None and v is not None else md(value(v, 200))


def _raw(change: Change, names: dict[str, str]) -> str:
    """The field table engineers read, collapsed: one row per changed leaf (never a cut-off
    JSON blob), a long text cut at 200 characters."""
    if not change.diff:
        return ""
    leaves = [leaf for d in change.diff
              for leaf in flatten(d.path.removesuffix(" (order)"), d.before, d.after)]
    who = {p for p, _, _ in who_leaves(change)} if names else set()
    # `|` ends a table cell even inside a code span, so the path's are escaped too
    said = change.shown
    rows = "".join(f"| {code(p).replace('|', chr(92) + '|')} "
                   f"| {_cell(b, p in who, names, said.get(p, [None, None])[0])} "
                   f"| {_cell(a, p in who, names, said.get(p, [None, None])[1])} |\n"
                   for p, b, a in leaves)
    return (f"<details><summary>fields of {html_text(label(change))}</summary>\n\n"
            f"| field | before | after |\n|---|---|---|\n{rows}\n</details>\n\n")
