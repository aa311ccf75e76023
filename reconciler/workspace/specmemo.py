"""The plan's spec memo: an unchanged repo's specs, without parsing, rendering or validating.

A no-change re-plan (`plan --cache`) of a large repo spent a fifth of its CPU loading
specs it loaded, identically, the run before (issue 29). Loading is a function of its
inputs alone: the code, reconciler.yaml, the env and every spec file's bytes. So a
plan that loaded them without a problem keeps the specs it made (plain JSON) and the
warnings it printed, under the hash of those inputs; the next plan walks the spec
folders and reads every file again, and takes the kept specs only when the hash is
the same.

Nothing cached beats the files (issue 16): the key is content (`ContentHash` of the
bytes read now, `code_digest` of the package), never mtimes, and any problem in the
walk, any unreadable file, means a full load. Only loads that passed are kept, and
only specs that come back from JSON exactly (by repr: every field, every type). The
memo lives with the parse cache in the user cache folder, outside any work tree, and
is off where it is: in CI, with RECONCILER_NO_CACHE=1, under a trusted config, and
for apply, which parses every file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.workspace.cache import (
    ContentHash,
    memo_key,
    memos_allowed,
    put_entry,
    read_entries,
    read_file,
)
from reconciler.workspace.discover import SpecFile
from reconciler.workspace.workspace import Spec

if TYPE_CHECKING:
    from reconciler.config import LoadedConfig

MEMO_FILE = "plan-specs.json"
VERSION = 1
MAX_ENTRIES = 4  # configs x envs remembered per repository (each holds every spec)
_MAX_BYTES = 1_000_000  # as the validate memo: a bigger file fails loading anyway


class SpecMemo:
    """The memo of one config file and env."""

    def __init__(self, loaded: LoadedConfig) -> None:
        from reconciler.workspace.cache import user_cache_dir

        self.path = user_cache_dir(loaded.config_dir) / MEMO_FILE
        self.selector = json.dumps([os.path.realpath(loaded.path), loaded.env_name])
        self._key = ""

    @classmethod
    def open(cls, loaded: LoadedConfig) -> SpecMemo | None:
        return cls(loaded) if memos_allowed() else None

    def replay(self, config_path: Path, files: list[SpecFile], raws: dict[str, bytes],
               warn: Callable[[str], None]) -> tuple[tuple[Spec, ...], str] | None:
        """(the kept specs, the content hash) when every input is what it was, their
        warnings given to `warn`; else None. Fills `raws` with the bytes it read, for
        the load that follows a miss."""
        try:
            digest = ContentHash(read_file(str(config_path), _MAX_BYTES))
            for f in files:
                raw = raws.get(f.rel)
                if raw is None:
                    raw = raws[f.rel] = read_file(str(f.path), _MAX_BYTES)
                digest.add(f.rel, raw)
        except OSError:
            return None  # the load reports it
        content_hash = digest.hexdigest()
        self._key = memo_key(VERSION, self.selector, content_hash)
        entry = self._entries().get(self.selector)
        if not isinstance(entry, dict) or entry.get("key") != self._key:
            return None
        try:
            specs = tuple(_spec(row) for row in entry["specs"])
            warnings = [str(w) for w in entry["warnings"]]
        except (KeyError, TypeError, ValueError):
            return None
        for line in warnings:
            warn(line)
        return specs, content_hash

    def snapshot(self, specs: tuple[Spec, ...], warnings: list[str]) -> Callable[[], None]:
        """Keeping a passing load (after `replay` missed): the specs as JSON now, and the rest of keeping them (checking they come back
        exactly, writing the file) as a job that may run on another thread while the
        plan goes on (cli/meanwhile.py). The job keeps nothing if a spec is no longer
        what was loaded when it checks (specs are never changed; if one were, the memo
        would otherwise hold what no load makes). Neither ever fails."""
        try:
            text = json.dumps([_row(s) for s in specs], ensure_ascii=False)
        except (TypeError, ValueError):
            return lambda: None  # a value JSON cannot hold: never kept

        def keep() -> None:
            try:
                rows = json.loads(text)
                if [repr(_spec(r)) for r in rows] != [repr(s) for s in specs]:
                    return  # a value JSON cannot hold exactly: never kept
            except Exception:  # noqa: BLE001  # a spec changed under the check: not kept
                return
            put_entry(self.path, VERSION, self.selector,
                      {"key": self._key, "specs": rows, "warnings": warnings}, MAX_ENTRIES)

        return keep

    def _entries(self) -> dict[str, Any]:
        return read_entries(self.path, VERSION)

def _row(s: Spec) -> list[Any]:
    return [s.kind, s.key, s.path, dict(s.body), s.pin_id, s.protect, list(s.ignore_changes),
            list(s.depends_on), None if s.pin_state is None else dict(s.pin_state), s.people,
            dict(s.lines)]


def _spec(row: list[Any]) -> Spec:
    kind, key, path, body, pin_id, protect, ignore, depends, pin_state, people, lines = row
    return Spec(kind=kind, key=key, path=path, body=body, pin_id=pin_id, protect=protect,
                ignore_changes=tuple(ignore), depends_on=tuple(depends), pin_state=pin_state,
                people=people, lines=lines)
