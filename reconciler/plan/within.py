"""What one plan says about itself: an impossible change as an error entry, what its
words may name (`Known`), and the reach of a go-live whose audience the same plan changes.

Kept apart from the planner so the plan's own bookkeeping reads in one place.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from reconciler.describe import Known
from reconciler.plan.identity import Matching
from reconciler.plan.model import Action, Change
from reconciler.plan.paths import flatten, overlaps
from reconciler.provider import LiveObject, Provider
from reconciler.workspace.workspace import Workspace


class Impossible(Exception):
    """A spec whose change the platform cannot make (a started campaign edited)."""


def repo_path(workspace: Workspace, at: str) -> str:
    """`at` (`path:line` below the env's spec folder) relative to the repository (the
    folder holding `.git` above the spec folder; the config's folder outside a repository)."""
    root = workspace.loaded.root.resolve()
    top = next((d for d in (root, *root.parents) if (d / ".git").exists()),
               workspace.loaded.config_dir.resolve())
    return os.path.relpath(root / at, top).replace(os.sep, "/") if root.is_relative_to(top) \
        else str(Path(workspace.loaded.root) / at)


def known_of_live(matchings: Mapping[str, Matching], live: Mapping[str, list[LiveObject]]
                ) -> dict[str, Known]:
    """What describe may name among the live objects, by id: the listing's alone, so it
    is built while the reads are under way (a few ms per thousand objects, which came
    after the last answer)."""
    key_of = {(obj.kind, obj.id): ref.split(":", 1)[1]
              for m in matchings.values() for ref, obj in m.pairs.items() if obj}
    return {str(o.id): Known(o.kind, key_of.get((o.kind, o.id)), o.name, o.reach)
            for objs in live.values() for o in objs}


def known_specs(provider: Provider, workspace: Workspace, matchings: Mapping[str, Matching],
           known: dict[str, Known]) -> None:
    """Add to `known` (the live objects') the specs by ref and by the id they get; after
    the reads, since a spec's entry takes the reach of its object as read."""
    for spec in workspace.specs:
        obj = matchings[spec.kind].pairs.get(spec.ref) if spec.kind in matchings else None
        # a panel-owned reference is known by its panel name, not the file's stand-in
        name = obj.name if obj and provider.read_only(spec.kind) else spec.name
        known[spec.ref] = Known(spec.kind, spec.key, name, obj.reach if obj else None,
                                new=obj is None)
        pinned = spec.pin_id or provider.default_id(spec)
        if obj is None and pinned is not None:
            known[str(pinned)] = known[spec.ref]


def mark_changed(known: dict[str, Known], ref: str, live_id: str, live_name: str) -> None:
    """An audience this plan changes: campaigns that name it say its reach is from before."""
    old = known.get(ref)
    if old is not None:
        known[ref] = known[live_id] = replace(
            old, changed=True, was=live_name if live_name != old.name else "")


def reach_after_plan(changes: list[Change]) -> None:
    """A go-live whose audience the same plan changes: its reach is the one before the plan;
    the new reach is known only after apply (`reach` None, `reach_before` kept)."""
    updated = {c.ref: c for c in changes if c.action is Action.UPDATE}
    for change in changes:
        hit = [updated[d] for d in change.depends_on if d in updated]
        if not change.go_live or not hit:
            continue
        before, change.reach, change.reach_before = change.reach, None, change.reach
        names = ", ".join(f"{c.kind} {c.key}" for c in hit)
        count = (before or {}).get("user_count")
        was = f"it reached {count:,} users before; " if isinstance(count, int) else ""
        change.warnings.append(f"goes live to {names}, which this plan also changes: {was}"
                               "the new reach is known only after apply")


def who_leaves(change: Change, meets: dict[tuple[tuple[str, ...], str], bool] | None = None
               ) -> list[tuple[str, object, object]]:
    """The changed leaves a who phrase puts in words (audience ids, segment keys).
    `meets`: whether a path meets a change's who paths, kept across the changes of one
    plan (they share a few who paths and field names: issue 29)."""
    who = tuple(q for p in (*change.words, *change.words_before) if p.topic == "who"
                for q in p.paths)
    if not who:
        return []
    seen = {} if meets is None else meets

    def met(path: str) -> bool:
        hit = seen.get((who, path))
        if hit is None:
            hit = seen[(who, path)] = any(overlaps(q, path) for q in who)
        return hit

    # A leaf's path begins with its diff's, so a diff whose path meets no who path has no
    # leaf that does: it is not flattened (a third of a Smartech apply's plan work, issue
    # 29). The root path ("") is every path's prefix, and always flattened.
    return [leaf for d in change.diff
            if not d.path or met(d.path)
            for leaf in flatten(d.path, d.before, d.after)
            if met(leaf[0])]


def names_of(changes: list[Change], known: dict[str, Known], reach_kind: str) -> dict[str, str]:
    """Names of the audiences the changes' who fields name by id or key (for field tables)."""
    out: dict[str, str] = {}
    meets: dict[tuple[tuple[str, ...], str], bool] = {}
    for change in changes:
        for _, *values in who_leaves(change, meets):
            for v in values:
                hit = known.get(str(v)) or known.get(f"{reach_kind}:{v}")
                if v is not None and hit is not None:
                    out[str(v)] = hit.name
    return out




# (kind, flattened path, value, the whole side it is from) -> the value in words, or None
ShowValue = Callable[[str, str, Any, Mapping[str, Any]], "str | None"]


def shown_of(change: Change, show: ShowValue, before: Mapping[str, Any],
             after: Mapping[str, Any]) -> dict[str, list[str | None]]:
    """The platform's words for each changed leaf of the field table (`Provider.show_value`):
    `before` and `after` are the whole payloads, so a time can read in the zone its
    schedule names. Leaves the platform has no words for are left out."""
    out: dict[str, list[str | None]] = {}
    for d in change.diff:
        for path, old, new in flatten(d.path.removesuffix(" (order)"), d.before, d.after):
            said = [show(change.kind, path, old, before) if old is not None else None,
                    show(change.kind, path, new, after) if new is not None else None]
            if said != [None, None]:
                out[path] = said
    return out
