"""The sandbox's SQLite file: schema, one connection, one lock, transactions.

One connection, one lock, WAL: handlers are short, so serializing them costs
less than it buys (no duplicate ids, no torn writes under parallel clients).
Every value reaches SQLite as a bound parameter, never as SQL text, so names
like `'; DROP TABLE campaigns; --` are stored verbatim.
"""

from __future__ import annotations

from pathlib import Path

from reconciler.sandbox.base import Clock, SqliteFile

MAX_ID = 2**63 - 1  # SQLite's INTEGER range; larger ids cannot exist

SCHEMA = """
CREATE TABLE IF NOT EXISTS apps (
  org_id INTEGER NOT NULL, app_id TEXT NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (org_id, app_id));
CREATE TABLE IF NOT EXISTS audiences (
  id INTEGER PRIMARY KEY AUTOINCREMENT, org_id INTEGER NOT NULL, app_id TEXT NOT NULL,
  name TEXT NOT NULL, target_rules TEXT NOT NULL, counts TEXT NOT NULL,
  counts_at TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  deleted_at TEXT);
CREATE INDEX IF NOT EXISTS audiences_app ON audiences (org_id, app_id);
CREATE TABLE IF NOT EXISTS campaigns (
  id INTEGER PRIMARY KEY AUTOINCREMENT, org_id INTEGER NOT NULL, app_id TEXT NOT NULL,
  name TEXT NOT NULL, status TEXT NOT NULL, archived INTEGER NOT NULL DEFAULT 0,
  recurring INTEGER NOT NULL, send_local_tz INTEGER NOT NULL, begin_date TEXT,
  end_date TEXT, body TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS campaigns_app ON campaigns (org_id, app_id);
CREATE TABLE IF NOT EXISTS campaign_audiences (
  campaign_id INTEGER NOT NULL, audience_id INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, audience_id));
CREATE INDEX IF NOT EXISTS campaign_audiences_audience ON campaign_audiences (audience_id);
CREATE TABLE IF NOT EXISTS creatives (
  id INTEGER PRIMARY KEY AUTOINCREMENT, campaign_id INTEGER NOT NULL, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pushes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, app_id TEXT NOT NULL, request_id TEXT,
  target_type TEXT NOT NULL, target TEXT, alert TEXT, labels TEXT, campaign_key TEXT,
  received_at TEXT NOT NULL, received_epoch REAL NOT NULL, platforms TEXT);
CREATE INDEX IF NOT EXISTS pushes_request ON pushes (app_id, request_id);
"""

# Distinct id ranges make a campaign id passed where an audience id belongs
# fail loudly in tests instead of hitting an unrelated object by chance.
ID_FLOORS = {"audiences": 100, "campaigns": 4000, "creatives": 7000}


def valid_id(value: int) -> bool:
    """Whether an id can exist at all (positive and inside SQLite's range)."""
    return 0 < value <= MAX_ID


class Database(SqliteFile):
    """Connection, lock and clock shared by every store operation."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)
        self.clock = Clock()
        with self._write() as db:
            columns = {r[1] for r in db.execute("PRAGMA table_info(pushes)")}
            if "platforms" not in columns:  # a file from before platforms were recorded
                db.execute("ALTER TABLE pushes ADD COLUMN platforms TEXT")
            for table, floor in ID_FLOORS.items():
                db.execute(
                    "INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT EXISTS "
                    "(SELECT 1 FROM sqlite_sequence WHERE name = ?)",
                    (table, floor, table),
                )
            for table in ("audiences", "campaigns"):
                row = db.execute(f"SELECT MAX(updated_at) FROM {table}").fetchone()
                self.clock.observe(row[0])
