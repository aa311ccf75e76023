"""The reads the last plan made begin with the listing (issue 29, `plan.readhint`).

A plan's reads of its managed objects waited for the listing that pairs them with
their specs: a round trip or more with most request slots idle. The ids the last
complete plan read are kept in the user cache, and read again as soon as the listing's
own requests have left. They are guesses: the complete listing still decides identity,
and one it does not confirm is dropped. The order of events is checked on one event
loop with the in-process API of test_plan_prefetch (one campaign a page, no clock, no
network).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.plan import readhint
from reconciler.plan.model import Action, Plan
from reconciler.plan.readhint import ReadHint
from reconciler.workspace.cache import user_cache_dir
from tests.repo import Repo, campaign
from tests.test_plan_prefetch import Api
from tests.test_plan_prefetch import _plan as prefetch_plan

TARGET = {"api_url": "http://127.0.0.1:9/api/v6", "org_id": 1, "app_id": "app"}


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo", "http://127.0.0.1:9/api/v6", 1, "app")


def _plan(root: Path, api: Api, hint: ReadHint) -> Plan:
    return prefetch_plan(root, api, read_hint=hint)


def _hint(repo: Repo, reads: dict[str, Any] | None = None) -> ReadHint:
    if reads is not None:
        ReadHint.for_target(repo.root, TARGET).keep(reads)
    return ReadHint.for_target(repo.root, TARGET)


def _reads_sent(api: Api) -> list[str]:
    return [e for e in api.events if e.startswith("read") and e.endswith("sent")]


def test_the_last_reads_leave_before_the_listing_is_answered(repo: Repo) -> None:
    """The last plan read campaign 2 for spec c: it is read again before page 1 is
    answered, and that read is the plan's read of it. Without the hint the read waits
    for page 2, which waits for page 1."""
    repo.put("campaign", "c", campaign("Mine"))
    api = Api(["Other", "Mine"], hold={1: "read 2 sent"})
    plan = _plan(repo.root, api, _hint(repo, {"campaign:c": 2}))
    assert api.events.index("read 2 sent") < api.events.index("page 1 answered"), api.events
    assert _reads_sent(api) == ["read 2 sent"]  # read once: the early read is the read
    assert [(c.key, c.action, c.live_id) for c in plan.changes] == [("c", Action.NOOP, 2)]


def test_a_plan_keeps_what_it_read_for_the_next(repo: Repo) -> None:
    """Nothing known: the plan reads after the listing as before, and keeps the id it
    read by spec ref; the next plan's read of it leaves before page 1 is answered."""
    repo.put("campaign", "c", campaign("Mine"))
    first = Api(["Other", "Mine"], hold={})
    _plan(repo.root, first, _hint(repo))
    assert first.events.index("page 2 answered") < first.events.index("read 2 sent")
    assert _hint(repo).ids() == {"campaign:c": 2}
    again = Api(["Other", "Mine"], hold={1: "read 2 sent"})
    _plan(repo.root, again, _hint(repo))
    assert again.events.index("read 2 sent") < again.events.index("page 1 answered")


def test_a_stale_guess_costs_a_request_never_the_plan(repo: Repo) -> None:
    """The hint says c read campaign 1, but the listing pairs c with 2 ("Mine"): the plan
    is made with 2, and 2 is what is kept. The guess of 1 is not used for anything."""
    repo.put("campaign", "c", campaign("Mine"))
    api = Api(["Other", "Mine"], hold={})
    plan = _plan(repo.root, api, _hint(repo, {"campaign:c": 1}))
    assert [(c.key, c.action, c.live_id) for c in plan.changes] == [("c", Action.NOOP, 2)]
    assert "read 2 sent" in api.events
    assert _hint(repo).ids() == {"campaign:c": 2}


def test_a_guess_the_listing_does_not_confirm_is_cancelled_once_it_is_complete(
        repo: Repo) -> None:
    """A guessed read still unanswered when the listing is complete, of an object the
    listing pairs with no spec, is cancelled then, so it holds no request slot while the
    plan reads: the plan's read of 2 is answered only after that cancel (else after a
    fixed number of loop turns, and the order fails)."""
    repo.put("campaign", "c", campaign("Mine"))

    class Holding(Api):
        async def __call__(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/campaigns/1"):
                self.note("read 1 sent")
                try:
                    await asyncio.Event().wait()  # never answered: only a cancel ends it
                except asyncio.CancelledError:
                    self.note("read 1 cancelled")
                    raise
            return await super().__call__(request)

    holding = Holding(["Other", "Mine"], hold={}, reads_wait="read 1 cancelled")
    plan = _plan(repo.root, holding, _hint(repo, {"campaign:c": 1}))
    assert holding.events.index("read 1 cancelled") < holding.events.index("read 2 answered")
    assert "read 1 answered" not in holding.events
    assert [(c.key, c.action, c.live_id) for c in plan.changes] == [("c", Action.NOOP, 2)]


def test_a_broken_or_hostile_file_guesses_nothing(repo: Repo) -> None:
    """An unreadable file, another version, or entries that are not ids guess nothing."""
    path = user_cache_dir(repo.root) / readhint.FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    assert ReadHint.for_target(repo.root, TARGET).ids() == {}
    key = ReadHint(None, TARGET)._key
    for reads in ({"campaign:c": True}, {"campaign:c": None}, {"campaign:c": "x" * 500},
                  {"campaign:c": ["1"]}, ["campaign:c"]):
        path.write_text(json.dumps({"version": readhint.VERSION,
                                    "entries": {key: {"reads": reads}}}))
        assert ReadHint.for_target(repo.root, TARGET).ids() == {}, reads
    path.write_text(json.dumps({"version": readhint.VERSION + 1,
                                "entries": {key: {"reads": {"campaign:c": 2}}}}))
    assert ReadHint.for_target(repo.root, TARGET).ids() == {}


def test_nothing_is_kept_or_read_in_ci(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """In CI (or with RECONCILER_NO_CACHE) nothing is guessed and nothing kept."""
    monkeypatch.setenv("CI", "true")
    ReadHint.for_target(repo.root, TARGET).keep({"campaign:c": 2})
    assert not (user_cache_dir(repo.root) / readhint.FILE).exists()
    monkeypatch.delenv("CI")
    _hint(repo, {"campaign:c": 2})
    monkeypatch.setenv("RECONCILER_NO_CACHE", "1")
    assert ReadHint.for_target(repo.root, TARGET).ids() == {}


def test_a_plan_keeps_its_reads_in_the_user_cache_not_the_work_tree(
        tmp_path: Path, sandbox_server: Any) -> None:
    """The real command against a served sandbox, twice: the ids read are kept under the
    user cache for this repository and target, the second plan makes the same requests
    and the same plan, and nothing new appears in the work tree."""
    app = sandbox_server.new_app()
    repo = Repo(tmp_path / "served", sandbox_server.api_url, app.org_id, app.app_id,
                sandbox_server.api_key, sandbox_server.api_secret)
    repo.put("campaign", "c", campaign("Mine"))
    assert repo.apply().code == 0
    before = sorted(p.name for p in repo.root.iterdir())
    sandbox_server.reset_stats()
    first = repo.plan()
    assert first.code == 0, first.stderr
    asked = sandbox_server.stats()["total"]
    target = {"api_url": repo.api_url, "org_id": app.org_id, "app_id": app.app_id}
    live_id = json.loads(first.stdout)["changes"][0]["live_id"]
    assert ReadHint.for_target(repo.root, target).ids() == {"campaign:c": live_id}
    sandbox_server.reset_stats()
    second = repo.plan()
    assert second.code == 0, second.stderr
    assert sandbox_server.stats()["total"] == asked
    assert json.loads(second.stdout)["changes"] == json.loads(first.stdout)["changes"]
    assert sorted(p.name for p in repo.root.iterdir() if p.name != ".reconciler") == [
        n for n in before if n != ".reconciler"]


def test_an_apply_keeps_what_it_made_for_the_next_plan(tmp_path: Path,
                                                       sandbox_server: Any) -> None:
    """The real apply: once a plan has seen the campaign listing without bodies, the
    campaign an apply creates is kept by spec ref beside the ones its plan read, and the
    plan after it makes the same requests as a plan without the hint, with the same
    result."""
    app = sandbox_server.new_app()
    repo = Repo(tmp_path / "served", sandbox_server.api_url, app.org_id, app.app_id,
                sandbox_server.api_key, sandbox_server.api_secret)
    repo.put("campaign", "c", campaign("Mine"))
    first = repo.apply()
    assert first.code == 0, first.stderr
    repo.put("campaign", "d", campaign("Yours"))
    second = repo.apply()
    assert second.code == 0, second.stderr
    made = {r["key"]: r["live_id"] for done in (first, second)
            for r in json.loads(done.stdout)["results"]}
    target = {"api_url": repo.api_url, "org_id": app.org_id, "app_id": app.app_id}
    assert ReadHint.for_target(repo.root, target).ids() == {
        "campaign:c": made["c"], "campaign:d": made["d"]}
    sandbox_server.reset_stats()
    hinted = repo.plan()
    asked = sandbox_server.stats()["total"]
    sandbox_server.reset_stats()
    plain = repo.run("plan", "--format", "json", env={"RECONCILER_NO_CACHE": "1"})
    assert hinted.code == plain.code == 0, hinted.stderr + plain.stderr
    assert sandbox_server.stats()["total"] == asked
    assert json.loads(hinted.stdout)["changes"] == json.loads(plain.stdout)["changes"]


def test_a_kind_listed_with_bodies_is_never_guessed_at(stream_repo: Any,
                                                      sandbox_server: Any) -> None:
    """Stream's campaign listing carries whole campaigns (its segments are read one by
    one): neither a plan nor an apply keeps a campaign's id, and the plan after them makes
    the same requests as a plan without the hint."""
    from tests.stream_repo import segment, stream_campaign

    stream_repo.put("segment", "s", segment("Norway"))
    stream_repo.put("campaign", "c", stream_campaign("Hello", ["s"]))
    assert stream_repo.apply().code == 0
    assert stream_repo.plan().code == 0
    kept = json.loads((user_cache_dir(stream_repo.root) / readhint.FILE).read_text())
    assert [entry["reads"] for entry in kept["entries"].values()] == [{"segment:s": "rcl-s"}]
    made = []
    for env in ({}, {"RECONCILER_NO_CACHE": "1"}):
        sandbox_server.reset_stats()
        done = stream_repo.run("plan", "--format", "json", env=env)
        assert done.code == 0, done.stderr
        made.append((sandbox_server.stats()["total"], json.loads(done.stdout)["changes"]))
    assert made[0] == made[1]
