"""The stop record: the `stops` section of the env's record (reconciler.gitops.staterecord).

One entry per stopped campaign, keyed `<kind>:<key>` (the spec's key, or the live name
when no spec matched), saying what was stopped, when, by whom, from which commit, and
which spec file (with its blob at that commit) stood for it then. Apply reads it to
refuse starting the campaign again until a later commit changes that file.
"""

from __future__ import annotations

import getpass
import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from reconciler.apply.stop import Outcome
from reconciler.config import LoadedConfig
from reconciler.gitops.staterecord import StateRef, now

SECTION = "stops"


def write_stops(loaded: LoadedConfig, done: Sequence[Outcome], store: StateRef | None = None
                ) -> None:
    """Add one entry per stopped campaign in one fast-forward push (RecordError if not)."""
    store = store or StateRef(loaded.root, loaded.env_name)
    top = store.top()
    commit = store.commit()
    by = who(top)
    at = now()
    blobs = _blobs(top, commit)
    entries = {o.target.ref: entry(loaded, o, top, commit, by, at, blobs) for o in done}

    def change(doc: dict[str, Any]) -> None:
        section = doc.get(SECTION)
        doc[SECTION] = {**(section if isinstance(section, dict) else {}), **entries}

    store.update(change, f"emergency stop of {', '.join(sorted(entries))}"[:300])


def entry(loaded: LoadedConfig, outcome: Outcome, top: Path, commit: str | None, by: str,
          at: str, blobs: Mapping[str, str]) -> dict[str, Any]:
    live = outcome.after or outcome.target.live
    assert live is not None
    spec = outcome.target.spec
    path = None
    if spec is not None:
        try:
            path = (loaded.root / spec.path).resolve().relative_to(top.resolve()).as_posix()
        except ValueError:
            path = None
    return {"id": live.id, "kind": live.kind, "name": live.name, "at": at, "by": by,
            "commit": commit, "path": path,
            "blob": blobs.get(path) if path else None,
            "state": outcome.state}


def who(top: Path) -> str:
    """Who stopped it: the GitHub actor in CI, else git's user.name, else the login."""
    actor = os.environ.get("GITHUB_ACTOR", "").strip()
    if actor:
        return actor
    proc = subprocess.run(["git", "config", "user.name"], cwd=top, capture_output=True,
                          text=True, check=False)
    if proc.stdout.strip():
        return proc.stdout.strip()
    try:
        return os.environ.get("USER") or getpass.getuser()
    except OSError:
        return "unknown"


def _blobs(top: Path, commit: str | None) -> dict[str, str]:
    """Every file's blob id at `commit` (one git call, however many campaigns stopped)."""
    if commit is None:
        return {}
    proc = subprocess.run(["git", "ls-tree", "-r", "-z", "--full-tree", commit], cwd=top,
                          capture_output=True, text=True, check=False)
    out = {}
    for line in proc.stdout.split("\0"):
        meta, _, path = line.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob":
            out[path] = parts[2]
    return out
