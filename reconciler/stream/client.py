"""Async HTTP access to Stream Chat's Campaign API (campaigns and segments).

The only module that knows Stream's URLs. Each method sends one request
through the framework's `Caller` (concurrency, retries, pacing) and returns
parsed JSON, or raises `StreamApiError` / `AuthError` / `TransportError` with
one user-facing line. Auth: a server JWT (HS256 over the API secret, payload
`{"server": true}`) as a bare `Authorization` header, `Stream-Auth-Type: jwt`
and the public `api_key` as a query parameter. The secret is never printed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import jwt

from reconciler.calls import Caller
from reconciler.errors import ApiError, AuthError, TransportError
from reconciler.httpboot import tls_verify
from reconciler.httpio import PlatformClock, json_or_none, not_json, send

PAGE_LIMIT = 100  # query campaigns / segments: documented maximum
TARGETS_PAGE = 10_000  # query targets: documented maximum
ADD_BATCH = 10_000  # addtargets: at most 10,000 ids per call
DELETE_BATCH = 100  # deletetargets: at most 100 ids per call
MAX_PAGES = 100_000


class StreamApiError(ApiError):
    """Stream's error body: `code`, `message`; `unrecoverable` is never retried."""

    def __init__(self, message: str, status: int, code: int | None, unrecoverable: bool,
                 retry_after: float | None, body: object = None):
        super().__init__(message, status=status, body=body, retry_after=retry_after)
        self.code = code
        self.unrecoverable = unrecoverable

    @property
    def retryable(self) -> bool:
        return not self.unrecoverable and super().retryable


def server_token(secret: str) -> str:
    """The server-side JWT Stream expects (HS256, `{"server": true}`)."""
    return jwt.encode({"server": True}, secret, algorithm="HS256")


class StreamClient:
    def __init__(
        self,
        api_url: str,
        *,
        api_key: str,
        api_secret: str,
        caller: Caller,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        env_name: str = "",
    ):
        self.base_url = api_url.rstrip("/")
        self.clock = PlatformClock()  # the platform's time, for the apply lease
        # Each request's URL is made whole here (`_url`), not by httpx from a base_url and
        # client params: merging those parses the URL three times per request, 0.15 ms of
        # the client's own time each (issue 29).
        self._key_query = urlencode({"api_key": api_key})
        self._http = httpx.AsyncClient(
            event_hooks={"response": [self.clock.record]},
            timeout=timeout,
            transport=transport,
            verify=tls_verify(api_url),
            headers={
                "Authorization": server_token(api_secret),
                "Stream-Auth-Type": "jwt",
                "Accept": "application/json",
                "User-Agent": "reconciler",
            },
            # as many connections as the Caller lets requests fly (httpcore scans
            # every pooled connection on each request)
            limits=httpx.Limits(max_connections=caller.concurrency,
                                max_keepalive_connections=caller.concurrency),
        )
        self._caller = caller
        self._env_name = env_name

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- segments --------------------------------------------------------
    async def query_segments(self) -> list[dict[str, Any]]:
        return await self._query("/segments/query", "segments", {"filter": {}}, PAGE_LIMIT)

    async def get_segment(self, segment_id: str) -> dict[str, Any] | None:
        data = await self._get_or_none(f"/segments/{_q(segment_id)}")
        return None if data is None else _unwrap(data, "segment")

    async def create_segment(self, body: dict[str, Any]) -> dict[str, Any]:
        data = await self._write("POST", "/segments", body, idempotent=False)
        return _unwrap(data, "segment")

    async def update_segment(self, segment_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return _unwrap(await self._write("PUT", f"/segments/{_q(segment_id)}", body), "segment")

    async def delete_segment(self, segment_id: str) -> None:
        await self._delete(f"/segments/{_q(segment_id)}")

    async def segment_targets(self, segment_id: str) -> list[str]:
        rows = await self._query(
            f"/segments/{_q(segment_id)}/targets/query", "targets", {}, TARGETS_PAGE
        )
        return [str(r.get("target_id")) for r in rows]

    async def add_targets(self, segment_id: str, ids: Iterable[str]) -> None:
        for batch in _batches(list(ids), ADD_BATCH):
            await self._write("POST", f"/segments/{_q(segment_id)}/addtargets",
                              {"target_ids": batch})

    async def delete_targets(self, segment_id: str, ids: Iterable[str]) -> None:
        for batch in _batches(list(ids), DELETE_BATCH):  # removing a missing id is no error
            await self._write("POST", f"/segments/{_q(segment_id)}/deletetargets",
                              {"target_ids": batch})

    # --- campaigns -------------------------------------------------------
    async def query_campaigns(self) -> list[dict[str, Any]]:
        return await self._query("/campaigns/query", "campaigns", {"filter": {}}, PAGE_LIMIT)

    async def get_campaign(self, campaign_id: str) -> dict[str, Any] | None:
        data = await self._get_or_none(f"/campaigns/{_q(campaign_id)}")
        return None if data is None else _unwrap(data, "campaign")

    async def create_campaign(self, body: dict[str, Any]) -> dict[str, Any]:
        data = await self._write("POST", "/campaigns", body, idempotent=False)
        return _unwrap(data, "campaign")

    async def update_campaign(self, campaign_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return _unwrap(await self._write("PUT", f"/campaigns/{_q(campaign_id)}", body), "campaign")

    async def delete_campaign(self, campaign_id: str) -> None:
        await self._delete(f"/campaigns/{_q(campaign_id)}")

    async def start_campaign(self, campaign_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Send (or schedule) it. Never retried when the outcome is unknown: the caller
        GETs the status first (a campaign is sent only once)."""
        data = await self._write("POST", f"/campaigns/{_q(campaign_id)}/start", body,
                                 idempotent=False)
        return _unwrap(data, "campaign")

    async def stop_campaign(self, campaign_id: str) -> None:
        """Stop it (`POST /campaigns/{id}/stop`). Never retried when the outcome is unknown:
        Stream refuses a second stop, so the caller reads the status back first."""
        await self._write("POST", f"/campaigns/{_q(campaign_id)}/stop", {}, idempotent=False)

    # --- plumbing --------------------------------------------------------
    async def _query(self, path: str, key: str, body: dict[str, Any], limit: int
                     ) -> list[dict[str, Any]]:
        """Every row of a cursor-paged query, following `next` to the end."""
        rows: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            items, cursor = await self.query_page(path, key, body, limit, cursor)
            rows += items
            if not cursor:
                return rows
        raise TransportError(f"POST {self.base_url}{path}: cursor never ends")

    async def query_page(self, path: str, key: str, body: dict[str, Any], limit: int,
                         cursor: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
        """One page of a query and its `next` cursor (None on the last page)."""
        page = {**body, "limit": limit, **({"next": cursor} if cursor else {})}
        data = await self._write("POST", path, page, read=True)
        items = data.get(key) if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise TransportError(f"POST {self.base_url}{path}: response has no {key!r} list")
        return [r for r in items if isinstance(r, dict)], data.get("next") or None

    async def _get_or_none(self, path: str) -> Any:
        try:
            return await self._caller.send(
                lambda: self._request("GET", path), idempotent=True, read=True
            )
        except ApiError as e:
            if e.status == 404:
                return None
            raise

    async def _delete(self, path: str) -> None:
        try:
            await self._write("DELETE", path, None)
        except ApiError as e:
            if e.status != 404:  # an earlier, ambiguous attempt did it
                raise

    async def _write(self, method: str, path: str, body: Any, *, idempotent: bool = True,
                     read: bool = False) -> Any:
        return await self._caller.send(
            lambda: self._request(method, path, body), idempotent=idempotent, read=read
        )

    async def _request(self, method: str, path: str, body: Any = None) -> Any:
        where = f"{method} {self.base_url}{path}"  # the api_key is left out of messages
        response = await send(self._http, method, self._url(path), where=where, json=body)
        return self._parse(where, response)

    def _url(self, path: str) -> str:
        """The absolute URL of `path` (under the API URL), with the public api_key."""
        return f"{self.base_url}{path}{'&' if '?' in path else '?'}{self._key_query}"

    def _parse(self, where: str, response: httpx.Response) -> Any:
        status = response.status_code
        data = _json_or_none(response)
        if status == 401:
            env = f" for env {self._env_name!r}" if self._env_name else ""
            raise AuthError(f"{where}: 401 {_message(data, response)}{env}: check api_key "
                            "and STREAM_API_SECRET", status=401)
        if status >= 400:
            code = data.get("code") if isinstance(data, dict) else None
            shown = f" (code {code})" if isinstance(code, int) else ""
            raise StreamApiError(
                f"{where}: {status} {_message(data, response)}{shown}",
                status=status, code=code if isinstance(code, int) else None,
                unrecoverable=bool(isinstance(data, dict) and data.get("unrecoverable")),
                retry_after=_reset_wait(response) if status == 429 else None, body=data,
            )
        if data is None:
            raise not_json(where, status)
        return data


def _unwrap(data: Any, key: str) -> dict[str, Any]:
    """`{campaign: {...}, ...}` or the bare object (the OAS and the SDKs disagree)."""
    if isinstance(data, dict) and isinstance(data.get(key), dict):
        return data[key]  # type: ignore[no-any-return]
    if isinstance(data, dict) and "id" in data:
        return data
    raise TransportError(f"response has no {key}")


def _message(data: Any, response: httpx.Response) -> str:
    text = str(data.get("message") or "") if isinstance(data, dict) else ""
    text = text or response.reason_phrase or "error"
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:300]


def _reset_wait(response: httpx.Response) -> float | None:
    """Seconds until `X-RateLimit-Reset` (Unix seconds; a comma list: first non-empty)."""
    raw = response.headers.get("X-RateLimit-Reset", "")
    first = next((p.strip() for p in raw.split(",") if p.strip()), "")
    try:
        return max(0.0, float(first) - time.time())
    except ValueError:
        return None


def _batches(items: list[str], size: int) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _q(value: str) -> str:
    return quote(value, safe="")


def _json_or_none(response: httpx.Response) -> Any:
    return json_or_none(response) if response.content else {}
