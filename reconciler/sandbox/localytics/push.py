"""The transactional Push API: `POST /v2/push/{app_id}` → 202 "Queued for delivery".

Validation follows the BatchRequest schema of the Push OpenAPI (no unknown
keys, target shape per target_type, one message for audience_id, profile and
broadcast, labels `label1`..`label10` with string values, nested and flat
labels never mixed on one message) and the push docs' prose: `campaign_key`
matches `^[\\w\\-.]+$` or is null ("no key"), an alert body is not empty, a
subtitle comes only with a title, customer ids are not empty. 400
`{"error": …}` for a malformed batch, 422 when the body is not JSON at all. A request_id repeated within 24 h is
400 for audience_id, profile and broadcast batches; the OpenAPI scopes that
rule to non-customer_id target types, so customer_id repeats are accepted (a
client that must not send twice has to remember what it sent). Rate limits
per app and target_type are the documented ones (429). Accepted messages are
recorded, with their ios/android/web options, and readable at /_sandbox/pushes.
"""

from __future__ import annotations

import collections
import re
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from reconciler.sandbox.localytics.protocol import ApiProblem, check_basic_auth, read_json, store_of
from reconciler.sandbox.localytics.validation import Problems, at, type_name

router = APIRouter()

TARGET_TYPES = ("customer_id", "audience_id", "profile", "broadcast")
# (requests, seconds) per app and target_type, as documented
RATE_LIMITS = {
    "customer_id": (1000, 1.0),
    "broadcast": (2, 60.0),
    "audience_id": (2, 60.0),
    "profile": (100, 600.0),
}
DEDUPE_SECONDS = 24 * 3600
LABEL_KEYS = tuple(f"label{i}" for i in range(1, 11))
BATCH_KEYS = ("request_id", "campaign_key", "target_type", "labels", "messages",
              "all_devices", "test")
MESSAGE_KEYS = ("target", "alert", "ios", "android", "web", "labels", *LABEL_KEYS)
PLATFORM_KEYS: dict[str, dict[str, type]] = {
    "ios": {"sound": str, "badge": int, "category": str, "extra": dict,
            "content_available": bool, "mutable_content": bool},
    "android": {"extra": dict, "priority": str},
    "web": {"badge": str, "dir": str, "extra": dict, "icon": str, "renotify": bool,
            "requireInteraction": bool, "silent": bool, "tag": str},
}
ALERT_KEYS = ("body", "title", "subtitle")
CAMPAIGN_KEY = re.compile(r"[\w\-.]+", re.ASCII)  # the push docs' ^[\w\-.]+$


class RateLimiter:
    """Sliding windows of accepted batches per (app, target_type)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], collections.deque[float]] = {}

    def admit(self, app_id: str, target_type: str, now: float) -> bool:
        limit, seconds = RATE_LIMITS[target_type]
        window = self._seen.setdefault((app_id, target_type), collections.deque())
        while window and window[0] <= now - seconds:
            window.popleft()
        if len(window) >= limit:
            return False
        window.append(now)
        return True


def _unknown_keys(p: Problems, value: dict[str, Any], allowed: tuple[str, ...], path: str) -> None:
    for key in value:
        if key not in allowed:
            p.add(at(path, key), "is not allowed here")


def _check_labels(p: Problems, labels: Any, path: str) -> None:
    if not isinstance(labels, dict):
        p.add(path, f"must be an object, not {type_name(labels)}")
        return
    if len(labels) > 10:
        p.add(path, "at most 10 labels")
    for key, value in labels.items():
        if key not in LABEL_KEYS:
            p.add(at(path, key), "label keys are label1 to label10")
        elif not isinstance(value, str):
            p.add(at(path, key), "label values must be strings")


def _check_alert(p: Problems, alert: Any, path: str) -> None:
    """A non-empty body (the push docs); a subtitle only under a title."""
    if isinstance(alert, str):
        if not alert.strip():
            p.add(path, "must not be empty")
        return
    if not isinstance(alert, dict):
        p.add(path, "must be a string or an object with body")
        return
    _unknown_keys(p, alert, ALERT_KEYS, path)
    p.text(alert, "body", path, required=True)
    for key in ("title", "subtitle"):
        p.field(alert, key, path, str)
    if alert.get("subtitle") and not (isinstance(alert.get("title"), str) and alert["title"]):
        p.add(at(path, "subtitle"), "needs a title")


def _check_target(p: Problems, target_type: str, message: dict[str, Any], path: str) -> None:
    target = message.get("target")
    where = at(path, "target")
    if target_type == "broadcast":
        if target is not None:
            p.add(where, "must be omitted or null for broadcast")
    elif target is None:
        p.add(where, "is required")
    elif target_type == "customer_id":
        ids = [target] if isinstance(target, str) else target
        ok = isinstance(ids, list) and ids and all(isinstance(t, str) and t.strip() for t in ids)
        if not ok:
            p.add(where, "must be a non-empty customer id or a non-empty list of them")
    elif target_type == "audience_id":
        if not isinstance(target, int) or isinstance(target, bool):
            p.add(where, "must be an audience id (integer)")
    elif not isinstance(target, dict):
        p.add(where, "must be a profile object")


def _check_message(p: Problems, target_type: str, message: dict[str, Any], path: str) -> None:
    _unknown_keys(p, message, MESSAGE_KEYS, path)
    _check_target(p, target_type, message, path)
    if "alert" in message:
        _check_alert(p, message["alert"], at(path, "alert"))
    for platform, fields in PLATFORM_KEYS.items():
        options = p.obj(message, platform, path)
        if options is None:
            continue
        _unknown_keys(p, options, tuple(fields), at(path, platform))
        for key, kind in fields.items():
            p.field(options, key, at(path, platform), kind)
    flat = [k for k in LABEL_KEYS if k in message]
    if "labels" in message:
        _check_labels(p, message["labels"], at(path, "labels"))
        if flat:
            p.add(path, "use either labels or label1..label10 on one message, not both")
    for key in flat:
        if not isinstance(message[key], str):
            p.add(at(path, key), "label values must be strings")


def check_batch(body: Any) -> list[dict[str, Any]]:
    """Validate a BatchRequest; 400 with the first problem named; return its messages."""
    p = Problems()
    if not isinstance(body, dict):
        raise ApiProblem(400, f"Request body must be a JSON object, not {type_name(body)}")
    _unknown_keys(p, body, BATCH_KEYS, "")
    target_type = p.choice(body, "target_type", "", TARGET_TYPES, required=True)
    for key in ("request_id", "campaign_key"):
        if key == "campaign_key" and key in body and body[key] is None:
            continue  # null is "no key", as the push docs tell callers to send it
        value = p.field(body, key, "", str)
        if value is not None and len(value) > 255:
            p.add(key, "at most 255 characters")
    campaign_key = body.get("campaign_key")
    if isinstance(campaign_key, str) and not CAMPAIGN_KEY.fullmatch(campaign_key):
        p.add("campaign_key", "must match ^[\\w\\-.]+$ (letters, digits, _ - .)")
    for key in ("all_devices", "test"):
        p.field(body, key, "", bool)
    if "labels" in body:
        _check_labels(p, body["labels"], "labels")
    messages = p.items(body, "messages", "", required=True, nonempty=True) or []
    if target_type and target_type != "customer_id" and len(messages) > 1:
        p.add("messages", f"{target_type} batches take exactly one message")
    checked = p.dicts(messages, "messages")
    if target_type:
        for path, message in checked:
            _check_message(p, target_type, message, path)
    if p.details:
        first = p.details[0]
        raise ApiProblem(400, f"{first['field'] or 'body'}: {first['message']}")
    return [m for _, m in checked]


def _merged_labels(batch: dict[str, Any], message: dict[str, Any]) -> dict[str, str]:
    own = message.get("labels") or {k: message[k] for k in LABEL_KEYS if k in message}
    return {**(batch.get("labels") or {}), **own}


@router.post("/v2/push/{app_id}")
async def push(request: Request, app_id: str) -> JSONResponse:
    check_basic_auth(request)
    store = store_of(request)
    if not store.has_app_key(app_id):
        raise ApiProblem(403, "Not authorized for this app_id")
    body = await read_json(request)
    messages = check_batch(body)
    target_type = body["target_type"]
    request_id = body.get("request_id")
    now = time.time()
    if (request_id is not None and target_type != "customer_id"
            and store.seen_request_id(app_id, request_id, now - DEDUPE_SECONDS)):
        raise ApiProblem(400, f"Duplicate request_id {request_id!r} within 24 hours")
    if not request.app.state.push_limiter.admit(app_id, target_type, now):
        raise ApiProblem(429, f"Rate exceeded for target_type {target_type}")
    store.record_pushes(
        [
            {
                "app_id": app_id, "request_id": request_id, "target_type": target_type,
                "target": m.get("target"), "alert": m.get("alert"),
                "labels": _merged_labels(body, m), "campaign_key": body.get("campaign_key"),
                "platforms": {k: m[k] for k in PLATFORM_KEYS if k in m},
            }
            for m in messages
        ],
        now,
    )
    return JSONResponse({"message": "Queued for delivery"}, status_code=202)
