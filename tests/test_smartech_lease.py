"""Smartech's apply lease, request by request: what is asked together and what in a row.

Taking the lease and confirming it before a wave are round trips in a row with
nothing else in flight, so each one saved is ~50 ms of apply (issue 29). The
lease is still told apart by name, draft state and the tag its v4 get answers;
only the get of our own lease (its id is the create's answer) is asked
alongside the list instead of after it. The order is read from the requests'
begin and end as the in-process sandbox sees them: no clock.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from reconciler.apply.keeper import LeaseKeeper
from reconciler.apply.lease import acquire, lease_name
from reconciler.calls import Caller, Spread
from reconciler.sandbox.smartech import inprocess_transport
from reconciler.smartech.client import SmartechClient
from reconciler.smartech.hosts import endpoints
from reconciler.smartech.lease import lease_item
from reconciler.smartech.provider import SmartechProvider

ON_THE_WIRE = 50  # event loop turns: far more than a request takes to reach the transport


class Recording(httpx.AsyncBaseTransport):
    """The in-process sandbox, noting when each request begins and when its answer ends
    (in between it yields ON_THE_WIRE turns of the event loop, as a request on the wire
    does: a request asked meanwhile begins before it ends)."""

    def __init__(self, inner: httpx.AsyncBaseTransport):
        self.inner = inner
        self.events: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        what = request.url.path.rsplit("/", 1)[-1]
        self.events.append(("begin", what))
        for _ in range(ON_THE_WIRE):  # whatever else is ready is asked meanwhile
            await asyncio.sleep(0)
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.events.append(("end", what))


def rounds(events: list[tuple[str, str]]) -> list[list[str]]:
    """The requests in rounds: a request joins the round under way if it begins before
    every request of that round has ended; else it begins the next round."""
    out: list[list[str]] = []
    open_now = 0
    for kind, what in events:
        if kind == "begin":
            if open_now == 0:
                out.append([])
            out[-1].append(what)
            open_now += 1
        else:
            open_now -= 1
    return [sorted(r) for r in out]


def provider_over(db: Path) -> tuple[SmartechProvider, Recording]:
    recording = Recording(inprocess_transport(db))
    caller = Caller(concurrency=8)
    caller.spread = Spread(1)  # starts are not spaced by how long requests took: no clock
    client = SmartechClient(endpoints("http://sandbox.invalid"), api_key="sm-lease",
                            caller=caller, transport=recording)
    return SmartechProvider(client), recording


def test_taking_and_confirming_the_lease_reads_our_own_lease_alongside_the_list(
        tmp_path: Path) -> None:
    """Take: create (named by this machine's clock, which the create's answer checks), then
    list and our lease's get together;
    confirm: the renewal, the list and the get together (the keeper sends a renewal beside
    its listing). One round trip less each than a get asked after the list (which failed
    here before: [list], [get] in a row)."""
    provider, recording = provider_over(tmp_path / "smartech.db")

    async def run() -> tuple[list[list[str]], list[list[str]]]:
        try:
            lease = await acquire(provider, "me@host")
            taken = rounds(recording.events)
            recording.events.clear()
            keeper = LeaseKeeper(provider, lease)
            assert await keeper.confirm() is None, keeper.lost
            assert keeper.lease.token == lease.token and keeper.lease.until >= lease.until
            return taken, rounds(recording.events)
        finally:
            await provider.aclose()

    taken, confirmed = asyncio.run(run())
    assert taken == [["create"], ["get", "list"]]
    assert confirmed == [["get", "list", "update"]]


def test_other_leases_are_confirmed_by_their_tag_in_one_get_after_the_list(
        tmp_path: Path) -> None:
    """Leases this process did not make are known only from the list: their tags are
    read after it, all in one get; a draft named like a lease without the tag is none."""
    provider, recording = provider_over(tmp_path / "smartech.db")
    now = datetime.now(UTC).replace(microsecond=0)
    names = [lease_name(f"{i:08x}", "bob@ci", now, now + timedelta(hours=1), pid=1)
             for i in (1, 2, 3)]

    async def run() -> list[str]:
        try:
            for name, tags in zip(names, (["reconciler-lease"], ["reconciler-lease"],
                                          ["promo-draft"]), strict=True):
                await provider.client.create_campaign({**lease_item(name), "tags": tags})
            recording.events.clear()
            return [o.name for o in await provider.lease_list()]
        finally:
            await provider.aclose()

    assert asyncio.run(run()) == names[:2]
    assert rounds(recording.events) == [["list"], ["get"]]
