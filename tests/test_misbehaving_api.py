"""A misbehaving API gets a clear one-line error or a safe retry, never a wrong plan.

The server (tests/misbehaving_api.py) has campaigns A, B, C live; the specs
are A, B, C and D. The only right plan creates D. A plan built from a bad
listing would propose creating A, B or C again, so every bad listing must
fail instead. Plans run in-process through `open_provider` and `build_plan`
(the CLI's path) with a Caller whose backoff is shortened to keep this fast;
a few cases also run through the real CLI to see the one-line error.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.apply.journal import read_journal
from reconciler.apply.results import Result
from reconciler.apply.run import execute_plan
from reconciler.calls import Caller
from reconciler.cli.session import open_provider
from reconciler.config import load_config
from reconciler.errors import ReconcilerError
from reconciler.plan.model import Action, Plan
from reconciler.plan.planner import build_plan
from reconciler.workspace import load_workspace
from tests.misbehaving_api import MisbehavingAPI
from tests.repo import Repo, campaign

# mode → words the one-line error must contain
BROKEN = {
    "malformed_json": "not JSON",
    "deep_json": "not JSON we can read",
    "huge_int": "not JSON we can read",
    "html_500": "500",
    "html_200": "not JSON",
    "empty_200": "empty response body",
    "repeat_page": "repeated",
    "endless": "implausible total_records",
    "total_low": "inconsistent",
    "total_high": "inconsistent",
    "slow": "timed out",
    "reset": "GET http://127.0.0.1",
    "bad_id": "not an integer",
    "campaigns_not_list": "no 'campaigns' list",
    "audiences_not_list": "expected a JSON list",
    "campaign_not_object": "not a campaign object",
}


@pytest.fixture
def api() -> Iterator[MisbehavingAPI]:
    server = MisbehavingAPI()
    yield server
    server.stop()


def make_repo(root: Path, api: MisbehavingAPI) -> Repo:
    repo = Repo(root, api.api_url, 1, "broken-app", env_extra={"timeout": 0.5})
    for name in "ABCD":
        repo.put("campaign", name.lower(), campaign(name))
    return repo


def quick_caller() -> Caller:
    return Caller(concurrency=4, attempts=3, backoff_initial=0.01, backoff_cap=0.02)


async def plan_of(root: Path) -> Plan:
    loaded = load_config(root / "reconciler.yaml")
    workspace = load_workspace(loaded, warn=lambda _line: None)
    async with open_provider(loaded, quick_caller()) as provider:
        return await build_plan(workspace, provider)


def creates(plan: Plan) -> list[str]:
    return [c.name for c in plan.changes if c.action is Action.CREATE]


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCALYTICS_API_KEY", "k")
    monkeypatch.setenv("LOCALYTICS_API_SECRET", "s")


def test_a_well_behaved_server_gives_the_one_right_plan(api: MisbehavingAPI,
                                                        tmp_path: Path) -> None:
    api.mode = "ok"
    assert creates(asyncio.run(plan_of(make_repo(tmp_path, api).root))) == ["D"]


@pytest.mark.parametrize("page_size", [2, 1000])
def test_404_past_the_last_page_ends_the_listing(page_size: int, api: MisbehavingAPI,
                                                 tmp_path: Path) -> None:
    """The OpenAPI documents 404 for a page past the last: the listing is complete."""
    api.mode, api.page_size = "past_last_404", page_size
    assert creates(asyncio.run(plan_of(make_repo(tmp_path, api).root))) == ["D"]


@pytest.mark.parametrize("mode", ["within_404", "total_high_404"])
def test_404_inside_the_listing_still_fails(mode: str, api: MisbehavingAPI,
                                            tmp_path: Path) -> None:
    """A 404 where the counts say a page exists is a listing cut short, not its end."""
    api.mode, api.page_size = mode, 2
    with pytest.raises(ReconcilerError, match="inconsistent"):
        asyncio.run(plan_of(make_repo(tmp_path, api).root))


@pytest.mark.parametrize("mode", sorted(BROKEN))
def test_persistent_misbehaviour_fails_with_one_clear_line(
    mode: str, api: MisbehavingAPI, tmp_path: Path
) -> None:
    api.mode = mode
    if mode in ("repeat_page", "endless", "total_high", "total_low"):
        api.page_size = 2  # the server pages by 2 whatever per_page asks
    if mode == "total_high":
        api.page_size = 1000
    repo = make_repo(tmp_path, api)
    with pytest.raises(ReconcilerError) as caught:
        asyncio.run(plan_of(repo.root))
    line = str(caught.value)
    assert BROKEN[mode] in line, line
    assert "\n" not in line and "<html" not in line.lower() and len(line) < 400
    assert api.requests < 60, "bounded: no endless paging or retrying"


@pytest.mark.parametrize("mode", ["html_500", "empty_200", "malformed_json", "reset", "slow",
                                  "html_200"])
def test_transient_misbehaviour_is_retried_into_the_right_plan(
    mode: str, api: MisbehavingAPI, tmp_path: Path
) -> None:
    api.mode, api.failures = mode, 1
    plan = asyncio.run(plan_of(make_repo(tmp_path, api).root))
    assert creates(plan) == ["D"]
    assert {c.name for c in plan.changes} == {"A", "B", "C", "D"}


def apply_in_process(repo: Repo, journal: Path) -> list[Result]:
    """Plan and apply as the CLI does (open_provider, build_plan, execute_plan)."""
    async def apply() -> list[Result]:
        loaded = load_config(repo.root / "reconciler.yaml")
        workspace = load_workspace(loaded, warn=lambda _line: None)
        async with open_provider(loaded, quick_caller()) as provider:
            plan = await build_plan(workspace, provider)
            return await execute_plan(plan, workspace, provider, concurrency=2,
                                      journal_path=journal)

    return asyncio.run(apply())


@pytest.mark.parametrize("mode", ["create_empty_201", "create_not_object"])
def test_a_create_answered_without_its_object_is_adopted_not_repeated(
    mode: str, api: MisbehavingAPI, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path, api)
    api.mode = mode
    results = apply_in_process(repo, tmp_path / "journal.jsonl")
    assert [f"{r.change.name}:{r.status}:{r.note}" for r in results
            if r.change.action is Action.CREATE] == [
        "D:applied:adopted id 4 after an ambiguous failure"]
    assert sorted(c["name"] for c in api.campaigns.values()) == ["A", "B", "C", "D"]


def test_an_ambiguous_create_that_finds_its_name_twice_adopts_neither(
    api: MisbehavingAPI, tmp_path: Path
) -> None:
    """Which of two same-named objects is ours cannot be known: the change fails naming both
    ids, and nothing is created a third time."""
    repo = make_repo(tmp_path, api)
    api.mode = "create_twin_empty"
    results = apply_in_process(repo, tmp_path / "journal.jsonl")
    assert [(r.change.name, r.status, r.error) for r in results] == [
        ("D", "failed", "campaign 'D' exists several times (ids 4, 5)")]
    assert sorted(c["name"] for c in api.campaigns.values()) == ["A", "B", "C", "D", "D"]
    [entry] = read_journal(tmp_path / "journal.jsonl")
    assert (entry["name"], entry["status"]) == ("D", "failed")


@pytest.mark.parametrize("mode", ["total_low", "repeat_page", "campaign_not_object", "bad_id",
                                  "deep_json", "huge_int"])
def test_the_cli_prints_one_line_and_exits_1(mode: str, api: MisbehavingAPI,
                                             tmp_path: Path) -> None:
    api.mode = mode
    api.page_size = 2
    repo = make_repo(tmp_path, api)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCALYTICS_")}
    env.update({"LOCALYTICS_API_KEY": "k", "LOCALYTICS_API_SECRET": "s"})
    proc = subprocess.run([sys.executable, "-m", "reconciler", "plan"], cwd=repo.root, env=env,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
