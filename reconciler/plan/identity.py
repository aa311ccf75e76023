"""Which live object each spec is (DESIGN §5): its pinned `id`, else its name.

Two live objects with a spec's name fail the plan, naming both ids and
suggesting `id:`; nothing guesses. Objects no spec claims are unmanaged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reconciler.provider import LiveId, LiveObject
from reconciler.workspace.workspace import Spec


@dataclass
class Matching:
    pairs: dict[str, LiveObject | None] = field(default_factory=dict)  # spec ref → live or None
    unmanaged: list[LiveObject] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (spec ref, message)


def match(specs: list[Spec], live: list[LiveObject],
          default_id: Callable[[Spec], Any] = lambda _s: None,
          missing_ok: bool = False) -> Matching:
    """Match specs of one kind to live objects of the same kind.

    `default_id` gives the id an unpinned spec has by construction (platforms
    whose names are not unique); such a spec matches that id or nothing.
    `missing_ok`: a pinned id that is not live is left unmatched (read-only kinds
    report it themselves) instead of being a problem here.
    """
    result = Matching()
    by_id = {o.id: o for o in live}
    by_name: dict[str, list[LiveObject]] = defaultdict(list)
    for o in live:
        by_name[o.name].append(o)
    claimed: dict[LiveId, Spec] = {}

    for spec in specs:
        if spec.pin_id is None:
            continue
        obj = by_id.get(spec.pin_id)
        if obj is None and missing_ok:
            result.pairs[spec.ref] = None
        elif obj is None:
            result.problems.append((spec.ref,
                f"{spec.at('id') if spec.lines else spec.path}: id {spec.pin_id} is not a live "
                f"{spec.kind} of this app (deleted or archived?); remove `id:` to create it anew"
            ))
        elif obj.id in claimed:
            result.problems.append(
                (spec.ref, f"{spec.path}: id {obj.id} is also pinned by {claimed[obj.id].path}")
            )
        else:
            claimed[obj.id] = spec
            result.pairs[spec.ref] = obj

    for spec in (s for s in specs if s.pin_id is None):
        own = default_id(spec)
        if own is not None:
            obj = by_id.get(own)
            result.pairs[spec.ref] = obj
            if obj is not None:
                claimed[obj.id] = spec
            continue
        candidates = [o for o in by_name.get(spec.name, []) if o.id not in claimed]
        if len(candidates) > 1:
            ids = ", ".join(str(o.id) for o in sorted(candidates, key=lambda o: o.id))
            result.problems.append((spec.ref,
                f"{spec.path}: {len(candidates)} live {spec.kind}s are named {spec.name!r} "
                f"(ids {ids}); add `id: <one of them>` to the spec to choose"
            ))
            continue
        obj = candidates[0] if candidates else None
        if obj is not None:
            claimed[obj.id] = spec
        result.pairs[spec.ref] = obj

    result.unmanaged = sorted((o for o in live if o.id not in claimed), key=lambda o: o.id)
    return result
