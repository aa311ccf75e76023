"""Shared wording of plans, so text and markdown say the same thing.

The words layer: a new object is a card of phrases (who, what, when, goal,
from `Provider.describe`); an update is one line per changed field, in the
same phrases before → after, or as a flattened path and value where a field
has no words. Renderers only decide how a line looks, never what it says.
"""

from __future__ import annotations

import difflib
import json
import re
import shlex
from dataclasses import dataclass, replace
from typing import Any

from reconciler.plan.model import Action, Change, Phrase, Plan

# re-exported: renderers and tests have always found them here
from reconciler.plan.paths import flatten as flatten
from reconciler.plan.paths import overlaps as overlaps

VERBS = {
    Action.CREATE: "create",
    Action.UPDATE: "update",
    Action.NOOP: "unchanged",
    Action.ARCHIVE: "archive",
    Action.DELETE: "delete",
}
SIGNS = {Action.CREATE: "+", Action.UPDATE: "~", Action.NOOP: "=", Action.ARCHIVE: "-", Action.DELETE: "-"}


LONG = 80  # a changed sentence longer than this shows only its changed clauses
# Where our words split a sentence into clauses (a list, a condition, a rule).
CLAUSE = re.compile(r"(, then |, and |, or |; |, | and | or )")


def plural(n: int, noun: str, many: str = "") -> str:
    """`1 change`, `2 changes`, `1,500 campaigns`."""
    return f"{n:,} {noun if n == 1 else many or noun + 's'}"


def summary_line(plan: Plan) -> str:
    s = plan.summary
    line = (
        f"{s['create']} to create, {s['update']} to update, {s['archive']} to archive, "
        f"{s['delete']} to delete, {s['noop']} unchanged, {s['unmanaged']} unmanaged"
    )
    if plan.held:
        line += f", {len(plan.held)} held back by an emergency stop"
    return line + (f", {plural(len(plan.errors), 'error')}" if plan.errors else "")


def reach_text(reach: dict[str, Any] | None) -> str:
    if not reach:
        return "reach unknown until applied"
    if reach.get("everyone"):
        return "everyone (all users of the app)"
    if "has_push" not in reach:  # platforms that count members only (Stream, Smartech)
        return f"{reach.get('user_count', 0):,} users"
    return f"{reach.get('user_count', 0):,} users, {reach.get('has_push', 0):,} with push enabled"


def reach_of(change: Change) -> str:
    """A go-live's reach; when the plan also changes its audience, the reach before it."""
    if change.reach is None and change.reach_before:
        return (f"{reach_text(change.reach_before)} before this plan; the new reach is known "
                "after apply")
    return reach_text(change.reach)


def label(change: Change) -> str:
    ident = change.key if change.key else f"#{change.live_id}"
    return f"{change.kind} {ident}"


def send_test_hint(change: Change, plan: Plan) -> str:
    """The exact command that pushes this campaign to the env's test recipients."""
    if not change.key or change.kind != "campaign" or not plan.send_test:
        return ""  # the env's platform has no send-test
    return shlex.join(["reconciler", "send-test", change.key, *plan.target_args])


# --- the words layer: cards for creates, before → after lines for updates ----
@dataclass(frozen=True)
class Line:
    """One line of a change: a phrase before → after, or a field without words."""

    label: str
    before: Phrase | None = None
    after: Phrase | None = None
    path: str = ""  # set for a field with no words form: flattened path and values
    old: Any = None
    new: Any = None
    same: bool = False  # context that did not change (an update's status): shown once
    hidden: int = 0  # unchanged clauses of a long sentence left out of before and after


def card(change: Change) -> list[Line]:
    """What a new object is, in words; a change without words shows its fields, flattened."""
    if change.words:
        return [Line(p.label, after=p) for p in change.words if p.topic != "name"]
    return [Line(path, path=path, old=None, new=new)
            for d in change.diff for path, _, new in flatten(d.path, None, d.after)]


def changed(change: Change) -> list[Line]:
    """One line per changed field: in words where a phrase covers it, else path: before → after.

    A phrase counts only if its text differs, so a field the sentence leaves
    out (a throttle, a new API field) is never hidden behind an unchanged sentence.
    """
    before = {p.label: p for p in change.words_before}
    after = {p.label: p for p in change.words}
    labels = list(after) + [label for label in before if label not in after]
    shown: set[str] = set()
    flat: list[Line] = []
    for d in change.diff:
        path = d.path.removesuffix(" (order)")
        hits = {label for label in labels
                if _differs(before.get(label), after.get(label))
                and any(overlaps(q, path) for p in (before.get(label), after.get(label)) if p
                        for q in p.paths)}
        shown |= hits
        if not hits:
            flat += [Line(p, path=p, old=o, new=n) for p, o, n in flatten(d.path, d.before, d.after)]
    return _status(before, after, shown) + [
        short(Line(label, before.get(label), after.get(label)))
        for label in labels if label in shown] + flat


def _status(before: dict[str, Phrase], after: dict[str, Phrase], shown: set[str]) -> list[Line]:
    """An update's status (draft: reaches no one, live, scheduled …) even when unchanged,
    so a reviewer knows whether the edit reaches anyone."""
    was = next((p for p in before.values() if p.topic == "status"), None)
    if was is None or was.label in shown:
        return []
    return [Line(was.label, was, after.get(was.label, was), same=True)]


def short(line: Line) -> Line:
    """A long sentence changed in a few clauses: only those, before and after, and how many
    unchanged ones were left out ("3 unchanged conditions hidden")."""
    a, b = line.before, line.after
    if a is None or b is None or a.block or b.block or max(len(a.text), len(b.text)) <= LONG:
        return line
    if a.short and b.short and a.short != b.short:  # the gist: `Lapsed buyers → New installs`
        return replace(line, before=replace(a, parts=a.short), after=replace(b, parts=b.short))
    was, now = _clauses(a), _clauses(b)
    matcher = difflib.SequenceMatcher(a=[c.text for c in was], b=[c.text for c in now],
                                      autojunk=False)
    keep_a: list[Phrase] = []
    keep_b: list[Phrase] = []
    hidden = 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            hidden += i2 - i1
        else:
            keep_a += was[i1:i2]
            keep_b += now[j1:j2]
    if not hidden:
        return line
    return replace(line, before=_glued(a, keep_a), after=_glued(b, keep_b), hidden=hidden)


def _clauses(phrase: Phrase) -> list[Phrase]:
    """`phrase` cut where our words separate clauses; their text is never cut."""
    out: list[list[str]] = [[""]]
    for i, part in enumerate(phrase.parts):
        if i % 2:
            out[-1] += [part, ""]
            continue
        pieces = CLAUSE.split(part)
        out[-1][-1] += pieces[0]
        for text in pieces[2::2]:  # the separators themselves are left out
            out.append([text])
    return [Phrase(phrase.label, tuple(c), phrase.topic) for c in out]


def _glued(whole: Phrase, clauses: list[Phrase]) -> Phrase:
    parts: list[str] = [""]
    for i, c in enumerate(clauses):
        parts[-1] += (" … " if i else "")
        parts[-1] += c.parts[0]
        parts += list(c.parts[1:])
    return Phrase(whole.label, tuple(parts) if clauses else ("(nothing)",), whole.topic,
                  whole.paths)


def _differs(a: Phrase | None, b: Phrase | None) -> bool:
    return (a.parts if a else None) != (b.parts if b else None)


def leaf_text(v: Any) -> str:
    """A leaf value as a reader wants it: text as it is, whole; anything else as JSON."""
    if v is None:
        return "(none)"
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def summary_words(change: Change) -> tuple[list[Phrase], list[Phrase]]:
    """The go-live line: (who and when, the messages) of a change."""
    facts = [p for p in change.words if p.topic in ("who", "when") and p.label != "status"]
    return facts, [p for p in change.words if p.block]
