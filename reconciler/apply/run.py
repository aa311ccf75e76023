"""The steps of `reconciler apply` that need no terminal: gates, then execution.

The CLI wraps them with the lock, the confirmation prompt and signal handling;
tests drive exactly these functions in-process, so a property test of
hundreds of plan/apply rounds under faults exercises the code users run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from reconciler.apply.executor import Executor, Guard, PinRecord
from reconciler.apply.gates import check_go_live, check_safety
from reconciler.apply.journal import Journal
from reconciler.apply.results import Result
from reconciler.errors import JournalError
from reconciler.plan.model import Change, Plan
from reconciler.provider import Provider
from reconciler.workspace.pinfiles import PinFiles
from reconciler.workspace.workspace import Workspace


def check_gates(plan: Plan, workspace: Workspace, *, force: bool) -> None:
    """Every reason to refuse before the first write (safety thresholds, go-live)."""
    loaded = workspace.loaded
    check_safety(plan, loaded.config.safety, force)
    check_go_live(plan, loaded.env_name, loaded.env)


async def execute_plan(
    plan: Plan,
    workspace: Workspace,
    provider: Provider,
    *,
    journal_path: Path,
    concurrency: int,
    stop: asyncio.Event | None = None,
    pins: PinRecord | None = None,
    guard: Guard | None = None,
    since: int | None = None,
    recheck: Callable[[list[Change]], Awaitable[None]] | None = None,
) -> list[Result]:
    """Run the plan's writes, journaling each; `stop` set = start no new write; `pins`
    records the ids of what the API cannot find again before their send (a wave's in one
    write); `guard` (the lease keeper) is asked before each wave and go-live, the first
    wave accepting a round begun after `since` (a `Guard.mark()`, when one is under way);
    `recheck`, after it, may hold back changes of the wave (an emergency stop made since
    the plan).

    JournalError (with the results) when the journal failed part way: the
    writes already started finish, no new one starts.
    """
    journal = Journal(journal_path, workspace.loaded.env_name)
    files = PinFiles()
    try:
        executor = Executor(provider, workspace, journal, concurrency=concurrency, pins=pins,
                            guard=guard, since=since, recheck=recheck,
                            on_pin=lambda result: pin_file_of(result, workspace, files))
        if stop is not None:
            executor.stop = stop
        results = await executor.run(plan)
    finally:
        journal.close()
        unwritten = files.close()  # the last pins: before a journal failure is raised
    if unwritten is not None:
        raise unwritten
    if journal.failed:
        raise JournalError(journal.failed, results)
    return results


def pin_file_of(result: Result, workspace: Workspace, files: PinFiles) -> None:
    """Pin what the API cannot find again into its spec file (ids, what was created).

    The durable copy is the env's record (a ref of the repository, written by the
    executor before each send); the files are a view of it: locally the user's working
    tree, in CI proposed as a pin pull request afterwards (`reconciler gitops pin-pr`).
    """
    spec = workspace.get(result.change.ref)
    if result.pin and spec is not None:
        files.put(workspace.loaded.root / spec.path, result.pin)
