"""Which live object each spec's plan read last time, so that the next plan begins those
reads with its listing instead of after it (issue 29).

A plan lists every kind, then reads the managed objects the listing lacks bodies for.
The listing is a round trip or more (pages of up to 1,000 rows, which the API takes a
while to make and the client to parse), and the reads waited for it with most request
slots idle. The ids the last complete plan read, kept in the user cache beside the spec
memo (never in the work tree, never in CI, off with RECONCILER_NO_CACHE=1), are read
again as soon as the listing's requests have left.

They are guesses (`plan.prefetch`): identity is still decided by the complete listing
alone, and a read begun early is used only for the object the listing pairs a spec
with (a read of an object is that object's body, whoever asked for it). A stale guess
costs its request, never a wrong plan: the ones the listing does not confirm are
dropped when it is complete.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.plan.model import target_of
from reconciler.provider import LiveId
from reconciler.workspace.cache import caches_allowed, put_entry, read_entries, user_cache_dir

if TYPE_CHECKING:
    from reconciler.config import LoadedConfig

FILE = "plan-reads.json"
VERSION = 1
KEPT = 32  # targets remembered per repository
MAX_ID = 200  # characters of an id kept; a longer one is not a platform's id


class ReadHint:
    """The ids the last plan of one target read, by spec ref; read and kept."""

    def __init__(self, path: Path | None, target: Mapping[str, Any]) -> None:
        self._path = path
        digest = hashlib.sha256(json.dumps(dict(target), sort_keys=True, default=str).encode())
        self._key = digest.hexdigest()[:32]
        self._known: dict[str, LiveId] | None = None
        self._bodiless: set[str] = set()  # kinds this run's plan listed without bodies

    @classmethod
    def for_target(cls, config_dir: Path, target: Mapping[str, Any]) -> ReadHint:
        """The hint of `target` (the plan's api_url, org and app) for the repository at
        `config_dir`; one that neither reads nor keeps anything where caches are not
        allowed."""
        path = user_cache_dir(config_dir) / FILE if caches_allowed() else None
        return cls(path, target)

    @classmethod
    def for_env(cls, loaded: LoadedConfig) -> ReadHint:
        """The hint of the loaded env's target (its api_url, org and app)."""
        return cls.for_target(loaded.config_dir, target_of(loaded.env))

    def ids(self) -> dict[str, LiveId]:
        """Spec ref -> the id its plan read last time; empty when unknown or unreadable."""
        if self._path is None:
            return {}
        entry = read_entries(self._path, VERSION).get(self._key)
        reads = entry.get("reads") if isinstance(entry, dict) else None
        known = {ref: live_id for ref, live_id in reads.items()
                 if isinstance(ref, str) and _an_id(live_id)} if isinstance(reads, dict) else {}
        self._known = known
        return known

    def keep(self, reads: Mapping[str, LiveId], bodiless: Iterable[str] | None = None
             ) -> None:
        """Remember a complete plan's reads, if they changed; never fails. `bodiless`: the
        kinds that plan saw listed without bodies (it reads those), for `written`."""
        if bodiless is not None:
            self._bodiless = set(bodiless)
        if self._path is None:
            return
        if self._known is None:
            self.ids()
        if dict(reads) == self._known:
            return
        self._known = dict(reads)
        put_entry(self._path, VERSION, self._key, {"reads": self._known}, KEPT)

    def written(self, ids: Iterable[tuple[str, str, LiveId | None]]) -> None:
        """After apply, what it wrote: (kind, spec ref, the id now, None once removed). An
        id is kept for a kind this run's plan listed without bodies (the next plan reads
        it), so the plan after an apply reads what the apply made with its listing."""
        known = dict(self._known or {})
        for kind, ref, live_id in ids:
            if live_id is None:
                known.pop(ref, None)
            elif kind in self._bodiless:
                known[ref] = live_id
        self.keep(known)


def _an_id(value: object) -> bool:
    """An id as platforms give them: an int (not a bool) or a short string."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and 0 < len(value) <= MAX_ID)
