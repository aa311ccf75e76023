"""Make a Stream payload and a live Stream object comparable (DESIGN §4).

Both sides pass through the same functions: server fields (ids, timestamps,
status, stats, size, sender, users) are dropped, `false` flags and `""`
strings equal absent ones (Stream answers its defaults: an unset `name`,
`description` or `sender_mode` comes back `""`), a campaign's `segments[]` objects become
`segment_ids`, and a campaign past `draft` carries `send: true`, which the
spec's `send:` block also becomes. `at`/`stop_at` are the one-shot
parameters of `start`, not state: they are not compared once sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SEGMENT_FIELDS = ("type", "name", "description", "filter", "all_users", "all_sender_channels",
                  "target_ids")
CAMPAIGN_FIELDS = (
    "name", "description", "segment_ids", "user_ids", "sender_id", "sender_mode",
    "sender_visibility", "message_template", "create_channels", "show_channels",
    "channel_template", "skip_push", "skip_webhook",
)
FLAGS = frozenset({"all_users", "all_sender_channels", "create_channels", "show_channels",
                   "skip_push", "skip_webhook", "searchable"})
SENT = frozenset({"scheduled", "in_progress", "completed", "stopped"})


def comparable_segment(payload: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = _clean({k: payload[k] for k in SEGMENT_FIELDS if k in payload})
    if isinstance(out.get("target_ids"), list):
        out["target_ids"] = sorted(set(out["target_ids"]))  # a set: Stream keeps no order
    return out


def comparable_campaign(payload: Mapping[str, Any]) -> dict[str, Any]:
    body = dict(payload)
    if "segment_ids" not in body and isinstance(body.get("segments"), list):
        # answer: segment objects; a spec document (import): segment keys
        body["segment_ids"] = [s.get("id") if isinstance(s, dict) else s
                               for s in body["segments"] if isinstance(s, dict | str)]
    out: dict[str, Any] = _clean({k: body[k] for k in CAMPAIGN_FIELDS if k in body})
    if payload.get("send") or payload.get("status") in SENT:
        out["send"] = True
    return out


def _clean(value: Any, key: str = "") -> Any:
    """Drop nulls, `""`, false flags and empty containers the server may add or omit.

    Every dict and list is built anew, so the result shares no container with `value`
    (what is left is immutable: JSON and YAML scalars), and needs no deep copy first."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v, k) for k, v in value.items()}
        return {k: v for k, v in cleaned.items()
                if v is not None and v != "" and v != {} and v != [] and not (k in FLAGS and v is False)}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value
