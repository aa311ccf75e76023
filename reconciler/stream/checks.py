"""Checks across a Stream workspace: one spec per Stream id."""

from __future__ import annotations

from typing import Any

from reconciler.errors import SpecProblem
from reconciler.source.yamlio import Document
from reconciler.workspace.workspace import Spec


def stream_cross_checks(specs: list[Spec], docs: dict[str, Document], audience_keys: list[str]
                        ) -> list[SpecProblem]:
    """Two specs claiming one Stream id."""
    from reconciler.stream.spec import stream_id

    problems: list[SpecProblem] = []
    seen: dict[tuple[str, Any], Spec] = {}
    for s in specs:
        other = seen.setdefault((s.kind, s.pin_id or stream_id(s.key)), s)
        if other is not s:
            problems.append(SpecProblem(docs[s.ref].location(("id",)),
                                        f"{s.kind} id {s.pin_id or stream_id(s.key)} is also used by {other.path}"))
    return problems
