"""Async HTTP access to Netcore Smartech's campaign APIs: the only code that knows them.

Every call is a POST with a JSON body, sent through the framework's `Caller`.
Reads (v4 list/get, audience list) are retried freely; creates, executes and
schedules never blindly (the provider resolves an ambiguous one by reading
state first). Auth: v4 and audience calls send `api-key: KEY` [EM4]; the
legacy app-push calls send the raw key as `Authorization` [PUSH]. The key is
never printed.

ASSUMED (not visible in the docs, see docs/specs/smartech.md): the v4 paths
`/v4/campaign/{create,update,delete}`; the v4 answer envelope
`{data: {campaign_details: [...]}, message, statusCode}` for list and create;
the audience list answer `{data: {audience_details: [{audience_id,
audience_name, audience_count}]}}`; error bodies `{"status": "error",
"message": ...}` with a 4xx/5xx; and a 200 whose body says
`"status": "error"` is an error.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import Any

import httpx

from reconciler.calls import Caller
from reconciler.errors import ApiError, AuthError, TransportError
from reconciler.httpboot import tls_verify
from reconciler.httpio import PlatformClock, send
from reconciler.smartech.hosts import Endpoints

AUDIENCE_PAGE = 10  # the audience list's documented default page_size (no maximum documented)
CAMPAIGN_PAGE = 100  # ASSUMED: the v4 list requires page_size and documents no default or maximum
MAX_PAGES = 10_000


class SmartechClient:
    def __init__(self, endpoints: Endpoints, *, api_key: str, caller: Caller,
                 timeout: float = 30.0, transport: httpx.AsyncBaseTransport | None = None,
                 env_name: str = ""):
        self.endpoints = endpoints
        self.clock = PlatformClock()  # the platform's time, for the apply lease
        self._http = httpx.AsyncClient(
            event_hooks={"response": [self.clock.record]},
            timeout=timeout, transport=transport,
            verify=tls_verify(*(u for u in (endpoints.v4, endpoints.push,
                                            endpoints.audience_list) if u)),
            headers={"Content-Type": "application/json", "Accept": "application/json",
                     "User-Agent": "reconciler"},
            limits=httpx.Limits(max_connections=caller.concurrency,
                                max_keepalive_connections=caller.concurrency),
        )
        self._key = api_key
        self._caller = caller
        self._env_name = env_name

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- v4 (email) ------------------------------------------------------
    async def list_campaigns(self, channel: str) -> list[dict[str, Any]]:
        """Every campaign of `channel` in the v4 list, page by page."""
        async def page(no: int) -> Any:
            body = {"channel": [channel], "page_size": CAMPAIGN_PAGE, "page_no": no}
            return await self._v4("/v4/campaign/list", body, read=True)

        return await _every_page(page, "campaign_details", CAMPAIGN_PAGE, "v4 campaign list")

    async def get_campaign(self, channel: str, campaign_id: int) -> dict[str, Any] | None:
        found = await self.get_campaigns(channel, [campaign_id])
        return found[0] if found else None

    async def get_campaigns(self, channel: str, campaign_ids: list[int]) -> list[dict[str, Any]]:
        """The v4 get of several campaigns at once (`campaign_ids` is a list), in requests
        of at most CAMPAIGN_PAGE ids asked together; only the rows of ids asked."""
        asked = set(campaign_ids)
        chunks = [campaign_ids[i:i + CAMPAIGN_PAGE]
                  for i in range(0, len(campaign_ids), CAMPAIGN_PAGE)]
        answers = await asyncio.gather(*(self._v4(
            "/v4/campaign/get", {"channel": [channel], "campaign_ids": chunk}, read=True)
            for chunk in chunks))
        return [c for data in answers for c in _details(data, "campaign_details")
                if c.get("campaign_id") in asked]

    async def create_campaign(self, item: dict[str, Any]) -> int:
        data = await self._v4("/v4/campaign/create", {"campaign_details": [item]},
                              idempotent=False)
        return _new_id(data)

    async def update_campaign(self, item: dict[str, Any], *, schedules: bool) -> None:
        """An update; one that goes live (`campaign_state: active`) or back to draft (the
        emergency stop) is never sent blindly (`schedules`)."""
        await self._v4("/v4/campaign/update", {"campaign_details": [item]},
                       idempotent=not schedules)

    async def delete_campaign(self, channel: str, campaign_id: int) -> None:
        await self._v4("/v4/campaign/delete",
                       {"campaign_details": [{"campaign_id": campaign_id, "channel": channel}]})

    async def list_audiences(self, audience_type: str, page_size: int = AUDIENCE_PAGE
                             ) -> list[dict[str, Any]]:
        """Every list or segment, in pages of the documented default size, until as many
        rows as the answer's `total_count` are read (a short page alone proves nothing)."""
        async def page(no: int) -> Any:
            return await self.audience_page(audience_type, no, page_size)

        return await _every_page(page, "audience_details", page_size, "audience list")

    async def audience_page(self, audience_type: str, page_no: int, page_size: int | None
                            ) -> Any:
        """One page of the audience list as answered (no `page_size`: the API's default)."""
        details = {"page_no": page_no, **({"page_size": page_size} if page_size else {})}
        body = {"audience_type": audience_type, "page_details": details,
                "sorting_criteria": {"sort_by": "ids", "sort_order": "asc"}}
        return await self._post(self.endpoints.audience_list, body, {"api-key": self._key},
                                idempotent=True, read=True)

    # --- legacy app push -------------------------------------------------
    async def create_push(self, body: dict[str, Any]) -> int:
        data = await self._post(self._push("create"), body, {"Authorization": self._key},
                                idempotent=False)
        cid = data.get("campaign_id") if isinstance(data, dict) else None
        if isinstance(cid, str) and cid.isdigit():
            cid = int(cid)
        if not isinstance(cid, int):
            raise TransportError("app push create answered no campaign_id")
        return cid

    async def execute_push(self, body: dict[str, Any]) -> None:
        await self._post(self._push("execute"), body, {"Authorization": self._key},
                         idempotent=False)

    # --- plumbing --------------------------------------------------------
    def _push(self, step: str) -> str:
        if self.endpoints.push is None:
            raise ApiError(f"region {self.endpoints.region} lists no app-push host", status=400)
        return f"{self.endpoints.push}/{step}"

    async def _v4(self, path: str, body: dict[str, Any], *, idempotent: bool = True,
                  read: bool = False) -> Any:
        return await self._post(self.endpoints.v4 + path, body, {"api-key": self._key},
                                idempotent=idempotent, read=read)

    async def _post(self, url: str, body: dict[str, Any], auth: dict[str, str], *,
                    idempotent: bool, read: bool = False) -> Any:
        async def once() -> Any:
            where = f"POST {url}"
            response = await send(self._http, "POST", url, where=where, json=body, headers=auth)
            return self._parse(where, response)

        return await self._caller.send(once, idempotent=idempotent, read=read)

    def _parse(self, where: str, response: httpx.Response) -> Any:
        status = response.status_code
        data = _json_or_none(response)
        if status in (401, 403):
            env = f" for env {self._env_name!r}" if self._env_name else ""
            raise AuthError(f"{where}: {status} {_message(data, response)}{env}: check "
                            "SMARTECH_API_KEY", status=status)
        if status >= 400:
            raise ApiError(f"{where}: {status} {_message(data, response)}", status=status,
                           body=data, retry_after=_retry_after(response))
        if data is None:
            raise TransportError(f"{where}: {status} response is not JSON")
        if isinstance(data, dict) and str(data.get("status", "")).lower() == "error":
            raise ApiError(f"{where}: {_message(data, response)}", status=422, body=data)
        return data


Page = Callable[[int], Coroutine[Any, Any, Any]]


async def _every_page(page: Page, key: str, size: int, what: str) -> list[dict[str, Any]]:
    """Rows of every page: until `total_count` rows are read when the answer carries it
    (documented for the audience list), else until a page shorter than `size` (ASSUMED).

    With a count, the pages after the first are asked at once (the Caller bounds them):
    page by page, the apply lease's confirmation before a wave of sends listed 500 email
    campaigns in six round trips in a row while every other slot stood idle (issue 29).
    Pages are numbered by the size the first one came back with (an account may answer
    fewer rows than asked), and read on one by one should they still fall short.
    """
    first = await page(1)
    rows = _details(first, key)
    total = total_count(first)
    if total is not None and rows and len(rows) < total:
        pages = min(MAX_PAGES - 1, -(-total // len(rows)))
        async with asyncio.TaskGroup() as group:  # a failed page cancels the others
            asked = [group.create_task(page(no)) for no in range(2, pages + 1)]
        for task in asked:
            if len(rows) >= total:
                break
            items = _details(task.result(), key)
            rows += items
            if not items:
                raise TransportError(f"{what} ended after {len(rows)} of the {total} its "
                                     "total_count announces")
        return await _pages_from(page, key, size, what, rows, total, pages + 1)
    return await _pages_from(page, key, size, what, rows, total, 2, first_size=len(rows))


async def _pages_from(page: Page, key: str, size: int, what: str,
                      rows: list[dict[str, Any]], total: int | None, start: int,
                      first_size: int | None = None) -> list[dict[str, Any]]:
    """Read on page by page from `start` (the rows read so far given) until the count is
    reached, or without a count until a short page."""
    if total is None and first_size is not None and first_size < size:
        return rows
    if total is not None and len(rows) >= total:
        return rows
    if total is not None and not rows:
        raise TransportError(f"{what} ended after 0 of the {total} its total_count announces")
    for no in range(start, MAX_PAGES):
        data = await page(no)
        items = _details(data, key)
        rows += items
        total = total_count(data)
        if total is None and len(items) < size:
            return rows
        if total is not None and len(rows) >= total:
            return rows
        if not items:
            raise TransportError(f"{what} ended after {len(rows)} of the {total} its "
                                 "total_count announces")
    raise TransportError(f"{what} never ends")


def total_count(data: Any) -> int | None:
    """`data.total_count` of a listing answer, when it is a count."""
    inner = data.get("data") if isinstance(data, dict) else None
    total = inner.get("total_count") if isinstance(inner, dict) else None
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def details(data: Any, key: str) -> list[dict[str, Any]]:
    """The `data.<key>` rows of an answer (a TransportError when there is no such list)."""
    return _details(data, key)


def _details(data: Any, key: str) -> list[dict[str, Any]]:
    inner = data.get("data") if isinstance(data, dict) else None
    items = inner.get(key) if isinstance(inner, dict) else None
    if not isinstance(items, list):
        raise TransportError(f"response has no data.{key} list")
    return [i for i in items if isinstance(i, dict)]


def _new_id(data: Any) -> int:
    inner = data.get("data") if isinstance(data, dict) else None
    for item in [inner, *(inner.get("campaign_details") or [] if isinstance(inner, dict) else [])]:
        cid = item.get("campaign_id") if isinstance(item, dict) else None
        if isinstance(cid, int):
            return cid
    raise TransportError("v4 create answered no campaign_id")


def _message(data: Any, response: httpx.Response) -> str:
    text = str(data.get("message") or "") if isinstance(data, dict) else ""
    text = text or response.reason_phrase or "error"
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:300]


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json() if response.content else {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
