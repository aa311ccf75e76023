"""What every platform's sandbox shares: its SQLite store base, its clock, and the
in-process transport that plugs its ASGI app into an httpx client.

Each platform sandbox is a sub-package (`localytics`, `stream`, `smartech`) with one
`mount(db)` function that builds its ASGI app over its own file beside `db` and
answers a `Mount`: what `sandbox serve` mounts under the mount's prefix, and what
`api_url: sandbox` talks to without a socket (`Mount.transport()`). The store, the
transport and the file naming live here once, so the three sandboxes cannot drift
apart in how they lock, close, or report a damaged file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from reconciler.sandbox.faults import Faults
from reconciler.sandbox.state import platform_file, unusable


def iso_ms(moment: datetime) -> str:
    """`2026-05-01T09:00:00.000Z`: the API's own date form (UTC, milliseconds)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Parse a timestamp the sandbox wrote (always UTC with a `Z`)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Clock:
    """Strictly increasing timestamps, so `updated_at` changes on every write.

    Two writes within one millisecond would otherwise share a timestamp and a
    client comparing `updated_at` would miss the second one.
    """

    def __init__(self) -> None:
        self._last = datetime.min.replace(tzinfo=UTC)

    def tick(self) -> datetime:
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if now <= self._last:
            now = self._last + timedelta(milliseconds=1)
        self._last = now
        return now

    def observe(self, stamp: str | None) -> None:
        """Never hand out a timestamp older than one already stored."""
        if stamp:
            self._last = max(self._last, parse_iso(stamp))


def dumps(value: Any) -> str:
    """Compact JSON for storage; non-ASCII kept as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class SqliteFile:
    """One SQLite file: one connection, one lock, WAL, immediate write transactions.

    Both sandboxes (Localytics' `Database`, Stream's store) keep their state this
    way, so parallel requests and several processes over one file never tear a write.
    """

    def __init__(self, path: Path, schema: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        try:
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA busy_timeout = 10000")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            with self._write() as db:
                for statement in schema.split(";"):
                    if statement.strip():
                        db.execute(statement)
        except BaseException:
            # closed here, not left to the collector: a damaged or foreign file's error
            # ends the run, and nothing may keep the file (or its -wal) open past it
            self._db.close()
            raise

    def close(self) -> None:
        """Close the connection (the in-process transport does so when its client closes)."""
        with self._lock:
            self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One immediate transaction under the lock: writers never interleave."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()



class SandboxTransport(httpx.ASGITransport):
    """ASGI transport that closes its sandbox's store when the client closes.

    A database that opened but turns out damaged or foreign mid-run (a missing
    column, a corrupt page) is the same one error line as at open.
    """

    def __init__(self, app: Any, store: SqliteFile) -> None:
        super().__init__(app=app)
        self.store = store

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except sqlite3.Error as e:
            raise unusable(self.store.path, e) from None

    async def aclose(self) -> None:
        self.store.close()


@dataclass(frozen=True)
class SandboxOptions:
    """What `sandbox serve` was asked for, handed alike to every platform's `mount`.

    One convention for all of them, so the server never knows which platform takes
    what: each mount uses the options its API has and ignores the others. `apps`
    None is the platform's own default apps; `more_apps` are registered besides them
    (`serve --app`).
    """

    api_key: str = "sandbox"
    api_secret: str = "sandbox"
    apps: Iterable[tuple[int, str]] | None = None
    more_apps: tuple[tuple[int, str], ...] = ()
    faults: Faults | None = None


@dataclass(frozen=True)
class Mount:
    """One platform's sandbox, built: its ASGI app over its store, and its place when served.

    `prefix` is where `sandbox serve` mounts it on the main port ("" for the root), and
    `prefix + api_path` the `api_url` a client of it is given. `fault_paths` are the
    paths below the prefix that a served sandbox's injected faults act on (none: its
    API never sees them). The app at the root of the main port (the registry's default
    platform) also carries the others mounted in it, and its fault middleware acts on
    the paths in its `app.state.fault_paths`, which `server.create_app` sets to every
    mount's.
    """

    platform: str
    prefix: str
    app: Any
    store: SqliteFile
    api_path: str = ""  # where the API starts below the prefix (Localytics: /api/v6)
    fault_paths: tuple[str, ...] = ()
    # paths that take only the served latency (their own knobs answer throttling and drops
    # in their platform's form), so a plan at --latency-ms waits on every platform alike
    latency_paths: tuple[str, ...] = ()

    def transport(self) -> httpx.AsyncBaseTransport:
        """The app without a socket (`httpx.AsyncClient(transport=...)`); closing closes it."""
        return SandboxTransport(self.app, self.store)


def build(platform: str, prefix: str, db: Path, make: Callable[[Path], Any], *,
          embedded: bool = True, api_path: str = "", fault_paths: tuple[str, ...] = (),
          latency_paths: tuple[str, ...] = ()) -> Mount:
    """Build a platform's app (`make(its file)`, keeping its store at `app.state.store`) over
    its file beside `db`. A damaged or foreign file is one error line; `embedded` says
    whether its way out is `sandbox reset` (else another `--db`)."""
    app = opened(platform_file(db, platform), make, embedded)
    return Mount(platform, prefix, app, app.state.store, api_path, fault_paths, latency_paths)


def opened(path: Path, make: Callable[[Path], Any], embedded: bool = True) -> Any:
    """`make(path)`, with a damaged or foreign file as the one error line."""
    try:
        return make(path)
    except sqlite3.Error as e:
        raise unusable(path, e, embedded) from None


def transport_over(path: Path, make: Callable[[Path], Any]) -> SandboxTransport:
    """An in-process transport to the app `make` builds over the file `path`."""
    app = opened(path, make)
    return SandboxTransport(app, app.state.store)
