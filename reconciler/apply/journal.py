"""The apply journal: one JSON line per completed write, flushed at once.

A run killed by CI still tells what it did; the next plan reconciles from
live state regardless. Never holds a secret: only ids, keys, names, outcomes.
A journal that cannot be opened refuses apply before any write; one that
fails later (disk full) sets `failed`, and the executor starts no new write.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.errors import JournalError


class Journal:
    def __init__(self, path: Path, env: str):
        self.path = path
        self._env = env
        self.failed: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")
        except OSError as e:
            raise JournalError(f"cannot open the journal {path}: {e.strerror or e}; "
                               "nothing applied") from None
        try:
            if _torn(path):  # a run killed mid-line: start ours on a line of its own
                self._file.write("\n")
                self._file.flush()
        except OSError as e:
            self._file.close()
            raise JournalError(f"cannot write the journal {path}: {e.strerror or e}; "
                               "nothing applied") from None

    def record(self, **entry: Any) -> None:
        line = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "env": self._env}
        line.update(entry)
        # flush() hands the line to the OS at once: it survives kill -9 and a
        # cancelled CI job. No fsync: it would block the event loop per write,
        # for durability against power loss only.
        if self.failed:
            return
        try:
            self._file.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
            self._file.flush()
        except OSError as e:
            self.failed = (f"cannot write the journal {self.path}: {e.strerror or e}; no "
                           "further writes were started (the report lists what was done)")

    def close(self) -> None:
        try:
            self._file.close()
        except OSError as e:  # buffered lines that a full disk refused
            self.failed = self.failed or f"cannot write the journal {self.path}: {e.strerror}"


def _torn(path: Path) -> bool:
    """Whether the file ends without a newline (a write cut short, in theory)."""
    with path.open("rb") as f:
        f.seek(0, 2)
        if f.tell() == 0:
            return False
        f.seek(-1, 2)
        return f.read(1) != b"\n"


def read_journal(path: Path) -> list[dict[str, Any]]:
    """Every complete entry; a torn or unparseable line (a killed run) is skipped."""
    entries = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except (ValueError, RecursionError):  # torn, or numbers/nesting JSON cannot hold
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries
