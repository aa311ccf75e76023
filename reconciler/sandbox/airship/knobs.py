"""Test knobs of the Airship sandbox under `/_sandbox/` (no auth, no faults).

- `POST config {"app_key": K, "throttle": N, "retry_after": S, "drop": {route: N},
  "pipeline_limits": {"active": A, "total": T}}`: the next N API requests of key K answer
  429 with `Retry-After: S` (default 1); the next N answers of a route are lost after the
  write is done (an HTML 502, as a proxy gives); the project's pipeline caps (what
  `/api/pipelines/limits` shows and create/update enforce with 409).
- `POST clock {"app_key": K, "now": ISO | null, "advance_seconds": S}`: freeze, free or
  move project K's clock (schedules begin sending and pipelines go live or complete by
  it); `GET clock?app_key=K` reads it. No real sleeping: a test moves the clock.
- `GET sends?app_key=K`: every send the project made (`/api/push` and schedules whose
  time came), oldest first, so tests count them.
- `POST channels {"app_key": K, "channel_id", "device_type", "named_user_id"?, "tags"?}`:
  a device the project knows (what `/api/channels/{id}` answers).
Throttles and drops live in the process; clocks, limits, sends and channels in the store.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from reconciler.sandbox.airship.protocol import (
    AirshipError,
    error_response,
    parse_time,
    read_body,
    show_time,
)
from reconciler.sandbox.airship.sending import settle
from reconciler.sandbox.airship.store import AirshipStore, Project

MAX_ADVANCE = 5 * 366 * 86_400
DEVICE_TYPES = ("ios", "android", "amazon", "web", "sms", "email", "open")


class Knobs:
    """Per app key: requests still to throttle, and answers still to drop per route."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.throttles: dict[str, tuple[int, int]] = {}  # key -> (left, retry_after)
        self.refused: dict[str, int] = {}
        self.drops: dict[str, int] = {}  # "key/route" -> answers still to drop

    def throttled(self, key: str) -> int | None:
        """The Retry-After seconds if this request is to be refused; counts one down."""
        with self._lock:
            left, wait = self.throttles.get(key, (0, 1))
            if left <= 0:
                return None
            self.throttles[key] = (left - 1, wait)
            self.refused[key] = self.refused.get(key, 0) + 1
            return wait

    def set(self, key: str, throttle: tuple[int, int] | None, drops: dict[str, int]) -> None:
        """Throttle the next N requests of `key` (with their Retry-After); drop answers."""
        with self._lock:
            if throttle is not None:
                self.throttles[key] = throttle
            self.drops.update({f"{key}/{route}": n for route, n in drops.items()})

    def shown(self, key: str) -> dict[str, Any]:
        with self._lock:
            return {"throttle": self.throttles.get(key, (0, 1))[0],
                    "drop": {k.split("/", 1)[1]: v for k, v in self.drops.items()
                             if k.startswith(f"{key}/")}}

    def drop(self, key: str, route: str) -> bool:
        with self._lock:
            left = self.drops.get(f"{key}/{route}", 0)
            if left > 0:
                self.drops[f"{key}/{route}"] = left - 1
            return left > 0


def _key(body: Any) -> str:
    if not isinstance(body, dict) or not isinstance(body.get("app_key"), str) \
            or not body["app_key"]:
        raise AirshipError(400, "app_key is required", 1)
    return str(body["app_key"])


def _count(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise AirshipError(400, f"{name} must be a count (0 or more)", 1)
    return value


def configure(knobs: Knobs, store: AirshipStore, body: Any, routes: frozenset[str]
              ) -> dict[str, Any]:
    """Apply a `POST config`, all of it or (on a bad value) none of it."""
    key = _key(body)
    drop = body.get("drop") or {}
    if not isinstance(drop, dict) or not set(drop) <= routes:
        raise AirshipError(400, "drop must map routes to counts; routes: "
                           + ", ".join(sorted(routes)), 1)
    drops = {route: _count(n, "drop") for route, n in drop.items()}
    throttle = None
    if "throttle" in body:
        throttle = (_count(body["throttle"], "throttle"),
                    _count(body.get("retry_after", 1), "retry_after"))
    limits = body.get("pipeline_limits")
    if limits is not None:
        if not isinstance(limits, dict) or not set(limits) <= {"active", "total"}:
            raise AirshipError(400, "pipeline_limits takes active and total", 1)
        limits = {k: _count(v, f"pipeline_limits.{k}") for k, v in limits.items()}
    knobs.set(key, throttle, drops)
    with store.session(key) as project:
        if limits is not None:
            project.settings["pipeline_limits"] = limits
            project.save_settings()
        return {**knobs.shown(key),
                "pipeline_limits": project.settings.get("pipeline_limits", {})}


def set_clock(project: Project, body: dict[str, Any]) -> None:
    if "now" in body:
        if body["now"] is None:
            project.set_clock(None, timedelta(0))
        else:
            moment = parse_time(str(body["now"]).replace("+00:00", "Z"))
            if moment is None:
                raise AirshipError(400, "now must be an ISO 8601 UTC date-time or null", 1)
            project.set_clock(moment, timedelta(0))
    step = body.get("advance_seconds", 0)
    if not isinstance(step, int | float) or isinstance(step, bool) or not 0 <= step \
            <= MAX_ADVANCE:
        raise AirshipError(400, "advance_seconds must be 0 to five years of seconds", 1)
    if step:
        if project.frozen is not None:
            project.set_clock(project.frozen + timedelta(seconds=step), timedelta(0))
        else:
            project.set_clock(None, project.ahead + timedelta(seconds=step))


def router(knobs: Knobs, store: AirshipStore, routes: frozenset[str]) -> APIRouter:
    """The `/_sandbox/` endpoints; `routes` are the route names `drop` takes."""
    r = APIRouter(prefix="/_sandbox")

    @r.post("/config")
    async def config(request: Request) -> JSONResponse:
        try:
            return JSONResponse(configure(knobs, store, await read_body(request), routes))
        except AirshipError as e:
            return error_response(e)

    @r.post("/clock")
    async def clock(request: Request) -> JSONResponse:
        try:
            body = await read_body(request)
            with store.session(_key(body)) as project:
                set_clock(project, body)
                return JSONResponse({"now": show_time(project.now())})
        except AirshipError as e:
            return error_response(e)

    @r.get("/clock")
    async def read_clock(app_key: str) -> JSONResponse:
        with store.session(app_key) as project:
            return JSONResponse({"now": show_time(project.now())})

    @r.get("/sends")
    async def sends(app_key: str) -> JSONResponse:
        with store.session(app_key) as project:
            settle(project)
            return JSONResponse(project.sends())

    @r.get("/throttled")
    async def throttled(app_key: str) -> JSONResponse:
        return JSONResponse({"429": knobs.refused.get(app_key, 0)})

    @r.post("/channels")
    async def channels(request: Request) -> JSONResponse:
        try:
            body = await read_body(request)
            key, ident = _key(body), body.get("channel_id")
            kind = body.get("device_type")
            if not isinstance(ident, str) or not ident or kind not in DEVICE_TYPES:
                raise AirshipError(400, "channel_id and device_type are required", 1)
            channel = {"channel_id": ident, "device_type": kind, "installed": True,
                       "opt_in": True, "named_user_id": body.get("named_user_id"),
                       "tags": list(body.get("tags") or [])}
            with store.session(key) as project:
                project.put_channel(ident, channel)
            return JSONResponse(channel)
        except AirshipError as e:
            return error_response(e)

    return r
