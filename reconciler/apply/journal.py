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
