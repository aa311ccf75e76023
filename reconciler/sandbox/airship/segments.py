"""Segment endpoints [OAS segments, EX; docs/specs/airship.md#segments].

List (no criteria, dates in epoch milliseconds, sorted by id, `limit` at most 200, a
`next_page` and `Link: rel=next` while more follow), get (`{display_name, criteria}`: no
`id`, no `ok` in the documented example; ASSUMED `ok` is harmless and left out to match),
create (201, `segment_id`, `Location`), update (a full replace: both fields required),
delete (204). `display_name` need not be unique (ASSUMED: no source says it must).
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from starlette.responses import Response

from reconciler.sandbox.airship.audience import check_audience
from reconciler.sandbox.airship.protocol import (
    MEDIA_TYPE,
    bad,
    epoch_ms,
    need,
    not_found,
    obj,
    ok,
    only,
    text,
)
from reconciler.sandbox.airship.routing import Call, Route
from reconciler.sandbox.airship.store import Project

KIND = "segment"
MAX_LIMIT = 200
DEFAULT_LIMIT = 100  # ASSUMED: the spec names no default
FIELDS = frozenset({"display_name", "criteria"})


def exists(project: Project) -> Any:
    """A segment-exists check for `segment` selectors in this project."""
    return lambda ident: project.get(KIND, ident) is not None


def _body(call: Call) -> dict[str, Any]:
    body = obj(call.body, "body")
    only(body, FIELDS, "")
    need(body, ("display_name", "criteria"), "")
    text(body["display_name"], "display_name", 1)
    check_audience(body["criteria"], "criteria", exists(call.project), allow=())
    return {"display_name": body["display_name"], "criteria": body["criteria"]}


def list_segments(call: Call) -> Response:
    limit = call.int_param("limit", DEFAULT_LIMIT, 1, MAX_LIMIT) or DEFAULT_LIMIT
    start = call.query.get("start", "")
    rows = sorted(call.project.all(KIND), key=lambda r: r["id"])
    rows = [r for r in rows if r["id"] >= start]
    page, rest = rows[:limit], rows[limit:]
    answer: dict[str, Any] = {"segments": [
        {"id": r["id"], "display_name": r["body"]["display_name"],
         "creation_date": epoch_ms(r["created_at"]),
         "modification_date": epoch_ms(r["updated_at"])} for r in page]}
    headers = {}
    if rest:
        answer["next_page"] = (f"{call.url('segments')}?limit={limit}&sort=id&order=asc"
                               f"&start={rest[0]['id']}")
        headers["Link"] = f"<{answer['next_page']}>; rel=next"
    return ok(answer, headers=headers)


def get_segment(call: Call) -> Response:
    row = call.project.get(KIND, call.path["id"])
    if row is None:
        raise not_found("segment", call.path["id"])
    return JSONResponse(row["body"], media_type=MEDIA_TYPE)


def create_segment(call: Call) -> Response:
    row = call.project.insert(KIND, _body(call))
    return ok({"segment_id": row["id"], "operation_id": call.op}, 201,
              headers={"Location": call.url("segments", row["id"])})


def update_segment(call: Call) -> Response:
    ident = call.path["id"]
    if call.project.get(KIND, ident) is None:
        raise not_found("segment", ident)
    body = _body(call)
    if _refers_to(body["criteria"], ident):
        raise bad("A segment cannot include itself", "criteria")
    call.project.replace(KIND, ident, body)
    return ok({"operation_id": call.op})


def _refers_to(value: Any, ident: str) -> bool:
    if isinstance(value, dict):
        if value.get("segment") == ident or (isinstance(value.get("segment"), list)
                                             and ident in value["segment"]):
            return True
        return any(_refers_to(v, ident) for v in value.values())
    if isinstance(value, list):
        return any(_refers_to(v, ident) for v in value)
    return False


def delete_segment(call: Call) -> Response:
    ident = call.path["id"]
    if call.project.get(KIND, ident) is None:
        raise not_found("segment", ident)
    call.project.delete(KIND, ident)
    return Response(status_code=204)


ROUTES = (
    Route("GET", "/api/segments", "segments-list", list_segments),
    Route("POST", "/api/segments", "segments-create", create_segment),
    Route("GET", "/api/segments/{id}", "segments-get", get_segment),
    Route("PUT", "/api/segments/{id}", "segments-update", update_segment),
    Route("DELETE", "/api/segments/{id}", "segments-delete", delete_segment),
)
