"""Sandbox-only endpoints under /_sandbox/ and the request counter behind them.

Tests and benchmarks need what the real API cannot give: registering apps on
the fly, counting the requests a command made (by route template, so
`GET …/campaigns/{campaign_id}` is one key whatever the id) and reading the
pushes the Push API accepted. No auth and no faults here; serve binds to
loopback by default.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from reconciler.sandbox.localytics.protocol import ApiProblem, read_json, store_of
from reconciler.sandbox.localytics.validation import Problems, check_body_object

ADMIN_PREFIX = "/_sandbox/"
router = APIRouter(prefix="/_sandbox")


class RequestStats:
    """Thread-safe request counts by `METHOD /route/{template}`, and injected faults by kind.

    Fault counts let a test say how many faults a run survived, not just that it
    finished: `faults` is `{"error": n, "drop": n, "rate_limit": n}`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()

    def count(self, key: str) -> None:
        with self._lock:
            self._counts[key] += 1

    def fault(self, kind: str) -> None:
        with self._lock:
            self._faults[kind] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            faults = {k: self._faults[k] for k in ("error", "drop", "rate_limit")}
            return {"total": sum(self._counts.values()), "by_route": dict(self._counts),
                    "faults": faults}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._faults.clear()


class StatsMiddleware:
    """Counts every API request (faulted ones too) under its route template."""

    def __init__(self, app: ASGIApp, stats: RequestStats,
                 routes: Callable[[], Sequence[BaseRoute]]) -> None:
        self.app = app
        self.stats = stats
        self.routes = routes  # read per request: other platforms are mounted after this

    def _template(self, scope: Scope, routes: Sequence[BaseRoute] | None = None,
                  prefix: str = "") -> str:
        """The route template; inside a mounted app (Stream, Smartech) its own route's,
        so their requests are counted by route as the Localytics ones are."""
        for route in self.routes() if routes is None else routes:
            match, child = route.matches(scope)
            if match == Match.FULL:
                path = prefix + str(getattr(route, "path", scope["path"]))
                inner = getattr(route, "routes", None)  # a Mount: match inside it
                return self._template({**scope, **child}, inner, path) if inner else path
        return prefix + "(unmatched)"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(ADMIN_PREFIX):
            self.stats.count(f"{scope['method']} {self._template(scope)}")
        await self.app(scope, receive, send)


@router.post("/apps")
async def register_app(request: Request) -> JSONResponse:
    """Register an app (idempotent): `{"org_id": 1, "app_id": "x"}` → 201."""
    body = check_body_object(await read_json(request))
    p = Problems()
    org_id = p.integer(body, "org_id", "", required=True, minimum=1, maximum=2**63 - 1)
    app_id = p.text(body, "app_id", "", required=True)
    p.raise_if_any()
    created = store_of(request).register_app(int(org_id or 0), str(app_id))
    return JSONResponse({"org_id": org_id, "app_id": app_id, "created": created}, status_code=201)


@router.get("/stats")
async def get_stats(request: Request) -> JSONResponse:
    return JSONResponse(request.app.state.stats.snapshot())


@router.post("/stats/reset")
async def reset_stats(request: Request) -> JSONResponse:
    request.app.state.stats.reset()
    return JSONResponse(request.app.state.stats.snapshot())


@router.get("/pushes")
async def list_pushes(request: Request) -> JSONResponse:
    """Recorded Push API messages, oldest first; `?app_id=` narrows to one app."""
    app_id = request.query_params.get("app_id")
    if app_id is not None and not app_id:
        raise ApiProblem(422, "app_id must not be empty")
    return JSONResponse(store_of(request).pushes(app_id))


@router.post("/reject")
async def reject_names(request: Request) -> JSONResponse:
    """Make writes of objects with these names fail with 422: `{"app_id", "names": [...]}`.

    Offline validation cannot know every reason a real API refuses an object;
    this lets tests make one object fail on purpose and watch its dependents.
    """
    body = check_body_object(await read_json(request))
    names = body.get("names")
    if not isinstance(body.get("app_id"), str) or not isinstance(names, list):
        raise ApiProblem(422, "Invalid input parameters: app_id (string) and names (list)")
    request.app.state.rejected[body["app_id"]] = {str(n) for n in names}
    return JSONResponse({"app_id": body["app_id"], "names": sorted(map(str, names))})


# How the sandbox answers where the API's documents disagree or leave a choice
# (docs/apis.md): each knob's first value is the default.
ANSWER_KNOBS: dict[str, tuple[str, ...]] = {
    # key of target_rules that saved audiences are answered under: the OpenAPI's
    # `audience`, or the `audiences` of Localytics' own campaign script
    "audience_key": ("audience", "audiences"),
    # a listing page past the last: 404 as the OpenAPI documents, or an empty 200
    "past_last_page": ("404", "empty"),
    # keys the OpenAPI does not define: 422 naming them, or kept and answered back (an
    # API that echoes; reconciler's import must still drop them with a warning)
    "unknown_keys": ("reject", "keep"),
}


def default_answers() -> dict[str, str]:
    return {name: choices[0] for name, choices in ANSWER_KNOBS.items()}


@router.post("/answers")
async def set_answers(request: Request) -> JSONResponse:
    """Set answer knobs (see ANSWER_KNOBS): `{"audience_key": "audiences"}` → the knobs now.

    Knobs hold for the whole server; knobs not named keep their value.
    """
    body = check_body_object(await read_json(request))
    details = [{"field": k, "message": f"must be one of: {', '.join(ANSWER_KNOBS[k])}"
                if k in ANSWER_KNOBS else f"unknown knob; known: {', '.join(ANSWER_KNOBS)}"}
               for k, v in body.items() if k not in ANSWER_KNOBS or v not in ANSWER_KNOBS[k]]
    if details:
        raise ApiProblem(422, f"Invalid input parameters: {details[0]['field']}: "
                         f"{details[0]['message']}", details)
    request.app.state.answers.update(body)
    return JSONResponse(dict(request.app.state.answers))


@router.get("/answers")
async def get_answers(request: Request) -> JSONResponse:
    return JSONResponse(dict(request.app.state.answers))


def answer_knob(request: Request, name: str) -> str:
    """The current value of an answer knob (its default when the app never set one)."""
    answers = getattr(request.app.state, "answers", None) or {}
    return str(answers.get(name, ANSWER_KNOBS[name][0]))


def check_not_rejected(request: Request, app_id: str, name: object) -> None:
    if name in request.app.state.rejected.get(app_id, ()):
        raise ApiProblem(422, f"Invalid input parameters: name {name!r} is refused by a "
                         "sandbox rule (/_sandbox/reject)",
                         [{"field": "name", "message": "refused by a sandbox rule"}])
