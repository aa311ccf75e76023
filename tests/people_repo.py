"""A repo of four envs on three platforms, built in a tmp folder (never the root examples).

`staging` and `production` (Localytics) share the root spec folder; `chat` (Stream) reads
`chat/`, `push` (Smartech) reads `push/`. One people group, `buyers`, is named by an
audience of each platform, and each platform has one campaign to it on DAY, so the
group gets three messages that day (the shared folder's campaign counted once) against
a cap of two. Smartech's `now` executes at once (on the calendar's first day).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from tests.repo import audience, campaign

DAY = (datetime.now(UTC) + timedelta(days=3)).date()


def _dump(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def people_repo(root: Path, localytics_url: str = "sandbox", stream_url: str = "sandbox",
                apps: tuple[tuple[int, str], tuple[int, str]] = ((1, "stage"), (1, "prod"))
                ) -> Path:
    """Write the repo into `root`; URLs default to the embedded sandboxes (calendar only)."""
    stream: dict[str, Any] = {"provider": "stream", "api_url": stream_url, "specs": "chat"}
    if stream_url != "sandbox":
        stream["api_key"] = f"key-{uuid.uuid4().hex[:12]}"
    envs = {
        "staging": {"api_url": localytics_url, "org_id": apps[0][0], "app_id": apps[0][1]},
        "production": {"api_url": localytics_url, "org_id": apps[1][0], "app_id": apps[1][1]},
        "chat": stream,
        "push": {"provider": "smartech", "api_url": "sandbox", "specs": "push"},
    }
    _dump(root / "reconciler.yaml", {"default_env": "staging", "envs": envs,
                                     "safety": {"max_messages_per_day": 2}})
    _dump(root / "audiences" / "buyers.yaml", {**audience("Buyers"), "people": "buyers"})
    digest = campaign("Digest", ["buyers"], status="active")
    digest["schedule"] = {"on_schedule": {"begin_date": f"{DAY}T09:00:00Z",
                                          "starting_time_zone_id": 0}}
    _dump(root / "campaigns" / "digest.yaml", digest)
    _dump(root / "chat" / "audiences" / "buyers-chat.yaml",
          {"type": "user", "name": "Chat buyers", "filter": {"buyer": {"$eq": True}},
           "people": "buyers"})
    _dump(root / "chat" / "audiences" / "all.yaml",
          {"type": "user", "name": "All", "all_users": True})
    message = {"sender_id": "bot", "message_template": {"text": "Hi {{ receiver.name }}"}}
    _dump(root / "chat" / "campaigns" / "nudge.yaml",
          {"name": "Nudge", "segments": ["buyers-chat"], **message,
           "send": {"at": f"{DAY}T12:00:00Z"}})
    _dump(root / "chat" / "campaigns" / "draft.yaml",
          {"name": "Draft", "segments": ["all"], **message})
    _dump(root / "push" / "audiences" / "lapsed.yaml",
          {"type": "segment", "id": 13, "people": "buyers"})
    _dump(root / "push" / "campaigns" / "winback.yaml",
          {"channel": "email", "name": "Winback", "template_id": 877, "tags": ["newsletter"],
           "sender_details": {"sender_name": "Acme", "sender_email": "news@acme.example"},
           "subject_line": "We miss you",
           "send": {"audience": ["lapsed"], "at": f"{DAY}T15:00:00Z"}})
    _dump(root / "push" / "campaigns" / "now.yaml",
          {"channel": "apn", "name": "Now", "app_ids": ["acme-android"],
           "template_id": "4021", "tags": ["promo"], "send": {"audience": ["lapsed"]}})
    return root
