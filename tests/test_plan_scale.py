"""A plan's memory does not grow with the reads still to do, nor with its printed text
(issue 29: peak memory of a plan over 10,000 live campaigns).

A plan once started every detail read at once: each waited at the request gate
with its retry state, task and frames, which at 10,000 campaigns was the largest
part of the run's peak. The JSON plan was built as one string (and the list of
its pieces) on top of the plan. Both are counted here, with no clock or memory
figure involved: the reads under way at once, at two sizes, and the longest
single write of the printed plan.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from reconciler.calls import Caller
from reconciler.cli.session import open_provider
from reconciler.config import load_config
from reconciler.plan.model import Action, Change, FieldChange, Plan
from reconciler.plan.planner import build_plan
from reconciler.provider import LiveId, LiveObject
from reconciler.render.json import plan_json, write_plan_json
from reconciler.workspace import load_workspace
from tests.repo import Repo, campaign

CONCURRENCY = 2


async def _plan_counting_reads(root: Path) -> tuple[Plan, int, int]:
    """The plan, how many detail reads it made, and the most under way at once."""
    loaded = load_config(root / "reconciler.yaml")
    workspace = load_workspace(loaded, warn=lambda _line: None)
    under_way = most = reads = 0
    async with open_provider(loaded, Caller(concurrency=loaded.env.concurrency)) as provider:
        get_live = provider.get_live

        async def counted(kind: str, live_id: LiveId) -> LiveObject | None:
            nonlocal under_way, most, reads
            reads += 1
            under_way += 1
            most = max(most, under_way)
            try:
                return await get_live(kind, live_id)
            finally:
                under_way -= 1

        provider.get_live = counted  # type: ignore[method-assign]
        plan = await build_plan(workspace, provider)
    return plan, reads, most


def test_reads_under_way_do_not_grow_with_the_campaigns(repo: Repo,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCALYTICS_API_KEY", repo.api_key)
    monkeypatch.setenv("LOCALYTICS_API_SECRET", repo.api_secret)
    repo.env_extra["concurrency"] = CONCURRENCY
    repo.write_config()
    seen = []
    for size in (6, 30):
        for i in range(size):
            repo.put("campaign", f"c{i:02d}", campaign(f"Campaign {i}"))
        assert repo.apply().code == 0
        plan, reads, most = asyncio.run(_plan_counting_reads(repo.root))
        assert [c.action for c in plan.changes] == [Action.NOOP] * size
        assert reads == size  # every managed campaign read once, as before
        seen.append(most)
    # twice the env's concurrency keeps the gate full; never one per campaign
    assert seen == [2 * CONCURRENCY] * 2


def _plan(n: int) -> Plan:
    changes = [Change("campaign", f"c{i:05d}", f"Campaign {i} ✓", Action.UPDATE, live_id=i,
                      diff=[FieldChange("creatives[0].title", "old", "new")])
               for i in range(n)]
    return Plan("production", {"api_url": "x", "org_id": 1, "app_id": "app"}, changes)


@pytest.mark.parametrize("n", [0, 1, 3000])
def test_the_printed_plan_is_the_json_plan_written_in_pieces(n: int) -> None:
    plan = _plan(n)
    writes: list[int] = []

    class Out(io.StringIO):
        def write(self, s: str) -> int:
            writes.append(len(s))
            return super().write(s)

    out = Out()
    write_plan_json(plan, out)
    text = plan_json(plan)
    assert out.getvalue() == text  # byte for byte what dumps gives
    assert max(writes) < 200_000  # never the whole text at once
    if n == 3000:
        assert len(text) > 800_000 and len(writes) > 10
