"""The reads of managed objects overlap the listing's later pages (issue 29).

A Localytics listing of several pages takes two round trips (page 1 says how many
there are); the managed campaigns' reads waited for the whole of it, with most request
slots idle. Now the pages after 2 leave on page 1's answer, and a managed campaign's
read begins on the answer of the page that lists it. Both are checked by the order of
events on one event loop, with an API answered in-process (no clock, no network): each
held answer is released by the event it waits for, or after a fixed number of loop
turns, so without the overlap the order is the old one and the test fails.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.calls import Caller, Spread
from reconciler.config import load_config
from reconciler.errors import PlanError
from reconciler.localytics.client import LocalyticsClient
from reconciler.localytics.pagehint import PageHint
from reconciler.localytics.provider import LocalyticsProvider
from reconciler.plan import planner
from reconciler.plan.model import Action, Plan
from reconciler.plan.planner import build_plan
from reconciler.plan.readhint import ReadHint
from reconciler.workspace import load_workspace
from tests.repo import Repo, campaign

TURNS = 1000  # loop turns a held answer waits at most for its event


class Api:
    """Localytics answered in-process: one campaign a listing page, `names` in order."""

    def __init__(self, names: list[str], hold: dict[int, str], reads_wait: str = "") -> None:
        self.names = names
        self.hold = hold  # page number -> the event its answer waits for
        self.reads_wait = reads_wait  # the event every detail read's answer waits for
        self.events: list[str] = []
        self._seen: dict[str, asyncio.Event] = {}

    def _event(self, name: str) -> asyncio.Event:
        return self._seen.setdefault(name, asyncio.Event())

    async def _wait(self, name: str) -> None:
        event = self._event(name)
        for _ in range(TURNS):
            if event.is_set():
                return
            await asyncio.sleep(0)

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/audiences"):
            return httpx.Response(200, json=[])
        if path.endswith("/campaigns"):
            page = int(request.url.params["page_number"])
            self.note(f"page {page} sent")
            if page in self.hold:
                await self._wait(self.hold[page])
            rows = [{"id": page, "name": self.names[page - 1]}] if page <= len(self.names) else []
            self.note(f"page {page} answered")
            return httpx.Response(200, json={"campaigns": rows, "total_records": len(self.names)})
        live_id = int(path.rsplit("/", 1)[1])
        self.note(f"read {live_id} sent")
        if self.reads_wait:
            await self._wait(self.reads_wait)
        self.note(f"read {live_id} answered")
        return httpx.Response(200, json={**campaign(self.names[live_id - 1]), "id": live_id})

    def note(self, event: str) -> None:
        self.events.append(event)
        self._event(event).set()


def _plan(root: Path, api: Api, page_hint: PageHint | None = None,
          read_hint: ReadHint | None = None) -> Plan:
    loaded = load_config(root / "reconciler.yaml")
    workspace = load_workspace(loaded, warn=lambda _line: None)

    async def run() -> Plan:
        caller = Caller(concurrency=4)
        caller.spread = Spread(1)  # no spacing of starts: no clock in the order of events
        client = LocalyticsClient(loaded.env.api_url, 1, "app", auth=("k", "s"), caller=caller,
                                  transport=httpx.MockTransport(api))
        try:
            return await build_plan(workspace, LocalyticsProvider(client, page_hint=page_hint),
                                    read_hint=read_hint)
        finally:
            await client.aclose()

    return asyncio.run(run())


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path, "http://127.0.0.1:9/api/v6", 1, "app")


def test_a_managed_campaign_is_read_while_the_listing_is_still_checked(repo: Repo) -> None:
    """Page 2 lists the managed campaign; the guard page after the last is answered only
    once its read has been sent. Before, the read waited for the whole listing."""
    repo.put("campaign", "c", campaign("Mine"))
    api = Api(["Other", "Mine"], hold={3: "read 2 sent"})
    plan = _plan(repo.root, api)
    assert api.events.index("read 2 sent") < api.events.index("page 3 answered"), api.events
    assert api.events.count("read 2 sent") == 1  # read once: the early read is the read
    assert [(c.key, c.action) for c in plan.changes] == [("c", Action.NOOP)]


def test_the_pages_after_two_leave_on_page_ones_answer(repo: Repo) -> None:
    """Page 2's answer is held until page 3 has been asked for: page 1's total is enough
    to know page 3 is needed. Before, pages 3 and on waited for page 2's answer too."""
    repo.put("campaign", "c", campaign("Mine"))
    api = Api(["Other", "Else", "Mine"], hold={2: "page 3 sent"})
    plan = _plan(repo.root, api)
    assert api.events.index("page 3 sent") < api.events.index("page 2 answered"), api.events
    assert sorted(e for e in api.events if e.endswith("sent")) == [
        "page 1 sent", "page 2 sent", "page 3 sent", "page 4 sent", "read 3 sent"]
    assert [(c.key, c.action) for c in plan.changes] == [("c", Action.NOOP)]


def test_a_name_listed_twice_across_pages_still_stops_the_plan(repo: Repo) -> None:
    """The read begun for page 1's "Mine" is a guess: page 2 lists a second "Mine", and
    the plan fails as it did before, asking for an `id:`, with nothing left running."""
    repo.put("campaign", "c", campaign("Mine"))
    api = Api(["Mine", "Mine"], hold={})
    with pytest.raises(PlanError, match=r"2 live campaigns are named 'Mine' \(ids 1, 2\)"):
        _plan(repo.root, api)
    assert "read 2 sent" not in api.events  # the second is never guessed at


def test_a_pinned_campaign_listed_under_another_name_is_read_for_its_pin(repo: Repo) -> None:
    """An object a spec pins is that spec's, whatever its name: the spec named like it
    gets no guess at it, and the pinned spec's read is the one read of it."""
    repo.put("campaign", "pinned", {**campaign("Renamed"), "id": 1})
    repo.put("campaign", "named", campaign("Mine"))
    api = Api(["Mine", "Mine 2"], hold={})
    plan = _plan(repo.root, api)
    assert api.events.count("read 1 sent") == 1, api.events
    by_key = {c.key: c.action for c in plan.changes}
    assert by_key == {"named": Action.CREATE, "pinned": Action.UPDATE}



def test_what_the_words_may_name_is_gathered_while_the_reads_are_answered(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The live objects' names and ids (for the plan's words) come from the listing
    alone: they are gathered while the first answers are awaited, not after the last
    answer, where all of a plan's own work is in series with it."""
    repo.put("campaign", "c", campaign("Mine"))
    api = Api(["Other", "Mine"], hold={}, reads_wait="known built")
    gather = planner.known_of_live

    def traced(*args: Any) -> Any:
        known = gather(*args)
        api.note("known built")
        return known

    monkeypatch.setattr(planner, "known_of_live", traced)
    plan = _plan(repo.root, api)
    assert api.events.index("known built") < api.events.index("read 2 answered"), api.events
    assert [(c.key, c.action) for c in plan.changes] == [("c", Action.NOOP)]
