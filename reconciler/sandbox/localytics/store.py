"""SQLite persistence of the sandbox: apps, audiences, push campaigns, pushes.

The operations each endpoint needs, as short methods over one `Database`
(see db.py for why one connection and one lock). Objects are kept as JSON
documents next to the few columns that listings filter and sort on.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from reconciler.sandbox.base import dumps, iso_ms
from reconciler.sandbox.localytics.computed import LETTERS, schedule_summary, segmentation_counts
from reconciler.sandbox.localytics.db import Database, valid_id


class MissingAudiences(Exception):
    """Audiences a campaign targets vanished between validation and the write."""

    def __init__(self, ids: list[int]) -> None:
        super().__init__(", ".join(map(str, ids)))
        self.ids = ids


SUMMARY_COLUMNS = (
    "id, name, status, archived, recurring, send_local_tz, begin_date, end_date, "
    "created_at, updated_at"
)


class Store(Database):
    """The sandbox database. Methods are synchronous and short; all share one lock."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._known_apps: set[tuple[int, str]] = set()  # apps are never unregistered

    # apps -----------------------------------------------------------------

    def register_app(self, org_id: int, app_id: str) -> bool:
        """Register an app; True when it is new (registering twice is harmless)."""
        with self._write() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO apps (org_id, app_id, created_at) VALUES (?, ?, ?)",
                (org_id, app_id, iso_ms(self.clock.tick())),
            )
        self._known_apps.add((org_id, app_id))
        return cur.rowcount == 1

    def has_app(self, org_id: int, app_id: str) -> bool:
        if (org_id, app_id) in self._known_apps:
            return True
        if not valid_id(org_id):
            return False
        found = bool(
            self._read("SELECT 1 FROM apps WHERE org_id = ? AND app_id = ?", (org_id, app_id))
        )
        if found:
            self._known_apps.add((org_id, app_id))
        return found

    def has_app_key(self, app_id: str) -> bool:
        """The Push API knows apps by key alone."""
        return any(key == app_id for _, key in self._known_apps) or bool(
            self._read("SELECT 1 FROM apps WHERE app_id = ?", (app_id,))
        )

    # audiences ------------------------------------------------------------

    def create_audience(self, org_id: int, app_id: str, name: str, rules: Any) -> dict[str, Any]:
        with self._write() as db:
            stamp = iso_ms(self.clock.tick())
            cur = db.execute(
                "INSERT INTO audiences (org_id, app_id, name, target_rules, counts, counts_at, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (org_id, app_id, name, dumps(rules), dumps(segmentation_counts(rules)),
                 stamp, stamp, stamp),
            )
            row = db.execute("SELECT * FROM audiences WHERE id = ?", (cur.lastrowid,)).fetchone()
        return _audience(row)

    def get_audience(self, org_id: int, app_id: str, audience_id: int) -> dict[str, Any] | None:
        """The audience, deleted ones included (callers decide what deleted means)."""
        if not valid_id(audience_id):
            return None
        rows = self._read(
            "SELECT * FROM audiences WHERE id = ? AND org_id = ? AND app_id = ?",
            (audience_id, org_id, app_id),
        )
        return _audience(rows[0]) if rows else None

    def list_audiences(self, org_id: int, app_id: str) -> list[dict[str, Any]]:
        rows = self._read(
            "SELECT * FROM audiences WHERE org_id = ? AND app_id = ? AND deleted_at IS NULL "
            "ORDER BY id",
            (org_id, app_id),
        )
        return [_audience(r) for r in rows]

    def update_audience(
        self, org_id: int, app_id: str, audience_id: int, *, name: str | None, rules: Any
    ) -> dict[str, Any] | None:
        """Patch name and/or rules of a live audience; new rules recount its reach."""
        with self._write() as db:
            row = db.execute(
                "SELECT * FROM audiences WHERE id = ? AND org_id = ? AND app_id = ? "
                "AND deleted_at IS NULL",
                (audience_id, org_id, app_id),
            ).fetchone()
            if row is None:
                return None
            stamp = iso_ms(self.clock.tick())
            if name is not None:
                db.execute("UPDATE audiences SET name = ? WHERE id = ?", (name, audience_id))
            if rules is not None:
                db.execute(
                    "UPDATE audiences SET target_rules = ?, counts = ?, counts_at = ? WHERE id = ?",
                    (dumps(rules), dumps(segmentation_counts(rules)), stamp, audience_id),
                )
            db.execute("UPDATE audiences SET updated_at = ? WHERE id = ?", (stamp, audience_id))
            row = db.execute("SELECT * FROM audiences WHERE id = ?", (audience_id,)).fetchone()
        return _audience(row)

    def recount_audience(self, audience_id: int) -> dict[str, Any]:
        """Recalculate reach now (the segmentation endpoint); the counts' date moves."""
        with self._write() as db:
            stamp = iso_ms(self.clock.tick())
            db.execute("UPDATE audiences SET counts_at = ? WHERE id = ?", (stamp, audience_id))
            row = db.execute("SELECT * FROM audiences WHERE id = ?", (audience_id,)).fetchone()
        return _audience(row)

    def delete_audience(self, audience_id: int) -> tuple[str, list[int]]:
        """Soft-delete: ('deleted', []), ('already', []) or ('targeted', campaign ids).

        Checked and written in one transaction, so two racing DELETEs give one
        204 and one 422, and no campaign can start targeting it meanwhile.
        """
        with self._write() as db:
            row = db.execute(
                "SELECT deleted_at FROM audiences WHERE id = ?", (audience_id,)
            ).fetchone()
            if row is None or row[0] is not None:
                return "already", []
            users = [
                r[0]
                for r in db.execute(
                    "SELECT c.id FROM campaign_audiences ca JOIN campaigns c "
                    "ON c.id = ca.campaign_id WHERE ca.audience_id = ? AND c.archived = 0 "
                    "ORDER BY c.id",
                    (audience_id,),
                )
            ]
            if users:
                return "targeted", users
            stamp = iso_ms(self.clock.tick())
            db.execute(
                "UPDATE audiences SET deleted_at = ?, updated_at = ? WHERE id = ?",
                (stamp, stamp, audience_id),
            )
        return "deleted", []

    def live_audience_ids(self, org_id: int, app_id: str, ids: list[int]) -> set[int]:
        """Which of `ids` are audiences of this app that are not deleted."""
        wanted = sorted({i for i in ids if valid_id(i)})
        if not wanted:
            return set()
        marks = ",".join("?" * len(wanted))
        rows = self._read(
            f"SELECT id FROM audiences WHERE org_id = ? AND app_id = ? AND deleted_at IS NULL "
            f"AND id IN ({marks})",
            (org_id, app_id, *wanted),
        )
        return {r[0] for r in rows}

    # campaigns ------------------------------------------------------------

    def create_campaign(
        self, org_id: int, app_id: str, params: dict[str, Any], audience_ids: list[int]
    ) -> dict[str, Any]:
        """Insert a push campaign; ids, creative ids/letters and timestamps are set here."""
        with self._write() as db:
            stamp = iso_ms(self.clock.tick())
            cur = db.execute(
                "INSERT INTO campaigns (org_id, app_id, name, status, recurring, send_local_tz, "
                "body, created_at, updated_at) VALUES (?, ?, '', '', 0, 0, '{}', ?, ?)",
                (org_id, app_id, stamp, stamp),
            )
            campaign_id = int(cur.lastrowid or 0)
            return self._save_campaign(db, campaign_id, params, audience_ids, stamp, stamp, [])

    def replace_campaign(
        self, org_id: int, app_id: str, campaign_id: int, params: dict[str, Any],
        audience_ids: list[int],
    ) -> dict[str, Any] | None:
        """Full replace (PUT). Creatives keep their ids by position; new ones get new ids."""
        with self._write() as db:
            row = self._campaign_row(db, org_id, app_id, campaign_id)
            if row is None:
                return None
            old = json.loads(row["body"])
            kept = [c["id"] for c in old.get("creatives", [])]
            stamp = iso_ms(self.clock.tick())
            return self._save_campaign(
                db, campaign_id, params, audience_ids, row["created_at"], stamp, kept
            )

    def _save_campaign(
        self, db: sqlite3.Connection, campaign_id: int, params: dict[str, Any],
        audience_ids: list[int], created_at: str, updated_at: str, kept_creative_ids: list[int],
    ) -> dict[str, Any]:
        if audience_ids:
            # Checked again inside the write: a DELETE may have won the race since validation.
            marks = ",".join("?" * len(audience_ids))
            live = {r[0] for r in db.execute(
                f"SELECT id FROM audiences WHERE deleted_at IS NULL AND id IN ({marks})",
                audience_ids,
            )}
            missing = [a for a in audience_ids if a not in live]
            if missing:
                raise MissingAudiences(missing)
        creatives = []
        for position, creative in enumerate(params["creatives"]):
            if position < len(kept_creative_ids):
                creative_id = kept_creative_ids[position]
            else:
                cur = db.execute(
                    "INSERT INTO creatives (campaign_id, position) VALUES (?, ?)",
                    (campaign_id, position),
                )
                creative_id = int(cur.lastrowid or 0)
            creatives.append({"id": creative_id, "letter": LETTERS[position], **creative})
        body = {"id": campaign_id, **params, "creatives": creatives,
                "created_at": created_at, "updated_at": updated_at}
        summary = schedule_summary(params["schedule"])
        db.execute(
            "UPDATE campaigns SET name = ?, status = ?, recurring = ?, send_local_tz = ?, "
            "begin_date = ?, end_date = ?, body = ?, updated_at = ? WHERE id = ?",
            (params["name"], params["status"], summary["recurring"], summary["send_local_tz"],
             summary["begin_date"], summary["end_date"], dumps(body), updated_at, campaign_id),
        )
        db.execute("DELETE FROM campaign_audiences WHERE campaign_id = ?", (campaign_id,))
        db.executemany(
            "INSERT OR IGNORE INTO campaign_audiences (campaign_id, audience_id) VALUES (?, ?)",
            [(campaign_id, a) for a in audience_ids],
        )
        return body

    @staticmethod
    def _campaign_row(
        db: sqlite3.Connection, org_id: int, app_id: str, campaign_id: int
    ) -> sqlite3.Row | None:
        if not valid_id(campaign_id):
            return None
        return db.execute(
            "SELECT * FROM campaigns WHERE id = ? AND org_id = ? AND app_id = ?",
            (campaign_id, org_id, app_id),
        ).fetchone()

    def get_campaign(self, org_id: int, app_id: str, campaign_id: int) -> dict[str, Any] | None:
        """The campaign document with `archived` (0/1) beside it, or None."""
        with self._lock:
            row = self._campaign_row(self._db, org_id, app_id, campaign_id)
        if row is None:
            return None
        return {"archived": row["archived"], "body": json.loads(row["body"])}

    def archive_campaign(self, org_id: int, app_id: str, campaign_id: int) -> dict[str, Any] | None:
        with self._write() as db:
            row = self._campaign_row(db, org_id, app_id, campaign_id)
            if row is None:
                return None
            body = json.loads(row["body"])
            body["updated_at"] = iso_ms(self.clock.tick())
            db.execute(
                "UPDATE campaigns SET archived = 1, body = ?, updated_at = ? WHERE id = ?",
                (dumps(body), body["updated_at"], campaign_id),
            )
        return body

    def delete_campaign(self, org_id: int, app_id: str, campaign_id: int) -> str:
        """Delete for good: 'deleted', 'missing', or 'active' (refused while active)."""
        with self._write() as db:
            row = self._campaign_row(db, org_id, app_id, campaign_id)
            if row is None:
                return "missing"
            if row["status"] == "active":
                return "active"
            db.execute("DELETE FROM campaigns WHERE id = ?", (campaign_id,))
            db.execute("DELETE FROM campaign_audiences WHERE campaign_id = ?", (campaign_id,))
        return "deleted"

    def campaign_summaries(
        self, org_id: int, app_id: str, *, archived: int
    ) -> list[dict[str, Any]]:
        """Listing rows of one app (archived or not), id ascending."""
        rows = self._read(
            f"SELECT {SUMMARY_COLUMNS} FROM campaigns WHERE org_id = ? AND app_id = ? "
            "AND archived = ? ORDER BY id",
            (org_id, app_id, archived),
        )
        return [dict(r) for r in rows]

    def campaign_page(
        self, org_id: int, app_id: str, *, archived: int, statuses: set[str] | None,
        recurring: bool | None, order: str, limit: int, offset: int,
    ) -> tuple[int, list[dict[str, Any]]]:
        """(total, one page) of listing rows, filtered, ordered and paged by SQLite.

        The real API pages on the server; doing it here keeps a listing page's
        cost independent of how many campaigns an app has.
        """
        where = "org_id = ? AND app_id = ? AND archived = ?"
        args: list[Any] = [org_id, app_id, archived]
        if statuses is not None:
            where += f" AND status IN ({', '.join('?' * len(statuses))})"
            args += sorted(statuses)
        if recurring is not None:
            where += " AND recurring = ?"
            args.append(int(recurring))
        total = self._read(f"SELECT COUNT(*) FROM campaigns WHERE {where}", tuple(args))[0][0]
        rows = self._read(
            f"SELECT {SUMMARY_COLUMNS} FROM campaigns WHERE {where} ORDER BY {order} "
            "LIMIT ? OFFSET ?",
            (*args, limit, offset),
        )
        return int(total), [dict(r) for r in rows]

    # pushes ---------------------------------------------------------------

    def seen_request_id(self, app_id: str, request_id: str, since_epoch: float) -> bool:
        return bool(
            self._read(
                "SELECT 1 FROM pushes WHERE app_id = ? AND request_id = ? AND received_epoch >= ? "
                "LIMIT 1",
                (app_id, request_id, since_epoch),
            )
        )

    def record_pushes(self, rows: list[dict[str, Any]], epoch: float) -> None:
        with self._write() as db:
            stamp = iso_ms(self.clock.tick())
            db.executemany(
                "INSERT INTO pushes (app_id, request_id, target_type, target, alert, labels, "
                "campaign_key, received_at, received_epoch, platforms) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (r["app_id"], r["request_id"], r["target_type"], dumps(r["target"]),
                     dumps(r["alert"]), dumps(r["labels"]), r["campaign_key"], stamp, epoch,
                     dumps(r.get("platforms") or {}))
                    for r in rows
                ],
            )

    def pushes(self, app_id: str | None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM pushes" + (" WHERE app_id = ?" if app_id is not None else "")
        rows = self._read(sql + " ORDER BY seq", (app_id,) if app_id is not None else ())
        return [
            {
                "app_id": r["app_id"], "request_id": r["request_id"],
                "target_type": r["target_type"], "target": json.loads(r["target"]),
                "alert": json.loads(r["alert"]), "labels": json.loads(r["labels"]),
                "campaign_key": r["campaign_key"], "received_at": r["received_at"],
                "platforms": json.loads(r["platforms"] or "{}"),
            }
            for r in rows
        ]


def _audience(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "target_rules": json.loads(row["target_rules"]),
        "counts": json.loads(row["counts"]),
        "counts_at": row["counts_at"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "deleted_at": row["deleted_at"],
    }
