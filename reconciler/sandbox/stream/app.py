"""Assemble the Stream sandbox: `create_stream_app` (ASGI), `mount` and `inprocess_transport`.

Every route in `segments.ROUTES` and `campaigns.ROUTES` is served through
`_serve`, which does what all of Stream's endpoints share, in order: count
the request against the rate limit, check auth, parse the body, run the
handler in one store transaction on the app's clock (the `advance` knob), maybe
drop the answer (a knob), and stamp
the `X-RateLimit-*` headers on every answer, errors included.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from reconciler.sandbox.base import (
    Mount,
    SandboxOptions,
    SandboxTransport,
    build,
    transport_over,
)
from reconciler.sandbox.stream import campaigns, knobs, segments
from reconciler.sandbox.stream.protocol import (
    StreamError,
    check_auth,
    error_response,
    on_http_error,
    read_body,
)
from reconciler.sandbox.stream.routing import Call, Route
from reconciler.sandbox.stream.secret import SANDBOX_SECRET
from reconciler.sandbox.stream.store import StreamStore

Endpoint = Callable[[Request], Awaitable[Response]]


def create_stream_app(path: Path, *, api_secret: str = SANDBOX_SECRET) -> FastAPI:
    """The Stream sandbox as an ASGI app over the SQLite file `path` (created if absent)."""
    app = FastAPI(title="reconciler sandbox (Stream Chat Campaign API)", docs_url=None,
                  redoc_url=None, openapi_url=None,
                  exception_handlers={StarletteHTTPException: on_http_error})
    store = StreamStore(Path(path))
    limits = knobs.Knobs()
    app.state.store = store
    app.include_router(knobs.router(limits, store))
    for route in (*segments.ROUTES, *campaigns.ROUTES):
        app.add_api_route(route.path, _endpoint(route, store, limits, api_secret),
                          methods=[route.method], name=route.name)
    return app


def _endpoint(route: Route, store: StreamStore, limits: knobs.Knobs, secret: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return await _serve(request, route, store, limits, secret)

    return endpoint


async def _serve(request: Request, route: Route, store: StreamStore, limits: knobs.Knobs,
                 secret: str) -> Response:
    key = request.query_params.get("api_key", "")
    limit, remaining, reset = limits.take(key, route.name)
    try:
        check_auth(request, key, secret)
        if remaining < 0:
            raise StreamError(429, 9, "Too many requests, check response headers for "
                              "X-RateLimit-Reset")
        body = await read_body(request) if request.method in ("POST", "PUT") else {}
        with store.session(key, limits.ahead(key)) as app:
            response = route.handler(Call(app, request.path_params, request.query_params, body))
        if response.status_code < 300 and limits.drop(key, route.name):
            response = Response(b"<html><body>502 Bad Gateway</body></html>", 502,
                                media_type="text/html")  # performed, then the answer is lost
    except StreamError as e:
        response = error_response(e)
    except sqlite3.OperationalError as e:  # the file is locked past busy_timeout
        response = error_response(StreamError(503, -1, f"sandbox store busy: {e}"))
    response.headers.update({"X-RateLimit-Limit": str(limit),
                             "X-RateLimit-Remaining": str(max(remaining, 0)),
                             "X-RateLimit-Reset": str(reset)})
    return response


def mount(db: Path, *, embedded: bool = True, options: SandboxOptions | None = None
          ) -> Mount:
    """The Stream sandbox over its file beside `db`, served under `/stream`. It takes no
    served option: its secret is always `SANDBOX_SECRET` (the one its clients sign with;
    a test changes a key through `/_sandbox/config`), and of the served faults only the
    latency reaches it (its throttling and drops are its own knobs, in Stream's form)."""
    return build("stream", "/stream", db, lambda path: create_stream_app(
        path, api_secret=SANDBOX_SECRET), embedded=embedded, latency_paths=("/",))


def inprocess_transport(path: Path, api_secret: str = SANDBOX_SECRET) -> SandboxTransport:
    """An httpx transport to a Stream sandbox over the SQLite file `path`, without a socket."""
    return transport_over(path, lambda p: create_stream_app(p, api_secret=api_secret))
