"""How many pages the campaign listing had last time, so the next listing asks for them
at once (issue 29).

Page 1 says how many pages there are, so the pages after 2 used to wait a round trip
for it, and with them the reads of every managed campaign on those pages. The count
seen last time, kept in the user cache beside the spec memo (never in the work tree,
never in CI, off with RECONCILER_NO_CACHE=1), lets them leave with page 1. It is only
a guess of how many requests to send first: the listing is still checked complete
against page 1's `total_records` and the empty page after the last, a guess too high
costs a few requests for empty pages (at most `MAX_GUESS`), and a guess too low costs
the round trip it would have saved.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from reconciler.workspace.cache import caches_allowed, put_entry, read_entries, user_cache_dir

FILE = "listing-pages.json"
VERSION = 1
MAX_GUESS = 10  # pages asked for at once on a guess: the most a stale count can waste
KEPT = 32  # targets remembered per repository


class PageHint:
    """The listing's page count for one target (api_url, org, app), read and kept."""

    def __init__(self, path: Path | None, target: str) -> None:
        self._path = path
        self._key = hashlib.sha256(target.encode()).hexdigest()[:32]
        self._known: int | None = None

    @classmethod
    def for_target(cls, config_dir: Path, target: str) -> PageHint:
        """The hint of `target` for the repository at `config_dir`; one that neither reads
        nor keeps anything where caches are not allowed."""
        path = user_cache_dir(config_dir) / FILE if caches_allowed() else None
        return cls(path, target)

    def guess(self) -> int:
        """Pages the listing had last time (1 when unknown), at most MAX_GUESS."""
        if self._path is None:
            return 1
        entry = read_entries(self._path, VERSION).get(self._key)
        pages = entry.get("pages") if isinstance(entry, dict) else None
        if not isinstance(pages, int) or isinstance(pages, bool) or pages < 1:
            return 1
        self._known = pages
        return min(pages, MAX_GUESS)

    def keep(self, pages: int) -> None:
        """Remember a complete listing's page count, if it changed; never fails."""
        if self._path is None or pages == self._known:
            return
        self._known = pages
        put_entry(self._path, VERSION, self._key, {"pages": pages}, KEPT)
