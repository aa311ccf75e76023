"""Apply asks whether the env's record can be written beside the plan, where the plan is
sure to write it (an app push without an id yet is created), not after the plan.

Before its first create apply checks that the record (refs/reconciler/state/<env>
on origin) can be written: a dry-run push, a round trip to origin that came after
the plan's last read, with nothing in flight (issue 29). The order is shown
without a clock: the plan's campaign listing waits until the dry-run push has
begun; where that came only after the plan (as it did), it would wait for ever,
which NEVER only bounds. (An apply with nothing to record checks nothing:
tests/test_pin_record.py.)
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli.applying import run_apply
from reconciler.gitops.pins import Git, run_git
from reconciler.gitops.staterecord import StateRef
from reconciler.smartech.provider import SmartechProvider
from tests.smartech_repo import SmartechRepo, push_campaign

NEVER = 60.0  # seconds: only a bound on waiting for what would never come


def test_the_record_is_checked_for_writing_beside_the_plan_that_creates_an_app_push(
        smartech_repo: SmartechRepo, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    smartech_repo.put("campaign", "push", push_campaign("Push"))
    monkeypatch.setenv("SMARTECH_API_KEY", smartech_repo.key)
    dry_run = threading.Event()
    state_ref = StateRef.__init__

    def watched(self: StateRef, root: Path, env: str, git: Git = run_git) -> None:
        def noted(args: list[str], cwd: Path) -> str:
            if "push" in args and "--dry-run" in args:
                dry_run.set()
            return git(args, cwd)

        state_ref(self, root, env, noted)

    list_live = SmartechProvider.list_live
    waited: list[bool] = []

    async def listed_once_checking(self: SmartechProvider, kind: str) -> Any:
        if kind == "campaign":
            waited.append(await asyncio.to_thread(dry_run.wait, NEVER))
        return await list_live(self, kind)

    monkeypatch.setattr(StateRef, "__init__", watched)
    monkeypatch.setattr(SmartechProvider, "list_live", listed_once_checking)
    code = asyncio.run(run_apply(smartech_repo.root / "reconciler.yaml", None, None,
                                 auto_approve=True, force=False, fmt="json",
                                 journal_path=None))
    assert code == 0, capsys.readouterr().err
    assert waited == [True], "the record was checked for writing only after the plan"
    recorded = StateRef(smartech_repo.root, "test").read().pins["campaign:push"]
    assert f"id: {recorded['id']}" in smartech_repo.text("campaign", "push")
