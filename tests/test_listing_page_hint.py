"""The campaign listing's later pages leave with page 1 when last time's count is known
(issue 29, `reconciler.localytics.pagehint`).

Page 1 says how many pages there are, so the pages after 2 waited a round trip for it,
and with them the reads of the managed campaigns they list. The count a listing had
is kept in the user cache; the next listing asks for that many at once. The order of
events is checked on one event loop with the in-process API of test_plan_prefetch (one
campaign a page, no clock, no network); a wrong count costs requests, never a wrong or
incomplete listing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.errors import TransportError
from reconciler.localytics import pagehint
from reconciler.localytics.pagehint import PageHint
from reconciler.plan.model import Action
from reconciler.workspace.cache import user_cache_dir
from tests.repo import Repo, campaign
from tests.test_plan_prefetch import Api, _plan

TARGET = "http://127.0.0.1:9/api/v6\x001\x00app"


def _sent(api: Api) -> list[str]:
    return sorted(e for e in api.events if e.startswith("page") and e.endswith("sent"))


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo", "http://127.0.0.1:9/api/v6", 1, "app")


def _hint(repo: Repo, pages: int | None) -> PageHint:
    hint = PageHint.for_target(repo.root, TARGET)
    if pages is not None:
        hint.keep(pages)
    return PageHint.for_target(repo.root, TARGET)


def test_pages_last_seen_leave_with_page_one(repo: Repo) -> None:
    """Three pages last time: pages 2 to 4 (the one after the last) are asked for before
    page 1 is answered. Without the hint page 3 waits for page 1's answer."""
    repo.put("campaign", "c", campaign("Mine"))
    api = Api(["Other", "Else", "Mine"], hold={1: "page 4 sent"})
    plan = _plan(repo.root, api, _hint(repo, 3))
    assert api.events.index("page 4 sent") < api.events.index("page 1 answered"), api.events
    assert _sent(api) == ["page 1 sent", "page 2 sent", "page 3 sent", "page 4 sent"]
    assert [(c.key, c.action) for c in plan.changes] == [("c", Action.NOOP)]


def test_a_count_too_high_costs_requests_not_the_listing(repo: Repo) -> None:
    """Five pages last time, two now: pages up to 6 leave at once, the listing is the
    two pages (nothing past page 3 is waited for), and the count kept is 2."""
    repo.put("campaign", "c", campaign("Mine"))
    api = Api(["Other", "Mine"], hold={})
    plan = _plan(repo.root, api, _hint(repo, 5))
    assert "page 6 sent" in api.events
    assert [(c.key, c.action) for c in plan.changes] == [("c", Action.NOOP)]
    assert PageHint.for_target(repo.root, TARGET).guess() == 2


def test_a_count_too_low_still_reads_every_page(repo: Repo) -> None:
    """One page last time, four now: page 1's total asks for the rest, as without a hint,
    and the count kept is 4."""
    repo.put("campaign", "c", campaign("Mine"))
    api = Api(["A", "B", "C", "Mine"], hold={})
    plan = _plan(repo.root, api, _hint(repo, 1))
    assert _sent(api) == [f"page {n} sent" for n in range(1, 6)]
    assert [(c.key, c.action) for c in plan.changes] == [("c", Action.NOOP)]
    assert PageHint.for_target(repo.root, TARGET).guess() == 4


def test_a_total_that_lies_low_is_refused_with_a_hint_too(repo: Repo) -> None:
    """The hinted pages are checked as any: a record past the last page `total_records`
    counts still refuses the listing."""
    repo.put("campaign", "c", campaign("Mine"))

    class Lying(Api):
        async def __call__(self, request: httpx.Request) -> httpx.Response:
            answer = await super().__call__(request)
            if request.url.path.endswith("/campaigns"):
                doc = json.loads(answer.content)
                return httpx.Response(200, json={**doc, "total_records": 2})
            return answer

    with pytest.raises(TransportError, match="1 more past the last page"):
        _plan(repo.root, Lying(["A", "B", "Mine"], hold={}), _hint(repo, 3))


def test_a_guess_is_capped_and_a_broken_file_is_no_guess(repo: Repo) -> None:
    """A count past MAX_GUESS asks for MAX_GUESS pages at once; an unreadable file or a
    count that is not one guesses 1 (pages 1 and 2, as without a hint)."""
    assert _hint(repo, 5000).guess() == pagehint.MAX_GUESS
    path = user_cache_dir(repo.root) / pagehint.FILE
    path.write_text("{not json")
    assert PageHint.for_target(repo.root, TARGET).guess() == 1
    for pages in ("3", 0, -2, True, None):
        path.write_text(json.dumps({"version": pagehint.VERSION, "entries": {
            PageHint(None, TARGET)._key: {"pages": pages}}}))
        assert PageHint.for_target(repo.root, TARGET).guess() == 1, pages


def test_nothing_is_kept_or_read_in_ci(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """In CI (or with RECONCILER_NO_CACHE) the listing guesses 1 and keeps nothing."""
    monkeypatch.setenv("CI", "true")
    PageHint.for_target(repo.root, TARGET).keep(7)
    assert not (user_cache_dir(repo.root) / pagehint.FILE).exists()
    monkeypatch.delenv("CI")
    monkeypatch.setenv("RECONCILER_NO_CACHE", "1")
    assert PageHint.for_target(repo.root, TARGET).guess() == 1


def test_a_plan_keeps_the_count_in_the_user_cache_not_the_work_tree(
        tmp_path: Path, sandbox_server: Any) -> None:
    """The real command against a served sandbox: the count is kept under the user cache
    for this repository and target, and nothing new appears in the work tree."""
    app = sandbox_server.new_app()
    repo = Repo(tmp_path / "served", sandbox_server.api_url, app.org_id, app.app_id,
                sandbox_server.api_key, sandbox_server.api_secret)
    repo.put("campaign", "c", campaign("Mine"))
    before = sorted(p.name for p in repo.root.iterdir())
    done = repo.plan()
    assert done.code == 0, done.stderr
    target = f"{repo.api_url}\x00{app.org_id}\x00{app.app_id}"
    assert PageHint.for_target(repo.root, target).guess() == 1
    stored = json.loads((user_cache_dir(repo.root) / pagehint.FILE).read_text())
    assert list(stored["entries"].values()) == [{"pages": 1}]
    assert sorted(p.name for p in repo.root.iterdir() if p.name != ".reconciler") == [
        n for n in before if n != ".reconciler"]
