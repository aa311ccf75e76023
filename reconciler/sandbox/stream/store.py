"""SQLite state of the Stream sandbox: segments, targets, campaigns and starts per API key.

The same pattern as the Localytics sandbox (`db.SqliteFile`: WAL, one
connection, one lock, immediate transactions), so concurrent requests and
several `serve` processes over one file stay consistent. Each request runs in
one transaction (`StreamStore.session`): a handler that fails part-way rolls
back. Each API key is its own app, so a test's fresh key is a clean slate.
Objects are JSON documents next to the columns that identify and order them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from reconciler.sandbox.base import SqliteFile, dumps
from reconciler.sandbox.stream.protocol import now, stamp

SCHEMA = """
CREATE TABLE IF NOT EXISTS segments (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, app_key TEXT NOT NULL, id TEXT NOT NULL,
  body TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  UNIQUE (app_key, id));
CREATE TABLE IF NOT EXISTS targets (
  app_key TEXT NOT NULL, segment_id TEXT NOT NULL, target_id TEXT NOT NULL,
  created_at TEXT NOT NULL, PRIMARY KEY (app_key, segment_id, target_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS campaigns (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, app_key TEXT NOT NULL, id TEXT NOT NULL,
  body TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  UNIQUE (app_key, id));
CREATE TABLE IF NOT EXISTS starts (
  app_key TEXT NOT NULL, campaign_id TEXT NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (app_key, campaign_id))
"""


class StreamStore(SqliteFile):
    """The Stream sandbox's file. `session(key)` is one request's transaction."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)

    @contextmanager
    def session(self, api_key: str, ahead: timedelta = timedelta(0)) -> Iterator[App]:
        with self._write() as db:
            yield App(db, api_key, ahead)

    def starts(self, api_key: str) -> dict[str, int]:
        """Start calls performed per campaign id (a sandbox knob: sent-once checks)."""
        rows = self._read("SELECT campaign_id, count FROM starts WHERE app_key = ?", (api_key,))
        return {r["campaign_id"]: r["count"] for r in rows}


def _object(row: sqlite3.Row) -> dict[str, Any]:
    return {**json.loads(row["body"]), "id": row["id"], "seq": row["seq"],
            "created_at": row["created_at"], "updated_at": row["updated_at"]}


class App:
    """One app's objects inside one transaction, and the app's clock: the wall clock
    moved `ahead` by the `advance` knob, so tests decide when a campaign has run."""

    def __init__(self, db: sqlite3.Connection, key: str, ahead: timedelta = timedelta(0)
                 ) -> None:
        self.db, self.key, self.ahead = db, key, ahead

    def now(self) -> datetime:
        return now() + self.ahead

    # --- segments and campaigns share their shape ------------------------
    def get(self, table: str, ident: str) -> dict[str, Any] | None:
        row = self.db.execute(f"SELECT * FROM {table} WHERE app_key = ? AND id = ?",
                              (self.key, ident)).fetchone()
        return _object(row) if row else None

    def all(self, table: str) -> list[dict[str, Any]]:
        rows = self.db.execute(f"SELECT * FROM {table} WHERE app_key = ? ORDER BY seq",
                               (self.key,))
        return [_object(r) for r in rows]

    def insert(self, table: str, ident: str, body: dict[str, Any]) -> dict[str, Any]:
        t = stamp(self.now())
        self.db.execute(f"INSERT INTO {table} (app_key, id, body, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?)", (self.key, ident, dumps(body), t, t))
        return self.get(table, ident) or {}

    def replace(self, table: str, ident: str, body: dict[str, Any]) -> dict[str, Any]:
        self.db.execute(f"UPDATE {table} SET body = ?, updated_at = ? WHERE app_key = ? "
                        "AND id = ?", (dumps(body), stamp(self.now()), self.key, ident))
        return self.get(table, ident) or {}

    def delete(self, table: str, ident: str) -> None:
        self.db.execute(f"DELETE FROM {table} WHERE app_key = ? AND id = ?", (self.key, ident))
        if table == "segments":
            self.db.execute("DELETE FROM targets WHERE app_key = ? AND segment_id = ?",
                            (self.key, ident))

    def touch(self, table: str, ident: str) -> None:
        self.db.execute(f"UPDATE {table} SET updated_at = ? WHERE app_key = ? AND id = ?",
                        (stamp(self.now()), self.key, ident))

    # --- targets ---------------------------------------------------------
    def targets(self, segment_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT target_id, created_at FROM targets WHERE app_key = ? AND segment_id = ? "
            "ORDER BY target_id", (self.key, segment_id))
        return [{"segment_id": segment_id, "target_id": r[0], "created_at": r[1], "app_pk": 1}
                for r in rows]

    def target_count(self, segment_id: str) -> int:
        row = self.db.execute("SELECT COUNT(*) FROM targets WHERE app_key = ? AND "
                              "segment_id = ?", (self.key, segment_id)).fetchone()
        return int(row[0])

    def has_target(self, segment_id: str, target_id: str) -> bool:
        return self.db.execute(
            "SELECT 1 FROM targets WHERE app_key = ? AND segment_id = ? AND target_id = ?",
            (self.key, segment_id, target_id)).fetchone() is not None

    def add_targets(self, segment_id: str, ids: list[str]) -> None:
        t = stamp(self.now())
        self.db.executemany(
            "INSERT OR IGNORE INTO targets (app_key, segment_id, target_id, created_at) "
            "VALUES (?, ?, ?, ?)", [(self.key, segment_id, i, t) for i in ids])

    def delete_targets(self, segment_id: str, ids: list[str]) -> None:
        self.db.executemany(
            "DELETE FROM targets WHERE app_key = ? AND segment_id = ? AND target_id = ?",
            [(self.key, segment_id, i) for i in ids])

    # --- starts (a knob: how often `start` ran per campaign) -------------
    def count_start(self, campaign_id: str) -> None:
        self.db.execute(
            "INSERT INTO starts (app_key, campaign_id, count) VALUES (?, ?, 1) "
            "ON CONFLICT (app_key, campaign_id) DO UPDATE SET count = count + 1",
            (self.key, campaign_id))
