"""The apply run: gates, confirmation, execution under signals, the report."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import click

from reconciler.apply.journal import Journal
from reconciler.apply.lease import default_holder, hold_lease
from reconciler.apply.lock import apply_lock
from reconciler.apply.results import FAILED, SKIPPED, Result, report_json
from reconciler.apply.run import check_gates, execute_plan
from reconciler.apply.stale import check_same, check_target
from reconciler.calls import Caller
from reconciler.cli.pinrecord import ApplyPins, read_record
from reconciler.cli.progress import progress
from reconciler.cli.session import open_provider
from reconciler.cli.workflow import load
from reconciler.config import LoadedConfig
from reconciler.errors import JournalError, ReconcilerError, RefusedError
from reconciler.gitops.staterecord import StateRef, ref
from reconciler.plan import planfile
from reconciler.plan.model import Plan
from reconciler.plan.planner import build_plan
from reconciler.render.json import dumps
from reconciler.render.report import render_report, report_markdown
from reconciler.render.safe import plain
from reconciler.render.text import console, render_plan
from reconciler.render.words import label, plural
from reconciler.workspace.workspace import Workspace


async def run_apply(
    config_path: Path, env_name: str | None, plan_file: Path | None, *,
    auto_approve: bool, force: bool, fmt: str, journal_path: Path | None,
    lease_wait: float = 0.0,
) -> int:
    """Lock, lease, plan afresh (equal to PLAN_FILE's when given), gate, confirm, execute.

    The lease is taken before planning: a plan made while another apply writes
    would propose creating what that apply is creating.
    """
    loaded, workspace = load(config_path, env_name, use_cache=False)
    check_apply_from(loaded)
    saved = planfile.load(plan_file) if plan_file else None
    if saved is not None:
        check_target(saved, workspace)
    journal_path = journal_path or loaded.state_dir / "journal.jsonl"
    Journal(journal_path, loaded.env_name).close()  # unwritable: refuse before any write
    caller = Caller(concurrency=loaded.env.concurrency)
    with apply_lock(loaded.state_dir):
        async with open_provider(loaded, caller) as provider, hold_lease(
            provider, default_holder(), wait=lease_wait, warn=_warn,
        ):
            workspace, store, unavailable = read_record(loaded, workspace, provider, _warn)
            async with progress() as report:
                plan = await build_plan(workspace, provider, progress=report,
                                        targets=saved.scope if saved else ())
            refuse_errors(plan)
            if saved is not None:
                check_same(saved, plan)  # the file proposes; the fresh plan decides
            check_gates(plan, workspace, force=force)
            if not plan.has_changes:
                code = _report([], fmt, loaded.env_name)
                await _record_applied(loaded, store, code)
                return code
            _confirm(plan, auto_approve)
            pins = ApplyPins(store, unavailable) if store is not None else None
            if pins is not None:
                await asyncio.to_thread(pins.check)
            stop = asyncio.Event()
            try:
                with _stop_on_signals(stop):
                    results = await execute_plan(
                        plan, workspace, provider, stop=stop, concurrency=caller.concurrency,
                        journal_path=journal_path, pins=pins,
                    )
            except JournalError as e:
                _report(e.results, fmt, loaded.env_name)
                _propose_pins(e.results, workspace)
                raise
    code = _report(results, fmt, loaded.env_name)
    _propose_pins(results, workspace)
    await _record_applied(loaded, store, code)
    return code


async def _record_applied(loaded: LoadedConfig, store: StateRef | None, code: int) -> None:
    """In CI, after a full success: the checkout's commit is the last applied in full, so
    the drift job can tell a merged, not yet applied change from a dashboard edit."""
    from reconciler.gitops.pins import in_ci

    if code != 0 or not in_ci() or loaded.env.is_sandbox:
        return
    store = store or StateRef(loaded.root, loaded.env_name)
    try:
        commit = await asyncio.to_thread(store.commit)
        if commit is not None:
            await asyncio.to_thread(store.applied, commit)
    except ReconcilerError as e:
        _warn(f"warning: the applied commit was not recorded ({e}): drift cannot tell "
              "merged, not yet applied changes from dashboard edits until the next apply")


def _propose_pins(results: list[Result], workspace: Workspace) -> None:
    """In CI, copy this run's pins into spec files as a pin pull request: a convenience,
    the record already holds them, so a failure here is a warning."""
    from reconciler.gitops.gh import run_gh
    from reconciler.gitops.pins import in_ci, propose

    pins = {r.change.key: (spec.path, r.pin) for r in results
            if r.pin and r.change.key and (spec := workspace.get(r.change.ref)) is not None}
    if not pins or not in_ci():
        return
    try:
        pr = propose(workspace.loaded.env_name, workspace.loaded.root, pins, run_gh)
    except ReconcilerError as e:
        _warn(f"warning: no pin pull request ({e}); the pins are kept in the env's record "
              f"{ref(workspace.loaded.env_name)}, nothing is lost")
        return
    click.echo(f"pins proposed in pull request #{pr.number} {pr.url}", err=True)


def refuse_errors(plan: Plan) -> None:
    """A plan with an impossible change is never applied, not even its possible part."""
    if plan.errors:
        lines = "; ".join(p.line for p in plan.errors)
        raise RefusedError(f"refusing: the plan has {plural(len(plan.errors), 'error')}, "
                           f"nothing was applied: {lines}")


def check_apply_from(loaded: LoadedConfig) -> None:
    """`apply_from: ci`: this env is applied by the CI workflow only, never from a laptop."""
    if loaded.env.apply_from == "ci" and not os.environ.get("CI"):
        raise RefusedError(
            f"refusing: env {loaded.env_name!r} sets apply_from: ci and this is not a CI run "
            "(CI is not set); apply it through the workflow"
        )


def _warn(message: str) -> None:
    sys.stderr.write(message + "\n")


def _confirm(plan: Plan, auto_approve: bool) -> None:
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise RefusedError("refusing: no terminal to confirm on; review the plan and pass --auto-approve")
    out = console(sys.stderr)
    render_plan(plan, out)
    prompt = "Apply these changes?"
    if plan.go_live:
        prompt = f"{plural(len(plan.go_live), 'campaign')} will GO LIVE to real users. Apply?"
    if not click.confirm(prompt, default=False, err=True):
        raise RefusedError("apply cancelled; nothing was changed")


class _stop_on_signals:
    """SIGINT/SIGTERM: issue no new writes, let in-flight ones finish, then report."""

    def __init__(self, stop: asyncio.Event):
        self._stop = stop
        self._loop = asyncio.get_running_loop()

    def __enter__(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._loop.add_signal_handler(sig, self._stop.set)

    def __exit__(self, *exc: object) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._loop.remove_signal_handler(sig)


def _report(results: list[Result], fmt: str, env_name: str) -> int:
    if fmt == "json":
        sys.stdout.write(dumps(report_json(results)))
    else:
        render_report(results, console())
        for r in results:  # whole, on one line each: a table cell wraps what matters most
            if r.status == FAILED:
                sys.stderr.write(plain(f"failed: {label(r.change)}: {r.error}") + "\n")
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        with open(summary_file, "a", encoding="utf-8") as f:
            f.write(report_markdown(results, env_name))
    return 1 if any(r.status in (FAILED, SKIPPED) for r in results) else 0
