"""The apply run: gates, confirmation, execution under signals, the report."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import click

from reconciler.apply.journal import Journal
from reconciler.apply.keeper import hold_lease
from reconciler.apply.lease import default_holder
from reconciler.apply.lock import apply_lock
from reconciler.apply.results import APPLIED, FAILED, SKIPPED, Result, report_json
from reconciler.apply.run import check_gates, execute_plan
from reconciler.apply.stale import check_same, check_target
from reconciler.calls import Caller
from reconciler.cli.pinrecord import ApplyPins, creates_in_git, read_record, writes_record
from reconciler.cli.progress import progress
from reconciler.cli.session import open_provider
from reconciler.cli.stopheld import clear_stops, held, read_stops, recheck
from reconciler.cli.workflow import load
from reconciler.config import LoadedConfig
from reconciler.errors import JournalError, ReconcilerError, RefusedError
from reconciler.gitops.staterecord import StateRef, ref
from reconciler.gitops.stops import Stop, Verdicts
from reconciler.plan import planfile
from reconciler.plan.model import Plan
from reconciler.plan.planner import build_plan
from reconciler.plan.readhint import ReadHint
from reconciler.provider import Provider
from reconciler.render.json import dumps
from reconciler.render.safe import plain
from reconciler.render.words import label, plural
from reconciler.workspace.workspace import Workspace


async def run_apply(
    config_path: Path, env_name: str | None, plan_file: Path | None, *,
    auto_approve: bool, force: bool, fmt: str, journal_path: Path | None,
    lease_wait: float = 0.0,
) -> int:
    """Lock, (confirm,) lease, plan afresh under the lease, gate, execute while it is held.

    The plan that writes is made under the lease: a plan made while another apply
    writes would propose creating what that apply is creating. A confirmation is
    asked before the lease is taken (an answer left open holds nothing), and the
    plan made under the lease must equal the one confirmed. The record and the live
    state are read only once the lease ranks first: a read beside the ranking could miss
    the last write of an apply that let go before the ranking was answered
    (docs/security.md, "Ranked before apply reads").
    """
    loaded, workspace = load(config_path, env_name, use_cache=False)
    check_apply_from(loaded)
    saved = planfile.load(plan_file) if plan_file else None
    if saved is not None:
        check_target(saved, workspace)
    journal_path = journal_path or loaded.state_dir / "journal.jsonl"
    Journal(journal_path, loaded.env_name).close()  # unwritable: refuse before any write
    caller = Caller(concurrency=loaded.env.concurrency)
    read_hint = ReadHint.for_env(loaded)
    ttl = timedelta(seconds=loaded.config.lease.expiry_seconds)
    with apply_lock(loaded.state_dir):
        async with open_provider(loaded, caller) as provider:
            confirmed = None
            if not auto_approve:
                shown, store, _why = read_record(loaded, workspace, provider, _warn)
                stops, _store = read_stops(loaded, store, _warn)
                confirmed = await _plan(shown, provider, saved, force,
                                        _holder(loaded, shown, stops), read_hint=read_hint)
                if not confirmed.has_changes:
                    return _report([], fmt, loaded.env_name)
                _confirm(confirmed, auto_approve)
            with _signals() as signals:
                try:
                    async with hold_lease(provider, default_holder(), wait=lease_wait, ttl=ttl,
                                         warn=_warn) as keeper:
                        if keeper is None:
                            _warn(NO_LEASE)
                        taken = keeper.mark() if keeper is not None else None
                        # the record is read under the lease: a pin another apply wrote
                        # before it let go is seen here, so its campaign is not made again
                        workspace, store, unavailable = read_record(loaded, workspace, provider,
                                                                    _warn)
                        if store is not None and unavailable is None and saved is None \
                                and creates_in_git(workspace, provider):
                            store.start_check()  # can it be written: asked beside the plan
                        stops, stop_store = read_stops(loaded, store, _warn)
                        verdicts: list[Verdicts] = []
                        plan = await _plan(workspace, provider, saved, force,
                                           _holder(loaded, workspace, stops, verdicts),
                                           keeper.begin if keeper is not None else lambda: None,
                                           words=False, read_hint=read_hint)
                        if confirmed is not None:
                            check_same(confirmed, plan, CHANGED_WHILE_ASKED)
                        for change in plan.held:  # in the job log, in words
                            _warn(plain(f"held back: {label(change)}: "
                                        f"{(change.stop or {}).get('message')}"))
                        if not plan.has_changes:
                            code = _report([], fmt, loaded.env_name)
                            await _record_applied(loaded, store, code)
                            await clear_stops(stop_store, next(iter(verdicts), None), _warn)
                            return code
                        pins = ApplyPins(store, unavailable) if store is not None else None
                        if pins is not None and writes_record(plan, workspace, provider):
                            await asyncio.to_thread(pins.check)
                        signals.stop_writes()
                        if keeper is not None:
                            keeper.on_lost = lambda _reason: signals.stop.set()
                        try:
                            results = await execute_plan(
                                plan, workspace, provider, stop=signals.stop,
                                concurrency=caller.concurrency, journal_path=journal_path,
                                pins=pins, guard=keeper, since=taken,
                                recheck=recheck(loaded, workspace, stop_store, stops, _warn),
                            )
                        except JournalError as e:
                            _report(e.results, fmt, loaded.env_name)
                            _propose_pins(e.results, workspace)
                            raise
                except asyncio.CancelledError:
                    if signals.received is None:
                        raise
                    asyncio.current_task().uncancel()  # type: ignore[union-attr]
                    raise RefusedError(f"apply stopped by {signals.received.name} before "
                                       "writing; nothing was changed, the lease released") from None
    code = _report(results, fmt, loaded.env_name)
    read_hint.written((r.change.kind, r.change.ref, None if r.change.action.removes else r.live_id)
                      for r in results if r.status == APPLIED and r.change.key)
    _propose_pins(results, workspace)
    if keeper is not None and keeper.lost is not None:
        left = sum(r.status == SKIPPED for r in results)
        raise RefusedError(f"stopped writing: {keeper.lost}; {plural(left, 'change')} not "
                           "applied (run apply again once the other apply is done)")
    await _record_applied(loaded, store, code)
    if code == 0:
        await clear_stops(stop_store, next(iter(verdicts), None), _warn)
    return code


NO_LEASE = ("note: this platform keeps no apply lease: nothing stops another apply of the "
            "same account writing at the same time; apply this env from one place only "
            "(apply_from: ci, one workflow)")
CHANGED_WHILE_ASKED = "the live state changed while the confirmation was open"


def _holder(loaded: LoadedConfig, workspace: Workspace, stops: dict[str, Stop],
            verdicts: list[Verdicts] | None = None) -> Callable[[Plan], None]:
    """Holds back a plan's go-lives of campaigns stopped in an emergency (spec unchanged at
    HEAD since the stop); `verdicts` receives what apply clears after success."""

    def hold(plan: Plan) -> None:
        if stops:
            judged = held(plan, loaded, workspace, stops, committed=True)
            if verdicts is not None:
                verdicts.append(judged)

    return hold


async def _plan(workspace: Workspace, provider: Provider, saved: Plan | None,
                force: bool, hold: Callable[[Plan], None],
                reads_done: Callable[[], None] = lambda: None, *, words: bool = True,
                read_hint: ReadHint | None = None) -> Plan:
    """A fresh plan, equal to PLAN_FILE's when given, past the gates; `reads_done` is
    called when its last request is answered (the lease's first confirmation begins).
    `words=False` for the plan that writes: it is compared and gated, never shown."""
    async with progress() as report:
        plan = await build_plan(workspace, provider, progress=report,
                                targets=saved.scope if saved else (),
                                reads_done=reads_done, words=words, read_hint=read_hint)
    hold(plan)
    refuse_errors(plan)
    if saved is not None:
        check_same(saved, plan)  # the file proposes; the fresh plan decides
    check_gates(plan, workspace, force=force)
    return plan


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
    from reconciler.render.text import console, render_plan  # rich: only for a terminal

    out = console(sys.stderr)
    render_plan(plan, out)
    prompt = "Apply these changes?"
    if plan.go_live:
        prompt = f"{plural(len(plan.go_live), 'campaign')} will GO LIVE to real users. Apply?"
    if not click.confirm(prompt, default=False, err=True):
        raise RefusedError("apply cancelled; nothing was changed")


class _signals:
    """SIGTERM and SIGHUP while the lease is held but nothing is written yet: cancel the
    run (the lease is released on the way out, as Ctrl-C's KeyboardInterrupt does);
    once writing (`stop_writes`), SIGINT, SIGTERM and SIGHUP start no new write and let
    in-flight ones finish, then report."""

    SIGNALS = (signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.stop = asyncio.Event()
        self.received: signal.Signals | None = None
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._installed: tuple[signal.Signals, ...] = ()

    def __enter__(self) -> _signals:
        self._install(self.SIGNALS, self._cancel)
        return self

    def stop_writes(self) -> None:
        self._install((signal.SIGINT, *self.SIGNALS), lambda _sig: self.stop.set())

    def _cancel(self, sig: signal.Signals) -> None:
        if self.received is None and self._task is not None:
            self.received = sig
            self._task.cancel()

    def _install(self, sigs: tuple[signal.Signals, ...],
                 handler: Callable[[signal.Signals], None]) -> None:
        for sig in sigs:
            self._loop.add_signal_handler(sig, handler, sig)
        self._installed = tuple(dict.fromkeys((*self._installed, *sigs)))

    def __exit__(self, *exc: object) -> None:
        for sig in self._installed:
            self._loop.remove_signal_handler(sig)


def _report(results: list[Result], fmt: str, env_name: str) -> int:
    # rich (render.report, render.text) is imported where text is drawn: ~20 ms that an
    # apply with --format json paid before its first request (issue 29)
    if fmt == "json":
        sys.stdout.write(dumps(report_json(results)))
    else:
        from reconciler.render.report import render_report
        from reconciler.render.text import console

        render_report(results, console())
        for r in results:  # whole, on one line each: a table cell wraps what matters most
            if r.status == FAILED:
                sys.stderr.write(plain(f"failed: {label(r.change)}: {r.error}") + "\n")
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        from reconciler.render.report import report_markdown

        with open(summary_file, "a", encoding="utf-8") as f:
            f.write(report_markdown(results, env_name))
    return 1 if any(r.status in (FAILED, SKIPPED) for r in results) else 0
