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
    try:
        executor = Executor(provider, workspace, journal, concurrency=concurrency, pins=pins,
                            guard=guard, since=since, recheck=recheck)
        if stop is not None:
            executor.stop = stop
        results = await executor.run(plan)
    finally:
        journal.close()
    write_pins(results, workspace)  # before a journal failure is raised: ids are kept
    if journal.failed:
        raise JournalError(journal.failed, results)
    return results


def write_pins(results: list[Result], workspace: Workspace) -> list[Path]:
    """Pin what the API cannot find again into the spec files (ids, what was created).

    The durable copy is the env's record (a ref of the repository, written by the
    executor before each send); the files are a view of it: locally the user's working
    tree, in CI proposed as a pin pull request afterwards (`reconciler gitops pin-pr`).
    """
    pins = [(workspace.loaded.root / spec.path, r.pin) for r in results
            if r.pin and (spec := workspace.get(r.change.ref)) is not None]
    if not pins:
        return []  # and ruamel, which writing a pin needs, is not imported (issue 29)
    from reconciler.workspace.pins import pin_file

    if len(pins) < PARALLEL_PINS:
        for path, pin in pins:
            pin_file(path, pin)
    else:  # a file write is mostly waiting on the file system: 500 in a row took 0.4-1.5 s
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(PIN_WRITERS) as pool:
            list(pool.map(lambda job: pin_file(*job), pins))
    return [path for path, _pin in pins]


PARALLEL_PINS, PIN_WRITERS = 16, 8
