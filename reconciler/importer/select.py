"""Which live objects an import takes: `--all`, `--name`, `--id`, `--kind`, archived or not.

Names match exactly (no substring search); a name or id that matches no live
object of the chosen kinds is an error, so a typo never imports nothing
silently. Archived campaigns are listed so the summary can count them, and
imported only with `--include-archived`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from reconciler.errors import ReconcilerError
from reconciler.provider import LiveId, LiveObject


class NothingToImport(ReconcilerError):
    """The import was asked for nothing, or for objects that do not exist."""


@dataclass(frozen=True)
class Selection:
    all: bool = False
    names: tuple[str, ...] = ()
    ids: tuple[LiveId, ...] = ()  # as typed: Localytics ids are numbers, Stream ids strings
    kind: str | None = None
    include_archived: bool = False


@dataclass(frozen=True)
class Candidate:
    live: LiveObject
    archived: bool = False


@dataclass
class Chosen:
    """Objects to import by kind (dependency order kept), archived ones left out,
    and how many live objects of each kind share each name."""

    by_kind: dict[str, list[Candidate]] = field(default_factory=dict)
    skipped_archived: int = 0
    name_counts: dict[str, Counter[str]] = field(default_factory=dict)


def choose(live: dict[str, list[Candidate]], sel: Selection) -> Chosen:
    """Pick candidates per `sel`; raise NothingToImport naming unknown names or ids."""
    if not (sel.all or sel.names or sel.ids):
        raise NothingToImport("say what to import: --all, --name NAME or --id ID")
    if sel.all and (sel.names or sel.ids):
        raise NothingToImport("--all imports everything; leave out --name and --id, or --all")
    chosen = Chosen()
    found_names: set[str] = set()
    found_ids: set[LiveId] = set()
    for kind, candidates in live.items():
        chosen.name_counts[kind] = Counter(c.live.name for c in candidates if not c.archived)
        picked: list[Candidate] = []
        for c in sorted(candidates, key=lambda c: c.live.id):
            given = [i for i in sel.ids if same_id(c.live.id, i)]
            hit = sel.all or c.live.name in sel.names or given
            if not hit:
                continue
            found_names.add(c.live.name)
            found_ids.update(given)
            if c.archived and not sel.include_archived:
                chosen.skipped_archived += 1
                continue
            picked.append(c)
        chosen.by_kind[kind] = picked
    kinds = " or ".join(f"{k}s" for k in reversed(list(live)))
    missing = [repr(n) for n in sel.names if n not in found_names]
    missing += [str(i) for i in sel.ids if i not in found_ids]
    if missing:
        raise NothingToImport(f"no live {kinds} match {', '.join(missing)} "
                           "(names match exactly)")
    return chosen


def same_id(live_id: LiveId, given: LiveId) -> bool:
    """Whether an id typed on the command line (or a live id handed over by the drift
    job) is `live_id` (`007` is Localytics' 7)."""
    text = str(given).strip()
    if isinstance(live_id, int):
        return text.isdigit() and int(text) == live_id
    return text == live_id
