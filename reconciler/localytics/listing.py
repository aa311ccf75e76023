"""The Localytics campaign listing: every page, each handed on as it arrives, and the
whole checked complete before anything trusts it (a record missed would become a
proposed create of an object that exists)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from reconciler.errors import ApiError, TransportError
from reconciler.localytics.client import _record
from reconciler.localytics.pagehint import PageHint

CAMPAIGN = "campaign"
# At PAGE_SIZE a page, 1,000 pages is a million campaigns: a larger count is a
# listing that never ends, not an app, and is refused before any page is fetched.
MAX_PAGES = 1000

Page = Callable[[int], Awaitable[Any]]


def _past_last_is_empty(fetch: Page) -> Page:
    """`fetch`, with a 404 answered as None: the OpenAPI documents 404 for a page past
    the last. Whether None was past the last or within is judged by the counts."""

    async def fetched(page: int) -> Any:
        try:
            return await fetch(page)
        except ApiError as e:
            if e.status == 404:
                return None
            raise

    return fetched


def _drop(pages: Sequence[asyncio.Future[Any]]) -> None:
    """Cancel the page requests still under way (the listing failed or is done) and take
    the failures of those done, so none is reported as never retrieved."""
    for pending in pages:
        if not pending.done():
            pending.cancel()
        elif not pending.cancelled():
            pending.exception()


def _page(data: Any) -> tuple[int, list[dict[str, Any]]]:
    """(total_records, records) of one page; a page we cannot trust is an error, since
    a record dropped here would become a proposed create of an object that exists."""
    if not isinstance(data, dict) or not isinstance(data.get("campaigns"), list):
        raise TransportError("campaign listing: response has no 'campaigns' list")
    rows = [_record(r, CAMPAIGN, "campaign listing") for r in data["campaigns"]]
    total = data.get("total_records")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise TransportError(
            f"campaign listing: total_records is {total!r}, not a count; cannot tell "
            "whether the listing is complete"
        )
    return total, rows


async def all_pages(fetch: Page,
                    page_rows: Callable[[list[dict[str, Any]]], None] = lambda _r: None,
                    hint: PageHint | None = None) -> list[dict[str, Any]]:
    """Every record of a paginated listing; an incomplete listing is an error.

    A plan built from a partial listing would propose creating objects that
    exist, so repeated ids, a count that disagrees with `total_records`, or
    records on the page after the last (a `total_records` that lies low)
    fail loudly instead. Pages 1 and 2 are fetched together, so checking
    the page after the last costs no extra round trip on small listings; the
    pages after 2 leave as soon as page 1 tells how many there are, not after
    page 2's answer too. The page after the last may answer 404 (as the OpenAPI
    documents) or an empty page; a 404 inside the listing leaves the counts short
    and fails. `page_rows` is given each page's records as they come, in page
    order, before the listing is checked: what it starts is only a guess. `hint` knows
    how many pages the listing had last time (`pagehint`): pages 2 to that count + 1
    leave with page 1, those past the one after the last are dropped unread, and a
    complete listing's count is kept for the next.
    """
    guess = hint.guess() if hint is not None else 1
    first_page, fetch = fetch, _past_last_is_empty(fetch)  # page 1 is never past the last
    later = [asyncio.ensure_future(fetch(p)) for p in range(2, guess + 2)]
    try:
        total, rows = _page(await first_page(1))
        pages = max(1, math.ceil(total / len(rows))) if rows else 1
        if pages > MAX_PAGES:
            raise TransportError(
                f"campaign listing reports an implausible total_records {total} "
                f"({pages} pages of {len(rows)}); refusing to plan from it"
            )
        later += [asyncio.ensure_future(fetch(p)) for p in range(len(later) + 2, pages + 2)]
        page_rows(rows)
        for pending in later[:pages - 1]:
            page = await pending
            got = _page(page)[1] if page is not None else []  # a 404 within: counts differ
            rows.extend(got)
            page_rows(got)
        past = await later[pages - 1]
    finally:
        _drop(later)
    beyond = len(_page(past)[1]) if past is not None else 0
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids) or len(rows) != total or beyond:
        extra = f", {beyond} more past the last page" if beyond else ""
        raise TransportError(
            f"campaign listing is inconsistent: total_records {total}, "
            f"{len(rows)} records, {len(ids) - len(set(ids))} repeated{extra}; refusing "
            "to plan from an incomplete listing"
        )
    if hint is not None:
        hint.keep(pages)
    return rows
