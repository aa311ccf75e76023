"""Audience endpoints: create, list, get (with reach), patch, soft delete, recount.

Deletion is soft, as the API shows it: a deleted audience leaves the listing,
GET answers 404, a second DELETE answers 422 "Audience is already deleted".
An audience that a non-archived campaign still targets cannot be deleted
(422 naming the campaigns), so no campaign ever points at a deleted audience.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from reconciler.sandbox.base import parse_iso
from reconciler.sandbox.localytics.admin import answer_knob, check_not_rejected
from reconciler.sandbox.localytics.computed import iso_seconds
from reconciler.sandbox.localytics.known_keys import check_known
from reconciler.sandbox.localytics.protocol import (
    ApiProblem,
    app_scope,
    not_found,
    parse_id,
    read_json,
    store_of,
)
from reconciler.sandbox.localytics.validation import (
    Problems,
    check_audience_definition,
    check_body_object,
)

APP = "/api/v6/orgs/{org_id}/apps/{app_id}"
router = APIRouter()


def _check(body: dict[str, Any], *, partial: bool) -> tuple[str | None, Any]:
    """AudienceParams (both fields required), or a PATCH with name and/or target_rules."""
    p = Problems()
    name = p.text(body, "name", "", required=not partial)
    if partial and "name" in body and name is not None and not name.strip():
        p.add("name", "must not be empty")
    if "target_rules" in body or not partial:
        if "target_rules" not in body:
            p.add("target_rules", "is required")
        else:
            check_audience_definition(p, body["target_rules"], "target_rules")
    if partial and "name" not in body and "target_rules" not in body:
        p.add("", "give name, target_rules or both")
    p.raise_if_any()
    return name, body.get("target_rules")


def _response(audience: dict[str, Any]) -> dict[str, Any]:
    """AudienceResponse (answer of POST and PATCH)."""
    return {
        "id": audience["id"],
        "name": audience["name"],
        "created_at": audience["created_at"],
        "target_rules": audience["target_rules"],
        "segmentation_count": dict(audience["counts"]),
    }


def _live(request: Request, org: int, app: str, audience_id: str) -> dict[str, Any]:
    found = store_of(request).get_audience(org, app, parse_id(audience_id) or 0)
    if found is None or found["deleted_at"] is not None:
        raise not_found()
    return found


@router.post(APP + "/audiences")
async def create_audience(request: Request, org_id: str, app_id: str) -> JSONResponse:
    org, app = app_scope(request, org_id, app_id)
    body = check_body_object(await read_json(request))
    if answer_knob(request, "unknown_keys") == "reject":
        check_known(body, "AudienceParams")
    check_not_rejected(request, app, body.get("name"))
    name, rules = _check(body, partial=False)
    audience = store_of(request).create_audience(org, app, name or "", rules)
    return JSONResponse(_response(audience), status_code=201)


@router.get(APP + "/audiences")
async def list_audiences(request: Request, org_id: str, app_id: str) -> JSONResponse:
    org, app = app_scope(request, org_id, app_id)
    return JSONResponse([
        {
            "id": a["id"],
            "name": a["name"],
            "created_at": a["created_at"],
            "deleted_at": a["deleted_at"],
            "updated_at": a["updated_at"],
            "target_rules": a["target_rules"],
            "segmentation_count": {**a["counts"], "updated_at": a["counts_at"]},
        }
        for a in store_of(request).list_audiences(org, app)
    ])


@router.get(APP + "/audiences/{audience_id}")
async def get_audience(request: Request, org_id: str, app_id: str, audience_id: str) -> Any:
    org, app = app_scope(request, org_id, app_id)
    audience = _live(request, org, app, audience_id)
    return JSONResponse({
        "segmentation_id": str(audience["id"]),
        **audience["counts"],
        "updated_at": audience["counts_at"],
        "target_rules": audience["target_rules"],
    })


@router.patch(APP + "/audiences/{audience_id}")
async def patch_audience(request: Request, org_id: str, app_id: str, audience_id: str) -> Any:
    org, app = app_scope(request, org_id, app_id)
    audience = _live(request, org, app, audience_id)
    body = check_body_object(await read_json(request))
    if answer_knob(request, "unknown_keys") == "reject":
        check_known(body, "AudienceParams")
    check_not_rejected(request, app, body.get("name"))
    name, rules = _check(body, partial=True)
    updated = store_of(request).update_audience(org, app, audience["id"], name=name, rules=rules)
    if updated is None:
        raise not_found()
    return JSONResponse(_response(updated))


@router.delete(APP + "/audiences/{audience_id}")
async def delete_audience(request: Request, org_id: str, app_id: str, audience_id: str) -> Any:
    org, app = app_scope(request, org_id, app_id)
    store = store_of(request)
    found = store.get_audience(org, app, parse_id(audience_id) or 0)
    if found is None:
        raise not_found()
    if found["deleted_at"] is not None:
        raise ApiProblem(422, "Audience is already deleted")
    outcome, users = store.delete_audience(found["id"])
    if outcome == "already":
        raise ApiProblem(422, "Audience is already deleted")
    if users:
        listed = ", ".join(map(str, users))
        raise ApiProblem(422, f"Audience is targeted by campaign(s) {listed}; archive or "
                         "change them first")
    return Response(status_code=204)


@router.post(APP + "/audiences/{audience_id}/segmentation")
async def recount_audience(request: Request, org_id: str, app_id: str, audience_id: str) -> Any:
    org, app = app_scope(request, org_id, app_id)
    audience = store_of(request).recount_audience(_live(request, org, app, audience_id)["id"])
    return JSONResponse({
        "segmentation_id": audience["id"],
        **audience["counts"],
        "last_calculated_on": iso_seconds(parse_iso(audience["counts_at"])),
    })
