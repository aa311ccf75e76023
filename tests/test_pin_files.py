"""Within a wave, what apply keeps of an app push follows its own write, not the wave's end.

An app push's identity lives in git: its pin is recorded (the env's record) and
written into its spec file. Both waited for the wave's last email read-back, and
so did an app push's send; the file writes (0.25-0.3 s for 500) came after the
last request, while the lease waited to be released (issue 29). The order is
shown without a clock: the wave's email create waits until the push's pin is in
its file, recorded, or its send made; where that came only after the wave (as it
did), it would wait for ever, which NEVER only bounds.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from reconciler.apply.results import APPLIED, Result
from reconciler.apply.run import execute_plan
from reconciler.calls import Caller
from reconciler.cli.session import open_provider
from reconciler.config import load_config
from reconciler.plan.planner import build_plan
from reconciler.provider import Provider
from reconciler.workspace import load_workspace
from reconciler.workspace import pins as pin_files
from reconciler.workspace.workspace import Spec
from tests.smartech_repo import SmartechRepo, email_campaign, push_campaign

NEVER = 60.0  # seconds: only a bound on waiting for what would never come


class Record:
    """The env's record as the executor sees it (a PinRecord), noting each write."""

    unavailable: str | None = None

    def __init__(self) -> None:
        self.writes: list[dict[str, Any]] = []
        self.written = asyncio.Event()

    async def record(self, pins: Sequence[tuple[Spec, Mapping[str, Any]]]) -> None:
        self.writes.append({spec.ref: dict(values) for spec, values in pins})
        self.written.set()


def apply_with_email_after(repo: SmartechRepo, monkeypatch: pytest.MonkeyPatch,
                           ready: Callable[[], Awaitable[bool]], record: Record | None = None,
                           watch: Callable[[Provider], None] = lambda _p: None,
                           ) -> tuple[list[Result], list[bool]]:
    """Plan and apply in process (as the CLI does; `watch` sees the provider first); the
    email create first awaits `ready()`, whose answers are returned with the results."""
    monkeypatch.setenv("SMARTECH_API_KEY", repo.key)
    waited: list[bool] = []

    async def apply() -> list[Result]:
        loaded = load_config(repo.root / "reconciler.yaml")
        workspace = load_workspace(loaded, warn=lambda _line: None)
        async with open_provider(loaded, Caller(concurrency=4)) as provider:
            plan = await build_plan(workspace, provider)
            create = provider.create

            async def email_after(kind: str, payload: Any) -> Any:
                if payload["channel"] == "email":
                    waited.append(await ready())
                return await create(kind, payload)

            provider.create = email_after  # type: ignore[method-assign]
            watch(provider)
            return await execute_plan(plan, workspace, provider, concurrency=4, pins=record,
                                      journal_path=repo.root / "journal.jsonl")

    results = asyncio.run(apply())
    assert sorted((r.change.name, r.status) for r in results) == [
        ("Mail", APPLIED), ("Push", APPLIED)], [r.error for r in results]
    return results, waited


async def within(event: asyncio.Event) -> bool:
    try:
        await asyncio.wait_for(event.wait(), NEVER)
    except TimeoutError:
        return False
    return True


def test_an_app_push_pin_is_in_its_file_while_its_wave_is_still_writing(
        smartech_repo: SmartechRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    smartech_repo.put("campaign", "push", push_campaign("Push"))
    smartech_repo.put("campaign", "mail", email_campaign("Mail"))
    pinned = threading.Event()
    write = pin_files.pin_file

    def pin_file(path: Path, values: Any) -> None:
        write(path, values)
        pinned.set()

    monkeypatch.setattr(pin_files, "pin_file", pin_file)

    async def in_its_file() -> bool:
        return await asyncio.to_thread(pinned.wait, NEVER)

    results, waited = apply_with_email_after(smartech_repo, monkeypatch, in_its_file)
    assert waited == [True], "the push's pin was not in its file before the wave ended"
    pin = load_workspace(load_config(smartech_repo.root / "reconciler.yaml"),
                         warn=lambda _line: None).get("campaign:push")
    assert pin is not None and pin.pin_id == next(
        r.live_id for r in results if r.change.name == "Push")


def test_an_app_push_pin_is_recorded_while_its_wave_is_still_writing(
        smartech_repo: SmartechRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    smartech_repo.put("campaign", "push", push_campaign("Push"))
    smartech_repo.put("campaign", "mail", email_campaign("Mail"))
    record = Record()

    async def recorded() -> bool:
        return await within(record.written)

    results, waited = apply_with_email_after(smartech_repo, monkeypatch, recorded, record)
    assert waited == [True], "the push's pin was recorded only after the wave's email"
    push_id = next(r.live_id for r in results if r.change.name == "Push")
    assert [list(w) for w in record.writes] == [["campaign:push"]]
    assert record.writes[0]["campaign:push"]["id"] == push_id


def test_an_app_push_send_does_not_wait_for_the_email_of_its_wave(
        smartech_repo: SmartechRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its draft is recorded (executed: unknown), then sent, then recorded as sent,
    while the email of its wave is still to be created."""
    smartech_repo.put("audience", "lapsed", {"type": "segment", "id": 13})
    smartech_repo.put("campaign", "push", push_campaign("Push", ["lapsed"]))
    smartech_repo.put("campaign", "mail", email_campaign("Mail"))
    record = Record()
    sent = asyncio.Event()

    def watch(provider: Provider) -> None:
        activate = provider.activate

        async def activated(kind: str, draft: Any, payload: Any) -> Any:
            live = await activate(kind, draft, payload)
            sent.set()
            return live

        provider.activate = activated  # type: ignore[method-assign]

    async def after_the_send() -> bool:
        return await within(sent)

    _results, waited = apply_with_email_after(smartech_repo, monkeypatch, after_the_send,
                                              record, watch)
    assert waited == [True], "the push was sent only after the wave's email"
    assert [w["campaign:push"]["pin"]["executed"] for w in record.writes][0] == "unknown"
    assert len(record.writes) == 2 and smartech_repo.executions()


def test_a_waves_app_pushes_are_asked_before_its_email_campaigns(
        smartech_repo: SmartechRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    """With one slot, the app push (second in the plan) is created first: it is recorded
    while the email is still being written, not after it."""
    smartech_repo.put("campaign", "mail", email_campaign("Mail"))
    smartech_repo.put("campaign", "push", push_campaign("Push"))
    monkeypatch.setenv("SMARTECH_API_KEY", smartech_repo.key)
    record = Record()

    async def apply() -> list[str]:
        loaded = load_config(smartech_repo.root / "reconciler.yaml")
        workspace = load_workspace(loaded, warn=lambda _line: None)
        async with open_provider(loaded, Caller(concurrency=1)) as provider:
            plan = await build_plan(workspace, provider)
            await execute_plan(plan, workspace, provider, concurrency=1, pins=record,
                               journal_path=smartech_repo.root / "journal.jsonl")
        return [c.name for c in plan.changes]

    assert asyncio.run(apply()) == ["Mail", "Push"]
    assert [c["name"] for c in smartech_repo.campaigns()] == ["Push", "Mail"]
    assert [list(w) for w in record.writes] == [["campaign:push"]]
