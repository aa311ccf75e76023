"""Test knobs of the Stream sandbox: rate limits, dropped answers, the app's clock, and
what they counted.

Under `/_sandbox/` (no auth): `POST config {"api_key": K, "rate_limit": N,
"drop": {route: N}, "advance": S}` sets, for one API key, N requests a second per
route (Stream counts per minute; a sandbox cannot wait that long), the next N
answers of a route dropped after the write is done (an HTML 502, as a proxy
gives), and moves the app's clock S seconds ahead (so a started campaign is
`completed` when a test says, not when the machine gets round to it).
`GET starts?api_key=K` reads the start calls performed per campaign;
`GET throttled?api_key=K` the 429s answered. Limits, drops and clocks live in
the process; starts are in the store, so every process over one file sees them.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from reconciler.sandbox.stream.protocol import StreamError, error_response, read_body
from reconciler.sandbox.stream.store import StreamStore

MAX_ADVANCE = 366 * 86_400  # one call moves an app's clock at most a year ahead


class Knobs:
    """Per key and route, per second; and the answers to drop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.limits: dict[str, int] = {}  # per API key; 0 or absent: 10,000 a second
        self.refused: dict[str, int] = {}  # 429s answered, per API key
        self.windows: dict[tuple[str, str], tuple[int, int]] = {}
        self.drops: dict[str, int] = {}  # "key/route" -> answers still to drop
        self.clocks: dict[str, float] = {}  # per API key: seconds the app's clock is ahead

    def take(self, key: str, route: str) -> tuple[int, int, int]:
        """(limit, remaining, reset) after counting this request; remaining -1 = refused."""
        second = int(time.time())
        with self._lock:
            start, count = self.windows.get((key, route), (second, 0))
            if start != second:
                start, count = second, 0
            count += 1
            self.windows[(key, route)] = (start, count)
            limit = self.limits.get(key) or 10_000
            if count > limit:
                self.refused[key] = self.refused.get(key, 0) + 1
        return limit, (limit - count if count <= limit else -1), second + 1

    def drop(self, key: str, route: str) -> bool:
        """Whether to lose this (performed) answer; counts one down if so."""
        with self._lock:
            left = self.drops.get(f"{key}/{route}", 0)
            if left > 0:
                self.drops[f"{key}/{route}"] = left - 1
            return left > 0

    def ahead(self, key: str) -> timedelta:
        """How far the app of `key` is ahead of the wall clock."""
        return timedelta(seconds=self.clocks.get(key, 0.0))

    def configure(self, knobs: dict[str, Any]) -> dict[str, Any]:
        key, limit, drop = knobs.get("api_key"), knobs.get("rate_limit", 0), knobs.get("drop")
        drop = {} if drop is None else drop
        advance = knobs.get("advance", 0)
        if not isinstance(key, str) or not isinstance(limit, int) or not isinstance(drop, dict) \
                or not all(isinstance(v, int) for v in drop.values()) \
                or not isinstance(advance, int | float) or isinstance(advance, bool) \
                or not 0 <= advance <= MAX_ADVANCE:
            raise StreamError(400, 4, 'expected {"api_key": str, "rate_limit": int, '
                              '"drop": {route: int}, "advance": seconds (0 to a year)}')
        with self._lock:
            if "rate_limit" in knobs:
                self.limits[key] = limit
            self.drops.update({f"{key}/{k}": v for k, v in drop.items()})
            self.clocks[key] = self.clocks.get(key, 0.0) + float(advance)
            return {"rate_limit": self.limits.get(key, 0), "drop": dict(self.drops),
                    "ahead": self.clocks[key]}


def router(knobs: Knobs, store: StreamStore) -> APIRouter:
    r = APIRouter(prefix="/_sandbox")

    @r.post("/config")
    async def configure(request: Request) -> JSONResponse:
        try:
            return JSONResponse(knobs.configure(await read_body(request)))
        except StreamError as e:
            return error_response(e)

    @r.get("/starts")
    async def starts(api_key: str = "") -> JSONResponse:
        return JSONResponse(store.starts(api_key))

    @r.get("/throttled")
    async def throttled(api_key: str = "") -> JSONResponse:
        return JSONResponse({"429": knobs.refused.get(api_key, 0)})

    return r
