"""Request ids and the record of test pushes already sent today.

A message id is a hash of (env, app, campaign key, creative letter, rendered
content, recipient, UTC day), so the same test on the same day has the same
id. The Push API does not de-duplicate customer_id batches (its OpenAPI
scopes request_id de-duplication to the other target types), so the tool
remembers: `.reconciler/sent.jsonl` holds one line per message sent, with its
UTC day; lines of earlier days are dropped when the file is next written.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from reconciler.errors import ConfigError

PREFIX = "rcl-"


def utc_day(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).date().isoformat()


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8") + b"\0")
    return PREFIX + h.hexdigest()[:40]


def message_id(env: str, app_id: str, key: str, letter: str, content: str, recipient: str,
               day: str, nonce: str = "") -> str:
    """The deterministic id of one test push (a `--again` nonce makes it new)."""
    return _digest("message", env, app_id, key, letter, content, recipient, day, nonce)


def batch_request_id(message_ids: Iterable[str]) -> str:
    """The batch's request_id: a hash of its messages' ids, so the same batch repeats it."""
    return _digest("batch", *sorted(message_ids))


@dataclass(frozen=True)
class Sent:
    """One line of sent.jsonl."""

    day: str
    id: str
    env: str
    app_id: str
    key: str
    creative: str
    to: str
    request_id: str
    at: str


class Ledger:
    """The ids of today's sent test pushes, kept in a JSON-lines file."""

    def __init__(self, path: Path, day: str):
        self.path = path
        self.day = day
        self._today: list[Sent] = []
        self._ids: set[str] = set()
        self._stale = False
        self._load()

    def _load(self) -> None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as e:
            raise ConfigError(f"{self.path}: cannot read the send-test record: "
                              f"{e.strerror}") from None
        for line in raw.splitlines():
            try:  # bytes per line: one damaged line (not UTF-8, torn) costs only itself
                entry = Sent(**json.loads(line.decode("utf-8")))
                if not isinstance(entry.id, str) or not isinstance(entry.day, str):
                    raise TypeError("not a ledger line")
            except (ValueError, TypeError, RecursionError):
                self._stale = True  # an unreadable line is dropped on the next write
                continue
            if entry.day == self.day:
                self._today.append(entry)
                self._ids.add(entry.id)
            else:
                self._stale = True

    def __contains__(self, message_id: str) -> bool:
        return message_id in self._ids

    def add(self, entries: list[Sent]) -> None:
        """Append `entries` (rewriting the file without older days when it has any)."""
        if not entries:
            return
        self._today += entries
        self._ids.update(s.id for s in entries)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._stale:
            tmp = self.path.with_name(f".{self.path.name}.tmp")
            tmp.write_text("".join(_line(s) for s in self._today), encoding="utf-8")
            os.replace(tmp, self.path)
            self._stale = False
            return
        with self.path.open("a", encoding="utf-8") as f:
            f.write("".join(_line(s) for s in entries))


def _line(entry: Sent) -> str:
    return json.dumps(asdict(entry), ensure_ascii=False, separators=(",", ":")) + "\n"
