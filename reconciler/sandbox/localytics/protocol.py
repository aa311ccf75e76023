"""The wire conventions every sandbox route shares.

Error bodies, basic auth, the app in the path, ids in the path and request
bodies are handled here once, so each router only states what its endpoint
does. Decisions where the OpenAPI is silent (see docs/apis.md, "Where the API
is silent"): errors are `{"error": "<one line>", "details": [...]}`, malformed
JSON is 422 (the only client-error status the Campaigns API documents),
unknown ids are 404 whatever their form, bodies over 1 MB are 413 and a
non-JSON content type on a write is 415.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from reconciler.sandbox.localytics.db import valid_id
from reconciler.sandbox.localytics.store import Store

MAX_BODY = 1024 * 1024


class ApiProblem(Exception):
    """An answer other than success: status, one-line error, optional field details."""

    def __init__(
        self,
        status: int,
        error: str,
        details: list[dict[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.details = details
        self.headers = dict(headers) if headers is not None else None


def problem_response(problem: ApiProblem) -> JSONResponse:
    body: dict[str, Any] = {"error": problem.error}
    if problem.details:
        body["details"] = problem.details
    return JSONResponse(body, status_code=problem.status, headers=problem.headers)


def not_found(what: str = "Not found") -> ApiProblem:
    return ApiProblem(404, what)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiProblem)
    return problem_response(exc)


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return problem_response(ApiProblem(404, "Not found"))
    if exc.status_code == 405:
        return problem_response(ApiProblem(405, "Method not allowed", headers=exc.headers))
    return problem_response(ApiProblem(exc.status_code, str(exc.detail), headers=exc.headers))


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"field": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]), "message": e["msg"]}
        for e in exc.errors()
    ]
    return problem_response(ApiProblem(422, "Invalid input parameters", details))


async def _on_crash(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(ApiProblem(500, "Internal server error"))


# the type FastAPI's `exception_handlers` takes: keys are exception classes (or statuses)
Handler = Callable[[Request, Any], Coroutine[Any, Any, Response]]
EXCEPTION_HANDLERS: dict[int | type[Exception], Handler] = {
    ApiProblem: _on_problem,
    StarletteHTTPException: _on_http_error,
    RequestValidationError: _on_validation_error,
    Exception: _on_crash,
}


def check_basic_auth(request: Request) -> None:
    """401 unless the request carries the sandbox's key and secret as HTTP Basic."""
    key, secret = request.app.state.credentials
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(token, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user, password = "", ""
        if secrets.compare_digest(user.encode(), key.encode()) and secrets.compare_digest(
            password.encode(), secret.encode()
        ):
            return
    raise ApiProblem(401, "Unauthorized", headers={"WWW-Authenticate": 'Basic realm="sandbox"'})


def store_of(request: Request) -> Store:
    return request.app.state.store


def parse_id(text: str) -> int | None:
    """A path id as an int, or None when no object could have it (→ 404, never 500)."""
    if not text.isascii() or not text.isdigit() or len(text) > 20:
        return None
    value = int(text)
    return value if valid_id(value) else None


def app_scope(request: Request, org_id: str, app_id: str) -> tuple[int, str]:
    """Auth, then the registered (org, app) pair of the path, or 404 `app not found`."""
    check_basic_auth(request)
    org = parse_id(org_id)
    if org is None or not store_of(request).has_app(org, app_id):
        raise ApiProblem(404, "app not found")
    return org, app_id


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


async def read_json(request: Request) -> Any:
    """The request body as JSON: 415 wrong type, 413 over 1 MB, 422 unparseable or empty."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    is_json = media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )
    if media and not is_json:
        raise ApiProblem(415, f"Unsupported content type {media!r}: send application/json")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        raise ApiProblem(413, "Request body larger than 1 MB")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise ApiProblem(413, "Request body larger than 1 MB")
    if not body.strip():
        raise ApiProblem(422, "Request body is required")
    if not media:
        raise ApiProblem(415, "Content-Type must be application/json")
    try:
        value = json.loads(bytes(body).decode("utf-8"), parse_constant=_reject_constant)
        # Lone surrogates parse but cannot be stored or answered as UTF-8.
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeError, RecursionError) as e:
        raise ApiProblem(422, f"Malformed JSON: {str(e).splitlines()[0][:200]}") from None
    return value
