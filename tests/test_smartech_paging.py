"""Smartech listings: every row once, the pages after the first asked at once when the
answer carries a count, and read on page by page when pages fall short."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from reconciler.errors import TransportError
from reconciler.smartech.client import _every_page


class Listing:
    """A listing of `total` rows served `served` a page (whatever was asked), counting the
    pages asked at once."""

    def __init__(self, total: int, served: int, *, count: bool = True,
                 lost: int | None = None):
        self.rows = [{"campaign_id": i} for i in range(total)]
        self.served, self.count, self.lost = served, count, lost
        self.asked: list[int] = []
        self.in_flight = self.most = 0

    async def page(self, no: int) -> Any:
        self.asked.append(no)
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        for _ in range(3):  # an answer takes a while: others may be asked meanwhile
            await asyncio.sleep(0)
        self.in_flight -= 1
        rows = [] if no == self.lost else self.rows[(no - 1) * self.served: no * self.served]
        data: dict[str, Any] = {"campaign_details": rows}
        if self.count:
            data["total_count"] = len(self.rows)
        return {"data": data}

    def read(self, size: int = 100) -> list[dict[str, Any]]:
        return asyncio.run(_every_page(self.page, "campaign_details", size, "v4 campaign list"))


def test_the_pages_after_the_first_are_asked_at_once() -> None:
    listing = Listing(total=530, served=100)
    assert listing.read() == listing.rows
    assert sorted(listing.asked) == [1, 2, 3, 4, 5, 6] and listing.most == 5


def test_pages_shorter_than_asked_are_numbered_by_the_size_served() -> None:
    listing = Listing(total=95, served=10)
    assert listing.read(size=100) == listing.rows
    assert sorted(listing.asked) == list(range(1, 11))


@pytest.mark.parametrize("total", [0, 1, 100])
def test_one_page_holds_it_all(total: int) -> None:
    listing = Listing(total=total, served=100)
    assert listing.read() == listing.rows and listing.asked == [1]


def test_without_a_count_pages_are_read_until_a_short_one() -> None:
    listing = Listing(total=250, served=100, count=False)
    assert listing.read() == listing.rows
    assert listing.asked == [1, 2, 3] and listing.most == 1


def test_a_page_that_comes_back_empty_before_the_count_is_an_error() -> None:
    with pytest.raises(TransportError, match="ended after 200 of the 530"):
        Listing(total=530, served=100, lost=3).read()


def test_lists_and_segments_are_listed_together() -> None:
    """A plan's audience listing is one round trip, not one per audience type."""
    from reconciler.smartech.provider import SmartechProvider

    class Client:
        in_flight = most = 0

        async def list_audiences(self, audience_type: str) -> list[dict[str, Any]]:
            Client.in_flight += 1
            Client.most = max(Client.most, Client.in_flight)
            await asyncio.sleep(0)
            Client.in_flight -= 1
            return [{"audience_id": 11 if audience_type == "list" else 13,
                     "audience_name": audience_type, "audience_count": 5}]

    provider = SmartechProvider(Client())  # type: ignore[arg-type]
    live = asyncio.run(provider.list_live("audience"))
    assert [o.id for o in live] == ["list:11", "segment:13"] and Client.most == 2
