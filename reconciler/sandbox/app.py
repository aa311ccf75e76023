"""Assemble the sandbox: `create_app` (ASGI) and `inprocess_transport` (no socket).

Both ways of running share every handler: `reconciler sandbox serve` hands
`create_app(...)` to uvicorn, and the CLI's embedded sandbox (`api_url:
sandbox`) talks to the same app through httpx's ASGI transport, so what tests
prove over loopback HTTP holds in-process too. The store is opened here, not in
a lifespan hook, because the ASGI transport never runs lifespan events.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute
from starlette.routing import Mount

from reconciler import __version__
from reconciler.sandbox import admin, audiences, campaigns, lifecycle, push
from reconciler.sandbox.faults import FaultMiddleware, Faults
from reconciler.sandbox.protocol import EXCEPTION_HANDLERS
from reconciler.sandbox.state import unusable
from reconciler.sandbox.store import Store

DEFAULT_APPS: tuple[tuple[int, str], ...] = ((1, "demo-app"),)


def create_app(
    db_path: Path,
    *,
    api_key: str = "sandbox",
    api_secret: str = "sandbox",
    apps: Iterable[tuple[int, str]] = DEFAULT_APPS,
    faults: Faults | None = None,
) -> FastAPI:
    """The sandbox API as an ASGI app over the SQLite file `db_path` (created if absent)."""
    app = FastAPI(
        title="reconciler sandbox (Localytics API)",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        exception_handlers=dict(EXCEPTION_HANDLERS),
    )
    store = Store(Path(db_path))
    for org_id, app_id in apps:
        store.register_app(org_id, app_id)
    app.state.store = store
    app.state.credentials = (api_key, api_secret)
    app.state.stats = admin.RequestStats()
    app.state.rejected = {}
    app.state.answers = admin.default_answers()
    app.state.push_limiter = push.RateLimiter()
    app.state.clock_now = None  # the campaign lifecycle is off until a test sets the clock
    routers = [m.router for m in (campaigns, audiences, push, admin, lifecycle)]
    for router in routers:
        app.include_router(router)

    @app.get("/")
    async def health() -> JSONResponse:
        """The Push API's health check; also how `serve` callers see it is up."""
        return JSONResponse({"ok": True})

    @app.post("/v1/test")
    async def ping() -> PlainTextResponse:
        return PlainTextResponse("pong")

    # Stream Chat's Campaign API under /stream (its own auth, errors and knobs).
    from reconciler.sandbox.stream import create_stream_app

    app.state.stream_app = create_stream_app(stream_db_path(Path(db_path)))
    app.mount("/stream", app.state.stream_app)

    # Netcore Smartech's campaign APIs under /smartech (its own store, same fault knobs).
    from reconciler.sandbox.smartech import create_smartech_app

    smartech_file = Path(db_path).with_name(Path(db_path).stem + "-smartech.db")
    app.mount("/smartech", create_smartech_app(smartech_file))

    # add_middleware wraps outward: stats sees faulted requests too.
    app.add_middleware(FaultMiddleware, faults=faults or Faults(), counter=app.state.stats)
    routes = [r for router in routers for r in router.routes]
    routes += [r for r in app.router.routes if isinstance(r, APIRoute | Mount)]  # + Stream, Smartech
    app.add_middleware(admin.StatsMiddleware, stats=app.state.stats, routes=routes)
    return app


def stream_db_path(db_path: Path) -> Path:
    """The Stream sandbox's SQLite file beside the Localytics one (`sandbox-stream.db`)."""
    return db_path.with_name(db_path.stem + "-stream.db")


class _SandboxTransport(httpx.ASGITransport):
    """ASGI transport that closes the sandbox database when the client closes.

    A database that opened but turns out damaged or foreign mid-run (a missing
    column, a corrupt page) is the same one error line as at open.
    """

    def __init__(self, app: FastAPI, db_path: Path) -> None:
        super().__init__(app=app)
        self.db_path = db_path

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except sqlite3.Error as e:
            raise unusable(self.db_path, e) from None

    async def aclose(self) -> None:
        self.app.state.store.close()  # type: ignore[attr-defined]


def inprocess_transport(db_path: Path, org_id: int, app_id: str) -> httpx.AsyncBaseTransport:
    """An httpx transport to a sandbox over `db_path` with (org_id, app_id) registered.

    Use as `httpx.AsyncClient(transport=..., base_url="http://sandbox")`; no
    port is opened, and the credentials are the defaults (`sandbox`/`sandbox`).
    Closing the client closes the database.
    """
    try:
        app = create_app(db_path, apps=[(org_id, app_id)])
    except sqlite3.Error as e:
        raise unusable(db_path, e) from None
    return _SandboxTransport(app, db_path)
