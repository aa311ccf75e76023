"""Checks across a Localytics workspace: one name and one pinned id per kind, and no
spec named like an apply lease."""

from __future__ import annotations

from typing import Any

from reconciler.errors import SpecProblem
from reconciler.source.yamlio import Document
from reconciler.workspace.workspace import KINDS, LEASE_MARKER, Spec, is_lease_name


def cross_checks(specs: list[Spec], docs: dict[str, Document], audience_keys: list[str]
                 ) -> list[SpecProblem]:
    """Duplicate names and pinned ids within a kind; names reserved for apply leases."""
    problems: list[SpecProblem] = [
        SpecProblem(docs[s.ref].location(("name",)),
                    f"names starting with {LEASE_MARKER!r} are reserved for apply leases")
        for s in specs if is_lease_name(s.name)
    ]
    for kind in KINDS:
        for field, show in (("name", repr), ("id", str)):
            first: dict[Any, Spec] = {}
            for s in (s for s in specs if s.kind == kind):
                value = s.name if field == "name" else s.pin_id
                if value is None:
                    continue
                if value in first:
                    for a, b in ((s, first[value]), (first[value], s)):
                        other = docs[b.ref].location((field,))
                        problems.append(SpecProblem(
                            docs[a.ref].location((field,)),
                            f"duplicate {kind} {field} {show(value)} (also in {other})",
                        ))
                else:
                    first[value] = s
    return problems
