"""Async HTTP access to Airship's API v3: segments, pipelines, schedules, push.

The only module that knows Airship's URLs. Each method sends one request
through the framework's `Caller` (concurrency, retries, pacing: a 429's
`Retry-After` in seconds is honoured, ASSUMED as Airship documents no figure)
and returns parsed JSON, or raises `ApiError` / `AuthError` / `TransportError`
with one user-facing line. Every request carries the version header without
which Airship answers 406, and HTTP basic auth (app key, master secret) or a
bearer token; the secret is never printed. Listings follow `next_page` to the
end, on this base URL only (a page link to another host is refused, so the
credentials never follow it).
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from reconciler.calls import Caller
from reconciler.errors import ApiError, AuthError, TransportError
from reconciler.httpboot import tls_verify
from reconciler.httpio import PlatformClock, json_or_none, not_json, send

ACCEPT = "application/vnd.urbanairship+json; version=3"
MAX_PAGES = 10_000
SEGMENT_PAGE = 200  # the documented maximum
PIPELINE_PAGE = 100  # 25-100 advised
SCHEDULE_PAGE = 200  # default and advised maximum


class AirshipClient:
    def __init__(self, api_url: str, *, app_key: str, secret: str = "", token: str = "",
                 caller: Caller, timeout: float = 30.0,
                 transport: httpx.AsyncBaseTransport | None = None, env_name: str = ""):
        self.base_url = api_url.rstrip("/")
        self.clock = PlatformClock()  # the platform's time, for the apply lease
        auth = (f"Bearer {token}" if token else
                "Basic " + base64.b64encode(f"{app_key}:{secret}".encode()).decode())
        self._http = httpx.AsyncClient(
            event_hooks={"response": [self.clock.record]},
            timeout=timeout, transport=transport, verify=tls_verify(api_url),
            headers={"Accept": ACCEPT, "Authorization": auth, "X-UA-Appkey": app_key,
                     "User-Agent": "reconciler"},
            limits=httpx.Limits(max_connections=caller.concurrency,
                                max_keepalive_connections=caller.concurrency),
        )
        self._caller = caller
        self._env_name = env_name
        self._bearer = bool(token)

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- objects: segments, pipelines, schedules --------------------------
    async def list_segments(self) -> list[dict[str, Any]]:
        return await self._every(f"/api/segments?limit={SEGMENT_PAGE}", "segments")

    async def list_pipelines(self) -> list[dict[str, Any]]:
        """Every pipeline, enabled or not (no `enabled` filter: it would hide disabled ones)."""
        return await self._every(f"/api/pipelines?limit={PIPELINE_PAGE}", "pipelines")

    async def list_schedules(self) -> list[dict[str, Any]]:
        return await self._every(f"/api/schedules?limit={SCHEDULE_PAGE}", "schedules")

    async def get(self, what: str, object_id: str) -> dict[str, Any] | None:
        """One segment, pipeline or schedule (`what` is the path word), None when gone."""
        try:
            data = await self._call("GET", f"/api/{what}/{_q(object_id)}", read=True)
        except ApiError as e:
            if e.status == 404:
                return None
            raise
        return _one(data, what)

    async def create(self, what: str, body: dict[str, Any]) -> str:
        """POST a new object; its id. Never retried when the outcome is unknown: Airship
        has no idempotency key, so the framework looks the name up first."""
        data = await self._call("POST", f"/api/{what}", body, idempotent=False)
        return _new_id(data, what)

    async def update(self, what: str, object_id: str, body: dict[str, Any], *,
                     idempotent: bool = True) -> None:
        """PUT the whole object (Airship replaces it: omitted fields are cleared).
        `idempotent=False` (the emergency stop): after a lost answer the caller reads the
        object back instead of writing again."""
        await self._call("PUT", f"/api/{what}/{_q(object_id)}", body, idempotent=idempotent)

    async def delete(self, what: str, object_id: str, *, idempotent: bool = True) -> None:
        try:
            await self._call("DELETE", f"/api/{what}/{_q(object_id)}", idempotent=idempotent)
        except ApiError as e:
            if e.status != 404:  # gone already: an earlier, ambiguous attempt did it
                raise

    # --- validation and sends -----------------------------------------------
    async def validate(self, what: str, body: dict[str, Any]) -> None:
        """POST /api/pipelines/validate or /api/push/validate: checks, creates nothing."""
        await self._call("POST", f"/api/{what}/validate", body)

    async def push(self, body: dict[str, Any]) -> dict[str, Any]:
        """Send now (send-test only). Never retried blindly: a push cannot be recalled."""
        data = await self._call("POST", "/api/push", body, idempotent=False)
        return data if isinstance(data, dict) else {}

    # --- plumbing ------------------------------------------------------------
    async def _every(self, first: str, key: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        url: str | None = first
        while url is not None:
            if url in seen or len(seen) >= MAX_PAGES:
                raise TransportError(f"GET {self.base_url}{first}: next_page never ends")
            seen.add(url)
            data = await self._call("GET", url, read=True)
            items = data.get(key) if isinstance(data, dict) else None
            if not isinstance(items, list):
                raise TransportError(f"GET {self.base_url}{url}: response has no {key!r} list")
            rows += [r for r in items if isinstance(r, dict)]
            url = self._next(data.get("next_page"))
        return rows

    def _next(self, link: Any) -> str | None:
        """`next_page` as a path under this base URL (absolute or relative, as answered)."""
        if not isinstance(link, str) or not link:
            return None
        parts, base = urlsplit(link), urlsplit(self.base_url)
        if (parts.scheme or parts.netloc) and \
                (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            raise TransportError(f"next_page {link[:200]!r} leaves {self.base_url}")
        path = parts.path
        if base.path and path.startswith(base.path + "/"):
            path = path[len(base.path):]  # the served sandbox's prefix, answered back
        return path + (f"?{parts.query}" if parts.query else "")

    async def _call(self, method: str, path: str, body: Any = None, *,
                    idempotent: bool = True, read: bool = False) -> Any:
        async def once() -> Any:
            where = f"{method} {self.base_url}{path}"
            response = await send(self._http, method, self.base_url + path, where=where,
                                  json=body)
            return self._parse(where, response)

        return await self._caller.send(once, idempotent=idempotent, read=read)

    def _parse(self, where: str, response: httpx.Response) -> Any:
        status = response.status_code
        data = json_or_none(response) if response.content else {}
        if status == 401:
            env = f" for env {self._env_name!r}" if self._env_name else ""
            which = "AIRSHIP_TOKEN" if self._bearer else "app_key and AIRSHIP_MASTER_SECRET"
            raise AuthError(f"{where}: 401 {_message(data, response)}{env}: check {which}",
                            status=401)
        if status >= 400:
            raise ApiError(f"{where}: {status} {_message(data, response)}", status=status,
                           body=data, retry_after=_retry_after(response) if status == 429
                           else None)
        if data is None:
            raise not_json(where, status)
        return data


def _one(data: Any, what: str) -> dict[str, Any]:
    """A GET's object: `{pipeline: {..}}`, `{pipeline: [{..}]}`, `{pipelines: [{..}]}` (the
    spec's text and example disagree) or the bare object (segments, schedules)."""
    if isinstance(data, dict) and what != "pipelines":
        return data  # a schedule's own `schedule` key is its timing, not a wrapper
    if isinstance(data, dict):
        for key in ("pipeline", "pipelines"):
            inner = data.get(key)
            if isinstance(inner, list) and inner and isinstance(inner[0], dict):
                return inner[0]  # type: ignore[no-any-return]
            if isinstance(inner, dict):
                return inner
        return data
    raise TransportError(f"GET {what}: the answer is no object")


def _new_id(data: Any, what: str) -> str:
    """The new object's id: `segment_id`, `schedule_ids[0]`, or the last part of the
    first `<what>_urls` entry (pipelines answer only a URL)."""
    singular = what.rstrip("s")
    if isinstance(data, dict):
        direct = data.get(f"{singular}_id")
        ids = data.get(f"{singular}_ids")
        urls = data.get(f"{singular}_urls")
        if isinstance(direct, str) and direct:
            return direct
        if isinstance(ids, list) and ids and isinstance(ids[0], str):
            return ids[0]
        if isinstance(urls, list) and urls and isinstance(urls[0], str):
            return urls[0].rstrip("/").rsplit("/", 1)[-1]
    raise TransportError(f"POST /api/{what} answered no id")


def _message(data: Any, response: httpx.Response) -> str:
    text = ""
    if isinstance(data, dict):
        text = str(data.get("error") or "")
        details = data.get("details")
        if isinstance(details, dict) and details.get("path"):
            text += f" (at {details['path']})"
        if data.get("error_code"):
            text += f" [error_code {data['error_code']}]"
    text = text.strip() or response.reason_phrase or "error"
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:300]


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


def _q(value: str) -> str:
    return quote(value, safe="")
