"""Assemble the Airship sandbox: `create_airship_app` (ASGI), `mount` and
`inprocess_transport`.

Every route of `segments`, `pipelines`, `schedules` and `push` is served through `_serve`,
which does what all of Airship's endpoints share, in order: check the credentials (401),
the version header (406), the throttle knob (429 with `Retry-After`), parse the body,
run the handler in one store transaction on the project's clock (after `settle`: the
schedules whose time came have sent), maybe drop the answer (a knob), and answer errors in
Airship's body with the write's `operation_id`.

The served faults (`sandbox serve --rate-limit/--error-rate/--drop-rate`) act here, in
the shared `FaultMiddleware`, with their answers put in Airship's form by
`AirshipFaultShape`: a 429 carries `Retry-After` (ASSUMED: Airship documents 429 but no
header; its own tooling reads `Retry-After` when present [AT]) and Airship's error body.
The served latency is added by the root app (`Mount.latency_paths`).
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reconciler.sandbox.airship import knobs, pipelines, push, schedules, segments
from reconciler.sandbox.airship.protocol import (
    WRITES,
    AirshipError,
    app_key,
    check_version,
    error_response,
    on_http_error,
    operation_id,
    read_body,
)
from reconciler.sandbox.airship.routing import Call, Route
from reconciler.sandbox.airship.sending import settle
from reconciler.sandbox.airship.store import AirshipStore
from reconciler.sandbox.base import (
    Mount,
    SandboxOptions,
    SandboxTransport,
    build,
    transport_over,
)
from reconciler.sandbox.faults import FaultMiddleware, Faults

PREFIX = "/airship"
RETRY_AFTER = 1  # seconds: the shared rate limit counts per one-second window
ROUTES: tuple[Route, ...] = (*segments.ROUTES, *pipelines.ROUTES, *schedules.ROUTES,
                             *push.ROUTES)
Endpoint = Callable[[Request], Awaitable[Response]]


def create_airship_app(path: Path, *, faults: Faults | None = None) -> FastAPI:
    """The Airship sandbox as an ASGI app over the SQLite file `path` (created if absent)."""
    app = FastAPI(title="reconciler sandbox (Airship API v3)", docs_url=None, redoc_url=None,
                  openapi_url=None, exception_handlers={StarletteHTTPException: on_http_error})
    store = AirshipStore(Path(path))
    limits = knobs.Knobs()
    app.state.store = store
    app.state.dated = True  # every answer carries the project's `Date` (no server's own)
    app.include_router(knobs.router(limits, store, frozenset(r.name for r in ROUTES)))
    for route in ROUTES:
        endpoint = _endpoint(route, store, limits)
        for where in (route.path, route.path + "/"):  # the library adds a trailing slash
            app.add_api_route(where, endpoint, methods=[route.method], name=route.name)
    if faults is not None and (faults.rate_limit or faults.error_rate or faults.drop_rate):
        app.add_middleware(FaultMiddleware, faults=dataclasses.replace(faults, latency_ms=0),
                           paths=("/api", PREFIX + "/api"))
        app.add_middleware(AirshipFaultShape)
    return app


def _endpoint(route: Route, store: AirshipStore, limits: knobs.Knobs) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return await _serve(request, route, store, limits)

    return endpoint


async def _serve(request: Request, route: Route, store: AirshipStore, limits: knobs.Knobs
                 ) -> Response:
    op = operation_id() if request.method in WRITES else ""
    now: datetime | None = None  # the project's clock, once the credentials name it
    try:
        key = app_key(request)
        check_version(request)
        wait = limits.throttled(key)
        if wait is not None:
            raise AirshipError(429, "Too many requests", 1, headers={"Retry-After": str(wait)})
        body = await read_body(request) if request.method in ("POST", "PUT") else None
        base = _base(request)
        with store.session(key) as project:
            now = project.now()
            settle(project)
            response = route.handler(Call(project, request.path_params,
                                          request.query_params, body, op, base))
        if response.status_code < 300 and limits.drop(key, route.name):
            response = Response(b"<html><body>502 Bad Gateway</body></html>", 502,
                                media_type="text/html")  # performed, then the answer is lost
    except AirshipError as e:
        response = error_response(e, op or None)
    except sqlite3.OperationalError as e:  # the file is locked past busy_timeout
        response = error_response(AirshipError(503, f"sandbox store busy: {e}", 1), op or None)
    # `Date` on the project's clock, as a real project's answers carry Airship's time:
    # a lease's expiry and what has begun sending are judged by it (tests set the clock)
    response.headers["date"] = format_datetime(now or datetime.now(UTC), usegmt=True)
    return response


def _base(request: Request) -> str:
    """This server's URL up to the mount's prefix (`/airship` when mounted, "" at the root
    of its own port): the scope's `root_path`, which `base_url` leaves out when mounted."""
    origin = f"{request.url.scheme}://{request.url.netloc}"
    return origin + str(request.scope.get("root_path", "")).rstrip("/")


class AirshipFaultShape:
    """Puts the shared fault middleware's JSON 429/5xx answers in Airship's error body,
    a 429 with `Retry-After`; other answers (the dropped-answer HTML page) pass through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def shaped(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (
                    429, 500, 502, 503) and (b"content-type", b"application/json") in \
                    message.get("headers", []):
                held.append(message)
                return
            if held and message["type"] == "http.response.body":
                await self._rewrite(held[0], message, scope, send)
                return
            await send(message)

        await self.app(scope, receive, shaped)

    @staticmethod
    async def _rewrite(start: Message, body: Message, scope: Scope, send: Send) -> None:
        status = int(start["status"])
        try:
            given = json.loads(body.get("body", b"") or b"{}")
        except ValueError:
            given = {}
        if isinstance(given, dict) and "ok" in given:  # already Airship's (the app's own)
            await send(start)
            await send(body)
            return
        err = AirshipError(status, str(given.get("error") if isinstance(given, dict) else "")
                           or "error", 1,
                           headers={"Retry-After": str(RETRY_AFTER)} if status == 429 else None)
        op = operation_id() if scope.get("method") in WRITES else None
        await error_response(err, op)(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def mount(db: Path, *, embedded: bool = True, options: SandboxOptions | None = None
          ) -> Mount:
    """The Airship sandbox over its file beside `db`, served under `/airship` (its API at
    `/airship/api`, the base a client's URLs are built on). The served rate limit, errors
    and drops act in the app in Airship's form; the latency is the root app's."""
    faults = options.faults if options is not None else None
    return build("airship", PREFIX, db, lambda path: create_airship_app(path, faults=faults),
                 embedded=embedded, latency_paths=("/",))


def inprocess_transport(path: Path) -> SandboxTransport:
    """An httpx transport to an Airship sandbox over the SQLite file `path`, no socket."""
    return transport_over(path, create_airship_app)
