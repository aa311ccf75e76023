"""The served sandbox: every platform's mount on one ASGI app, and its admin guard.

`create_app` builds every registered platform's sandbox from its descriptor's
`sandbox` entry ("module:function", imported only here and only when serving): the
registry's default platform at the root of the main port, each other one mounted
under its `Mount.prefix`, each over its own file beside the database
(`state.platform_file`). It names no platform, so a new one is served once it is in
the registry. `AdminGuard` keeps the sandbox-only `/_sandbox/` endpoints (state,
faults, clock) behind a token when one is set: `sandbox serve` sets one whenever it
listens beyond loopback, since those endpoints can rewrite what every client of the
sandbox sees.
"""

from __future__ import annotations

import hmac
import importlib
import ipaddress
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from reconciler import registry
from reconciler.sandbox.base import Mount, SandboxOptions
from reconciler.sandbox.faults import Faults
from reconciler.sandbox.state import TOKEN_HEADER

ADMIN_PATH = "/_sandbox/"


def mount_of(name: str, db: Path, *, embedded: bool, options: SandboxOptions) -> Mount:
    """Platform `name`'s sandbox over `db`, built by its descriptor's "module:function"."""
    module, _, function = registry.platform(name).sandbox.partition(":")
    mount: Mount = getattr(importlib.import_module(module), function)(
        db, embedded=embedded, options=options)
    return mount


def create_app(
    db_path: Path,
    *,
    api_key: str = "sandbox",
    api_secret: str = "sandbox",
    apps: Iterable[tuple[int, str]] | None = None,
    more_apps: Iterable[tuple[int, str]] = (),
    faults: Faults | None = None,
    embedded: bool = True,
) -> Any:
    """Every platform's sandbox on one ASGI app over `db_path` and the files beside it.

    `app.state.mounts` names each platform's `Mount` (what `serve --port-for` serves at
    the root of a port of its own); the root app's faults act on every mount's
    `fault_paths`. `apps` None: each platform's default apps; `more_apps`: besides them.
    """
    options = SandboxOptions(api_key=api_key, api_secret=api_secret,
                             apps=None if apps is None else tuple(apps),
                             more_apps=tuple(more_apps), faults=faults)
    names = [registry.DEFAULT, *(n for n in registry.names() if n != registry.DEFAULT)]
    mounts = [mount_of(n, Path(db_path), embedded=embedded, options=options) for n in names]
    root = mounts[0]
    for sub in mounts[1:]:
        root.app.mount(sub.prefix, sub.app)
    root.app.state.fault_paths[:] = [m.prefix + p for m in mounts for p in m.fault_paths]
    root.app.state.latency_paths[:] = [m.prefix + p for m in mounts for p in m.latency_paths]
    root.app.state.mounts = {m.platform: m for m in mounts}
    return root.app


def ready_urls(app: Any, main: str, own_ports: dict[str, str]) -> dict[str, str]:
    """Every platform's API URL on a served `app` whose main port answers at `main`
    (`own_ports`: platforms also served at the root of a port of their own)."""
    mounts: dict[str, Mount] = app.state.mounts
    urls = {m.platform: main + m.prefix + m.api_path for m in mounts.values()}
    return {**urls, **own_ports}


def close(app: Any) -> None:
    """Close every platform's store of an app `create_app` built."""
    mounts: dict[str, Mount] = app.state.mounts
    for m in mounts.values():
        m.store.close()


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or `localhost`) binds only this machine's loopback."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def admin_token(host: str, given: str | None) -> str | None:
    """The token `/_sandbox/` requires: the one given, else a fresh one beyond loopback."""
    if given:
        return given
    return None if is_loopback(host) else secrets.token_urlsafe(24)


class AdminGuard:
    """ASGI wrapper: a `/_sandbox/` request without the token is answered 401."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.token and scope["type"] == "http" and ADMIN_PATH in scope["path"] + "/":
            sent = dict(scope["headers"]).get(TOKEN_HEADER.lower().encode(), b"")
            if not hmac.compare_digest(sent, self.token.encode()):
                answer = JSONResponse({"error": f"the sandbox's admin endpoints need the "
                                                f"{TOKEN_HEADER} header printed at start"},
                                      status_code=401)
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)
