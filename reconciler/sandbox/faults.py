"""Fault injection for the API paths: latency, errors, dropped answers, rate limit.

These knobs let tests and users see what the real API does on a bad day:
`error_rate` fails a request before it does anything (safe to retry),
`drop_rate` performs a write and then fails the answer with an HTML 502 (the
ambiguous create a client must resolve by looking the object up), and
`rate_limit` answers 429 without Retry-After, as the real API does. One RNG
seeded by `seed` makes a run reproducible. Only the API paths each platform's
mount names (`Mount.fault_paths`: Localytics' /api/v6 and /v2, Smartech's whole
/smartech) are affected; /_sandbox/ admin endpoints (any prefix) never are.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ERROR_STATUSES = (500, 502, 503)
DROPPED_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center></body></html>"
)


@dataclass(frozen=True)
class Faults:
    """What goes wrong, and how often. All zero: a well-behaved API."""

    latency_ms: int = 0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    rate_limit: int = 0
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("error_rate", "drop_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        if self.latency_ms < 0 or self.rate_limit < 0:
            raise ValueError("latency_ms and rate_limit must not be negative")


class FaultCounter(Protocol):
    def fault(self, kind: str) -> None: ...


class _NoCount:
    def fault(self, kind: str) -> None:
        return None


class _Window:
    """A fixed one-second window counter: more than `limit` in the second → refuse."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._second = 0
        self._count = 0
        self._lock = threading.Lock()

    def admit(self) -> bool:
        second = int(time.monotonic())
        with self._lock:
            if second != self._second:
                self._second, self._count = second, 0
            self._count += 1
            return self._count <= self.limit


def _answer_after(latency_ms: int, send: Send) -> Send:
    """`send`, holding the answer's first message until `latency_ms` after now.

    The latency is the time from a request's arrival to its answer, as a client of a real
    API sees it: the server's own work happens within it, not after it. (Sleeping first
    and working after charged every request the sandbox's own CPU time on top of the
    latency: 54.9 ms a request for a plain httpx client at 50 ms, 8 at a time.)
    """
    loop = asyncio.get_running_loop()
    due = loop.time() + latency_ms / 1000
    held = True

    async def send_when_due(message: Message) -> None:
        nonlocal held
        if held and message["type"] == "http.response.start":
            held = False
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
        await send(message)

    return send_when_due


async def send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode())],
    })
    await send({"type": "http.response.body", "body": payload})


class FaultMiddleware:
    """Pure ASGI middleware (no body buffering) that applies `Faults` to API paths.

    `paths` (path prefixes) is read on every request, not copied: the server fills it
    with every mounted platform's `fault_paths` after the app is built; `latency_paths`
    (likewise, from `Mount.latency_paths`) take only the latency.
    """

    def __init__(self, app: ASGIApp, faults: Faults, counter: FaultCounter | None = None,
                 paths: Sequence[str] = (), latency_paths: Sequence[str] = ()) -> None:
        self.app = app
        self.paths = paths
        self.latency_paths = latency_paths
        self.faults = faults
        self.counter: FaultCounter = counter or _NoCount()
        self._rng = random.Random(faults.seed)
        self._rng_lock = threading.Lock()
        self._window = _Window(faults.rate_limit) if faults.rate_limit else None

    def _roll(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._rng_lock:
            return self._rng.random() < rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "/_sandbox/" in scope["path"]:
            await self.app(scope, receive, send)
            return
        if not scope["path"].startswith(tuple(self.paths)):
            if self.faults.latency_ms and scope["path"].startswith(tuple(self.latency_paths)):
                send = _answer_after(self.faults.latency_ms, send)
            await self.app(scope, receive, send)
            return
        f = self.faults
        if f.latency_ms:
            send = _answer_after(f.latency_ms, send)
        if self._window is not None and not self._window.admit():
            self.counter.fault("rate_limit")
            await send_json(send, 429, {"error": "Too Many Requests"})
            return
        if self._roll(f.error_rate):
            with self._rng_lock:
                status = self._rng.choice(ERROR_STATUSES)
            self.counter.fault("error")
            await send_json(send, status, {"error": "Internal error (sandbox fault injection)"})
            return
        if scope["method"] in WRITES and self._roll(f.drop_rate):
            self.counter.fault("drop")
            await self._perform_then_drop(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _perform_then_drop(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the write to completion, throw its answer away, answer an HTML 502."""

        async def swallow(message: Message) -> None:
            return None

        await self.app(scope, receive, swallow)
        await send({
            "type": "http.response.start",
            "status": 502,
            "headers": [(b"content-type", b"text/html"),
                        (b"content-length", str(len(DROPPED_PAGE)).encode())],
        })
        await send({"type": "http.response.body", "body": DROPPED_PAGE})
