"""Apply writes a pin into its spec file as soon as the write it stands for is done.

Written after the last request, 500 app-push pins kept the lease (and the run)
waiting 0.25-0.3 s with nothing in flight (issue 29). Now each is written on a
worker thread while the rest of its wave is still at the API. The order is
shown without a clock: the wave's email campaign is not created until the app
push's pin is in its file.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from reconciler.apply.results import APPLIED, Result
from reconciler.apply.run import execute_plan
from reconciler.calls import Caller
from reconciler.cli.session import open_provider
from reconciler.config import load_config
from reconciler.plan.planner import build_plan
from reconciler.workspace import load_workspace
from reconciler.workspace import pins as pin_files
from tests.smartech_repo import SmartechRepo, email_campaign, push_campaign

# Only a guard against waiting for ever where the pin is written after the wave (as it
# was): the pin is written long before it when the test passes.
NEVER = 60.0


def test_an_app_push_pin_is_in_its_file_while_its_wave_is_still_writing(
        smartech_repo: SmartechRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = smartech_repo
    repo.put("campaign", "push", push_campaign("Push"))
    repo.put("campaign", "mail", email_campaign("Mail"))
    monkeypatch.setenv("SMARTECH_API_KEY", repo.key)
    pinned = threading.Event()
    write = pin_files.pin_file

    def pin_file(path: Path, values: Any) -> None:
        write(path, values)
        pinned.set()

    monkeypatch.setattr(pin_files, "pin_file", pin_file)
    waited: list[bool] = []

    async def apply() -> list[Result]:
        loaded = load_config(repo.root / "reconciler.yaml")
        workspace = load_workspace(loaded, warn=lambda _line: None)
        async with open_provider(loaded, Caller(concurrency=4)) as provider:
            plan = await build_plan(workspace, provider)
            create = provider.create

            async def email_once_the_push_is_pinned(kind: str, payload: Any) -> Any:
                if payload["channel"] == "email":
                    waited.append(await asyncio.to_thread(pinned.wait, NEVER))
                return await create(kind, payload)

            provider.create = email_once_the_push_is_pinned  # type: ignore[method-assign]
            return await execute_plan(plan, workspace, provider, concurrency=4,
                                      journal_path=repo.root / "journal.jsonl")

    results = asyncio.run(apply())
    assert waited == [True], "the push's pin was not in its file before the wave ended"
    assert sorted((r.change.name, r.status) for r in results) == [
        ("Mail", APPLIED), ("Push", APPLIED)]
    pin = load_workspace(load_config(repo.root / "reconciler.yaml"),
                         warn=lambda _line: None).get("campaign:push")
    assert pin is not None and pin.pin_id == next(
        r.live_id for r in results if r.change.name == "Push")
