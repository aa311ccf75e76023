"""A parse cache in .reconciler/cache/: file content hash → parsed data + template paths.

Parsing is most of what `validate` does; unchanged files are not parsed again.
The cache is JSON (never pickle: a committed cache file must not run code),
holds data *before* Jinja rendering (vars may change), is rewritten only when
something changed, and is ignored when it is unreadable, of another version,
or disabled with RECONCILER_NO_CACHE=1. Problems are never cached: a file with
a problem is parsed again on every run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

CACHE_VERSION = 1
FILE_NAME = "specs.json"


class ParseCache:
    def __init__(self, path: Path | None):
        self.path = path
        self.entries: dict[str, Any] = {}
        self.used: dict[str, Any] = {}
        self.dirty = False
        if path is None:
            return
        try:
            doc = json.loads(path.read_bytes())
            if doc.get("version") == CACHE_VERSION and isinstance(doc.get("entries"), dict):
                self.entries = doc["entries"]
        except (OSError, ValueError, AttributeError):
            self.entries = {}

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> ParseCache:
        if os.environ.get("RECONCILER_NO_CACHE"):
            return cls(None)
        return cls(state_dir / "cache" / FILE_NAME)

    def get(self, digest: str) -> tuple[Any, list[Any]] | None:
        entry = self.entries.get(digest)
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], dict)):
            return None
        self.used[digest] = entry
        return entry[0], entry[1]

    def put(self, digest: str, data: Any, templates: list[Any]) -> None:
        self.used[digest] = [data, templates]
        self.dirty = True

    def save(self) -> None:
        """Write the entries used by this run, if anything changed; never fails."""
        if self.path is None or not (self.dirty or len(self.used) != len(self.entries)):
            return
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps({"version": CACHE_VERSION, "entries": self.used}),
                           encoding="utf-8")
            os.replace(tmp, self.path)
        except (OSError, ValueError):
            tmp.unlink(missing_ok=True)
