"""The validate memo: `validate` of inputs it has validated before says so again.

A warm `validate` spent two thirds of its time importing pydantic and building
models (issue 29), for a result that is a function of its inputs alone: the
code, reconciler.yaml (envs, vars), the env chosen and every spec file. The memo
keeps, per config and `--env`, the hash of those inputs from the last run that
passed, and the line and warnings that run printed. A later run hashes the
inputs again, from the files, and replays the line only when the hash is the
same, so no YAML, Jinja or pydantic is imported for an unchanged repo.

Nothing cached beats the files (issue 16): the key is built from content, never
from mtimes (`ContentHash` over reconciler.yaml and each spec's bytes as read
now, `code_digest` over the package's source); the walk of the spec folders
(its symlink, name and warning rules) runs every time, and any problem it
finds, any unreadable or odd file, means the whole validation runs. Failures
are never memoized. The memo lives with the parse cache in the user cache
folder, outside any work tree, so a pull request cannot write it; like that
cache it is off in CI, with RECONCILER_NO_CACHE=1, and under a trusted config.
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
    refuse_tracked_state,
    user_cache_dir,
)
from reconciler.workspace.discover import Walk, discover

if TYPE_CHECKING:
    from reconciler.config import LoadedConfig
    from reconciler.workspace.workspace import Workspace

MEMO_FILE = "validate.json"
MEMO_VERSION = 1
MAX_ENTRIES = 16  # configs x envs remembered per repository
# A bigger spec file fails validation (reconciler.source.yamlio.MAX_FILE_BYTES), so it
# can never match an entry: the memo need not read it to miss.
_MAX_BYTES = 1_000_000


class ValidateMemo:
    """The memo of one config file and `--env` choice."""

    def __init__(self, config_path: Path, env_option: str | None) -> None:
        self.config_path = config_path
        self.config_dir = config_path.parent
        self.path = user_cache_dir(self.config_dir) / MEMO_FILE
        self.selector = json.dumps([os.path.realpath(config_path), env_option])
        # replay's walk and reads, for the validation that follows a miss
        self.walked: Walk | None = None

    @classmethod
    def open(cls, config_path: Path, env_option: str | None) -> ValidateMemo | None:
        """The memo, or None where caches are off (CI, RECONCILER_NO_CACHE, a trusted
        config, whose file is one more input)."""
        return cls(config_path, env_option) if memos_allowed() else None

    def _key(self, content_hash: str) -> str:
        return memo_key(MEMO_VERSION, self.selector, content_hash)

    def _entries(self) -> dict[str, Any]:
        return read_entries(self.path, MEMO_VERSION)

    def replay(self, warn: Callable[[str], None]) -> str | None:
        """The line the last passing run printed, when every input is what it was then
        (its warnings given to `warn` first); None when validation must run."""
        entry = self._entries().get(self.selector)
        if not (isinstance(entry, dict) and _well_formed(entry)):
            return None
        state = self.config_dir / ".reconciler"
        if state.exists() and not state.is_dir():
            return None  # load_config reports it
        if not all(_root(self.config_dir, f).is_dir() for f in entry["folders"]):
            return None  # load_config reports a missing `specs:` folder
        config_raw = _regular_bytes(self.config_path)
        if config_raw is None:
            return None
        refuse_tracked_state(self.config_dir)
        root = _root(self.config_dir, entry["root"])
        lines: list[str] = []
        files, problems = discover(root, lines.append)
        self.walked = Walk(root, files, problems, lines, {})
        if problems:
            return None
        digest = ContentHash(config_raw)
        for f in files:
            raw = _regular_bytes(f.path)
            if raw is None:
                return None
            self.walked.raws[f.rel] = raw
            digest.add(f.rel, raw)
        if self._key(digest.hexdigest()) != entry["key"]:
            return None
        for line in lines + entry["warnings"]:
            warn(line)
        return str(entry["output"])

    def store(self, loaded: LoadedConfig, ws: Workspace, output: str) -> None:
        """Remember a passing run: the hash of what it read (`ws.content_hash`, of the
        bytes it validated), its spec-level warnings and its line. Never fails."""
        from reconciler.workspace.confusables import lookalikes

        folders = [e.specs for e in loaded.config.envs.values() if e.specs != "."]
        put_entry(self.path, MEMO_VERSION, self.selector, {
            "key": self._key(ws.content_hash), "root": loaded.env.specs, "folders": folders,
            "warnings": lookalikes(ws.specs), "output": output,
        }, MAX_ENTRIES)


def _well_formed(entry: dict[str, Any]) -> bool:
    strings = all(isinstance(entry.get(k), str) for k in ("key", "root", "output"))
    lists = all(isinstance(entry.get(k), list) and all(isinstance(x, str) for x in entry[k])
                for k in ("folders", "warnings"))
    return strings and lists


def _root(config_dir: Path, specs: str) -> Path:
    """An env's spec root, as `reconciler.config.loader.spec_root` resolves it."""
    return config_dir if specs == "." else config_dir / specs


def _regular_bytes(path: Path) -> bytes | None:
    """A regular file's bytes (a FIFO would block); None for anything else."""
    try:
        return read_file(str(path), _MAX_BYTES)
    except OSError:
        return None
