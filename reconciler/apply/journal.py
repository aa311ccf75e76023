"""The apply journal: one JSON line per completed write, flushed at once.

A run killed by CI still tells what it did; the next plan reconciles from
live state regardless. Never holds a secret: only ids, keys, names, outcomes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class Journal:
    def __init__(self, path: Path, env: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._env = env
        self._file = path.open("a", encoding="utf-8")
        if _torn(path):  # a run killed mid-line: start ours on a line of its own
            self._file.write("\n")
            self._file.flush()

    def record(self, **entry: Any) -> None:
        line = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "env": self._env}
        line.update(entry)
        # flush() hands the line to the OS at once: it survives kill -9 and a
        # cancelled CI job. No fsync: it would block the event loop per write,
        # for durability against power loss only.
        self._file.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


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
