"""Shared wording of plans, so text and markdown say the same thing.

The words layer: a new object is a card of phrases (who, what, when, goal,
from `Provider.describe`); an update is one line per changed field, in the
same phrases before → after, or as a flattened path and value where a field
has no words. Renderers only decide how a line looks, never what it says.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from reconciler.plan.model import Action, Change, Phrase, Plan

VERBS = {
    Action.CREATE: "create",
    Action.UPDATE: "update",
    Action.NOOP: "unchanged",
    Action.ARCHIVE: "archive",
    Action.DELETE: "delete",
}
SIGNS = {Action.CREATE: "+", Action.UPDATE: "~", Action.NOOP: "=", Action.ARCHIVE: "-", Action.DELETE: "-"}


def summary_line(plan: Plan) -> str:
    s = plan.summary
    return (
        f"{s['create']} to create, {s['update']} to update, {s['archive']} to archive, "
        f"{s['delete']} to delete, {s['noop']} unchanged, {s['unmanaged']} unmanaged"
    )


def reach_text(reach: dict[str, Any] | None) -> str:
    if not reach:
        return "reach unknown until applied"
    if reach.get("everyone"):
        return "everyone (all users of the app)"
    if "has_push" not in reach:  # platforms that count members only (Stream, Smartech)
        return f"{reach.get('user_count', 0):,} users"
    return f"{reach.get('user_count', 0):,} users, {reach.get('has_push', 0):,} with push enabled"


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
                and any(_overlaps(q, path) for p in (before.get(label), after.get(label)) if p
                        for q in p.paths)}
        shown |= hits
        if not hits:
            flat += [Line(p, path=p, old=o, new=n) for p, o, n in flatten(d.path, d.before, d.after)]
    return [Line(label, before.get(label), after.get(label)) for label in labels
            if label in shown] + flat


def _differs(a: Phrase | None, b: Phrase | None) -> bool:
    return (a.parts if a else None) != (b.parts if b else None)


def _overlaps(q: str, p: str) -> bool:
    """Whether path `q` and path `p` are one the other's prefix (`a.b` and `a.b[0].c`)."""
    short, long = sorted((q, p), key=len)
    return long == short or long.startswith((short + ".", short + "["))


def flatten(path: str, before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    """Leaf paths whose values differ: `schedule.recurring.intervals[0].day_of_week`."""
    if before == after:
        return []
    if _nested(dict, before, after):
        b, a = before or {}, after or {}
        return [leaf for k in sorted(set(b) | set(a), key=str)
                for leaf in flatten(f"{path}.{k}" if path else str(k), b.get(k), a.get(k))]
    if _nested(list, before, after):
        b, a = before or [], after or []
        return [leaf for i in range(max(len(b), len(a)))
                for leaf in flatten(f"{path}[{i}]", b[i] if i < len(b) else None,
                                    a[i] if i < len(a) else None)]
    return [(path, before, after)]


def _nested(kind: type, *values: Any) -> bool:
    return all(v is None or isinstance(v, kind) for v in values) and any(values)


def leaf_text(v: Any) -> str:
    """A leaf value as a reader wants it: text as it is, whole; anything else as JSON."""
    if v is None:
        return "(none)"
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def summary_words(change: Change) -> tuple[list[Phrase], list[Phrase]]:
    """The go-live line: (who and when, the messages) of a change."""
    facts = [p for p in change.words if p.topic in ("who", "when") and p.label != "status"]
    return facts, [p for p in change.words if p.block]
