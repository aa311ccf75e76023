"""`reconciler sandbox serve | sent | reset`: the sandbox API over HTTP, its pushes, a fresh start.

fastapi and uvicorn are imported inside the command so `reconciler --help`
and every other command stay fast. The port is bound before uvicorn
starts (a busy port is one `error:` line), and the listening lines are printed
and flushed only once the server accepts connections: a human one, then one JSON
line `{"ready": {...}}` with every platform's URL, which scripts and the test
launcher read. The API secret is never printed; the admin token is (it is made for
this one serve, and only `/_sandbox/` needs it).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reconciler.cli.options import target_options
from reconciler.errors import ConfigError
from reconciler.sandbox.state import SANDBOX_FILES, TOKEN_HEADER, reset_files, unusable

if TYPE_CHECKING:  # `reconciler --help` imports this module
    import socket


def embedded_db(config_path: Path) -> Path:
    """The embedded sandbox's database: `.reconciler/sandbox.db` beside the config."""
    return config_path.parent / ".reconciler" / SANDBOX_FILES[0]


def _app_pair(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> list[tuple[int, str]]:
    """Parse repeated `--app ORG:APP` values."""
    pairs = []
    for value in values:
        org, sep, app = value.partition(":")
        if not sep or not org.isdigit() or int(org) < 1 or not app:
            raise click.BadParameter(f"{value!r}: expected ORG:APP, e.g. 1:demo-app")
        pairs.append((int(org), app))
    return pairs


def _platform_port(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, int]:
    """Parse repeated `--port-for PLATFORM=PORT` into {platform: port}."""
    from reconciler.registry import names

    found: dict[str, int] = {}
    for value in values:
        name, _, port = value.partition("=")
        if name not in names() or not port.isdigit() or int(port) > 65535:
            raise click.BadParameter(f"{value!r}: expected PLATFORM=PORT with PLATFORM one of "
                                     f"{', '.join(names())} and PORT 0-65535, e.g. stream=8401")
        found[name] = int(port)
    return found


@click.group()
def sandbox() -> None:
    """The embedded sandbox: local Localytics, Stream Chat and Netcore Smartech APIs kept in
    SQLite beside the config (.reconciler/)."""


@sandbox.command()
@target_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8400, show_default=True, type=click.IntRange(0, 65535),
              help="TCP port (0 picks a free one).")
@click.option("--db", "db_path", default=None, type=click.Path(path_type=Path, dir_okay=False),
              help="SQLite file (default: .reconciler/sandbox.db beside the config).")
@click.option("--api-key", default="sandbox", show_default=True, help="Basic-auth user.")
@click.option("--api-secret", default="sandbox", help="Basic-auth password (default sandbox).")
@click.option("--latency-ms", default=0, type=click.IntRange(0), help="Answer every API request N ms after it arrived.")
@click.option("--error-rate", default=0.0, type=click.FloatRange(0, 1),
              help="Fraction of API requests answered 500/502/503 before doing anything.")
@click.option("--drop-rate", default=0.0, type=click.FloatRange(0, 1),
              help="Fraction of writes performed and then answered with an HTML 502.")
@click.option("--rate-limit", default=0, type=click.IntRange(0),
              help="Answer 429 above N API requests per second (0: no limit).")
@click.option("--seed", default=None, type=int, help="Seed of the fault RNG (reproducible runs).")
@click.option("--app", "apps", multiple=True, callback=_app_pair, metavar="ORG:APP",
              help="Register an app (repeatable); 1:demo-app is always registered.")
@click.option("--port-for", "port_for", multiple=True, callback=_platform_port,
              metavar="PLATFORM=PORT",
              help="Also serve this platform's sandbox at the root of its own port, as its "
                   "own host does (repeatable; 0 picks a free one), e.g. stream=8401; its "
                   "prefix on --port stays.")
@click.option("--stream-port", default=None, hidden=True, type=click.IntRange(0, 65535),
              help="The older spelling of --port-for stream=PORT, kept for scripts.")
@click.option("--admin-token", default=None, metavar="TOKEN",
              help="Require this X-Sandbox-Token on /_sandbox/ endpoints (default: none on "
                   "loopback, a fresh one printed in the ready line on any other host).")
def serve(
    config_path: Path, env_name: str | None, host: str, port: int, db_path: Path, api_key: str, api_secret: str, latency_ms: int,
    error_rate: float, drop_rate: float, rate_limit: int, seed: int | None,
    apps: list[tuple[int, str]], port_for: dict[str, int], stream_port: int | None,
    admin_token: str | None,
) -> None:
    """Serve the sandbox API: Localytics' /api/v6/... (Campaigns & Audiences) and
    /v2/push/{app_id}, Stream's Campaign API under /stream (and at the root of
    --port-for stream=PORT), and Netcore Smartech's APIs under /smartech."""
    import asyncio  # not at module level: `--help` imports this module

    import uvicorn

    from reconciler.sandbox.faults import Faults
    from reconciler.sandbox.server import AdminGuard, create_app, ready_urls
    from reconciler.sandbox.server import admin_token as token_for

    token = token_for(host, admin_token)
    if token and not admin_token:
        click.echo(f"warning: serving on {host}, beyond loopback: anyone who reaches this "
                   "port can use the sandbox's API; its /_sandbox/ endpoints need the "
                   "X-Sandbox-Token of the ready line", err=True)
    embedded = db_path is None
    db_path = db_path or embedded_db(config_path)
    try:
        app = create_app(
            db_path, api_key=api_key, api_secret=api_secret, more_apps=apps,
            faults=Faults(latency_ms=latency_ms, error_rate=error_rate, drop_rate=drop_rate,
                          rate_limit=rate_limit, seed=seed), embedded=embedded,
        )
    except sqlite3.Error as e:
        raise unusable(db_path, e, embedded) from None
    except OSError as e:
        raise ConfigError(f"{db_path}: cannot open the sandbox database: {e}") from None
    if stream_port is not None:
        port_for = {"stream": stream_port, **port_for}
    sockets = [_bind(host, port)]
    servers = [_server(uvicorn, AdminGuard(app, token), dated=_dated(app))]
    for name, own_port in port_for.items():  # the same app (store, knobs) as under its prefix
        own = app.state.mounts[name].app
        sockets.append(_bind(host, own_port))
        servers.append(_server(uvicorn, AdminGuard(own, token),
                               dated=_dated(own)))
    urls = [_url(s) for s in sockets]
    ready = ready_urls(app, urls[0], dict(zip(port_for, urls[1:], strict=True)))
    ready_line = {"ready": {**ready, "admin_token": token} if token else ready}

    async def run() -> None:
        tasks = [asyncio.ensure_future(srv.serve(sockets=[sock]))
                 for srv, sock in zip(servers, sockets, strict=True)]
        while not all(s.started for s in servers) and not any(t.done() for t in tasks):
            await asyncio.sleep(0.01)
        if all(s.started for s in servers):
            click.echo(f"sandbox: serving (key {api_key}) "
                       + "; ".join(f"{name}: {url}" for name, url in ready.items()))
            click.echo(json.dumps(ready_line, separators=(",", ":")))
            sys.stdout.flush()  # click.echo wrote there; the launcher waits for the JSON line
        await asyncio.gather(*tasks)

    # uvicorn's own loop choice (uvloop when installed), as `uvicorn.run` would make.
    get_loop_factory = getattr(servers[0].config, "get_loop_factory", None)
    loop_factory = get_loop_factory() if callable(get_loop_factory) else None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(run())


def _dated(app: Any) -> bool:
    """Whether the app puts its own `Date` on its answers (a sandbox clock tests set)."""
    return hasattr(app.state, "date_clock") or bool(getattr(app.state, "dated", False))


def _server(uvicorn: Any, app: Any, *, dated: bool = False) -> Any:
    """`dated`: the app puts its own (test-settable) `Date` on every answer."""
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            server_header=False, date_header=not dated,
                            timeout_graceful_shutdown=3)
    return uvicorn.Server(config)


def _url(sock: socket.socket) -> str:
    bound_host, bound_port = sock.getsockname()[:2]
    url_host = f"[{bound_host}]" if ":" in bound_host else bound_host
    return f"http://{url_host}:{bound_port}"


def _bind(host: str, port: int) -> socket.socket:
    """Bind before serving, so a busy port is one clear error line, not a traceback."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    sock.set_inheritable(True)
    return sock


@sandbox.command()
@target_options
@click.option("--db", "db_path", default=None, type=click.Path(path_type=Path, dir_okay=False),
              help="SQLite file of the sandbox (default: the embedded one beside the config).")
@click.option("--url", default=None, metavar="URL",
              help="Ask a served sandbox instead, e.g. http://127.0.0.1:8400.")
@click.option("--app", "app_id", default=None, metavar="APP", help="Only this app's pushes.")
@click.option("--json", "as_json", is_flag=True, help="Print the pushes as JSON.")
@click.option("--admin-token", default=None, metavar="TOKEN",
              help="The served sandbox's admin token (its ready line names it), if it has one.")
def sent(config_path: Path, env_name: str | None, db_path: Path | None, url: str | None,
         app_id: str | None, as_json: bool, admin_token: str | None) -> None:
    """Show what a device would have received: the pushes the sandbox accepted."""
    from reconciler.render.json import dumps
    from reconciler.render.pushes import render_pushes

    stored = db_path or embedded_db(config_path)
    pushes = (_served_pushes(url, app_id, admin_token) if url
              else _stored_pushes(stored, app_id, embedded=db_path is None))
    click.echo(dumps(pushes) if as_json else render_pushes(pushes), nl=False)


def _stored_pushes(db_path: Path, app_id: str | None, embedded: bool) -> list[dict[str, Any]]:
    from reconciler.sandbox.localytics.store import Store

    if not db_path.is_file():
        raise ConfigError(f"{db_path}: no sandbox database here (nothing sent yet, or use --db "
                          "FILE / --url URL)")
    try:
        store = Store(db_path)
    except sqlite3.Error as e:
        raise unusable(db_path, e, embedded) from None
    try:
        return store.pushes(app_id)
    except sqlite3.Error as e:
        raise unusable(db_path, e, embedded) from None
    finally:
        store.close()


def _served_pushes(url: str, app_id: str | None, token: str | None) -> list[dict[str, Any]]:
    import httpx


    base = url.rstrip("/").removesuffix("/api/v6")
    params = {"app_id": app_id} if app_id else None
    try:
        response = httpx.get(f"{base}/_sandbox/pushes", params=params, timeout=10,
                             headers={TOKEN_HEADER: token} if token else None)
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as e:
        raise ConfigError(f"{base}/_sandbox/pushes: {str(e).splitlines()[0][:200]}") from None
    if not isinstance(data, list):
        raise ConfigError(f"{base}/_sandbox/pushes: expected a JSON list")
    return data


@sandbox.command()
@target_options
def reset(config_path: Path, env_name: str | None) -> None:
    """Start the embedded sandbox afresh: delete its files in .reconciler/ beside the config.

    Every object in the embedded sandbox is gone afterwards; the apply journal, the
    send-test record and the caches stay. A served sandbox (`--db`) is not touched.
    """
    state_dir = embedded_db(config_path).parent
    removed = reset_files(state_dir)
    if removed:
        click.echo(f"sandbox reset: removed {', '.join(str(p) for p in removed)}")
    else:
        click.echo(f"sandbox reset: nothing to remove (no sandbox files in {state_dir})")
