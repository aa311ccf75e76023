"""A campaign lifecycle on a sandbox clock that tests move.

Off until a test sets the clock (`POST /_sandbox/clock {"now": "2027-01-01T00:00:00Z"}`
or `{"advance_seconds": 86400}`; `{"now": null}` turns it off again), so runs
that never touch it see what they always saw: campaigns `active` or `draft`.
With the clock set, an active campaign's listing status follows its schedule,
as the listing's `status` filter documents (active, draft, scheduled, sent,
expired):

- one-time (begin immediately, on schedule, optimized): `scheduled` until its
  send time (begin_date, fallback_time, or when it was last made active for
  begin immediately), `sent` from then on;
- recurring: `scheduled` before begin_date, `expired` after end_date, `active`
  between.

A sent or expired campaign cannot be edited (PUT answers 422, the only client
error the PUT documents); GET keeps answering `status: active`, the value
CampaignResponse allows. Deleting a campaign whose jobs may run (active or
scheduled) stays 403, as the DELETE documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from reconciler.sandbox.localytics.computed import parse_api_date
from reconciler.sandbox.localytics.protocol import ApiProblem, read_json
from reconciler.sandbox.localytics.validation import check_body_object

router = APIRouter(prefix="/_sandbox")
FINISHED = ("sent", "expired")


def clock_of(request: Request) -> datetime | None:
    """The sandbox clock, or None while the lifecycle is off."""
    return getattr(request.app.state, "clock_now", None)


@router.post("/clock")
async def set_clock(request: Request) -> JSONResponse:
    """`{"now": ISO | null}` sets (or clears) the clock; `{"advance_seconds": N}` moves it."""
    body = check_body_object(await read_json(request))
    if "now" in body and body["now"] is None:
        request.app.state.clock_now = None
    elif "now" in body:
        moment = parse_api_date(body["now"])
        if moment is None:
            raise ApiProblem(422, "Invalid input parameters: now: is not a date",
                             [{"field": "now", "message": "is not a date"}])
        request.app.state.clock_now = moment
    elif isinstance(body.get("advance_seconds"), int | float) \
            and not isinstance(body["advance_seconds"], bool):
        start = clock_of(request) or datetime.now(UTC)
        request.app.state.clock_now = start + timedelta(seconds=body["advance_seconds"])
    else:
        raise ApiProblem(422, "Invalid input parameters: give now or advance_seconds",
                         [{"field": "", "message": "give now (a date or null) or "
                           "advance_seconds (a number)"}])
    return get_clock_answer(request)


@router.get("/clock")
async def get_clock(request: Request) -> JSONResponse:
    return get_clock_answer(request)


def get_clock_answer(request: Request) -> JSONResponse:
    now = clock_of(request)
    return JSONResponse({"now": now.isoformat().replace("+00:00", "Z") if now else None})


def phase(status: str, recurring: bool, begin: Any, end: Any, activated: Any,
          now: datetime) -> str:
    """The lifecycle status of a campaign stored as `status` at clock `now`."""
    if status != "active":
        return status
    if recurring:
        start, stop = parse_api_date(begin), parse_api_date(end)
        if start is not None and now < start:
            return "scheduled"
        return "expired" if stop is not None and now > stop else "active"
    send_at = parse_api_date(begin) or parse_api_date(activated)
    return "scheduled" if send_at is not None and now < send_at else "sent"


def phased(request: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Listing rows with their lifecycle status (unchanged while the clock is off)."""
    now = clock_of(request)
    if now is None:
        return rows
    return [{**r, "status": phase(r["status"], bool(r["recurring"] == 1), r["begin_date"],
                                  r["end_date"], r["updated_at"], now)} for r in rows]


def check_editable(request: Request, body: Mapping[str, Any]) -> None:
    """422 for a PUT over a campaign that was sent or has expired."""
    now = clock_of(request)
    if now is None:
        return
    schedule = body.get("schedule") or {}
    recurring = schedule.get("recurring") or {}
    one_time = schedule.get("on_schedule") or {}
    begin = recurring.get("begin_date") or one_time.get("begin_date") or (
        schedule.get("optimized") or {}).get("fallback_time")
    state = phase(str(body.get("status")), bool(recurring), begin, recurring.get("end_date"),
                  body.get("updated_at"), now)
    if state in FINISHED:
        raise ApiProblem(422, f"Invalid input parameters: campaign is {state} and can no "
                         "longer be edited", [{"field": "status", "message": f"campaign is {state}"}])
