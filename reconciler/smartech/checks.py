"""Checks across the files of a Smartech env, offline, with file:line.

Campaign names are unique (v4 requires it, and email identity is the
name); pinned ids are claimed by one file; every audience key a send block
names has its file; an app-push execute takes one data source (`list` or
`segment`), so its audiences must all be of one type.
"""

from __future__ import annotations

from typing import Any

from reconciler.errors import SpecProblem
from reconciler.source.problems import suggest
from reconciler.source.yamlio import Document
from reconciler.workspace.workspace import Spec


def smartech_cross_checks(specs: list[Spec], docs: dict[str, Document],
                          audience_keys: list[str]) -> list[SpecProblem]:
    problems: list[SpecProblem] = []
    campaigns = [s for s in specs if s.kind == "campaign"]
    for field in ("name", "id"):
        first: dict[Any, Spec] = {}
        for s in campaigns:
            value = s.name if field == "name" else s.pin_id
            if value is None:
                continue
            other = first.setdefault(value, s)
            if other is not s:
                problems.append(SpecProblem(
                    docs[s.ref].location((field,)),
                    f"duplicate campaign {field} {value!r} (also in {other.path}): Smartech "
                    "campaign names are unique" if field == "name" else
                    f"duplicate campaign id {value} (also in {other.path})"))
    types = {s.key: s.body["type"] for s in specs if s.kind == "audience"}
    known = set(audience_keys)
    for s in campaigns:
        send = s.body.get("send") or {}
        seen: set[str] = set()
        for i, ref in enumerate(send.get("audience") or ()):
            if isinstance(ref, str) and ref not in known:  # located only now: a second parse
                where = docs[s.ref].location(("send", "audience", i))
                problems.append(SpecProblem(where, f"unknown audience key {ref!r}: no file "
                                            f"audiences/{ref}.yaml{suggest(ref, sorted(known))}"))
                continue
            kind = types.get(ref) if isinstance(ref, str) else ref.get("type")
            if kind:
                seen.add(kind)
        if s.body.get("channel") == "apn" and len(seen) > 1:
            problems.append(SpecProblem(
                docs[s.ref].location(("send", "audience")),
                "an app push execute takes one data source: send.audience mixes lists and "
                "segments"))
    return problems
