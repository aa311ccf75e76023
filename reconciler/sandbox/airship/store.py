"""SQLite state of the Airship sandbox: each app key's segments, pipelines, schedules,
sends, channels and clock.

The pattern of the other sandboxes (`base.SqliteFile`: WAL, one connection, one lock,
immediate transactions): each request runs in one transaction (`AirshipStore.session`),
so a handler that fails part-way rolls back. Each app key is its own project, so a
test's fresh key is a clean slate. Objects are the JSON documents clients wrote, next to
the columns that identify and order them; the project's clock (frozen, or the wall clock
moved ahead) lives in the file, so every process over it sees the same time.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reconciler.sandbox.base import SqliteFile, dumps

SCHEMA = """
CREATE TABLE IF NOT EXISTS as_projects (
  app_key TEXT PRIMARY KEY, frozen TEXT, ahead REAL NOT NULL DEFAULT 0,
  settings TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS as_objects (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, app_key TEXT NOT NULL, kind TEXT NOT NULL,
  id TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  UNIQUE (app_key, kind, id));
CREATE TABLE IF NOT EXISTS as_deleted (
  app_key TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS as_sends (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, app_key TEXT NOT NULL, source TEXT NOT NULL,
  ref TEXT NOT NULL, body TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS as_channels (
  app_key TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (app_key, id))
"""


def stamp(moment: datetime) -> str:
    """Stored times: ISO with microseconds, UTC (sortable as text)."""
    return moment.astimezone(UTC).isoformat()


def parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


class AirshipStore(SqliteFile):
    """The Airship sandbox's file. `session(key)` is one request's transaction."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)

    @contextmanager
    def session(self, app_key: str) -> Iterator[Project]:
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO as_projects (app_key) VALUES (?)", (app_key,))
            yield Project(db, app_key)


class Project:
    """One app key's objects inside one transaction, and its clock."""

    def __init__(self, db: sqlite3.Connection, key: str) -> None:
        self.db, self.key = db, key
        row = db.execute("SELECT frozen, ahead, settings FROM as_projects WHERE app_key = ?",
                         (key,)).fetchone()
        self._frozen = parse_stamp(row["frozen"]) if row["frozen"] else None
        self._ahead = timedelta(seconds=float(row["ahead"]))
        self.settings: dict[str, Any] = json.loads(row["settings"])

    # --- the clock -------------------------------------------------------
    def now(self) -> datetime:
        """The project's time: frozen by a test, else the wall clock moved ahead."""
        return self._frozen or datetime.now(UTC) + self._ahead

    @property
    def frozen(self) -> datetime | None:
        return self._frozen

    @property
    def ahead(self) -> timedelta:
        return self._ahead

    def set_clock(self, frozen: datetime | None, ahead: timedelta) -> None:
        self._frozen, self._ahead = frozen, ahead
        self.db.execute("UPDATE as_projects SET frozen = ?, ahead = ? WHERE app_key = ?",
                        (stamp(frozen) if frozen else None, ahead.total_seconds(), self.key))

    def save_settings(self) -> None:
        self.db.execute("UPDATE as_projects SET settings = ? WHERE app_key = ?",
                        (dumps(self.settings), self.key))

    # --- objects (segments, pipelines, schedules share their storage) ----
    def get(self, kind: str, ident: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM as_objects WHERE app_key = ? AND kind = ? "
                              "AND id = ?", (self.key, kind, ident)).fetchone()
        return _object(row) if row else None

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Every object of `kind`, oldest first."""
        rows = self.db.execute("SELECT * FROM as_objects WHERE app_key = ? AND kind = ? "
                               "ORDER BY seq", (self.key, kind))
        return [_object(r) for r in rows]

    def insert(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        """Store a new object under a fresh server UUID (Airship has no client ids)."""
        ident, t = str(uuid.uuid4()), stamp(self.now())
        self.db.execute("INSERT INTO as_objects (app_key, kind, id, body, created_at, "
                        "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                        (self.key, kind, ident, dumps(body), t, t))
        return self.get(kind, ident) or {}

    def replace(self, kind: str, ident: str, body: dict[str, Any]) -> dict[str, Any]:
        self.db.execute("UPDATE as_objects SET body = ?, updated_at = ? WHERE app_key = ? "
                        "AND kind = ? AND id = ?",
                        (dumps(body), stamp(self.now()), self.key, kind, ident))
        return self.get(kind, ident) or {}

    def delete(self, kind: str, ident: str) -> None:
        self.db.execute("DELETE FROM as_objects WHERE app_key = ? AND kind = ? AND id = ?",
                        (self.key, kind, ident))
        self.db.execute("INSERT INTO as_deleted (app_key, kind, id, at) VALUES (?, ?, ?, ?)",
                        (self.key, kind, ident, stamp(self.now())))

    def deleted(self, kind: str) -> list[tuple[str, datetime]]:
        rows = self.db.execute("SELECT id, at FROM as_deleted WHERE app_key = ? AND kind = ? "
                               "ORDER BY at", (self.key, kind))
        return [(r["id"], parse_stamp(r["at"])) for r in rows]

    # --- sends (what a test counts) --------------------------------------
    def log_send(self, source: str, ref: str, body: Any, at: datetime | None = None) -> None:
        self.db.execute("INSERT INTO as_sends (app_key, source, ref, body, at) VALUES "
                        "(?, ?, ?, ?, ?)",
                        (self.key, source, ref, dumps(body), stamp(at or self.now())))

    def sends(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM as_sends WHERE app_key = ? ORDER BY seq",
                               (self.key,))
        return [{"source": r["source"], "ref": r["ref"], "body": json.loads(r["body"]),
                 "at": r["at"]} for r in rows]

    # --- channels (what a doctor looks up) -------------------------------
    def channel(self, ident: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT body FROM as_channels WHERE app_key = ? AND id = ?",
                              (self.key, ident)).fetchone()
        return json.loads(row["body"]) if row else None

    def put_channel(self, ident: str, body: dict[str, Any]) -> None:
        self.db.execute("INSERT OR REPLACE INTO as_channels (app_key, id, body) VALUES "
                        "(?, ?, ?)", (self.key, ident, dumps(body)))


def _object(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "seq": row["seq"], "body": json.loads(row["body"]),
            "created_at": parse_stamp(row["created_at"]),
            "updated_at": parse_stamp(row["updated_at"])}
