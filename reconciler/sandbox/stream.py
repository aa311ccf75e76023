"""The Stream Chat sandbox: Campaign API (campaigns, segments, targets) over a JSON file.

Served by `reconciler sandbox serve` under the path prefix `/stream` (so one
server answers both platforms: `api_url: http://127.0.0.1:8400/stream`), and
in-process for `api_url: sandbox` through `inprocess_transport`. Auth as
Stream: `api_key` query parameter (each key is its own app), a server JWT
(HS256 over the secret, `{"server": true}`) in `Authorization`,
`Stream-Auth-Type: jwt`. Errors are Stream's body (`code`, `message`,
`StatusCode`, `duration`, `more_info`, `details`); every answer carries
`X-RateLimit-Limit/Remaining/Reset`. Test knobs under `/stream/_sandbox/`
(no auth): `POST config {"api_key": K, "rate_limit": N, "drop": {"start": N}}`
(N requests a second per route; the next N answers of a route dropped after
the write is done) and
`GET starts?api_key=K` (start calls performed per campaign), `GET throttled?api_key=K`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from reconciler.sandbox.stream_store import StreamStore, now, parse, stamp

MAX_SEGMENTS, MAX_USER_IDS, MAX_ID = 25, 10_000, 255
# HS256 wants a key of 32+ bytes; Stream's own secrets are long too.
SANDBOX_SECRET = "sandbox-stream-secret-0123456789abcdef"
Handler = Callable[[Request, dict[str, Any], Any], Awaitable[Response]]


def error(status: int, code: int, message: str, unrecoverable: bool = False) -> JSONResponse:
    body = {"code": code, "message": message, "StatusCode": status, "duration": "0.01ms",
            "more_info": "https://getstream.io/chat/docs/api_errors_response", "details": []}
    if unrecoverable:
        body["unrecoverable"] = True
    return JSONResponse(body, status_code=status)


def ok(body: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse({**body, "duration": "0.01ms"}, status_code=status)


class _Limits:
    """Per key and route, per second (Stream counts per minute; a sandbox cannot wait that)."""

    def __init__(self) -> None:
        self.limits: dict[str, int] = {}  # per API key; 0 or absent: 10,000 a second
        self.refused: dict[str, int] = {}  # 429s answered, per API key
        self.windows: dict[tuple[str, str], tuple[int, int]] = {}

    def take(self, key: str, route: str) -> tuple[int, int, int]:
        """(limit, remaining, reset) after counting this request; remaining -1 = refused."""
        second = int(time.time())
        start, count = self.windows.get((key, route), (second, 0))
        if start != second:
            start, count = second, 0
        count += 1
        self.windows[(key, route)] = (start, count)
        limit = self.limits.get(key) or 10_000
        return limit, (limit - count if count <= limit else -1), second + 1


def create_stream_app(path: Path, *, api_secret: str = SANDBOX_SECRET) -> FastAPI:
    """The Stream sandbox as an ASGI app over the JSON file `path` (created if absent)."""
    app = FastAPI(title="reconciler sandbox (Stream Chat Campaign API)", docs_url=None,
                  redoc_url=None, openapi_url=None)
    store = StreamStore(Path(path))
    limits = _Limits()
    drops: dict[str, int] = {}
    app.state.stream_store = store

    def route(method: str, template: str, name: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            async def endpoint(request: Request) -> Response:
                return await _serve(request, name, handler)

            app.add_api_route(template, endpoint, methods=[method])
            return handler

        return register

    async def _serve(request: Request, name: str, handler: Handler) -> Response:
        key = request.query_params.get("api_key", "")
        refused = _auth(request, key, api_secret)
        limit, remaining, reset = limits.take(key, name)
        if refused is None and remaining < 0:
            refused = error(429, 9, "Too many requests, check response headers for "
                            "X-RateLimit-Reset")
            limits.refused[key] = limits.refused.get(key, 0) + 1
        if refused is None:
            body: Any = None
            if request.method in ("POST", "PUT"):
                try:
                    body = json.loads(await request.body() or b"{}")
                except (json.JSONDecodeError, UnicodeDecodeError):
                    body = None
                if not isinstance(body, dict):
                    refused = error(400, 4, "request body must be a JSON object")
        if refused is None:
            with store.lock:
                response = await handler(request, store.app(key), body)
                if request.method != "GET" and "/query" not in request.url.path:
                    store.save()
            if drops.get(f"{key}/{name}", 0) > 0 and response.status_code < 300:
                drops[f"{key}/{name}"] -= 1  # performed, then the answer is lost
                response = Response(b"<html><body>502 Bad Gateway</body></html>", 502,
                                    media_type="text/html")
        else:
            response = refused
        response.headers.update({"X-RateLimit-Limit": str(limit),
                                 "X-RateLimit-Remaining": str(max(remaining, 0)),
                                 "X-RateLimit-Reset": str(reset)})
        return response

    @app.post("/_sandbox/config")
    async def configure(request: Request) -> JSONResponse:
        """Knobs for one API key: `{"api_key", "rate_limit": N, "drop": {route: N}}`."""
        knobs = await request.json()
        key = str(knobs.get("api_key", ""))
        if "rate_limit" in knobs:
            limits.limits[key] = int(knobs["rate_limit"])
        drops.update({f"{key}/{k}": int(v) for k, v in (knobs.get("drop") or {}).items()})
        return JSONResponse({"rate_limit": limits.limits.get(key, 0), "drop": drops})

    @app.get("/_sandbox/starts")
    async def starts(api_key: str) -> JSONResponse:
        prefix = api_key + "/"
        return JSONResponse({k[len(prefix):]: v for k, v in store.starts.items()
                             if k.startswith(prefix)})

    @app.get("/_sandbox/throttled")
    async def throttled(api_key: str) -> JSONResponse:
        return JSONResponse({"429": limits.refused.get(api_key, 0)})

    # --- segments --------------------------------------------------------
    @route("POST", "/segments", "create-segment")
    async def create_segment(_r: Request, a: dict[str, Any], body: Any) -> Response:
        problem = _segment_problem(body, a)
        if problem:
            return error(400, 4, problem)
        sid = body.get("id") or f"seg-{store.next_seq(a)}"
        fields = ("type", "name", "description", "filter", "all_users", "all_sender_channels")
        t = stamp(now())
        seg = {"id": sid, **{k: body[k] for k in fields if body.get(k) is not None},
               "created_at": t, "updated_at": t, "seq": store.next_seq(a)}
        a["segments"][sid] = seg
        a["targets"][sid] = []
        return ok({"segment": _shown_segment(a, seg)}, 201)

    @route("GET", "/segments/{sid}", "get-segment")
    async def get_segment(r: Request, a: dict[str, Any], _b: Any) -> Response:
        seg = a["segments"].get(r.path_params["sid"])
        return ok({"segment": _shown_segment(a, seg)}) if seg else _not_found("segment")

    @route("PUT", "/segments/{sid}", "update-segment")
    async def update_segment(r: Request, a: dict[str, Any], body: Any) -> Response:
        seg = a["segments"].get(r.path_params["sid"])
        if seg is None:
            return _not_found("segment")
        extra = sorted(set(body) - {"name", "description", "filter"})
        if extra:
            return error(400, 4, f"UpdateSegment: {', '.join(extra)} cannot be updated")
        if body.get("filter") and (seg.get("all_users") or seg.get("all_sender_channels")):
            return error(400, 4, "filter cannot be combined with all_users/all_sender_channels")
        seg.update({k: v for k, v in body.items() if v is not None}, updated_at=stamp(now()))
        return ok({"segment": _shown_segment(a, seg)}, 201)

    @route("DELETE", "/segments/{sid}", "delete-segment")
    async def delete_segment(r: Request, a: dict[str, Any], _b: Any) -> Response:
        sid = r.path_params["sid"]
        if a["segments"].pop(sid, None) is None:
            return _not_found("segment")
        a["targets"].pop(sid, None)
        return ok({})

    @route("POST", "/segments/query", "query-segments")
    async def query_segments(_r: Request, a: dict[str, Any], body: Any) -> Response:
        if "filter" not in body:
            return error(400, 4, "QuerySegments: filter is required")
        rows = [_shown_segment(a, s) for s in _sorted(a["segments"]) if _matches(s, body)]
        return _page(rows, body, "segments", 100)

    @route("POST", "/segments/{sid}/addtargets", "add-targets")
    async def add_targets(r: Request, a: dict[str, Any], body: Any) -> Response:
        return _targets(a, r.path_params["sid"], body, 10_000, add=True)

    @route("POST", "/segments/{sid}/deletetargets", "delete-targets")
    async def delete_targets(r: Request, a: dict[str, Any], body: Any) -> Response:
        return _targets(a, r.path_params["sid"], body, 100, add=False)

    @route("POST", "/segments/{sid}/targets/query", "query-targets")
    async def query_targets(r: Request, a: dict[str, Any], body: Any) -> Response:
        sid = r.path_params["sid"]
        if sid not in a["segments"]:
            return _not_found("segment")
        cond = (body.get("filter") or {}).get("target_id")
        wanted = None if cond is None else set(
            cond.get("$in") or [cond.get("$eq")] if isinstance(cond, dict) else [cond])
        rows = [{"segment_id": sid, "target_id": t, "created_at": "", "app_pk": 1}
                for t in sorted(a["targets"][sid]) if wanted is None or t in wanted]
        return _page(rows, body, "targets", 10_000)

    # --- campaigns -------------------------------------------------------
    @route("POST", "/campaigns", "create-campaign")
    async def create_campaign(_r: Request, a: dict[str, Any], body: Any) -> Response:
        cid = body.get("id") or f"cmp-{store.next_seq(a)}"
        if cid in a["campaigns"]:
            return error(400, 4, f"CreateCampaign failed with error: campaign {cid} already "
                         "exists")
        problem = _campaign_problem(body, a)
        if problem:
            return error(400, 4, problem)
        t = stamp(now())
        camp = {**_request_fields(body), "id": cid, "status": "draft", "created_at": t,
                "updated_at": t, "stats": {"progress": 0.0}, "seq": store.next_seq(a)}
        a["campaigns"][cid] = camp
        return ok({"campaign": _shown_campaign(a, camp), "users": {"next": None, "prev": None}},
                  201)

    @route("GET", "/campaigns/{cid}", "get-campaign")
    async def get_campaign(r: Request, a: dict[str, Any], _b: Any) -> Response:
        camp = a["campaigns"].get(r.path_params["cid"])
        if camp is None:
            return _not_found("campaign")
        return ok({"campaign": _shown_campaign(a, store.advance(camp)),
                   "users": {"next": None, "prev": None}})

    @route("PUT", "/campaigns/{cid}", "update-campaign")
    async def update_campaign(r: Request, a: dict[str, Any], body: Any) -> Response:
        camp = a["campaigns"].get(r.path_params["cid"])
        if camp is None:
            return _not_found("campaign")
        if store.advance(camp)["status"] != "draft":
            return error(400, 4, f"campaign {camp['id']} is {camp['status']}; only a draft "
                         "can be updated")
        problem = _campaign_problem(body, a)
        if problem:
            return error(400, 4, problem)
        kept = {k: camp[k] for k in ("id", "status", "created_at", "stats", "seq")}
        camp.clear()
        camp.update({**_request_fields(body), **kept, "updated_at": stamp(now())})
        return ok({"campaign": _shown_campaign(a, camp), "users": {"next": None, "prev": None}},
                  201)

    @route("DELETE", "/campaigns/{cid}", "delete-campaign")
    async def delete_campaign(r: Request, a: dict[str, Any], _b: Any) -> Response:
        camp = a["campaigns"].get(r.path_params["cid"])
        if camp is None:
            return _not_found("campaign")
        if store.advance(camp)["status"] in ("scheduled", "in_progress"):
            return error(400, 4, f"campaign {camp['id']} is {camp['status']}; stop it first")
        del a["campaigns"][camp["id"]]
        return ok({})

    @route("POST", "/campaigns/query", "query-campaigns")
    async def query_campaigns(_r: Request, a: dict[str, Any], body: Any) -> Response:
        rows = [_shown_campaign(a, store.advance(c)) for c in _sorted(a["campaigns"])
                if _matches(c, body)]
        return _page(rows, body, "campaigns", 100)

    @route("POST", "/campaigns/{cid}/start", "start")
    async def start(r: Request, a: dict[str, Any], body: Any) -> Response:
        camp = a["campaigns"].get(r.path_params["cid"])
        if camp is None:
            return _not_found("campaign")
        if store.advance(camp)["status"] != "draft":
            return error(400, 4, f"campaign {camp['id']} is {camp['status']}: a campaign can "
                         "be sent only once", unrecoverable=True)
        t = now()
        at = parse(body["scheduled_for"]) if body.get("scheduled_for") else t
        camp["scheduled_for"] = stamp(at)
        if body.get("stop_at"):
            camp["stop_at"] = stamp(parse(body["stop_at"]))
        camp["status"] = "scheduled"
        camp["updated_at"] = stamp(t)
        key = f"{r.query_params.get('api_key', '')}/{camp['id']}"
        store.starts[key] = store.starts.get(key, 0) + 1
        return ok({"campaign": _shown_campaign(a, store.advance(camp)),
                   "users": {"next": None, "prev": None}}, 201)

    @route("POST", "/campaigns/{cid}/stop", "stop")
    async def stop(r: Request, a: dict[str, Any], _b: Any) -> Response:
        camp = a["campaigns"].get(r.path_params["cid"])
        if camp is None:
            return _not_found("campaign")
        if store.advance(camp)["status"] not in ("scheduled", "in_progress"):
            return error(400, 4, f"campaign {camp['id']} is {camp['status']}; cannot stop")
        camp.update(status="stopped", updated_at=stamp(now()))
        return ok({"campaign": _shown_campaign(a, camp)}, 201)

    return app


def _auth(request: Request, key: str, secret: str) -> JSONResponse | None:
    token = request.headers.get("Authorization", "")
    if not key:
        return error(401, 5, "api_key not found")
    if request.headers.get("Stream-Auth-Type") != "jwt" or not token:
        return error(401, 5, "missing Stream-Auth-Type: jwt or Authorization header")
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"])
    except jwt.PyJWTError:
        return error(401, 43, "JWT signature is invalid")  # code 43: auth, per the docs
    if claims.get("server") is not True:
        return error(403, 17, "campaign and segment endpoints are server-side only")
    return None


def _not_found(kind: str) -> JSONResponse:
    return error(404, 16, f"{kind} does not exist")


def _sorted(objects: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(objects.values(), key=lambda o: o["seq"])


def _matches(obj: dict[str, Any], body: dict[str, Any]) -> bool:
    """Filters the sandbox understands: `{}` and `{field: value | {$eq|$in: …}}`."""
    for field, cond in (body.get("filter") or {}).items():
        value = obj.get(field)
        if isinstance(cond, dict):
            if "$eq" in cond and value != cond["$eq"]:
                return False
            if "$in" in cond and value not in cond["$in"]:
                return False
        elif value != cond:
            return False
    return True


def _page(rows: list[dict[str, Any]], body: dict[str, Any], key: str, cap: int) -> Response:
    """A cursor page: `next`/`prev` are opaque (base64 offsets) and echoed back."""
    limit = body.get("limit") or min(cap, 25)
    if not isinstance(limit, int) or not 1 <= limit <= cap:
        return error(400, 4, f"limit must be between 1 and {cap}")
    try:
        offset = int(base64.urlsafe_b64decode(body["next"]).decode()) if body.get("next") else 0
    except (ValueError, UnicodeDecodeError):
        return error(400, 4, "next is not a valid cursor")
    end = offset + limit
    cursor = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(rows) else None
    back = base64.urlsafe_b64encode(str(max(0, offset - limit)).encode()).decode()
    return ok({key: rows[offset:end], "next": cursor, "prev": back if offset else None})


def _targets(a: dict[str, Any], sid: str, body: dict[str, Any], cap: int, add: bool
             ) -> Response:
    if sid not in a["segments"]:
        return _not_found("segment")
    ids = body.get("target_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= cap or not all(
            isinstance(i, str) and i for i in ids):
        return error(400, 4, f"target_ids must be 1 to {cap} non-empty strings")
    current = set(a["targets"][sid])
    a["targets"][sid] = sorted(current | set(ids) if add else current - set(ids))
    a["segments"][sid]["updated_at"] = stamp(now())
    return ok({})


def _segment_problem(body: dict[str, Any], a: dict[str, Any]) -> str | None:
    if body.get("type") not in ("user", "channel"):
        return "CreateSegment: type must be user or channel"
    if body.get("id") and (len(body["id"]) > MAX_ID or body["id"] in a["segments"]):
        return f"CreateSegment: segment {body['id']} already exists or its id is too long"
    if len(str(body.get("name") or "")) > 128 or len(str(body.get("description") or "")) > 256:
        return "CreateSegment: name is limited to 128 and description to 256 characters"
    if sum(bool(body.get(k)) for k in ("filter", "all_users", "all_sender_channels")) > 1:
        return "CreateSegment: filter, all_users and all_sender_channels are mutually exclusive"
    return None


def _campaign_problem(body: dict[str, Any], a: dict[str, Any]) -> str | None:
    if not body.get("sender_id"):
        return "sender_id is a required field"
    if not (body.get("message_template") or {}).get("text"):
        return "message_template.text is a required field"
    segments, users = body.get("segment_ids") or [], body.get("user_ids") or []
    if segments and users:
        return "segment_ids and user_ids cannot be used together"
    if len(segments) > MAX_SEGMENTS or len(users) > MAX_USER_IDS:
        return f"at most {MAX_SEGMENTS} segment_ids and {MAX_USER_IDS} user_ids"
    missing = [s for s in segments if s not in a["segments"]]
    if missing:
        return f"segments do not exist: {', '.join(missing)}"
    if body.get("create_channels") and not body.get("channel_template"):
        return "create_channels needs channel_template"
    return None


REQUEST_FIELDS = (
    "name", "description", "segment_ids", "user_ids", "sender_id", "sender_mode",
    "sender_visibility", "message_template", "create_channels", "show_channels",
    "channel_template", "skip_push", "skip_webhook",
)


def _request_fields(body: dict[str, Any]) -> dict[str, Any]:
    out = {k: body[k] for k in REQUEST_FIELDS if body.get(k) is not None}
    for flag in ("create_channels", "show_channels", "skip_push", "skip_webhook"):
        out.setdefault(flag, False)  # Stream answers its defaults
    return out


def _size(a: dict[str, Any], seg: dict[str, Any]) -> int | None:
    """Explicit: the target count; filter/all_users: a number from a hash; never for
    all_sender_channels (as the docs say)."""
    if seg.get("all_sender_channels"):
        return None
    if seg.get("filter") or seg.get("all_users"):
        digest = hashlib.sha256(json.dumps(seg.get("filter"), sort_keys=True).encode()).digest()
        return 1000 + int.from_bytes(digest[:4], "big") % 99_000
    return len(a["targets"].get(seg["id"], []))


def _shown_segment(a: dict[str, Any], seg: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in seg.items() if k != "seq"}
    size = _size(a, seg)
    if size is not None:
        shown["size"] = size
    shown["deleted_at"] = None
    return shown


def _shown_campaign(a: dict[str, Any], camp: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in camp.items() if k != "seq"}
    shown["segments"] = [_shown_segment(a, a["segments"][s]) for s in camp.get("segment_ids", [])
                         if s in a["segments"]]
    shown["sender"] = {"id": camp.get("sender_id")}
    shown["users"] = [{"id": u} for u in camp.get("user_ids", [])]
    return shown


class _Transport(httpx.ASGITransport):
    async def aclose(self) -> None:  # nothing held open: the store saves on every write
        return None


def inprocess_transport(path: Path, api_secret: str = SANDBOX_SECRET) -> httpx.AsyncBaseTransport:
    """An httpx transport to a Stream sandbox over the JSON file `path`, without a socket."""
    return _Transport(app=create_stream_app(path, api_secret=api_secret))
