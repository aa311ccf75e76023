"""Spec payloads ↔ Smartech request bodies and comparable forms.

The payload a provider builds is channel-neutral: the spec's fields, the
managed tag added, and `send` kept as written (audience keys) beside
`send_audience`, the same audiences resolved to ("list", 12) pairs.

Comparable forms: email compares fields (v4 get reads them back). App push
cannot be read back: its comparable form is the create fields, the send block
as written, and `campaign`, a digest of what create sends. Git holds the live
side as digests (the spec's `pin:` block, written by apply): where a digest
matches the spec, the spec's own fields stand for the live ones; where it
does not, the plan shows the digest that changed.

ASSUMED bodies (not visible in the docs): execute's `list_ids`/`segment_ids`,
`frequency_capping` (bool) and `personalization`; v4's `audience_details.
include_list {list_ids, seg_ids}`, `content_details.template_id` as given,
`tags` and `preheader` on create.

The email go-live follows the one public client of `/v4/campaign/create` (job-cliff's
`netcore.js`): the item carries `campaign_state: "active"` and `schedule_time` ("now",
or the spec's ISO 8601 time: ASSUMED, the client shows only "now"). The v4 get page
answers `campaign_state` and `schedule_time` too. A `schedule {type, date}` object, the
form reconciler sent before, has no source: it is never sent, and read back only so a
campaign that went live that way (an older sandbox file) still reads as live.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from reconciler.plan.paths import plain_copy
from reconciler.smartech.spec import MANAGED_TAG

CREATE_FIELDS = ("channel", "name", "app_ids", "template_id", "tags")
EMAIL_FIELDS = ("channel", "name", "template_id", "tags", "sender_details", "subject_line",
                "preheader")


def digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def create_digest(payload: Mapping[str, Any]) -> str:
    return digest({k: payload.get(k) for k in CREATE_FIELDS if payload.get(k) is not None})


def send_digest(send: Mapping[str, Any] | None) -> str | None:
    return digest(dict(send)) if send else None


def audience_ids(pairs: list[Any]) -> list[str]:
    """("list", 12) pairs (or placeholders) as sorted comparable ids "list:12"."""
    return sorted(p if isinstance(p, str) else f"{p[0]}:{p[1]}" for p in pairs)


def comparable_campaign(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A payload's comparable form (a live object's body is built the same way)."""
    if payload.get("channel") == "apn":
        out: dict[str, Any] = {k: plain_copy(payload[k]) for k in CREATE_FIELDS
                               if payload.get(k) is not None}
        out["template_id"] = str(out.get("template_id"))
        out["campaign"] = create_digest(payload)
        if payload.get("send"):
            out["send"] = plain_copy(dict(payload["send"]))  # as written: keys, not ids
        return out
    out = {k: plain_copy(payload[k]) for k in EMAIL_FIELDS if payload.get(k) is not None}
    out["template_id"] = str(out.get("template_id"))
    # the managed tag marks what reconciler created; an adopted draft may lack it
    out["tags"] = sorted(t for t in out.get("tags") or [] if t != MANAGED_TAG)
    if payload.get("send"):
        out["audience"] = audience_ids(payload.get("send_audience") or [])
        out["send"] = True
    return out


def push_create_body(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Legacy app-push create [PUSH]: type apn, app_ids, name, template_id (string), tags."""
    return {"type": "apn", "app_ids": list(payload["app_ids"]), "name": payload["name"],
            "template_id": str(payload["template_id"]), "tags": list(payload["tags"])}


def push_execute_body(campaign_id: int, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Legacy execute: type, campaign_id (a string, as documented), data_source; the
    audience ids, capping flag and personalization are ASSUMED names."""
    send = payload["send"]
    pairs = payload["send_audience"]
    source = pairs[0][0]
    body: dict[str, Any] = {
        "type": "apn", "campaign_id": str(campaign_id), "data_source": source,
        f"{source}_ids": [p[1] for p in pairs],
        "frequency_capping": bool(send.get("frequency_capping", True)),
    }
    if send.get("personalization"):
        body["personalization"] = dict(send["personalization"])
    return body


def email_item(payload: Mapping[str, Any], campaign_id: int | None = None,
               schedule: bool = False) -> dict[str, Any]:
    """One v4 `campaign_details[]` item [EM4]; with `schedule`, the go-live."""
    item: dict[str, Any] = {
        "channel": "email", "campaign_name": payload["name"],
        "sender_details": dict(payload["sender_details"]),
        "content_details": {"template_id": payload["template_id"],
                            "subject_line": payload["subject_line"]},
        "tags": list(payload["tags"]),
    }
    if campaign_id is not None:
        item["campaign_id"] = campaign_id
    if payload.get("preheader"):
        item["preheader"] = payload["preheader"]
    send = payload.get("send")
    if send:
        pairs = payload.get("send_audience") or []
        item["audience_details"] = {"include_list": {
            "list_ids": [p[1] for p in pairs if p[0] == "list"],
            "seg_ids": [str(p[1]) for p in pairs if p[0] == "segment"]}}
        item["frequency_capping"] = {
            "enable_frequency_capping": bool(send.get("frequency_capping", True))}
        if schedule:
            item["campaign_state"] = "active"
            item["schedule_time"] = send.get("at", "now")
    return item


def go_live(raw: Mapping[str, Any]) -> tuple[str, str | None]:
    """(state, go-live time) of a v4 item: `campaign_state`/`schedule_time`, as the public
    client sends and the get page answers, or the sourceless `schedule {type, date}`."""
    state = raw.get("campaign_state")
    found = raw.get("schedule")
    schedule: Mapping[str, Any] = found if isinstance(found, dict) else {}
    at = raw.get("schedule_time") or schedule.get("date") or (
        "now" if schedule.get("type") == "now" else None)
    if not isinstance(state, str) or not state:
        state = "active" if schedule else "draft"
    return state, at if isinstance(at, str) else None


def email_body(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A v4 get item as a payload-shaped dict, for `comparable_campaign`."""
    content = raw.get("content_details") or {}
    payload: dict[str, Any] = {
        "channel": "email", "name": raw.get("campaign_name"), "tags": raw.get("tags") or [],
        "template_id": content.get("template_id"), "subject_line": content.get("subject_line"),
        "sender_details": raw.get("sender_details"), "preheader": raw.get("preheader") or None,
    }
    if go_live(raw)[0] != "draft":
        include = ((raw.get("audience_details") or {}).get("include_list") or {})
        payload["send"] = True
        payload["send_audience"] = [("list", int(i)) for i in include.get("list_ids") or []] + [
            ("segment", int(i)) for i in include.get("seg_ids") or []]
    return payload
