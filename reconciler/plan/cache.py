"""An opt-in cache of live object bodies, keyed by id and the listing's `updated_at`.

A no-change re-plan of a large app spends almost all its requests reading
details it read last time. With `plan --cache` (or `cache: true` in the env),
an object whose `updated_at` in the listing equals the cached one is taken
from the user cache folder (`$XDG_CACHE_HOME/reconciler/<repo hash>/`, outside
the work tree, so nothing committed can feed it) instead of being read again.

Correctness first: the cache is only ever a shortcut for the planner. Apply
never uses it (it plans from live reads), nor does any run with `CI` set (a
plan comment must show live state), the scope pins target and tool version,
an object without
`updated_at` is always read, and a corrupt or foreign cache file is ignored
with a warning, never trusted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reconciler import __version__
from reconciler.provider import LiveObject
from reconciler.workspace.cache import caches_allowed, user_cache_dir

FORMAT = "reconciler-live-cache/1"
Warn = Callable[[str], None]


class LiveCache:
    def __init__(self, path: Path, scope: dict[str, Any], warn: Warn):
        self.path = path
        self._scope = scope
        self._entries: dict[str, dict[str, Any]] = {}
        # reconciler.plan.comparememo's no-op outcomes by spec ref; the planner replaces it
        self.compared: dict[str, Any] = {}
        self._compared_read: dict[str, Any] = {}
        self.hits = 0
        self.misses = 0
        self._dirty = False
        self._load(warn)

    @classmethod
    def for_target(cls, root: Path, target: dict[str, Any], warn: Warn) -> LiveCache | None:
        """The cache of `target` for the repo at `root`; None where caches are not allowed."""
        if not caches_allowed():
            return None
        scope = {**target, "tool": __version__}
        digest = hashlib.sha256(json.dumps(scope, sort_keys=True).encode()).hexdigest()[:16]
        return cls(user_cache_dir(root) / f"live-{digest}.json", scope, warn)

    def _load(self, warn: Warn) -> None:
        if not self.path.exists():
            return
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            if doc.get("format") != FORMAT or doc.get("scope") != self._scope:
                raise ValueError("made for another target or version")
            entries = doc["entries"]
            if not isinstance(entries, dict):
                raise ValueError("entries is not a mapping")
            compared = doc.get("compared", {})
            if not isinstance(compared, dict):
                raise ValueError("compared is not a mapping")
            self._entries, self.compared = entries, compared
            self._compared_read = compared
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            warn(f"warning: ignoring live cache {self.path}: {e}")

    def get(self, summary: LiveObject) -> LiveObject | None:
        """The cached body for `summary`, only if its updated_at is unchanged."""
        entry = self._entries.get(_key(summary))
        if not summary.updated_at or not entry or entry.get("updated_at") != summary.updated_at:
            self.misses += 1
            return None
        self.hits += 1
        return LiveObject(
            kind=summary.kind, id=summary.id, name=summary.name, updated_at=summary.updated_at,
            body=entry["body"], reach=entry.get("reach"), targets=tuple(entry.get("targets", ())),
            status=entry.get("status"),
        )

    def put(self, obj: LiveObject) -> None:
        if obj.updated_at and obj.body is not None:
            self._dirty = True
            self._entries[_key(obj)] = {
                "updated_at": obj.updated_at, "body": obj.body, "reach": obj.reach,
                "targets": list(obj.targets), "status": obj.status,
            }

    def save(self) -> None:
        """Write the cache, unless this run changed nothing in it."""
        if not self._dirty and self.compared == self._compared_read:
            return
        from reconciler.plan.planfile import atomic_write  # tempfile: not before a plan's requests

        doc = {"format": FORMAT, "scope": self._scope, "entries": self._entries,
               "compared": self.compared}
        atomic_write(self.path, json.dumps(doc, ensure_ascii=False, separators=(",", ":")))


def _key(obj: LiveObject) -> str:
    return f"{obj.kind}:{obj.id}"
