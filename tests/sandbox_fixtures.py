"""Pytest plugin: served sandboxes on free loopback ports, for every test in the project.

Tests talk to a real `python -m reconciler sandbox serve` subprocess over
HTTP, never to mocks of httpx. `sandbox_server` is one fault-free server per
test session (per xdist worker); `sandbox_app` gives each test its own fresh
app on it, so tests never see each other's objects; `sandbox_factory`
starts servers with fault knobs for the tests that need them.
"""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from reconciler.sandbox.launcher import ServedProcess, start_served


@dataclass(frozen=True)
class AppRef:
    """One registered app of the sandbox: what a client puts in its paths."""

    org_id: int
    app_id: str


@dataclass
class ServedSandbox:
    """A running sandbox server and the helpers tests use against it."""

    base_url: str
    api_url: str
    api_key: str
    api_secret: str
    db: Path
    served: ServedProcess | None = field(default=None, repr=False, compare=False)
    _client: httpx.Client | None = field(default=None, repr=False, compare=False)

    def _admin(self, method: str, path: str, **kwargs: Any) -> Any:
        # One kept client: building one per call costs ~0.1 s (TLS setup), per test.
        if self._client is None:
            self._client = httpx.Client(base_url=self.base_url + "/_sandbox", timeout=10)
        response = self._client.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()

    def new_app(self, org_id: int = 1) -> AppRef:
        """Register a fresh app with a unique key (a clean slate for one test)."""
        app_id = f"test-{uuid.uuid4().hex[:12]}"
        self._admin("POST", "/apps", json={"org_id": org_id, "app_id": app_id})
        return AppRef(org_id=org_id, app_id=app_id)

    def stats(self) -> dict:
        """Request counts: `{"total": N, "by_route": {"GET /api/v6/…": n}}`."""
        return self._admin("GET", "/stats")

    def reset_stats(self) -> None:
        self._admin("POST", "/stats/reset")

    def pushes(self, app_id: str) -> list[dict]:
        """Messages the Push API accepted for this app, oldest first."""
        return self._admin("GET", "/pushes", params={"app_id": app_id})

    def answers(self, **knobs: str) -> dict:
        """Set answer knobs for the whole server (`audience_key`, `past_last_page`)."""
        return self._admin("POST", "/answers", json=knobs)

    def stop(self) -> None:
        """Stop the server process and close the admin client."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self.served is not None:
            self.served.stop()


def start_sandbox(db: Path, **flags: Any) -> ServedSandbox:
    """Start `reconciler sandbox serve --port 0` with `flags` and wait until it listens."""
    served = start_served(db, **flags)
    return ServedSandbox(
        base_url=served.base_url,
        api_url=served.api_url,
        api_key=flags.get("api_key") or "sandbox",
        api_secret=flags.get("api_secret") or "sandbox",
        db=db,
        served=served,
    )


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSandbox]:
    """One fault-free served sandbox for the whole session (per xdist worker)."""
    served = start_sandbox(tmp_path_factory.mktemp("sandbox") / "sandbox.db")
    yield served
    served.stop()


@pytest.fixture
def sandbox_factory(tmp_path: Path) -> Iterator[Callable[..., ServedSandbox]]:
    """`sandbox_factory(latency_ms=…, error_rate=…, drop_rate=…, rate_limit=…, seed=…)`."""
    started: list[ServedSandbox] = []

    def start(**flags: Any) -> ServedSandbox:
        served = start_sandbox(tmp_path / f"sandbox-{len(started)}.db", **flags)
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()


@pytest.fixture
def sandbox_app(sandbox_server: ServedSandbox) -> AppRef:
    """A fresh app on the session's sandbox: no objects but the test's own."""
    return sandbox_server.new_app()


@dataclass
class ServedApp:
    """One ASGI app served by uvicorn in a thread on a loopback port (`serve_asgi`)."""

    base_url: str
    server: uvicorn.Server = field(repr=False)
    thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def serve_asgi(app: Any) -> ServedApp:
    """Serve `app` over real HTTP on 127.0.0.1, for a sandbox not (yet) in the registry.

    The socket is bound and listening before the thread starts, so a client may connect
    at once (the kernel queues it until uvicorn accepts): no waiting for readiness.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    return ServedApp(f"http://127.0.0.1:{port}", server, thread)
