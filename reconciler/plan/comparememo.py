"""The comparison memo: a no-change re-plan with the live cache compares nothing again.

With `plan --cache`, an unchanged live object costs no request, but each spec was
still turned into its payload, normalized and diffed against it, every run. This
keeps, beside the live cache, the outcome of each spec whose last comparison found
nothing to change, under a key of everything that comparison read:

- the code (`code_digest`), the provider's payload settings (`compare_salt`),
  the live id of every matched spec and every reach-kind object as listed now;
- the spec as loaded this run (every field of the rendered `Spec`, per env), so
  nothing cached beats the files: any edit is a new key;
- the live object as it is now (every field but the raw record: id, name, status,
  `updated_at`, reach, targets and its whole body), so any live change is a new key.

Keys hash `repr` of plain data, which tells 1 from "1" and a date from a string; a
value whose repr is not its content (an object at an address) only ever misses.

A hit gives the same no-op change `compare` would (the test suite plans the same
repo with and without it). Only no-ops are kept; anything else is compared every
time. A provider that names no salt (`compare_salt` None) is never memoized.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from reconciler.plan.compare import Compared, compare
from reconciler.plan.model import Action, Change
from reconciler.provider import LiveObject, Provider
from reconciler.workspace.cache import code_digest
from reconciler.workspace.workspace import Spec

VERSION = 1
Entry = list[Any]  # [key, fingerprint, go_live, reach, schedule, warnings]


class CompareMemo:
    """This run's view of the kept no-op outcomes, and the ones it keeps for the next."""

    def __init__(self, entries: Mapping[str, Any], context: str) -> None:
        self._entries = entries
        self._context = context
        self.kept: dict[str, Entry] = {}
        self.hits = 0

    @classmethod
    def start(cls, entries: Mapping[str, Any], provider: Provider,
              ids: Mapping[str, int | str],
              live_by_id: Mapping[str, Mapping[int | str, LiveObject]]) -> CompareMemo | None:
        """The memo over `entries` (the live cache's), or None for a provider without
        a salt. The context is what every comparison of this run shares."""
        salt = provider.compare_salt()
        if salt is None:
            return None
        reach = sorted(live_by_id.get(provider.reach_kind, {}).values(), key=lambda o: str(o.id))
        context = _digest((VERSION, code_digest(), type(provider).__qualname__, salt,
                           sorted(ids.items(), key=str), reach))
        return cls(entries, context)

    def compare(self, provider: Provider, spec: Spec, live: LiveObject | None,
                ids: Mapping[str, int | str],
                live_by_id: Mapping[str, Mapping[int | str, LiveObject]]) -> Compared:
        """`compare`'s outcome: the kept one when every input is what it was."""
        if live is None or live.body is None or provider.read_only(spec.kind):
            return compare(provider, spec, live, ids, live_by_id)
        key = _digest((self._context, spec, live))
        entry = self._entries.get(spec.ref)
        if isinstance(entry, list) and len(entry) == 6 and entry[0] == key:
            self.hits += 1
            self.kept[spec.ref] = entry
            change = Change(
                kind=spec.kind, key=spec.key, name=spec.name, action=Action.NOOP,
                depends_on=spec.depends_on, fingerprint=str(entry[1]), go_live=bool(entry[2]),
                reach=entry[3], schedule=entry[4], warnings=list(entry[5]), live_id=live.id,
                live_body=dict(live.body),
            )
            return Compared(change, None, live)
        outcome = compare(provider, spec, live, ids, live_by_id)
        change = outcome.change
        if change.action is Action.NOOP and not change.shown:
            kept = [key, change.fingerprint, change.go_live, change.reach, change.schedule,
                    list(change.warnings)]
            if _json_exact(kept):  # a value JSON cannot hold exactly is never kept
                self.kept[spec.ref] = kept
        return outcome


def _digest(parts: tuple[Any, ...]) -> str:
    """The hash of `repr(parts)`: Spec and LiveObject are dataclasses whose repr is every
    field (a field added later is in the key too; LiveObject's raw record is not)."""
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _json_exact(value: Any) -> bool:
    try:
        return bool(json.loads(json.dumps(value)) == value)
    except (TypeError, ValueError):
        return False
