"""Async HTTP access to the Localytics Campaigns & Audience API.

The only module that knows URLs. Each method sends one request through the
framework's `Caller` (which owns concurrency, retries and pacing) and returns
parsed JSON, or raises `ApiError` / `AuthError` / `TransportError` with one
user-facing line. Credentials never appear in any message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from reconciler.calls import Caller
from reconciler.errors import ApiError, TransportError
from reconciler.httpboot import tls_verify
from reconciler.httpio import PlatformClock, json_or_none, not_json, send
from reconciler.localytics.http import raise_for_status

PAGE_SIZE = 1000

Json = Any
"""A decoded JSON body as the API sent it, shape unchecked: an object, a list, or None
for an empty body. The provider checks it (`_record`, `_page`) before trusting a key,
so a create answered without its object stays an ambiguous outcome rather than a crash."""


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
        self.clock = PlatformClock()  # the platform's time, for the apply lease
        self._http = httpx.AsyncClient(
            event_hooks={"response": [self.clock.record]},
            base_url=base,
            auth=httpx.BasicAuth(*auth),
            timeout=timeout,
            transport=transport,
            verify=tls_verify(api_url),
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
    ) -> Json:
        params = {
            "channel": "push", "is_archived": int(archived), "per_page": per_page,
            "page_number": page, "sort_by": "created_at", "sort_order": "asc",
        }
        return await self._get("/campaigns", params)

    async def search_campaigns_page(self, key: str, page: int) -> Json:
        params = {"key": key, "channel": "push", "per_page": PAGE_SIZE, "page_number": page}
        return await self._get("/campaigns/search", params)

    async def get_campaign(self, campaign_id: int) -> Json:
        return await self._get_or_none(f"/push/campaigns/{campaign_id}")

    async def create_campaign(self, payload: dict[str, Any]) -> Json:
        return await self._write("POST", "/push/campaigns", payload, idempotent=False)

    async def replace_campaign(self, campaign_id: int, payload: dict[str, Any]) -> Json:
        return await self._write("PUT", f"/push/campaigns/{campaign_id}", payload)

    async def stop_campaign(self, campaign_id: int, payload: dict[str, Any]) -> Json:
        """The emergency stop's PUT (status draft). Sent as not idempotent: after a lost
        answer the caller reads the status back instead of writing again."""
        return await self._write("PUT", f"/push/campaigns/{campaign_id}", payload,
                                 idempotent=False)

    async def archive_campaign(self, campaign_id: int) -> None:
        await self._write("PUT", f"/push/campaigns/{campaign_id}/archive", None)

    async def delete_campaign(self, campaign_id: int) -> None:
        """DELETE (doctor's probe only: apply archives, which can be undone)."""
        await self._write("DELETE", f"/push/campaigns/{campaign_id}", None)

    # --- audiences -------------------------------------------------------
    async def list_audiences(self) -> list[dict[str, Any]]:
        data = await self._get("/audiences")
        if not isinstance(data, list):
            raise TransportError(f"{self.base_url}/audiences: expected a JSON list")
        return data

    async def get_audience(self, audience_id: int) -> Json:
        return await self._get_or_none(f"/audiences/{audience_id}")

    async def create_audience(self, payload: dict[str, Any]) -> Json:
        return await self._write("POST", "/audiences", payload, idempotent=False)

    async def patch_audience(self, audience_id: int, payload: dict[str, Any]) -> Json:
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
        response = await send(self._http, method, path, where=where, params=params,
                              json=json_body)
        return self._parse(where, response)

    def _parse(self, where: str, response: httpx.Response) -> Any:
        raise_for_status(where, response, self._env_name)
        status = response.status_code
        if status == 204 or not response.content:
            if status == 200 and response.request.method == "GET":
                raise TransportError(f"{where}: empty response body")
            return None
        data = json_or_none(response)
        if data is None:
            raise not_json(where, status)
        return data


def _record(raw: Any, kind: str, what: str) -> dict[str, Any]:
    """A record the API sent, checked for what identity needs: an object with an int id.

    A create answered without its object raises an ambiguous TransportError, so
    the applier looks the object up by name instead of creating it again.
    """
    if not isinstance(raw, dict):
        shown = "an empty body" if raw is None else f"a JSON {type(raw).__name__}"
        raise TransportError(f"{kind} {what}: the API answered {shown}, not a {kind} object")
    rid = raw.get("id")
    if not isinstance(rid, int) or isinstance(rid, bool):
        raise TransportError(f"{kind} {what}: a record has id {str(rid)[:40]!r}, not an integer")
    if not isinstance(raw.get("name", ""), str):
        raise TransportError(f"{kind} {what}: record {rid} has a name that is not a string")
    return raw
