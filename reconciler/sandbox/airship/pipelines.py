"""Pipeline (automation) endpoints [OAS pipelines, EX, AT; docs/specs/airship.md#pipelines].

List (newest first; `limit`, `offset`; `enabled=true` gives enabled only, anything else
all), the name-prefix search `/filtered` (`start`, `limit`, `enabled`, `prefix`, `sort`
name|started_date, `order`), get (`{ok, pipeline}`), create (one object or an array:
201 with `pipeline_urls` in request order, no id, no Location), update (a PUT of the
complete object: omitted optional fields are nullified, so what is stored is exactly the
body), delete (204), `/validate` (nothing stored), `/limits` and `/deleted`.

`status` is computed on the project's clock: `disabled` when not enabled, `pending`
before `activation_time`, `completed` after `deactivation_time`, else `live`. An
emergency stop is a PUT of the full body with `enabled: false`. Creates and updates over
the project's caps answer 409 (ASSUMED default caps: 200 active, 1,000 in all; a test
sets its own through `/_sandbox/config`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from reconciler.sandbox.airship.pipeline_rules import check_pipeline
from reconciler.sandbox.airship.protocol import (
    AirshipError,
    bad,
    not_found,
    ok,
    one_of,
    parse_time,
    show_time,
)
from reconciler.sandbox.airship.routing import Call, Route
from reconciler.sandbox.airship.segments import exists
from reconciler.sandbox.airship.store import Project

KIND = "pipeline"
MAX_BATCH = 100  # [AT] ASSUMED
DEFAULT_LIMITS = {"active": 200, "total": 1000}  # ASSUMED: no source gives the figures


def status(body: dict[str, Any], now: datetime) -> str:
    if not body.get("enabled"):
        return "disabled"
    start, end = parse_time(body.get("activation_time")), parse_time(
        body.get("deactivation_time"))
    if end is not None and end <= now:
        return "completed"
    if start is not None and start >= now:  # "current time is less than or equal to" [OAS]
        return "pending"
    return "live"


def shown(call: Call, row: dict[str, Any]) -> dict[str, Any]:
    """The pipeline as Airship answers it: the stored body plus the read-only fields."""
    body = row["body"]
    return {**body, "uid": row["id"], "url": call.url("pipelines", row["id"]),
            "status": status(body, call.project.now()),
            "creation_time": show_time(row["created_at"]),
            "last_modified_time": show_time(row["updated_at"])}


def _stored(call: Call, body: Any, path: str) -> dict[str, Any]:
    """The checked body, with the historical trigger's `creation_time` kept when sent back
    and reset otherwise [OAS: "send back historical_trigger.creation_time"]."""
    p = check_pipeline(body, path, exists(call.project))
    hist = p.get("historical_trigger")
    stamped = show_time(call.project.now())
    if isinstance(hist, dict) and "creation_time" not in hist:
        p["historical_trigger"] = {**hist, "creation_time": stamped}
    elif isinstance(hist, list):
        p["historical_trigger"] = [h if "creation_time" in h else {**h, "creation_time": stamped}
                                   for h in hist]
    return p


def limits(project: Project) -> dict[str, int]:
    caps = {**DEFAULT_LIMITS, **project.settings.get("pipeline_limits", {})}
    rows = project.all(KIND)
    return {"active_count": sum(bool(r["body"].get("enabled")) for r in rows),
            "active_limit": caps["active"], "total_count": len(rows),
            "total_limit": caps["total"]}


def _within_limits(project: Project, new_total: int, new_active: int) -> None:
    caps = limits(project)
    if caps["total_count"] + new_total > caps["total_limit"]:
        raise AirshipError(409, f"Total pipeline limit of {caps['total_limit']} reached", 1)
    if new_active > 0 and caps["active_count"] + new_active > caps["active_limit"]:
        raise AirshipError(409, f"Active pipeline limit of {caps['active_limit']} reached", 1)


def _batch(call: Call) -> list[dict[str, Any]]:
    items = call.body if isinstance(call.body, list) else [call.body]
    if not items or len(items) > MAX_BATCH:
        raise bad(f"Send 1 to {MAX_BATCH} pipelines")
    many = isinstance(call.body, list)
    return [_stored(call, item, f"[{i}]" if many else "") for i, item in enumerate(items)]


def create_pipelines(call: Call) -> Response:
    bodies = _batch(call)
    _within_limits(call.project, len(bodies), sum(bool(b["enabled"]) for b in bodies))
    rows = [call.project.insert(KIND, b) for b in bodies]
    return ok({"operation_id": call.op,
               "pipeline_urls": [call.url("pipelines", r["id"]) for r in rows]}, 201)


def validate_pipelines(call: Call) -> Response:
    _batch(call)
    return ok({"operation_id": call.op})


def _row(call: Call) -> dict[str, Any]:
    row = call.project.get(KIND, call.path["id"])
    if row is None:
        raise not_found("pipeline", call.path["id"])
    return row


def get_pipeline(call: Call) -> Response:
    return ok({"pipeline": shown(call, _row(call))})


def update_pipeline(call: Call) -> Response:
    row = _row(call)
    if isinstance(call.body, list):
        raise bad("Update one pipeline: send one object")
    body = _stored(call, call.body, "")
    if body["enabled"] and not row["body"].get("enabled"):
        _within_limits(call.project, 0, 1)
    call.project.replace(KIND, row["id"], body)
    return ok({"operation_id": call.op})


def delete_pipeline(call: Call) -> Response:
    call.project.delete(KIND, _row(call)["id"])
    return Response(status_code=204)


def _enabled_only(call: Call) -> bool:
    """`enabled=true` filters to enabled pipelines; `false` or omitted gives all [OAS]."""
    return call.query.get("enabled", "").lower() == "true"


def _page(call: Call, rows: list[dict[str, Any]], offset: int, limit: int | None,
          path: str, offset_name: str) -> Response:
    chosen = rows[offset: offset + limit if limit else None]
    answer: dict[str, Any] = {"pipelines": [shown(call, r) for r in chosen],
                              "total_count": len(rows)}
    keep = [(k, v) for k, v in call.query.items() if k != offset_name]
    if limit and offset + limit < len(rows):
        answer["next_page"] = f"{call.url(path)}?" + urlencode(
            [(offset_name, offset + limit), *keep])
    if limit and offset > 0:
        answer["prev_page"] = f"{call.url(path)}?" + urlencode(
            [(offset_name, max(offset - limit, 0)), *keep])
    return ok(answer)


def list_pipelines(call: Call) -> Response:
    rows = [r for r in reversed(call.project.all(KIND))
            if not _enabled_only(call) or r["body"].get("enabled")]
    offset = call.int_param("offset", 0) or 0
    return _page(call, rows, offset, call.int_param("limit", None, 1), "pipelines", "offset")


def filtered_pipelines(call: Call) -> Response:
    prefix = call.query.get("prefix", "")
    sort = one_of(call.query.get("sort", "name"), ("name", "started_date"), "sort")
    order = one_of(call.query.get("order", "asc"), ("asc", "desc"), "order")
    rows = [r for r in call.project.all(KIND)
            if str(r["body"].get("name") or "").startswith(prefix)
            and (not _enabled_only(call) or r["body"].get("enabled"))]
    rows.sort(key=lambda r: (str(r["body"].get("name") or ""), r["seq"]) if sort == "name"
              else (r["created_at"], r["seq"]), reverse=order == "desc")
    start = call.int_param("start", 0) or 0
    return _page(call, rows, start, call.int_param("limit", None, 1), "pipelines/filtered",
                 "start")


def pipeline_limits(call: Call) -> Response:
    return ok({"limits": limits(call.project)})


def deleted_pipelines(call: Call) -> Response:
    since = parse_time(call.query["start"]) if call.query.get("start") else None
    if call.query.get("start") and since is None:
        raise bad("start must be an ISO 8601 UTC date-time", "start")
    gone = [{"pipeline_id": ident, "deletion_time": show_time(at)}
            for ident, at in call.project.deleted(KIND) if since is None or at >= since]
    limit = call.int_param("limit", None, 1)
    return ok({"pipelines": gone[:limit] if limit else gone})


ROUTES = (
    Route("GET", "/api/pipelines", "pipelines-list", list_pipelines),
    Route("POST", "/api/pipelines", "pipelines-create", create_pipelines),
    Route("GET", "/api/pipelines/filtered", "pipelines-filtered", filtered_pipelines),
    Route("GET", "/api/pipelines/limits", "pipelines-limits", pipeline_limits),
    Route("GET", "/api/pipelines/deleted", "pipelines-deleted", deleted_pipelines),
    Route("POST", "/api/pipelines/validate", "pipelines-validate", validate_pipelines),
    Route("GET", "/api/pipelines/{id}", "pipelines-get", get_pipeline),
    Route("PUT", "/api/pipelines/{id}", "pipelines-update", update_pipeline),
    Route("DELETE", "/api/pipelines/{id}", "pipelines-delete", delete_pipeline),
)
