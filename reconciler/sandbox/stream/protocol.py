"""Stream's wire conventions, stated once: error body, auth, JSON bodies, dates, field checks.

Every failure leaves a handler as a `StreamError` and reaches the client as
Stream's APIError body (`code`, `message`, `StatusCode`, `duration`,
`more_info`, `details`, and `unrecoverable` when set) — including malformed
JSON, wrong field types, unknown routes and wrong methods — so no request can
end in a 500 or a dropped connection. Codes follow Stream's error table: 4
input (400), 5/43 auth (401), 17 forbidden (403), 16 not found (404), 9 rate
limit (429). `null` counts as absent for every field, as Go's decoder treats
it (the SDK itself sends `"id": null` when creating a campaign without an id).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import jwt
from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

MORE_INFO = "https://getstream.io/chat/docs/api_errors_response"
DURATION = "0.01ms"


class StreamError(Exception):
    """A non-2xx answer in Stream's error body."""

    def __init__(self, status: int, code: int, message: str, unrecoverable: bool = False
                 ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.unrecoverable = unrecoverable


def bad_input(operation: str, message: str) -> StreamError:
    """Code 4, the way Stream words input errors: `<Operation> failed with error: "..."`."""
    return StreamError(400, 4, f'{operation} failed with error: "{message}"')


def not_found(kind: str, ident: str) -> StreamError:
    return StreamError(404, 16, f"{kind} {ident!r} does not exist")


def error_response(err: StreamError) -> JSONResponse:
    body: dict[str, Any] = {"code": err.code, "message": err.message, "StatusCode": err.status,
                            "duration": DURATION, "more_info": MORE_INFO, "details": []}
    if err.unrecoverable:
        body["unrecoverable"] = True
    return JSONResponse(body, status_code=err.status)


def ok(body: Mapping[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse({**body, "duration": DURATION}, status_code=status)


async def on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    """Unknown routes (404) and wrong methods (405) in Stream's body, not FastAPI's."""
    status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
    if status == 404:
        return error_response(StreamError(404, 16, "route not found"))
    return error_response(StreamError(status, 4 if status < 500 else -1,
                                      str(getattr(exc, "detail", "error"))))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


async def read_body(request: Request) -> dict[str, Any]:
    """The JSON object of a POST/PUT (an empty body is `{}`); anything else is a 400."""
    raw = await request.body()
    try:
        body = json.loads(raw or b"{}", parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise StreamError(400, 4, "request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise StreamError(400, 4, "request body must be a JSON object")
    try:  # a lone surrogate ("\ud800") is valid JSON text but no UTF-8 string
        json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise StreamError(400, 4, "request body has a string that is not valid UTF-8") from None
    return body


def check_auth(request: Request, key: str, secret: str) -> None:
    """Stream's server auth: api_key, `Stream-Auth-Type: jwt`, HS256 `{"server": true}`."""
    token = request.headers.get("Authorization", "")
    if not key:
        raise StreamError(401, 5, "api_key not found")
    if request.headers.get("Stream-Auth-Type", "").lower() != "jwt" or not token:
        raise StreamError(401, 5, "missing Stream-Auth-Type: jwt or Authorization header")
    try:
        claims = _claims(token, secret)
    except jwt.PyJWTError:
        raise StreamError(401, 43, "JWT signature is invalid") from None
    if not isinstance(claims, dict) or claims.get("server") is not True:
        raise StreamError(403, 17, "campaign and segment endpoints are server-side only")


_VERIFIED: dict[tuple[str, str], Any] = {}  # (token, secret) -> claims, timeless tokens only
_VERIFIED_MAX = 64
_TIMED = frozenset({"exp", "nbf", "iat"})  # claims whose verdict depends on the time


def _claims(token: str, secret: str) -> Any:
    """The token's claims, verified (PyJWTError if not). A client sends the same token on
    every request; a token without time claims has one verdict for good, so it is checked
    once (its HMAC was a tenth of the sandbox's time per request, which a benchmark's
    client shares the machine with). A token with `exp`, `nbf` or `iat` is checked each time.
    """
    hit = _VERIFIED.get((token, secret))
    if hit is not None:
        return hit
    claims = jwt.decode(token, secret, algorithms=["HS256"])
    if isinstance(claims, dict) and not claims.keys() & _TIMED \
            and len(_VERIFIED) < _VERIFIED_MAX:
        _VERIFIED[(token, secret)] = claims
    return claims


# --- dates -------------------------------------------------------------------

def now() -> datetime:
    return datetime.now(UTC)


def stamp(t: datetime) -> str:
    """RFC 3339 with milliseconds and `Z`, as Stream answers dates."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_date(text: Any) -> datetime | None:
    """An RFC 3339 date-time (`Z` or an offset; none means UTC), or None if it is not one."""
    if not isinstance(text, str) or "T" not in text.upper():
        return None
    try:
        t = datetime.fromisoformat(text.strip().replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None
    t = t if t.tzinfo else t.replace(tzinfo=UTC)
    try:
        t.astimezone(UTC)
    except OverflowError:
        return None
    return t


# --- field checks ------------------------------------------------------------

TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "object": (dict,), "array": (list,), "boolean": (bool,), "integer": (int,),
}


def checked(operation: str, body: Mapping[str, Any], fields: Mapping[str, str],
            path: str = "") -> dict[str, Any]:
    """The fields of `body` listed in `fields` (name -> JSON type), nulls dropped.

    A present field of the wrong type is a 400 naming it; unknown fields are
    ignored, as Stream's decoder ignores them.
    """
    out: dict[str, Any] = {}
    for name, kind in fields.items():
        value = body.get(name)
        if value is None:
            continue
        allowed = TYPES[kind]
        if not isinstance(value, allowed) or (kind == "integer" and isinstance(value, bool)):
            raise bad_input(operation, f"{path}{name} must be of type {kind}")
        if isinstance(value, float) and not math.isfinite(value):
            raise bad_input(operation, f"{path}{name} is not a number")
        out[name] = value
    return out


def max_length(operation: str, values: Mapping[str, Any], limits: Mapping[str, int]) -> None:
    for name, limit in limits.items():
        value = values.get(name)
        if value is not None and len(value) > limit:
            raise bad_input(operation, f"{name} is longer than {limit}")


def strings(operation: str, name: str, value: Any, *, low: int, high: int) -> list[str]:
    """A list of `low`..`high` non-empty strings."""
    if not isinstance(value, list) or not low <= len(value) <= high or not all(
            isinstance(v, str) and v for v in value):
        raise bad_input(operation, f"{name} must be {low} to {high} non-empty strings")
    return value
