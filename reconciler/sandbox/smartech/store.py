"""SQLite persistence of the Smartech sandbox: accounts, audiences, campaigns, executions.

Same pattern as the Localytics store (one `SqliteFile`: one connection, one
lock, immediate transactions). An account is an API key: each key is its own
clean slate, and a new one gets the demo lists and segments a panel would
have (the API cannot create them). Every execute/schedule is recorded in
`executions`, which only the sandbox-only `/_sandbox/executions` shows, so
tests count deliveries.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from reconciler.sandbox.base import Clock, SqliteFile, dumps, iso_ms

SCHEMA = """
CREATE TABLE IF NOT EXISTS sm_accounts (api_key TEXT PRIMARY KEY, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sm_audiences (
  api_key TEXT NOT NULL, id INTEGER NOT NULL, type TEXT NOT NULL,
  name TEXT NOT NULL, count INTEGER NOT NULL, updated_at TEXT NOT NULL,
  PRIMARY KEY (api_key, id));
CREATE TABLE IF NOT EXISTS sm_campaigns (
  id INTEGER PRIMARY KEY AUTOINCREMENT, api_key TEXT NOT NULL, channel TEXT NOT NULL,
  name TEXT NOT NULL, state TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sm_campaigns_key ON sm_campaigns (api_key, channel);
-- v4 names are unique: each create and update looks its name up (a scan of the
-- account's campaigns without this: ~1 ms a write at 1,000 campaigns)
CREATE INDEX IF NOT EXISTS sm_campaigns_name ON sm_campaigns (api_key, name);
CREATE TABLE IF NOT EXISTS sm_executions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, api_key TEXT NOT NULL, campaign_id INTEGER NOT NULL,
  channel TEXT NOT NULL, request TEXT NOT NULL, at TEXT NOT NULL);
"""

# What a new account's panel holds: ids 11, 12, … per account (so examples can name them).
AUDIENCE_FLOOR = 10
DEMO_AUDIENCES = (
    ("list", "Newsletter subscribers", 12400),
    ("list", "Beta testers", 240),
    ("segment", "Lapsed buyers", 3100),
    ("segment", "Active app users", 58200),
)


class SmartechStore(SqliteFile):
    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)
        self.clock = Clock()
        with self._write() as db:  # campaign ids from 10001, as Netcore's sample shows
            db.execute("INSERT INTO sqlite_sequence (name, seq) SELECT 'sm_campaigns', 10000 "
                       "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = "
                       "'sm_campaigns')")
            row = db.execute("SELECT MAX(updated_at) FROM sm_campaigns").fetchone()
            self.clock.observe(row[0])

    def account(self, api_key: str) -> None:
        """Open an account on first use, with the demo panel audiences."""
        if self._read("SELECT 1 FROM sm_accounts WHERE api_key = ?", (api_key,)):
            return
        with self._write() as db:
            stamp = iso_ms(self.clock.tick())
            cur = db.execute("INSERT OR IGNORE INTO sm_accounts VALUES (?, ?)", (api_key, stamp))
            if cur.rowcount:
                for t, name, count in DEMO_AUDIENCES:
                    _insert_audience(db, api_key, t, name, count, stamp)

    def add_audience(self, api_key: str, audience_type: str, name: str, count: int
                     ) -> dict[str, Any]:
        self.account(api_key)
        with self._write() as db:
            new = _insert_audience(db, api_key, audience_type, name, count,
                                   iso_ms(self.clock.tick()))
        return {"audience_id": new, "audience_name": name, "audience_count": count}

    def audiences(self, api_key: str, audience_type: str) -> list[dict[str, Any]]:
        rows = self._read("SELECT * FROM sm_audiences WHERE api_key = ? AND type = ? ORDER BY id",
                          (api_key, audience_type))
        return [{"audience_id": r["id"], "audience_name": r["name"], "audience_count": r["count"],
                 "updated_date": r["updated_at"]} for r in rows]

    # campaigns ------------------------------------------------------------

    def create(self, api_key: str, channel: str, name: str, body: dict[str, Any]
               ) -> dict[str, Any]:
        with self._write() as db:
            stamp = iso_ms(self.clock.tick())
            cur = db.execute("INSERT INTO sm_campaigns (api_key, channel, name, state, body, "
                             "created_at, updated_at) VALUES (?, ?, ?, 'draft', ?, ?, ?)",
                             (api_key, channel, name, dumps(body), stamp, stamp))
            row = db.execute("SELECT * FROM sm_campaigns WHERE id = ?", (cur.lastrowid,)).fetchone()
        return _campaign(row)

    def name_taken(self, api_key: str, name: str, but: int | None = None) -> bool:
        return bool(self._read("SELECT 1 FROM sm_campaigns WHERE api_key = ? AND name = ? "
                               "AND id IS NOT ?", (api_key, name, but)))

    def get(self, api_key: str, campaign_id: int) -> dict[str, Any] | None:
        rows = self._read("SELECT * FROM sm_campaigns WHERE api_key = ? AND id = ?",
                          (api_key, campaign_id))
        return _campaign(rows[0]) if rows else None

    def listing(self, api_key: str, channels: list[str], ids: list[int] | None = None
                ) -> list[dict[str, Any]]:
        """The account's campaigns of `channels` by id, only those of `ids` when given (a
        v4 get reads its few rows, not every campaign: the bench's served sandbox shares
        the client's cores)."""
        marks = ",".join("?" * len(channels))
        only = f" AND id IN ({','.join('?' * len(ids))})" if ids else ""
        rows = self._read(f"SELECT * FROM sm_campaigns WHERE api_key = ? AND channel IN ({marks})"
                          f"{only} ORDER BY id", (api_key, *channels, *(ids or ())))
        return [_campaign(r) for r in rows]

    def update(self, api_key: str, campaign_id: int, name: str, body: dict[str, Any],
               state: str | None = None) -> None:
        with self._write() as db:
            db.execute("UPDATE sm_campaigns SET name = ?, body = ?, state = COALESCE(?, state), "
                       "updated_at = ? WHERE api_key = ? AND id = ?",
                       (name, dumps(body), state, iso_ms(self.clock.tick()), api_key, campaign_id))

    def delete(self, api_key: str, campaign_id: int) -> bool:
        with self._write() as db:
            cur = db.execute("DELETE FROM sm_campaigns WHERE api_key = ? AND id = ?",
                             (api_key, campaign_id))
        return cur.rowcount == 1

    def execute(self, api_key: str, campaign_id: int, channel: str, request: Any,
                state: str) -> None:
        """Record one delivery and move the campaign out of draft, in one transaction."""
        with self._write() as db:
            stamp = iso_ms(self.clock.tick())
            db.execute("INSERT INTO sm_executions (api_key, campaign_id, channel, request, at) "
                       "VALUES (?, ?, ?, ?, ?)", (api_key, campaign_id, channel, dumps(request),
                                                  stamp))
            db.execute("UPDATE sm_campaigns SET state = ?, updated_at = ? WHERE id = ?",
                       (state, stamp, campaign_id))

    def executions(self, api_key: str) -> list[dict[str, Any]]:
        rows = self._read("SELECT * FROM sm_executions WHERE api_key = ? ORDER BY seq",
                          (api_key,))
        return [{"campaign_id": r["campaign_id"], "channel": r["channel"],
                 "request": json.loads(r["request"]), "at": r["at"]} for r in rows]


def _insert_audience(db: sqlite3.Connection, api_key: str, audience_type: str, name: str,
                     count: int, stamp: str) -> int:
    row = db.execute("SELECT COALESCE(MAX(id), ?) FROM sm_audiences WHERE api_key = ?",
                     (AUDIENCE_FLOOR, api_key)).fetchone()
    new = int(row[0]) + 1
    db.execute("INSERT INTO sm_audiences (api_key, id, type, name, count, updated_at) "
               "VALUES (?, ?, ?, ?, ?, ?)", (api_key, new, audience_type, name, count, stamp))
    return new


def _campaign(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "channel": row["channel"], "name": row["name"],
            "state": row["state"], "body": json.loads(row["body"]),
            "created_at": row["created_at"], "updated_at": row["updated_at"]}
