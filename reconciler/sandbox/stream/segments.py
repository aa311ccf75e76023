"""Segment endpoints: CRUD, query, and the explicit targets of a segment.

Answers carry every key Stream's OpenAPI requires of a SegmentResponse, with
the documented defaults for unset ones (`name`/`description` `""`, `filter`
null, `all_*` false, `size` 0, `deleted_at` null). `size` is the target count
for explicit segments and a stable made-up number for filter/all_users ones
(Stream computes those asynchronously). Update takes `name`, `description`,
`filter` only; a string field sent as `""` is cleared, a null is left alone.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from starlette.responses import Response

from reconciler.sandbox.stream.protocol import (
    StreamError,
    bad_input,
    checked,
    max_length,
    not_found,
    ok,
    strings,
)
from reconciler.sandbox.stream.query import Query, page, window
from reconciler.sandbox.stream.routing import Call, Route
from reconciler.sandbox.stream.store import App

CREATE_FIELDS = {"id": "string", "type": "string", "name": "string", "description": "string",
                 "filter": "object", "all_users": "boolean", "all_sender_channels": "boolean"}
UPDATE_FIELDS = {"name": "string", "description": "string", "filter": "object"}
LIMITS = {"id": 255, "name": 128, "description": 256}
SOURCES = ("filter", "all_users", "all_sender_channels")
SEGMENT_QUERY = frozenset({"id", "name", "type", "description", "created_at", "updated_at",
                           "all_users", "all_sender_channels", "size"})
TARGET_QUERY = frozenset({"target_id", "created_at"})


def size(app: App, seg: dict[str, Any]) -> int:
    """Explicit: the target count; filter/all_users: a number from a hash; all_sender_channels:
    0 (the docs say Stream never sizes those; the OpenAPI still requires the key)."""
    if seg.get("all_sender_channels"):
        return 0
    if seg.get("filter") or seg.get("all_users"):
        digest = hashlib.sha256(json.dumps(seg.get("filter"), sort_keys=True).encode()).digest()
        return 1000 + int.from_bytes(digest[:4], "big") % 99_000
    return app.target_count(seg["id"])


def shown(app: App, seg: dict[str, Any]) -> dict[str, Any]:
    """A SegmentResponse: every required key, defaults for unset ones."""
    return {"id": seg["id"], "type": seg.get("type", "user"), "name": seg.get("name", ""),
            "description": seg.get("description", ""), "filter": seg.get("filter"),
            "all_users": bool(seg.get("all_users")),
            "all_sender_channels": bool(seg.get("all_sender_channels")),
            "size": size(app, seg), "created_at": seg["created_at"],
            "updated_at": seg["updated_at"], "deleted_at": None}


def existing(call: Call) -> dict[str, Any]:
    seg = call.app.get("segments", call.path["sid"])
    if seg is None:
        raise not_found("segment", call.path["sid"])
    return seg


def create_segment(call: Call) -> Response:
    op = "CreateSegment"
    fields = checked(op, call.body, CREATE_FIELDS)
    max_length(op, fields, LIMITS)
    if fields.get("type") not in ("user", "channel"):
        raise bad_input(op, "type must be user or channel")
    if sum(bool(fields.get(k)) for k in SOURCES) > 1:
        raise bad_input(op, "filter, all_users and all_sender_channels are mutually exclusive")
    sid = fields.pop("id", None) or str(uuid.uuid4())
    if call.app.get("segments", sid) is not None:
        raise bad_input(op, f"segment {sid} already exists")
    seg = call.app.insert("segments", sid, fields)
    return ok({"segment": shown(call.app, seg)}, 201)


def get_segment(call: Call) -> Response:
    return ok({"segment": shown(call.app, existing(call))})


def update_segment(call: Call) -> Response:
    op = "UpdateSegment"
    seg = existing(call)
    fixed = sorted(k for k in ("type", "id", "all_users", "all_sender_channels")
                   if call.body.get(k) is not None)
    if fixed:
        raise bad_input(op, f"{', '.join(fixed)} cannot be updated")
    fields = checked(op, call.body, UPDATE_FIELDS)
    max_length(op, fields, LIMITS)
    if fields.get("filter") and (seg.get("all_users") or seg.get("all_sender_channels")):
        raise bad_input(op, "filter cannot be combined with all_users/all_sender_channels")
    body = {k: v for k, v in seg.items() if k not in ("id", "seq", "created_at", "updated_at")}
    body.update(fields)
    seg = call.app.replace("segments", seg["id"], body)
    return ok({"segment": shown(call.app, seg)}, 201)


def delete_segment(call: Call) -> Response:
    call.app.delete("segments", existing(call)["id"])
    return ok({})


def query_segments(call: Call) -> Response:
    q = Query("QuerySegments", SEGMENT_QUERY)
    if call.body.get("filter") is None:
        raise bad_input(q.operation, "filter is required")
    win = window(q, call.body, "segments", call.body["filter"], call.body.get("sort"), 100)
    rows = [shown(call.app, s) for s in call.app.all("segments")]
    rows = q.sorted([r for r in rows if q.matches(r, win.flt)], win.sort)
    return ok(page(rows, win, "segments"), 201)


def add_targets(call: Call) -> Response:
    return _change_targets(call, "AddSegmentTargets", 10_000, add=True)


def delete_targets(call: Call) -> Response:
    """Removing an id that is not there is no error (as the docs say)."""
    return _change_targets(call, "DeleteSegmentTargets", 100, add=False)


def _change_targets(call: Call, op: str, high: int, *, add: bool) -> Response:
    seg = existing(call)
    ids = strings(op, "target_ids", call.body.get("target_ids"), low=1, high=high)
    (call.app.add_targets if add else call.app.delete_targets)(seg["id"], ids)
    call.app.touch("segments", seg["id"])
    return ok({}, 201)


def target_exists(call: Call) -> Response:
    """200 when the target is in the segment, 404 when it is not."""
    seg = existing(call)
    if not call.app.has_target(seg["id"], call.path["target_id"]):
        raise StreamError(404, 16, f"target {call.path['target_id']!r} is not in segment "
                          f"{seg['id']!r}")
    return ok({})


def query_targets(call: Call) -> Response:
    """Targets sorted by target_id unless `sort` says otherwise; the OpenAPI spells the keys
    `Filter`/`Sort` while both SDKs send `filter`/`sort`: either is read."""
    q = Query("QuerySegmentTargets", TARGET_QUERY)
    seg = existing(call)
    win = window(q, call.body, f"targets/{seg['id']}",
                 call.body.get("filter", call.body.get("Filter")),
                 call.body.get("sort", call.body.get("Sort")), 10_000)
    rows = q.sorted([t for t in call.app.targets(seg["id"]) if q.matches(t, win.flt)],
                    win.sort)
    return ok(page(rows, win, "targets"), 201)


ROUTES = (
    Route("POST", "/segments", "create-segment", create_segment),
    Route("POST", "/segments/query", "query-segments", query_segments),
    Route("GET", "/segments/{sid}", "get-segment", get_segment),
    Route("PUT", "/segments/{sid}", "update-segment", update_segment),
    Route("DELETE", "/segments/{sid}", "delete-segment", delete_segment),
    Route("POST", "/segments/{sid}/addtargets", "add-targets", add_targets),
    Route("POST", "/segments/{sid}/deletetargets", "delete-targets", delete_targets),
    Route("POST", "/segments/{sid}/targets/query", "query-targets", query_targets),
    Route("GET", "/segments/{sid}/target/{target_id:path}", "target-exists", target_exists),
)
