"""Schedule endpoints [OAS schedules, EX, DOC, SUP-DEL; docs/specs/airship.md#schedules].

List (`start` = a schedule id, `limit` default 200; `count`, `total_count`, `next_page`;
headers `Count` and `Data-Attribute`), get (`{url, name, schedule, push, push_ids}`),
create (one object or an array of up to 1,000, 100 for local time: 201 with
`schedule_urls`, `schedule_ids`, `schedules`), update (a full replace; 404 for an
unknown id, it cannot create), delete (204; 405 on the collection), pause/resume
(recurring only, 204). There is no disabled state: creating a schedule arms it.

`sending.settle` runs before every request on the project's clock: each send whose time
came is logged once (what `/_sandbox/sends` shows), and a one-time schedule whose window
is over leaves the list. So a DELETE before the time cancels it (the emergency stop),
during the window answers 409 (it began sending), after it 404; a recurring schedule's
DELETE stops every later occurrence.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response

from reconciler.sandbox.airship.protocol import AirshipError, bad, not_found, ok
from reconciler.sandbox.airship.routing import Call, Route
from reconciler.sandbox.airship.schedule_rules import (
    KINDS,
    MAX_BATCH,
    MAX_LOCAL_BATCH,
    check_schedule,
    window,
)
from reconciler.sandbox.airship.segments import exists
from reconciler.sandbox.airship.sending import forget
from reconciler.sandbox.airship.store import Project

KIND = "schedule"
DEFAULT_LIMIT = MAX_LIMIT = 200


def began(row: dict[str, Any], project: Project) -> bool:
    """Whether a schedule has begun sending (a recurring one: its first send)."""
    return window(row["body"]["schedule"]).begin <= project.now()


def shown(call: Call, row: dict[str, Any]) -> dict[str, Any]:
    body = row["body"]
    named = {"name": body["name"]} if "name" in body else {}
    return {"url": call.url("schedules", row["id"]), **named, "schedule": body["schedule"],
            "push": body["push"], "push_ids": body["push_ids"]}


def _checked(call: Call, body: Any, path: str) -> dict[str, Any]:
    return check_schedule(body, path, exists(call.project), call.project.now())


def create_schedules(call: Call) -> Response:
    items = call.body if isinstance(call.body, list) else [call.body]
    many = isinstance(call.body, list)
    bodies = [_checked(call, item, f"[{i}]" if many else "") for i, item in enumerate(items)]
    local = sum("local_scheduled_time" in b["schedule"] for b in bodies)
    if not bodies or len(bodies) > MAX_BATCH or local > MAX_LOCAL_BATCH:
        raise bad(f"Send 1 to {MAX_BATCH} schedules, at most {MAX_LOCAL_BATCH} in local time")
    rows = [call.project.insert(KIND, {**b, "push_ids": [str(uuid.uuid4())]}) for b in bodies]
    return ok({"operation_id": call.op,
               "schedule_urls": [call.url("schedules", r["id"]) for r in rows],
               "schedule_ids": [r["id"] for r in rows],
               "schedules": [shown(call, r) for r in rows]}, 201)


def _row(call: Call) -> dict[str, Any]:
    row = call.project.get(KIND, call.path["id"])
    if row is None:
        raise not_found("schedule", call.path["id"])
    return row


def get_schedule(call: Call) -> Response:
    return ok(shown(call, _row(call)))


def update_schedule(call: Call) -> Response:
    row = _row(call)
    if isinstance(call.body, list):
        raise bad("Update one schedule: send one object")
    if began(row, call.project) and not window(row["body"]["schedule"]).recurring:
        raise AirshipError(409, "The schedule has begun sending and cannot be changed", 1)
    body = _checked(call, call.body, "")
    paused = row["body"]["schedule"].get("recurring", {}).get("paused")
    if "recurring" in body["schedule"] and paused is not None:  # server state, kept
        body["schedule"]["recurring"] = {**body["schedule"]["recurring"], "paused": paused}
    new = call.project.replace(KIND, row["id"], {**body, "push_ids": row["body"]["push_ids"]})
    return ok({"operation_id": call.op, "schedule_urls": [call.url("schedules", row["id"])],
               "schedules": [shown(call, new)]})


def delete_schedule(call: Call) -> Response:
    row = _row(call)
    if began(row, call.project) and not window(row["body"]["schedule"]).recurring:
        raise AirshipError(409, "Only a schedule that has not begun sending can be cancelled",
                           1)
    call.project.delete(KIND, row["id"])
    forget(call.project, row["id"])
    return Response(status_code=204)


def _pause(call: Call, paused: bool) -> Response:
    row = _row(call)
    spec = row["body"]["schedule"]
    rec = spec.get("recurring")
    if rec is None:
        raise bad("Only a recurring schedule can be paused or resumed")
    end = rec.get("end_time")
    if end is not None and window({"scheduled_time": end}).end <= call.project.now():
        raise bad("The schedule's end_time has passed", "schedule.recurring.end_time")
    body = {**row["body"], "schedule": {**spec, "recurring": {**rec, "paused": paused}}}
    call.project.replace(KIND, row["id"], body)
    return Response(status_code=204)


def pause_schedule(call: Call) -> Response:
    return _pause(call, True)


def resume_schedule(call: Call) -> Response:
    return _pause(call, False)


def list_schedules(call: Call) -> Response:
    limit = call.int_param("limit", DEFAULT_LIMIT, 1, MAX_LIMIT) or DEFAULT_LIMIT
    rows = call.project.all(KIND)
    start = call.query.get("start")
    if start:
        at = next((i for i, r in enumerate(rows) if r["id"] == start), None)
        if at is None:
            raise bad(f"start: no schedule {start}", "start")
        rows_from = rows[at:]
    else:
        rows_from = rows
    page, rest = rows_from[:limit], rows_from[limit:]
    answer: dict[str, Any] = {"count": len(page), "total_count": len(rows),
                              "schedules": [shown(call, r) for r in page]}
    if rest:
        answer["next_page"] = f"{call.url('schedules')}?start={rest[0]['id']}&limit={limit}"
    return ok(answer, headers={"Count": str(len(page)), "Data-Attribute": "schedules"})


ROUTES = (
    Route("GET", "/api/schedules", "schedules-list", list_schedules),
    Route("POST", "/api/schedules", "schedules-create", create_schedules),
    Route("GET", "/api/schedules/{id}", "schedules-get", get_schedule),
    Route("PUT", "/api/schedules/{id}", "schedules-update", update_schedule),
    Route("DELETE", "/api/schedules/{id}", "schedules-delete", delete_schedule),
    Route("POST", "/api/schedules/{id}/pause", "schedules-pause", pause_schedule),
    Route("POST", "/api/schedules/{id}/resume", "schedules-resume", resume_schedule),
)

__all__ = ["KINDS", "ROUTES"]
