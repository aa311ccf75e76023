"""Assemble the Localytics sandbox: its ASGI app, `mount`, and `inprocess_transport`.

Both ways of running share every handler: `reconciler sandbox serve` serves this
app at the root of the main port (with the other platforms mounted under their
prefixes, see `reconciler.sandbox.server`), and the CLI's embedded sandbox (`api_url:
sandbox`) talks to the same app through the shared in-process transport, so what
tests prove over loopback HTTP holds in-process too. The store is opened here, not
in a lifespan hook, because the ASGI transport never runs lifespan events.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute
from starlette.routing import Mount as MountedApp

from reconciler import __version__
from reconciler.sandbox.base import Mount, SandboxOptions, build
from reconciler.sandbox.faults import FaultMiddleware, Faults
from reconciler.sandbox.localytics import admin, audiences, campaigns, dateclock, lifecycle, push
from reconciler.sandbox.localytics.protocol import EXCEPTION_HANDLERS
from reconciler.sandbox.localytics.store import Store

DEFAULT_APPS: tuple[tuple[int, str], ...] = ((1, "demo-app"),)
API_PATH = "/api/v6"
FAULT_PATHS = (API_PATH + "/", "/v2/")  # the Campaigns & Audiences API and the Push API


def create_localytics_app(
    db_path: Path,
    *,
    api_key: str = "sandbox",
    api_secret: str = "sandbox",
    apps: Iterable[tuple[int, str]] = DEFAULT_APPS,
    faults: Faults | None = None,
) -> FastAPI:
    """The Localytics sandbox as an ASGI app over the SQLite file `db_path` (created if absent).

    Its fault and request-count middleware wrap everything later mounted into it, so a
    served sandbox's faults reach every platform's API paths: those in
    `app.state.fault_paths` (its own `FAULT_PATHS` until the server adds the others').
    """
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
    app.state.date_clock = dateclock.DateClock()  # the `Date` of every answer (leases)
    routers = [m.router for m in (campaigns, audiences, push, admin, lifecycle, dateclock)]
    for router in routers:
        app.include_router(router)

    @app.get("/")
    async def health() -> JSONResponse:
        """The Push API's health check; also how `serve` callers see it is up."""
        return JSONResponse({"ok": True})

    @app.post("/v1/test")
    async def ping() -> PlainTextResponse:
        return PlainTextResponse("pong")

    # add_middleware wraps outward: stats sees faulted requests too.
    app.state.fault_paths = list(FAULT_PATHS)
    app.state.latency_paths = []
    app.add_middleware(FaultMiddleware, faults=faults or Faults(), counter=app.state.stats,
                       paths=app.state.fault_paths, latency_paths=app.state.latency_paths)
    own = [r for router in routers for r in router.routes]

    def routes() -> list[Any]:
        """Its own routes, then the app's and the platforms mounted on it since."""
        return own + [r for r in app.router.routes if isinstance(r, APIRoute | MountedApp)]

    app.add_middleware(admin.StatsMiddleware, stats=app.state.stats, routes=routes)
    app.add_middleware(dateclock.DateMiddleware, clock=app.state.date_clock)
    return app


def mount(db: Path, *, embedded: bool = True, options: SandboxOptions | None = None
          ) -> Mount:
    """The Localytics sandbox over `db` itself, served at the root of the main port
    (it takes every option: its credentials, apps and the served faults)."""
    o = options or SandboxOptions()
    apps = [*(DEFAULT_APPS if o.apps is None else o.apps), *o.more_apps]
    return build("localytics", "", db, lambda path: create_localytics_app(
        path, api_key=o.api_key, api_secret=o.api_secret, apps=apps, faults=o.faults),
        embedded=embedded, api_path=API_PATH, fault_paths=FAULT_PATHS)


def inprocess_transport(db_path: Path, org_id: int, app_id: str) -> httpx.AsyncBaseTransport:
    """An httpx transport to a sandbox over `db_path` with (org_id, app_id) registered.

    Use as `httpx.AsyncClient(transport=..., base_url="http://sandbox")`; no
    port is opened, and the credentials are the defaults (`sandbox`/`sandbox`).
    Closing the client closes the database.
    """
    return mount(db_path, options=SandboxOptions(apps=[(org_id, app_id)])).transport()
