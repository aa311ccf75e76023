"""Push campaign endpoints and the all-channel campaign listing and search.

Paths and statuses are the OpenAPI's: POST 201, GET/PUT 200, DELETE 204 (403
while active), PUT …/archive 200. Archived campaigns leave the listing
(`is_archived=1` shows them) and cannot be edited (PUT → 422). The listing is
id-ascending unless `sort_by` says otherwise, so pages are stable. A page past
the last answers 404 (the `past_last_page` knob of /_sandbox/answers makes it
an empty 200); saved audiences are written under `target_rules.audience` or
`.audiences` and answered under the key the `audience_key` knob says.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from reconciler.sandbox.localytics import lifecycle
from reconciler.sandbox.localytics.admin import answer_knob, check_not_rejected
from reconciler.sandbox.localytics.campaign_rules import check_campaign
from reconciler.sandbox.localytics.protocol import (
    ApiProblem,
    app_scope,
    not_found,
    parse_id,
    read_json,
    store_of,
)
from reconciler.sandbox.localytics.store import MissingAudiences
from reconciler.sandbox.localytics.validation import check_body_object

APP = "/api/v6/orgs/{org_id}/apps/{app_id}"
router = APIRouter()

CHANNELS = ("push", "in-app", "inbox", "places")
STATUSES = ("scheduled", "draft", "active", "inactive", "expired", "sent", "test", "error")
MAX_PER_PAGE = 1000


async def _params(request: Request, org: int, app: str) -> tuple[dict[str, Any], list[int]]:
    body = check_body_object(await read_json(request))
    check_not_rejected(request, app, body.get("name"))
    store = store_of(request)
    return check_campaign(body, lambda ids: store.live_audience_ids(org, app, ids),
                          known_only=answer_knob(request, "unknown_keys") == "reject")


@router.post(APP + "/push/campaigns")
async def create_campaign(request: Request, org_id: str, app_id: str) -> JSONResponse:
    org, app = app_scope(request, org_id, app_id)
    params, audience_ids = await _params(request, org, app)
    try:
        body = store_of(request).create_campaign(org, app, params, audience_ids)
    except MissingAudiences as e:
        raise _gone(e) from None
    return JSONResponse(_answer(request, body), status_code=201)


def _answer(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """A campaign as answered: saved audiences under the key the `audience_key` knob says."""
    rules = (body.get("audiences") or {}).get("target_rules")
    key = answer_knob(request, "audience_key")
    if key == "audience" or not isinstance(rules, dict) or "audience" not in rules:
        return body
    audiences = {**body["audiences"], "target_rules": {
        (key if k == "audience" else k): v for k, v in rules.items()}}
    return {**body, "audiences": audiences}


def _gone(e: MissingAudiences) -> ApiProblem:
    return ApiProblem(422, f"Invalid input parameters: audience(s) {e} were deleted meanwhile",
                      [{"field": "audiences.target_rules.audience", "message": str(e)}])


@router.get(APP + "/push/campaigns/{campaign_id}")
async def get_campaign(request: Request, org_id: str, app_id: str, campaign_id: str) -> Any:
    org, app = app_scope(request, org_id, app_id)
    found = store_of(request).get_campaign(org, app, parse_id(campaign_id) or 0)
    if found is None:
        raise not_found()
    return JSONResponse(_answer(request, found["body"]))


@router.put(APP + "/push/campaigns/{campaign_id}")
async def replace_campaign(request: Request, org_id: str, app_id: str, campaign_id: str) -> Any:
    org, app = app_scope(request, org_id, app_id)
    store = store_of(request)
    cid = parse_id(campaign_id) or 0
    found = store.get_campaign(org, app, cid)
    if found is None:
        raise not_found()
    if found["archived"]:
        raise ApiProblem(422, "Campaign is archived and cannot be edited")
    lifecycle.check_editable(request, found["body"])
    params, audience_ids = await _params(request, org, app)
    try:
        body = store.replace_campaign(org, app, cid, params, audience_ids)
    except MissingAudiences as e:
        raise _gone(e) from None
    if body is None:  # deleted between the two steps
        raise not_found()
    return JSONResponse(_answer(request, body))


@router.delete(APP + "/push/campaigns/{campaign_id}")
async def delete_campaign(request: Request, org_id: str, app_id: str, campaign_id: str) -> Any:
    org, app = app_scope(request, org_id, app_id)
    outcome = store_of(request).delete_campaign(org, app, parse_id(campaign_id) or 0)
    if outcome == "missing":
        raise not_found()
    if outcome == "active":
        raise ApiProblem(403, "Campaign cannot be deleted. It may be active or have jobs running.")
    return Response(status_code=204)


@router.put(APP + "/push/campaigns/{campaign_id}/archive")
async def archive_campaign(request: Request, org_id: str, app_id: str, campaign_id: str) -> Any:
    org, app = app_scope(request, org_id, app_id)
    body = store_of(request).archive_campaign(org, app, parse_id(campaign_id) or 0)
    if body is None:
        raise not_found()
    return JSONResponse(_answer(request, body))


@router.get(APP + "/campaigns")
async def list_campaigns(request: Request, org_id: str, app_id: str) -> Any:
    org, app = app_scope(request, org_id, app_id)
    return JSONResponse(_listing(request, org, app, key=None))


@router.get(APP + "/campaigns/search")
async def search_campaigns(request: Request, org_id: str, app_id: str) -> Any:
    org, app = app_scope(request, org_id, app_id)
    key = request.query_params.get("key")
    if key is None or not key.strip():
        raise ApiProblem(422, "Invalid input parameters: key is required",
                         [{"field": "key", "message": "is required"}])
    return JSONResponse(_listing(request, org, app, key=key.strip()))


def _listing(request: Request, org: int, app: str, key: str | None) -> dict[str, Any]:
    """Filter, search, sort and page one app's campaigns into a ListCampaignResponse."""
    q = _ListQuery(request)
    if q.channels is not None and "push" not in q.channels:
        return _past_last(request, q, {"app_id": app, "records_count": 0, "total_records": 0,
                                       "campaigns": []})
    clocked = lifecycle.clock_of(request) is not None  # statuses computed: filtered in Python
    if key is None and q.sort_by != "name" and not clocked:  # name order casefolded: in Python
        direction = "DESC" if q.descending else "ASC"
        order = f"created_at {direction}, id {direction}" if q.sort_by or q.descending else "id"
        total, page = store_of(request).campaign_page(
            org, app, archived=q.is_archived, statuses=q.statuses,
            recurring={1: True, 2: False}.get(q.recurring), order=order,
            limit=q.per_page, offset=(q.page_number - 1) * q.per_page,
        )
        return _past_last(request, q, {"app_id": app, "records_count": len(page),
                                       "total_records": total,
                                       "campaigns": [_summary(r) for r in page]})
    rows = lifecycle.phased(request,
                            store_of(request).campaign_summaries(org, app, archived=q.is_archived))
    if q.statuses is not None:
        rows = [r for r in rows if r["status"] in q.statuses]
    if q.recurring == 1:
        rows = [r for r in rows if r["recurring"]]
    elif q.recurring == 2:
        rows = [r for r in rows if not r["recurring"]]
    if key is not None:
        needle = key.casefold()
        exact_id = int(key) if key.isascii() and key.isdigit() else None
        rows = [r for r in rows if needle in r["name"].casefold() or r["id"] == exact_id]
    if q.sort_by == "name":
        rows.sort(key=lambda r: (r["name"].casefold(), r["id"]), reverse=q.descending)
    elif q.sort_by == "created_at" or q.descending:
        rows.sort(key=lambda r: (r["created_at"], r["id"]), reverse=q.descending)
    start = (q.page_number - 1) * q.per_page
    page = rows[start:start + q.per_page]
    return _past_last(request, q, {
        "app_id": app,
        "records_count": len(page),
        "total_records": len(rows),
        "campaigns": [_summary(r) for r in page],
    })


def _past_last(request: Request, q: _ListQuery, listing: dict[str, Any]) -> dict[str, Any]:
    """A page past the last (page 1 never is): 404 as the OpenAPI documents, or
    the empty page itself when the `past_last_page` knob says `empty`."""
    if q.page_number > 1 and not listing["campaigns"] \
            and answer_knob(request, "past_last_page") == "404":
        raise not_found("Not Found: no such page")
    return listing


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "message_type": "push",
        "platform": "all",
        "send_local_tz": row["send_local_tz"],
        "recurring": row["recurring"],
        "begin_date": row["begin_date"],
        "end_date": row["end_date"],
        "status": row["status"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "sends": 0,
        "open_rate": "0.0%",
    }


class _ListQuery:
    """The listing's query parameters, checked: 422 with details on a bad value."""

    def __init__(self, request: Request) -> None:
        self._query = request.query_params
        self._details: list[dict[str, str]] = []
        self.channels = self._csv("channel", CHANNELS)
        self.statuses = self._csv("status", STATUSES)
        self.recurring = self._int("recurring", 0, choices=(0, 1, 2, 3))
        self.is_archived = self._int("is_archived", 0, choices=(0, 1))
        self.per_page = min(self._int("per_page", 100, minimum=1), MAX_PER_PAGE)
        self.page_number = self._int("page_number", 1, minimum=1)
        self.sort_by = self._word("sort_by", ("created_at", "name"))
        self.descending = self._word("sort_order", ("asc", "desc")) == "desc"
        if self._details:
            first = self._details[0]
            raise ApiProblem(422, f"Invalid input parameters: {first['field']}: "
                             f"{first['message']}", self._details)

    def _fail(self, name: str, message: str) -> None:
        self._details.append({"field": name, "message": message})

    def _csv(self, name: str, choices: tuple[str, ...]) -> set[str] | None:
        raw = self._query.get(name)
        if raw is None or not raw.strip():
            return None
        values = {v.strip() for v in raw.split(",") if v.strip()}
        unknown = sorted(values - set(choices))
        if unknown:
            self._fail(name, f"unknown value(s) {', '.join(unknown)}; one of {', '.join(choices)}")
        return values

    def _word(self, name: str, choices: tuple[str, ...]) -> str | None:
        raw = self._query.get(name)
        if raw is None or raw == "":
            return None
        if raw not in choices:
            self._fail(name, f"must be one of: {', '.join(choices)}")
            return None
        return raw

    def _int(self, name: str, default: int, *, choices: tuple[int, ...] = (),
             minimum: int | None = None) -> int:
        raw = self._query.get(name)
        if raw is None or raw == "":
            return default
        text = raw.strip()
        if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 18:
            self._fail(name, "must be an integer")
            return default
        value = int(text)
        if (choices and value not in choices) or (minimum is not None and value < minimum):
            self._fail(name, f"must be one of: {', '.join(map(str, choices))}" if choices
                       else f"must be at least {minimum}")
            return default
        return value
