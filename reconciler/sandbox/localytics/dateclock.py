"""The sandbox's `Date` header, on a clock tests can set: the platform time of leases.

Every answer carries `Date`, as HTTP asks of a server with a clock, and apply
judges its lease by it (never by its own machine's clock). By default it is
the real time; `POST /_sandbox/date {"now": "2027-01-01T00:00:00Z"}` freezes it,
`{"advance_seconds": 5}` moves it, `{"now": null}` returns to the real time.
It is separate from the campaign lifecycle clock (`/_sandbox/clock`), so moving
one never changes what the other shows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reconciler.sandbox.localytics.computed import parse_api_date
from reconciler.sandbox.localytics.protocol import ApiProblem, read_json

router = APIRouter(prefix="/_sandbox")


class DateClock:
    """Real time, or a frozen moment a test set and moves."""

    def __init__(self) -> None:
        self.frozen: datetime | None = None

    def now(self) -> datetime:
        return self.frozen or datetime.now(UTC)


class DateMiddleware:
    """Puts the clock's `Date` on every answer (uvicorn's own is turned off)."""

    def __init__(self, app: ASGIApp, clock: DateClock) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def dated(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"date" for k, _ in headers):  # a mount's own clock
                    stamp = format_datetime(self.clock.now(), usegmt=True).encode()
                    message = {**message, "headers": [*headers, (b"date", stamp)]}
            await send(message)

        await self.app(scope, receive, dated)


@router.post("/date")
async def set_date(request: Request) -> JSONResponse:
    """`{"now": ISO | null}` freezes (or frees) the Date clock; `{"advance_seconds": N}`
    moves it (freezing it at the real time first)."""
    body: Any = await read_json(request)
    clock: DateClock = request.app.state.date_clock
    if isinstance(body, dict) and "now" in body and body["now"] is None:
        clock.frozen = None
    elif isinstance(body, dict) and isinstance(body.get("now"), str):
        moment = parse_api_date(body["now"])
        if moment is None:
            raise ApiProblem(422, "Invalid input parameters: now: is not a date",
                             [{"field": "now", "message": "is not a date"}])
        clock.frozen = moment
    elif isinstance(body, dict) and isinstance(body.get("advance_seconds"), int | float):
        clock.frozen = clock.now() + timedelta(seconds=body["advance_seconds"])
    else:
        raise ApiProblem(422, "Invalid input parameters: give now or advance_seconds",
                         [{"field": "", "message": "give now (a date or null) or "
                           "advance_seconds (a number)"}])
    frozen = clock.frozen
    return JSONResponse({"now": frozen.isoformat().replace("+00:00", "Z") if frozen else None})
