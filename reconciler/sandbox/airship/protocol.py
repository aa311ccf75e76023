"""Airship's wire conventions, stated once: error body, version header, auth, bodies, dates.

Every failure leaves a handler as an `AirshipError` and reaches the client in
Airship's error body [OAS `error`, SUP-BP in docs/specs/airship.md]:
`{"ok": false, "error", "error_code", "details", "operation_id"}`, where
`error_code` is the HTTP status followed by two digits. Unknown routes, wrong
methods and malformed JSON answer in the same body, so no request ends in a 500.
Writes carry a fresh `operation_id`, errors included [OAS intro]. Dates are ISO
8601 UTC without an offset (`Z` optional) [OAS intro].
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from reconciler.sandbox.airship.secret import SANDBOX_MASTER_SECRET, SANDBOX_TOKEN

MEDIA_TYPE = "application/vnd.urbanairship+json; version=3"
MAX_BODY = 5 * 1024 * 1024  # 5 MiB [OAS]: more is 413 / 41307
WRITES = frozenset({"POST", "PUT", "DELETE", "PATCH"})
# the content types the spec gives error answers; every other one is application/json
# [OAS components/responses]: a 401's error body is labelled text/plain
ERROR_MEDIA_TYPES = {401: "text/plain", 404: "application/vnd.urbanairship+json"}


class AirshipError(Exception):
    """A non-2xx answer in Airship's error body. `code` is the two digits after the status
    (ASSUMED: Airship documents codes such as 40001, 40401, 41307, not a full table)."""

    def __init__(self, status: int, message: str, code: int = 1, *, path: str | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.path = status, message, code, path
        self.headers = dict(headers or {})


def bad(message: str, path: str | None = None) -> AirshipError:
    """400: the request body does not validate (the `details.path` names where)."""
    return AirshipError(400, message, 1, path=path)


def not_found(kind: str, ident: str) -> AirshipError:
    return AirshipError(404, f"Could not find {kind} {ident}", 1)


def operation_id() -> str:
    return str(uuid.uuid4())


def error_response(err: AirshipError, op: str | None = None) -> JSONResponse:
    """The error body; `op` is the write's operation id (every write carries one)."""
    details: dict[str, Any] = {"error": err.message}
    if err.path:
        details["path"] = err.path
    body: dict[str, Any] = {"ok": False, "error": err.message,
                            "error_code": err.status * 100 + err.code, "details": details}
    if op:
        body["operation_id"] = op
    return JSONResponse(body, status_code=err.status, headers=err.headers,
                        media_type=ERROR_MEDIA_TYPES.get(err.status, "application/json"))


def ok(body: Mapping[str, Any] | None = None, status: int = 200,
       headers: Mapping[str, str] | None = None) -> JSONResponse:
    """A 2xx JSON answer, with `ok: true` first, in Airship's media type (a 202 in plain
    JSON, as the spec gives it)."""
    return JSONResponse({"ok": True, **(body or {})}, status_code=status,
                        headers=dict(headers or {}),
                        media_type="application/json" if status == 202 else MEDIA_TYPE)


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    """Unknown routes (404) and wrong methods (405) in Airship's body, not FastAPI's."""
    status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
    message = {404: "Not found", 405: "Method not allowed"}.get(
        status, str(getattr(exc, "detail", "error")))
    op = operation_id() if request.method in WRITES else None
    return error_response(AirshipError(status, message, 1), op)


def check_version(request: Request) -> None:
    """406 unless `Accept` asks for version 3 of Airship's media type [OAS intro, SUP-HDR].

    The library sends `...; version=3;` (a trailing `;`) [PYRUN]: parameters are read
    one by one, so both spellings pass.
    """
    accept = request.headers.get("accept", "")
    for part in accept.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        if media.lower() == "application/vnd.urbanairship+json" and "version=3" in [
                p.replace(" ", "").lower() for p in params]:
            return
    raise AirshipError(406, "Missing or unsupported API version: send Accept: "
                       f"{MEDIA_TYPE}", 1)


def app_key(request: Request) -> str:
    """The project (app key) a request acts on, once its credentials check out.

    Basic: `app_key:master_secret`, the sandbox's secret being `SANDBOX_MASTER_SECRET`.
    Bearer: the sandbox's `SANDBOX_TOKEN`; a real token names its project itself, the
    sandbox reads it from `X-UA-Appkey`, which the official library sends with a token
    [PY `BearerTokenClient`] (ASSUMED: sandbox-only). Anything else is 401 [OAS].
    """
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "basic":
        try:
            key, sep, secret = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            key, sep, secret = "", "", ""
        if key and sep and hmac.compare_digest(secret.encode(), SANDBOX_MASTER_SECRET.encode()):
            return key
    elif scheme.lower() == "bearer":
        key = request.headers.get("x-ua-appkey", "")
        if key and hmac.compare_digest(value.strip().encode(), SANDBOX_TOKEN.encode()):
            return key
    raise AirshipError(401, "Unauthorized", 1)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


async def read_body(request: Request) -> Any:
    """The parsed JSON of a POST/PUT: empty is `{}` (the library pauses with `""`);
    over 5 MiB is 413; anything not JSON is 400. Any Content-Type is read as JSON, since
    the library's first segment create sends none [PYRUN]."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise AirshipError(413, "Request body too large (5 MiB at most)", 7)
    try:
        body = json.loads(raw or b"{}", parse_constant=_no_constant)
        json.dumps(body, ensure_ascii=False).encode()  # a lone surrogate is no UTF-8 text
    except (ValueError, UnicodeError, RecursionError):
        raise AirshipError(400, "Could not parse request body.", 1) from None
    return body


# --- dates ------------------------------------------------------------------

def parse_time(value: Any) -> datetime | None:
    """An Airship date-time: ISO 8601 UTC, `Z` optional, no offset [OAS intro]; else None."""
    if not isinstance(value, str) or "T" not in value:
        return None
    text = value[:-1] if value.endswith("Z") else value
    if "+" in text or text.count("-") != 2:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return None if moment.tzinfo else moment.replace(tzinfo=UTC)


def show_time(moment: datetime) -> str:
    """How the sandbox writes a date-time: `YYYY-MM-DDTHH:MM:SS` UTC [OAS intro]."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def epoch_ms(moment: datetime) -> int:
    """The segment list's dates: epoch milliseconds [OAS segments]."""
    return int(moment.timestamp() * 1000)


# --- shapes -----------------------------------------------------------------

def obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad(f"{path} must be an object", path)
    return value


def only(value: dict[str, Any], allowed: frozenset[str] | set[str], path: str) -> None:
    """Unknown keys are a 400 [OAS intro "Validation"]."""
    extra = sorted(set(value) - set(allowed))
    if extra:
        where = f"{path}.{extra[0]}" if path else extra[0]
        raise bad(f"Unexpected key {extra[0]!r}", where)


def need(value: dict[str, Any], keys: tuple[str, ...], path: str) -> None:
    for key in keys:
        if key not in value:
            raise bad(f"{key} is required", f"{path}.{key}" if path else key)


def text(value: Any, path: str, low: int = 0, high: int | None = None) -> str:
    if not isinstance(value, str) or len(value) < low or (high is not None and len(value) > high):
        span = f" of {low} to {high} characters" if high is not None else ""
        raise bad(f"{path} must be a string{span}", path)
    return value


def integer(value: Any, path: str, low: int | None = None, high: int | None = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or (
            low is not None and value < low) or (high is not None and value > high):
        raise bad(f"{path} must be an integer{_range(low, high)}", path)
    return value


def _range(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f" from {low} to {high}"
    if low is not None:
        return f" of at least {low}"
    return f" of at most {high}" if high is not None else ""


def boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise bad(f"{path} must be true or false", path)
    return value


def one_of(value: Any, choices: tuple[str, ...], path: str) -> str:
    if value not in choices:
        raise bad(f"{path} must be one of {', '.join(choices)}", path)
    return str(value)


def time_field(value: Any, path: str) -> datetime:
    moment = parse_time(value)
    if moment is None:
        raise bad(f"{path} must be an ISO 8601 UTC date-time (YYYY-MM-DDTHH:MM:SS)", path)
    return moment
