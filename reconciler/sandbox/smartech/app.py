"""The Netcore Smartech sandbox: v4 email campaigns, legacy app push, audience list.

Served by `reconciler sandbox serve` under `/smartech` (`api_url:
http://127.0.0.1:8400/smartech`) and in-process for `api_url: sandbox`.
Documented shapes [PUSH, EM4, AUD in docs/specs/smartech.md]: app-push create
answers `{"status": "success", "message": ..., "campaign_id": N}`; v4 calls
take `api-key`, legacy calls a raw `Authorization` key; v4 list/get serve
email only (the docs say so; an `apn` channel is refused).

ASSUMED, marked where used: error bodies `{"status": "error", "message"}`
with 400/401/404; v4 answers `{data: {...}, message, statusCode}`; execute's
audience fields (`list_ids`/`segment_ids`), `frequency_capping`,
`personalization`; a second execute of one campaign is refused (400); only
drafts can be updated, except that a scheduled email can be taken back to
`campaign_state: draft` (the emergency stop; sending or sent ones cannot); v4 names are unique (documented), legacy names are not checked.

The email go-live is the form of the one public client of `/v4/campaign/create`
(job-cliff's `netcore.js`): a create or update item with `campaign_state: "active"` and
`schedule_time` ("now", or a later time: the campaign is then `scheduled`). An item's
`campaign_state` is `draft` or `active` (ASSUMED: the other listed states are ones a
campaign reaches, not ones a client sets). A `schedule` object, the form reconciler
once sent, has no source at all: it is refused (400) rather than silently kept as a
draft.

Each API key is its own account. Sandbox-only endpoints under
`/smartech/_sandbox/` (no auth, no faults): `GET executions?api_key=K`
(deliveries, to count them), `GET campaigns?api_key=K` (every channel),
`POST audiences {api_key, type, name, count}` (a panel list/segment),
`POST config {api_key, drop: {route: N}, audience_page_max: N}` (perform the next N
writes of a route, then lose the answer: routes `create`, `execute`, `v4-create`,
`v4-update`; answer audience-list pages of at most N rows, as an account whose list
holds pages smaller than asked would, 0 to clear).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from reconciler.sandbox.base import (
    Mount,
    SandboxOptions,
    SandboxTransport,
    build,
    transport_over,
)
from reconciler.sandbox.faults import DROPPED_PAGE
from reconciler.sandbox.smartech.store import SmartechStore

MAX_APP_IDS, MAX_TAGS, TAG_LENGTH = 5, 5, (5, 25)
PAGE_SIZE = 10  # the audience list's documented default page_size; no maximum is documented
Handler = Callable[[str, dict[str, Any]], Awaitable[JSONResponse]]


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"status": "error", "message": message}, status_code=status)  # ASSUMED


def v4(data: Any, message: str = "success") -> JSONResponse:
    return JSONResponse({"data": data, "message": message, "statusCode": 200})


def create_smartech_app(path: Path) -> FastAPI:
    """The Smartech sandbox as an ASGI app over the SQLite file `path`."""
    app = FastAPI(title="reconciler sandbox (Netcore Smartech)", docs_url=None, redoc_url=None,
                  openapi_url=None)
    store = SmartechStore(Path(path))
    app.state.store = store
    drops: dict[str, int] = {}

    def route(path_: str, name: str, header: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            async def endpoint(request: Request) -> Response:
                key = request.headers.get(header, "")
                if not key:
                    return error(401, "Invalid API key")
                try:
                    body = json.loads(await request.body() or b"{}")
                except (json.JSONDecodeError, UnicodeDecodeError):
                    body = None
                if not isinstance(body, dict):
                    return error(400, "request body must be a JSON object")
                store.account(key)
                response = await handler(key, body)
                if drops.get(f"{key}/{name}", 0) > 0 and response.status_code < 300:
                    drops[f"{key}/{name}"] -= 1  # performed, then the answer is lost
                    return Response(DROPPED_PAGE, 502, media_type="text/html")
                return response

            app.add_api_route(path_, endpoint, methods=["POST"])
            return handler

        return register

    _admin(app, store, drops)
    _v4_routes(route, store, drops)
    _push_routes(route, store)
    return app


def _admin(app: FastAPI, store: SmartechStore, drops: dict[str, int]) -> None:
    @app.get("/_sandbox/executions")
    async def executions(api_key: str) -> JSONResponse:
        return JSONResponse(store.executions(api_key))

    @app.get("/_sandbox/campaigns")
    async def campaigns(api_key: str) -> JSONResponse:
        return JSONResponse(store.listing(api_key, ["email", "apn"]))

    @app.post("/_sandbox/audiences")
    async def audiences(request: Request) -> JSONResponse:
        b = await request.json()
        return JSONResponse(store.add_audience(str(b["api_key"]), str(b["type"]),
                                               str(b["name"]), int(b.get("count", 0))))

    @app.post("/_sandbox/config")
    async def configure(request: Request) -> JSONResponse:
        b = await request.json()
        key = str(b.get("api_key", ""))
        drops.update({f"{key}/{k}": int(v) for k, v in (b.get("drop") or {}).items()})
        if "audience_page_max" in b:  # an account whose list pages hold fewer than asked
            drops[f"{key}/audience_page_max"] = int(b["audience_page_max"] or 0)
        return JSONResponse({"drop": drops})


def _v4_routes(route: Callable[..., Callable[[Handler], Handler]], store: SmartechStore,
               knobs: dict[str, int]) -> None:
    @route("/v4/campaign/list", "v4-list", "api-key")
    async def list_(key: str, b: dict[str, Any]) -> JSONResponse:
        channels = b.get("channel") or ["email"]
        if channels != ["email"]:
            return error(400, "channel: only email is supported")  # documented: email only
        size, page = b.get("page_size"), b.get("page_no")
        if not isinstance(size, int) or not isinstance(page, int) or size < 1 or page < 1:
            return error(400, "page_size and page_no are required")
        rows = store.listing(key, ["email"])
        states = b.get("campaign_states")
        rows = [r for r in rows if not states or r["state"] in states]
        shown = [_summary(r) for r in rows[(page - 1) * size: page * size]]
        return v4({"campaign_details": shown, "total_count": len(rows)})

    @route("/v4/campaign/get", "v4-get", "api-key")
    async def get(key: str, b: dict[str, Any]) -> JSONResponse:
        if b.get("channel") != ["email"]:
            return error(400, "channel is required; only email is supported")
        ids = b.get("campaign_ids")
        wanted = ids if isinstance(ids, list) and len(ids) <= 500 and all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids) else None
        rows = [r for r in store.listing(key, ["email"], wanted) if not ids or r["id"] in ids]
        return v4({"campaign_details": [_detail(r) for r in rows]})

    @route("/v4/campaign/create", "v4-create", "api-key")
    async def create(key: str, b: dict[str, Any]) -> JSONResponse:
        item, problem = _email_item(key, b, store, None)
        if problem:
            return error(400, problem)
        live = item.pop("campaign_state", "draft") == "active"
        row = store.create(key, "email", item["campaign_name"], item)
        if live:
            _go_live(store, key, row["id"], item)
        return v4({"campaign_details": [{"campaign_id": row["id"],
                                         "campaign_name": row["name"]}]},
                  "Campaign created successfully")

    _v4_write_routes(route, store, knobs)


def _v4_write_routes(route: Callable[..., Callable[[Handler], Handler]], store: SmartechStore,
                     knobs: dict[str, int]) -> None:
    @route("/v4/campaign/update", "v4-update", "api-key")
    async def update(key: str, b: dict[str, Any]) -> JSONResponse:
        items = b.get("campaign_details")
        cid = items[0].get("campaign_id") if isinstance(items, list) and items and isinstance(
            items[0], dict) else None
        row = store.get(key, cid) if isinstance(cid, int) else None
        if row is None or not isinstance(cid, int) or row["channel"] != "email":
            return error(404, "campaign_id not found")
        asked = items[0].get("campaign_state") if isinstance(items, list) else None
        unschedule = row["state"] == "scheduled" and asked == "draft"
        if row["state"] != "draft" and not unschedule:  # ASSUMED: only drafts can be updated
            return error(400, f"campaign {cid} is {row['state']}: only a draft can be updated"
                         + ("" if row["state"] != "scheduled" else
                            " (or a scheduled one taken back to campaign_state draft)"))
        item, problem = _email_item(key, b, store, cid)
        if problem:
            return error(400, problem)
        live = item.pop("campaign_state", "draft") == "active"
        store.update(key, cid, item["campaign_name"], item, "draft" if unschedule else None)
        if live:
            _go_live(store, key, cid, item)
        return v4({"campaign_id": cid}, "Campaign updated successfully")

    @route("/v4/campaign/delete", "v4-delete", "api-key")
    async def delete(key: str, b: dict[str, Any]) -> JSONResponse:
        items = b.get("campaign_details") or [b]
        cid = items[0].get("campaign_id") if isinstance(items[0], dict) else None
        row = store.get(key, cid) if isinstance(cid, int) else None
        if row is None or not isinstance(cid, int):
            return error(404, "campaign_id not found")
        if row["state"] not in ("draft", "suspended"):
            return error(400, f"campaign {cid} is {row['state']}: it cannot be deleted")
        store.delete(key, cid)
        return JSONResponse({"data": {"id": cid, "status": "success",
                                      "description": "Campaign deleted"}, "message": "success"})

    async def audience_list(key: str, b: dict[str, Any]) -> JSONResponse:
        kind = b.get("audience_type")
        if kind not in ("list", "segment"):
            return error(400, "audience_type must be list or segment")
        page = b.get("page_details") or {}
        size, no = page.get("page_size", PAGE_SIZE), page.get("page_no", 1)
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1
                   for n in (size, no)):
            return error(400, "page_details: page_no and page_size are positive integers")
        size = min(size, knobs.get(f"{key}/audience_page_max") or size)
        rows = store.audiences(key, kind)
        wanted = (b.get("filtering_criteria") or {}).get("audience_ids")
        rows = [r for r in rows if not wanted or r["audience_id"] in wanted]
        return v4({"audience_details": rows[(no - 1) * size: no * size],  # ASSUMED shape
                   "total_count": len(rows)})

    route("/v4/audience/list", "audience-list", "api-key")(audience_list)
    route("/v4/list", "audience-list", "api-key")(audience_list)


def _push_routes(route: Callable[..., Callable[[Handler], Handler]], store: SmartechStore
                 ) -> None:
    @route("/campaign/create", "create", "authorization")
    async def create(key: str, b: dict[str, Any]) -> JSONResponse:
        problem = _push_problem(b)
        if problem:
            return error(400, problem)
        row = store.create(key, "apn", str(b.get("name") or ""), b)
        return JSONResponse({"status": "success", "message": "Campaign created successfully",
                             "campaign_id": row["id"]})

    @route("/campaign/execute", "execute", "authorization")
    async def execute(key: str, b: dict[str, Any]) -> JSONResponse:
        cid = str(b.get("campaign_id") or "")
        row = store.get(key, int(cid)) if cid.isdigit() else None
        if b.get("type") != "apn" or row is None or row["channel"] != "apn":
            return error(404, "campaign_id not found")
        source = b.get("data_source")
        if source not in ("list", "segment"):
            return error(400, "data_source must be segment or list")
        ids = b.get(f"{source}_ids")  # ASSUMED field name
        known = {a["audience_id"] for a in store.audiences(key, source)}
        if not isinstance(ids, list) or not ids or not set(ids) <= known:
            return error(400, f"{source}_ids: unknown {source} ids")
        if row["state"] != "draft":  # ASSUMED: a campaign executes once
            return error(400, f"campaign {cid} was already executed")
        store.execute(key, row["id"], "apn", b, "executed")
        return JSONResponse({"status": "success", "message": "Campaign executed successfully"})


def _push_problem(b: dict[str, Any]) -> str | None:
    if b.get("type") != "apn":
        return "type must be apn"
    apps = b.get("app_ids")
    if not isinstance(apps, list) or not 1 <= len(apps) <= MAX_APP_IDS:
        return f"app_ids: 1 to {MAX_APP_IDS} app ids"
    return _tags_problem(b.get("tags") or [])


def _tags_problem(tags: Any) -> str | None:
    if not isinstance(tags, list) or len(tags) > MAX_TAGS or not all(
            isinstance(t, str) and TAG_LENGTH[0] <= len(t) <= TAG_LENGTH[1] for t in tags):
        return f"tags: at most {MAX_TAGS}, each {TAG_LENGTH[0]} to {TAG_LENGTH[1]} characters"
    return None


def _email_item(key: str, b: dict[str, Any], store: SmartechStore, cid: int | None
                ) -> tuple[dict[str, Any], str | None]:
    items = b.get("campaign_details")
    if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
        return {}, "campaign_details: one campaign is required"
    item = {k: v for k, v in items[0].items() if k != "campaign_id"}
    if item.get("channel") != "email":
        return item, "channel must be email"
    name = item.get("campaign_name")
    if not isinstance(name, str) or not name:
        return item, "campaign_name is required"
    if store.name_taken(key, name, cid):
        return item, "campaign_name must be unique"
    if "schedule" in item:
        return item, ("schedule is not a v4 field: go live with campaign_state \"active\" "
                      "and schedule_time")
    state = item.get("campaign_state", "draft")
    if state not in ("draft", "active"):
        return item, "campaign_state must be draft or active"
    if state == "active" and not (isinstance(item.get("schedule_time"), str)
                                  and item["schedule_time"]):
        return item, "schedule_time is required with campaign_state active (\"now\" or a time)"
    sender = item.get("sender_details") or {}
    if not sender.get("sender_name") or not sender.get("sender_email"):
        return item, "sender_details: sender_name and sender_email are required"
    return item, _tags_problem(item.get("tags") or [])


def _go_live(store: SmartechStore, key: str, cid: int, item: dict[str, Any]) -> None:
    """Record the delivery: `sent` for "now", `scheduled` for a later time."""
    later = item["schedule_time"] != "now"
    store.execute(key, cid, "email", {**item, "campaign_state": "active"},
                  "scheduled" if later else "sent")


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return {"campaign_id": row["id"], "campaign_name": row["name"], "channel": row["channel"],
            "campaign_state": row["state"], "updated_at": row["updated_at"]}


def _detail(row: dict[str, Any]) -> dict[str, Any]:
    b = row["body"]
    schedule = b.get("schedule") or {}  # a go-live written by an older sandbox
    return {
        "campaign_id": row["id"], "campaign_name": row["name"], "tags": b.get("tags") or [],
        "schedule_time": b.get("schedule_time") or schedule.get("date"),
        "campaign_state": row["state"],
        "sender_details": b.get("sender_details"), "content_details": b.get("content_details"),
        "audience_details": b.get("audience_details") or {}, "preheader": b.get("preheader", ""),
        "deduplication": {"enable_deduplication": False}, "updated_at": row["updated_at"],
    }


def mount(db: Path, *, embedded: bool = True, options: SandboxOptions | None = None
          ) -> Mount:
    """The Smartech sandbox over its file beside `db`, served under `/smartech`, where
    the served faults act on all of it (it takes no other option)."""
    return build("smartech", "/smartech", db, create_smartech_app, embedded=embedded,
                 fault_paths=("/",))


def inprocess_transport(path: Path) -> SandboxTransport:
    """An httpx transport to a Smartech sandbox over the SQLite file `path`, no socket."""
    return transport_over(path, create_smartech_app)
