"""Checks across an Airship workspace: one spec per pinned id, one per exact name."""

from __future__ import annotations

from reconciler.errors import SpecProblem
from reconciler.source.yamlio import Document
from reconciler.workspace.workspace import Spec


def airship_cross_checks(specs: list[Spec], docs: dict[str, Document], audience_keys: list[str]
                         ) -> list[SpecProblem]:
    """Two specs of one kind claiming one live object: the same pinned id, or the same
    name without a pin (both would match, and update, one object)."""
    problems: list[SpecProblem] = []
    seen: dict[tuple[str, str, str], Spec] = {}
    for s in specs:
        name = s.name
        claim = ("id", str(s.pin_id), "id") if s.pin_id else ("name", name, "")
        other = seen.setdefault((s.kind, claim[0], claim[1]), s)
        if other is not s:
            field = ("id",) if s.pin_id else (("display_name",) if "display_name" in s.body
                                              else ("name",))
            what = f"id {s.pin_id}" if s.pin_id else f"name {name!r}"
            problems.append(SpecProblem(docs[s.ref].location(field),
                                        f"{s.kind} {what} is also used by {other.path}: "
                                        "pin each to its live object with id:"))
    return problems
