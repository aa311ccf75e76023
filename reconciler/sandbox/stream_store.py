"""State of the Stream sandbox: segments, targets and campaigns per API key, in a JSON file.

Each API key is its own app (a test's fresh key is a clean slate). Campaign
status moves with the clock, as Stream's asynchronous sender does: a started
campaign is `scheduled` until `scheduled_for`, then `in_progress`, then
`completed` one second later (`stopped` by `stop` or at `stop_at`).
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reconciler.sandbox.state import unusable

RUN_SECONDS = 1.0  # how long the sandbox takes to "send" a campaign


def now() -> datetime:
    return datetime.now(UTC)


def stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse(text: str) -> datetime:
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=UTC)


class StreamStore:
    """All apps' objects, saved to `path` after every write (small by design)."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.RLock()
        self.data: dict[str, Any] = {}
        if path.exists():
            try:
                self.data = json.loads(path.read_text(encoding="utf-8") or "{}")
            except (ValueError, OSError) as e:  # UnicodeDecodeError is a ValueError
                raise unusable(path, e) from None
            if not isinstance(self.data, dict):
                raise unusable(path, "not a JSON object")
        self.starts: dict[str, int] = {}  # "key/campaign id" → start calls performed

    def app(self, api_key: str) -> dict[str, Any]:
        return self.data.setdefault(api_key, {"segments": {}, "targets": {}, "campaigns": {},
                                              "seq": 0})

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data), encoding="utf-8")
        os.replace(tmp, self.path)

    def next_seq(self, app: dict[str, Any]) -> int:
        app["seq"] += 1
        return int(app["seq"])

    # --- campaigns' clock ----------------------------------------------
    def advance(self, campaign: dict[str, Any]) -> dict[str, Any]:
        """Move a started campaign along: scheduled → in_progress → completed / stopped."""
        t = now()
        status = campaign.get("status")
        stop_at = campaign.get("stop_at")
        if status in ("scheduled", "in_progress") and stop_at and parse(stop_at) <= t:
            campaign["status"] = "stopped"
            return campaign
        if status == "scheduled" and parse(campaign["scheduled_for"]) <= t:
            campaign["status"] = status = "in_progress"
            campaign["stats"]["stats_started_at"] = campaign["scheduled_for"]
        if status == "in_progress":
            began = parse(campaign["stats"]["stats_started_at"])
            if began + timedelta(seconds=RUN_SECONDS) <= t:
                campaign["status"] = "completed"
                campaign["stats"].update(progress=1.0, stats_completed_at=stamp(t))
        return campaign
