"""`reconciler sandbox serve`: the sandbox API over HTTP on a local port.

fastapi and uvicorn are imported inside the command so `reconciler --help`
and every other command stay fast. The listening line is printed (and
flushed) only once the socket accepts connections, so scripts and test
fixtures can wait for it; the secret is never printed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from reconciler.errors import ConfigError


def _app_pair(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list:
    pairs = []
    for value in values:
        org, sep, app = value.partition(":")
        if not sep or not org.isdigit() or int(org) < 1 or not app:
            raise click.BadParameter(f"{value!r}: expected ORG:APP, e.g. 1:demo-app")
        pairs.append((int(org), app))
    return pairs


@click.group()
def sandbox() -> None:
    """The embedded sandbox: a local Localytics API kept in SQLite."""


@sandbox.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8400, show_default=True, type=click.IntRange(0, 65535),
              help="TCP port (0 picks a free one).")
@click.option("--db", "db_path", default=Path(".reconciler/sandbox.db"), show_default=True,
              type=click.Path(path_type=Path, dir_okay=False), help="SQLite file.")
@click.option("--api-key", default="sandbox", show_default=True, help="Basic-auth user.")
@click.option("--api-secret", default="sandbox", help="Basic-auth password (default sandbox).")
@click.option("--latency-ms", default=0, type=click.IntRange(0), help="Delay every API response.")
@click.option("--error-rate", default=0.0, type=click.FloatRange(0, 1),
              help="Fraction of API requests answered 500/502/503 before doing anything.")
@click.option("--drop-rate", default=0.0, type=click.FloatRange(0, 1),
              help="Fraction of writes performed and then answered with an HTML 502.")
@click.option("--rate-limit", default=0, type=click.IntRange(0),
              help="Answer 429 above N API requests per second (0: no limit).")
@click.option("--seed", default=None, type=int, help="Seed of the fault RNG (reproducible runs).")
@click.option("--app", "apps", multiple=True, callback=_app_pair, metavar="ORG:APP",
              help="Register an app (repeatable); 1:demo-app is always registered.")
def serve(
    host: str, port: int, db_path: Path, api_key: str, api_secret: str, latency_ms: int,
    error_rate: float, drop_rate: float, rate_limit: int, seed: int | None,
    apps: list[tuple[int, str]],
) -> None:
    """Serve the sandbox API: /api/v6/... (Campaigns & Audiences) and /v2/push/{app_id}."""
    import uvicorn

    from reconciler.sandbox.app import DEFAULT_APPS, create_app
    from reconciler.sandbox.faults import Faults

    try:
        app = create_app(
            db_path, api_key=api_key, api_secret=api_secret, apps=[*DEFAULT_APPS, *apps],
            faults=Faults(latency_ms=latency_ms, error_rate=error_rate, drop_rate=drop_rate,
                          rate_limit=rate_limit, seed=seed),
        )
    except OSError as e:
        raise ConfigError(f"{db_path}: cannot open the sandbox database: {e}") from None
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            lifespan="off", server_header=False)
    server = uvicorn.Server(config)
    asyncio.run(_serve(server, api_key))


async def _serve(server: object, api_key: str) -> None:
    """Run uvicorn; announce the real address once it listens (port 0 resolved)."""
    import uvicorn

    assert isinstance(server, uvicorn.Server)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            await task  # surfaces a bind error
            raise SystemExit(1)
        await asyncio.sleep(0.01)
    sockets = [s for srv in server.servers for s in srv.sockets]
    host, port = sockets[0].getsockname()[:2]
    click.echo(f"sandbox: serving http://{host}:{port}/api/v6 (key {api_key})")
    click.get_text_stream("stdout").flush()
    await task
