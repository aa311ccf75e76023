"""Campaign endpoints: CRUD, query, start/stop and the SDK's test send.

Status follows the clock, as Stream's asynchronous sender does, computed on
every read from what `start`/`stop` stored: `draft` until started, then
`scheduled` until `scheduled_for`, `in_progress` for `RUN_SECONDS`, then
`completed`; `stopped` after `stop` or once `stop_at` passes first. The clock
is the app's (`App.now`): a test moves it ahead with the `advance` knob
instead of waiting for a campaign to finish. A
campaign is sent only once: a second `start` is a 400 marked unrecoverable.
PUT is a full replace and only a draft takes it (our rule; the docs are
silent). Answers carry every key the OpenAPI requires of a CampaignResponse.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from starlette.responses import Response

from reconciler.sandbox.stream import segments
from reconciler.sandbox.stream.protocol import (
    StreamError,
    bad_input,
    checked,
    max_length,
    not_found,
    ok,
    parse_date,
    stamp,
    strings,
)
from reconciler.sandbox.stream.query import Query, page, window
from reconciler.sandbox.stream.routing import Call, Route
from reconciler.sandbox.stream.store import App
from reconciler.sandbox.stream.templates import check_templates

RUN_SECONDS = 1.0  # how long the sandbox takes to "send" a campaign
MAX_SEGMENTS, MAX_USER_IDS = 25, 10_000
FIELDS = {"id": "string", "name": "string", "description": "string", "segment_ids": "array",
          "user_ids": "array", "sender_id": "string", "sender_mode": "string",
          "sender_visibility": "string", "message_template": "object",
          "create_channels": "boolean", "show_channels": "boolean",
          "channel_template": "object", "skip_push": "boolean", "skip_webhook": "boolean"}
CHOICES = {"sender_mode": ("exclude", "include"), "sender_visibility": ("hidden", "archived")}
DEFAULTS: dict[str, Any] = {"name": "", "description": "", "segment_ids": [], "user_ids": [],
                            "sender_mode": "", "sender_visibility": "", "create_channels": False,
                            "show_channels": False, "skip_push": False, "skip_webhook": False}
STATE = ("scheduled_for", "stop_at", "stopped_at")  # what start/stop stored
QUERY = frozenset({"id", "name", "description", "status", "segments", "segment_ids",
                   "sender_id", "sender_mode", "user_ids", "created_at", "updated_at",
                   "scheduled_for", "stop_at"})
USERS_PAGE = 100


def status(camp: dict[str, Any], t: datetime) -> str:
    if camp.get("stopped_at"):
        return "stopped"
    at = parse_date(camp.get("scheduled_for"))
    if at is None:
        return "draft"
    done = at + timedelta(seconds=RUN_SECONDS)
    stop = parse_date(camp.get("stop_at"))
    if stop is not None and stop <= t and stop < done:
        return "stopped"
    return "scheduled" if t < at else "in_progress" if t < done else "completed"


def stats(camp: dict[str, Any], state: str, t: datetime) -> dict[str, Any]:
    """CampaignStatsResponse: every key present, dates null until they happen."""
    at = parse_date(camp.get("scheduled_for"))
    stopped = parse_date(camp.get("stopped_at")) or t
    began = at is not None and at <= min(t, stopped)
    done = state == "completed" and at is not None
    return {"progress": 1.0 if done else 0.0,
            "stats_started_at": stamp(at) if began and at else None,
            "stats_completed_at": stamp(at + timedelta(seconds=RUN_SECONDS))
            if done and at else None,
            "stats_messages_sent": 0, "stats_channels_created": 0, "stats_users_sent": 0,
            "stats_users_read": 0}


def user(uid: Any, at: str) -> dict[str, Any]:
    """A UserResponse with the keys the OpenAPI requires (the sandbox keeps no users)."""
    return {"id": uid, "custom": {}, "language": "", "role": "user", "teams": [],
            "created_at": at, "updated_at": at, "banned": False, "online": False,
            "blocked_user_ids": [], "shadow_banned": False, "invisible": False}


def shown(app: App, camp: dict[str, Any], users: int = USERS_PAGE) -> dict[str, Any]:
    t = app.now()
    state = status(camp, t)
    out = {**DEFAULTS, **{k: v for k, v in camp.items() if k not in ("seq", "stopped_at")}}
    out.update(status=state, stats=stats(camp, state, t),
               sender=user(camp.get("sender_id"), camp["created_at"]),
               users=[user(u, camp["created_at"]) for u in out["user_ids"][:users]])
    found = (app.get("segments", s) for s in out["segment_ids"])
    out["segments"] = [segments.shown(app, s) for s in found if s is not None]
    for key in ("scheduled_for", "stop_at"):
        if out.get(key) is None:
            out.pop(key, None)
    return out


def checked_campaign(op: str, app: App, body: dict[str, Any]) -> dict[str, Any]:
    fields = checked(op, body, FIELDS)
    max_length(op, fields, {"id": 255})
    if not fields.get("sender_id"):
        raise bad_input(op, "sender_id is a required field")
    for name, choices in CHOICES.items():
        if fields.get(name, choices[0]) not in choices:
            raise bad_input(op, f"{name} must be one of {', '.join(choices)}")
    check_templates(op, fields)
    seg_ids = strings(op, "segment_ids", fields.get("segment_ids", []), low=0, high=MAX_SEGMENTS)
    users = strings(op, "user_ids", fields.get("user_ids", []), low=0, high=MAX_USER_IDS)
    if seg_ids and users:
        raise bad_input(op, "segment_ids and user_ids cannot be used together")
    missing = [s for s in seg_ids if app.get("segments", s) is None]
    if missing:
        raise bad_input(op, f"segments do not exist: {', '.join(missing)}")
    if fields.get("create_channels") and not fields.get("channel_template"):
        raise bad_input(op, "create_channels needs channel_template")
    return fields


def existing(call: Call) -> dict[str, Any]:
    camp = call.app.get("campaigns", call.path["cid"])
    if camp is None:
        raise not_found("campaign", call.path["cid"])
    return camp


def answer(call: Call, camp: dict[str, Any], status_code: int = 200) -> Response:
    return ok({"campaign": shown(call.app, camp), "users": {}}, status_code)


def create_campaign(call: Call) -> Response:
    fields = checked_campaign("CreateCampaign", call.app, call.body)
    cid = fields.pop("id", None) or str(uuid.uuid4())
    if call.app.get("campaigns", cid) is not None:
        raise bad_input("CreateCampaign", f"campaign {cid} already exists")
    return answer(call, call.app.insert("campaigns", cid, fields), 201)


def get_campaign(call: Call) -> Response:
    camp = existing(call)
    limit = call.query.get("limit", str(USERS_PAGE))
    if not limit.isdigit() or not 1 <= int(limit) <= 1000:
        raise bad_input("GetCampaign", "limit must be between 1 and 1000")
    return ok({"campaign": shown(call.app, camp, int(limit)), "users": {}})


def update_campaign(call: Call) -> Response:
    camp = existing(call)
    state = status(camp, call.app.now())
    if state != "draft":
        raise bad_input("UpdateCampaign", f"campaign {camp['id']} is {state}; only a draft "
                        "can be updated")
    fields = checked_campaign("UpdateCampaign", call.app, call.body)
    fields.pop("id", None)
    return answer(call, call.app.replace("campaigns", camp["id"], fields), 201)


def delete_campaign(call: Call) -> Response:
    camp = existing(call)
    state = status(camp, call.app.now())
    if state in ("scheduled", "in_progress"):
        raise bad_input("DeleteCampaign", f"campaign {camp['id']} is {state}; stop it first")
    call.app.delete("campaigns", camp["id"])
    return ok({})


def query_campaigns(call: Call) -> Response:
    q = Query("QueryCampaigns", QUERY, _field)
    win = window(q, call.body, "campaigns", call.body.get("filter"), call.body.get("sort"), 100)
    users = call.body.get("user_limit", USERS_PAGE)
    if not isinstance(users, int) or isinstance(users, bool) or not 0 <= users <= 1000:
        raise bad_input(q.operation, "user_limit must be between 0 and 1000")
    rows = [shown(call.app, c, users) for c in call.app.all("campaigns")]
    rows = q.sorted([r for r in rows if q.matches(r, win.flt)], win.sort)
    return ok(page(rows, win, "campaigns"), 201)


def _field(row: Mapping[str, Any], name: str) -> Any:
    """`segments` filters on the segment ids a campaign targets."""
    return row.get("segment_ids") if name == "segments" else row.get(name)


def start(call: Call) -> Response:
    camp = existing(call)
    t = call.app.now()
    state = status(camp, t)
    if state != "draft":
        raise StreamError(400, 4, f"campaign {camp['id']} is {state}: a campaign can be sent "
                          "only once", unrecoverable=True)
    at, stop = _when(call.body, "scheduled_for") or t, _when(call.body, "stop_at")
    if stop is not None and stop <= at:
        raise bad_input("StartCampaign", "stop_at must be after scheduled_for")
    body = {k: v for k, v in camp.items() if k not in ("id", "seq", "created_at", "updated_at")}
    body.update(scheduled_for=stamp(at), stop_at=stamp(stop) if stop else None)
    camp = call.app.replace("campaigns", camp["id"], body)
    call.app.count_start(camp["id"])
    return answer(call, camp, 201)


def _when(body: dict[str, Any], name: str) -> datetime | None:
    value = body.get(name)
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise bad_input("StartCampaign", f"{name} must be an RFC 3339 date-time")
    return parsed


def stop(call: Call) -> Response:
    camp = existing(call)
    state = status(camp, call.app.now())
    if state not in ("scheduled", "in_progress"):
        raise bad_input("StopCampaign", f"campaign {camp['id']} is {state}; cannot stop")
    body = {k: v for k, v in camp.items() if k not in ("id", "seq", "created_at", "updated_at")}
    body["stopped_at"] = stamp(call.app.now())
    return answer(call, call.app.replace("campaigns", camp["id"], body), 201)


def test_send(call: Call) -> Response:
    """The SDK's `test_campaign` (not in the OpenAPI): checked, nothing is sent."""
    existing(call)
    strings("TestCampaign", "users", call.body.get("users"), low=1, high=MAX_USER_IDS)
    return ok({}, 201)


ROUTES = (
    Route("POST", "/campaigns", "create-campaign", create_campaign),
    Route("POST", "/campaigns/query", "query-campaigns", query_campaigns),
    Route("GET", "/campaigns/{cid}", "get-campaign", get_campaign),
    Route("PUT", "/campaigns/{cid}", "update-campaign", update_campaign),
    Route("DELETE", "/campaigns/{cid}", "delete-campaign", delete_campaign),
    Route("POST", "/campaigns/{cid}/start", "start", start),
    Route("POST", "/campaigns/{cid}/stop", "stop", stop),
    Route("POST", "/campaigns/{cid}/test", "test-campaign", test_send),
)
