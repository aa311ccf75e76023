"""Async HTTP access to the Localytics Campaigns & Audience API.

The only module that knows URLs. Each method sends one request through the
framework's `Caller` (which owns concurrency, retries and pacing) and returns
parsed JSON, or raises `ApiError` / `AuthError` / `TransportError` with one
user-facing line. Credentials never appear in any message.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx

from reconciler.calls import Caller
from reconciler.errors import ApiError, AuthError, TransportError

PAGE_SIZE = 1000


class LocalyticsClient:
    def __init__(
        self,
        api_url: str,
        org_id: int,
        app_id: str,
        *,
        auth: tuple[str, str],
        caller: Caller,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        env_name: str = "",
    ):
        base = f"{api_url.rstrip('/')}/orgs/{org_id}/apps/{quote(app_id, safe='')}"
        self._http = httpx.AsyncClient(
            base_url=base,
            auth=httpx.BasicAuth(*auth),
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "reconciler"},
            # exactly as many connections as the Caller lets requests fly: httpcore's
            # pool scans every connection on each request, so spares cost CPU
            limits=httpx.Limits(max_connections=caller.concurrency,
                                max_keepalive_connections=caller.concurrency),
        )
        self._caller = caller
        self._env_name = env_name
        self.base_url = base

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- campaigns -------------------------------------------------------
    async def list_campaigns_page(
        self, page: int, per_page: int = PAGE_SIZE, *, archived: bool = False
    ) -> dict[str, Any]:
        params = {
            "channel": "push", "is_archived": int(archived), "per_page": per_page,
            "page_number": page, "sort_by": "created_at", "sort_order": "asc",
        }
        return await self._get("/campaigns", params)

    async def search_campaigns_page(self, key: str, page: int) -> dict[str, Any]:
        params = {"key": key, "channel": "push", "per_page": PAGE_SIZE, "page_number": page}
        return await self._get("/campaigns/search", params)

    async def get_campaign(self, campaign_id: int) -> dict[str, Any] | None:
        return await self._get_or_none(f"/push/campaigns/{campaign_id}")

    async def create_campaign(self, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._write("POST", "/push/campaigns", payload, idempotent=False)

    async def replace_campaign(self, campaign_id: int, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._write("PUT", f"/push/campaigns/{campaign_id}", payload)

    async def archive_campaign(self, campaign_id: int) -> None:
        await self._write("PUT", f"/push/campaigns/{campaign_id}/archive", None)

    # --- audiences -------------------------------------------------------
    async def list_audiences(self) -> list[dict[str, Any]]:
        data = await self._get("/audiences")
        if not isinstance(data, list):
            raise TransportError(f"{self.base_url}/audiences: expected a JSON list")
        return data

    async def get_audience(self, audience_id: int) -> dict[str, Any] | None:
        return await self._get_or_none(f"/audiences/{audience_id}")

    async def create_audience(self, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._write("POST", "/audiences", payload, idempotent=False)

    async def patch_audience(self, audience_id: int, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._write("PATCH", f"/audiences/{audience_id}", payload)

    async def delete_audience(self, audience_id: int) -> None:
        try:
            await self._write("DELETE", f"/audiences/{audience_id}", None)
        except ApiError as e:
            if e.status == 422 and "already deleted" in str(e).lower():
                return  # an earlier, ambiguous attempt did it
            raise

    # --- plumbing --------------------------------------------------------
    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return await self._caller.send(
            lambda: self._request("GET", path, params=params), idempotent=True, read=True
        )

    async def _get_or_none(self, path: str) -> Any:
        try:
            return await self._get(path)
        except ApiError as e:
            if e.status == 404:
                return None
            raise

    async def _write(
        self, method: str, path: str, payload: Any, *, idempotent: bool = True
    ) -> Any:
        return await self._caller.send(
            lambda: self._request(method, path, json_body=payload), idempotent=idempotent
        )

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
    ) -> Any:
        where = f"{method} {self.base_url}{path}"
        try:
            response = await self._http.request(
                method, path, params=params,
                json=json_body if json_body is not None else None,
            )
        except httpx.ConnectError as e:
            msg = f"{where}: cannot connect ({_short(e)})"
            raise TransportError(msg, ambiguous=False) from None
        except httpx.TimeoutException:
            raise TransportError(f"{where}: timed out") from None
        except httpx.HTTPError as e:
            raise TransportError(f"{where}: {_short(e)}") from None
        return self._parse(where, response)

    def _parse(self, where: str, response: httpx.Response) -> Any:
        status = response.status_code
        if status == 401:
            env = f" for env {self._env_name!r}" if self._env_name else ""
            raise AuthError(
                f"{where}: 401 Unauthorized{env}: check LOCALYTICS_API_KEY and "
                "LOCALYTICS_API_SECRET",
                status=401,
            )
        if status >= 400:
            raise ApiError(
                f"{where}: {status} {_error_text(response)}",
                status=status, body=_json_or_none(response),
                retry_after=_retry_after(response),
            )
        if status == 204 or not response.content:
            if status == 200 and response.request.method == "GET":
                raise TransportError(f"{where}: empty response body")
            return None
        data = _json_or_none(response)
        if data is None:
            raise TransportError(f"{where}: {status} response is not JSON")
        return data


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _error_text(response: httpx.Response) -> str:
    """The API's own error line, printable and short; never a page of HTML."""
    data = _json_or_none(response)
    text = ""
    if isinstance(data, dict):
        text = str(data.get("error") or data.get("message") or "")
        details = data.get("details")
        if isinstance(details, list) and details:
            parts = [
                f"{d.get('field')}: {d.get('message')}" for d in details[:3] if isinstance(d, dict)
            ]
            text = f"{text} ({'; '.join(parts)})" if parts else text
    if not text:
        text = response.reason_phrase or "error"
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:300]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _short(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__).splitlines()[0][:200]
