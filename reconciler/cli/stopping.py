"""The stop run: find what is sending, show it, ask, stop it, report, record the stop.

Stopping is always safe, so nothing here waits for an apply lease (an emergency must
not queue behind a slow apply) and a record that cannot be written does not hold the
stop back: it is a warning and exit 1, since the next apply could start it again.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from reconciler.apply.journal import Journal
from reconciler.apply.stop import (
    CANNOT,
    FAILED,
    NOT_LIVE,
    STOPPED,
    Outcome,
    Target,
    check_keys,
    find_targets,
    stop_all,
    stops,
)
from reconciler.calls import Caller
from reconciler.cli.session import open_provider
from reconciler.config import LoadedConfig, load_config
from reconciler.errors import ReconcilerError, RefusedError
from reconciler.provider import LiveObject, Provider
from reconciler.render.safe import plain
from reconciler.render.words import plural
from reconciler.workspace.workspace import Spec, Workspace


async def run_stop(config_path: Path, env_name: str | None, keys: Sequence[str], *,
                   all_live: bool, auto_approve: bool, journal_path: Path | None) -> int:
    loaded = load_config(config_path, env_name)
    journal_path = journal_path or loaded.state_dir / "journal.jsonl"
    Journal(journal_path, loaded.env_name).close()  # unwritable: refuse before any write
    from reconciler.registry import platform_of

    descriptor = platform_of(loaded.env)
    kind = descriptor.kind("campaign").kind
    caller = Caller(concurrency=loaded.env.concurrency)
    async with open_provider(loaded, caller) as provider:
        stops(provider)  # a platform without the capability: one line, before any read
        workspace, listed, audiences = await _read(loaded, provider, kind, keys)
        specs = None
        if workspace is not None:
            from reconciler.cli.pinrecord import read_record

            workspace, _store, _why = read_record(loaded, workspace, provider, _warn)
            specs = workspace.specs
        targets = await find_targets(provider, kind, specs, keys, all_live, listed)
        if any(_may_stop(provider, t) for t in targets):
            _confirm(provider, targets, audiences, auto_approve)
        journal = Journal(journal_path, loaded.env_name)
        try:
            outcomes = await stop_all(provider, targets, journal,
                                      batch_from=caller.concurrency)
            recorded = await asyncio.to_thread(_record, loaded, outcomes)
            late = await _late(provider, kind, specs, keys, all_live, outcomes)
            if late:
                more = await stop_all(provider, late, journal, batch_from=caller.concurrency)
                recorded = await asyncio.to_thread(_record, loaded, more) and recorded
                again = {o.target.ref for o in more}
                outcomes = [*(o for o in outcomes if o.target.ref not in again), *more]
        finally:
            journal.close()
    code = _report(outcomes, descriptor.title)
    return code if recorded else 1


async def _late(provider: Provider, kind: str, specs: Sequence[Spec] | None,
                keys: Sequence[str], all_live: bool, done: Sequence[Outcome]
                ) -> list[Target]:
    """What went live while this stop ran (one more listing, after the record is written).

    Stop never waits for the apply lease, so an apply that read the record before it was
    written may start a campaign after the first listing (or start again one just
    stopped); from the record on, applies hold it back (reconciler.cli.stopheld). What
    this stop covers (every live campaign, or its keys) and is live now is stopped too;
    what could not be stopped, or failed, is not tried again."""
    tried = {o.target.live.id for o in done if o.status in (CANNOT, FAILED) and o.target.live}
    listed = [o for o in await provider.list_live(kind) if o.id not in tried]
    again = await find_targets(provider, kind, specs, keys, all_live, listed)
    return [t for t in again if _may_stop(provider, t)]


async def _read(loaded: LoadedConfig, provider: Provider, kind: str, keys: Sequence[str]
                ) -> tuple[Workspace | None, list[LiveObject], Mapping[Any, Any]]:
    """The specs, the campaign listing and the audiences (for reach). Keys are checked
    against the specs before any request; with none (--all-live) the specs are read
    while the API answers the listings, neither waiting for the other."""
    if keys:
        workspace = await asyncio.to_thread(_workspace, loaded)
        if workspace is not None:
            check_keys(kind, workspace.specs, keys)
        listed, audiences = await asyncio.gather(provider.list_live(kind),
                                                 _audiences(provider))
        return workspace, listed, audiences
    return await asyncio.gather(asyncio.to_thread(_workspace, loaded),
                                provider.list_live(kind), _audiences(provider))


def _workspace(loaded: LoadedConfig) -> Workspace | None:
    """The specs, or None when they do not load: a broken main still stops from live state."""
    from reconciler.workspace import load_workspace

    try:
        return load_workspace(loaded)  # the parse cache, as plan: every second counts here
    except ReconcilerError as e:
        first = next(iter(e.lines()), str(e))
        _warn(f"warning: the specs do not load ({plain(first)}); stopping from live state "
              "alone, campaigns named by their live names")
        return None


def _may_stop(provider: Provider, target: Target) -> bool:
    return target.live is not None and not stops(provider).is_stopped(target.live)


def _confirm(provider: Provider, targets: Sequence[Target], audiences: Mapping[Any, Any],
             auto_approve: bool) -> None:
    """What will stop, with reach and next send; asked on a terminal, never assumed."""
    shown = [t for t in targets if _may_stop(provider, t)]
    lines = [f"  {plain(t.ref)} {plain(t.live.name)!r}: {_facts(provider, t.live, audiences)}"
             for t in shown if t.live is not None]
    sys.stderr.write(f"will stop {plural(len(shown), 'campaign')}:\n" + "\n".join(lines) + "\n")
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise RefusedError("refusing: no terminal to confirm on; review what will stop and "
                           "pass --auto-approve")
    if not click.confirm(f"Stop {plural(len(shown), 'campaign')} now?", default=False, err=True):
        raise RefusedError("stop cancelled; nothing was changed")


async def _audiences(provider: Provider) -> Mapping[Any, Any]:
    try:
        return {o.id: o for o in await provider.list_live(provider.reach_kind)}
    except ReconcilerError:  # reach is shown when known; a stop never waits on it
        return {}


def _facts(provider: Provider, live: Any, audiences: Mapping[Any, Any]) -> str:
    view = stops(provider).stop_view(live)
    reach = provider.reach(view, audiences)
    who = _reach(reach)
    when = next_send(provider.schedule(live.kind, view))
    return f"{live.status or 'live'}, reaches {who}, next send {when}"


def _reach(reach: Mapping[str, Any] | None) -> str:
    from reconciler.render.words import reach_text

    return reach_text(dict(reach)) if reach else "an unknown number of users"


TIME_KEYS = ("at", "begin_date", "fallback_time", "scheduled_for")


def next_send(schedule: Mapping[str, Any] | None) -> str:
    """When a schedule (the `schedule` hook's form) sends next: its first time, or now."""
    if not schedule:
        return "unknown"
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                if key in TIME_KEYS and isinstance(inner, str) and inner:
                    found.append(inner)
                walk(inner)

    walk(schedule)
    return found[0] if found else "as its schedule says"


def _report(outcomes: Sequence[Outcome], title: str) -> int:
    for o in outcomes:
        t = o.target  # nothing live (a stop that deleted it): the spec's name
        name = plain(t.live.name if t.live is not None else t.spec.name if t.spec else "")
        what = f"{plain(o.target.ref)}" + (f" {name!r}" if name else "")
        if o.status == STOPPED:
            sys.stdout.write(f"stopped: {what}\n")
        elif o.status == NOT_LIVE:
            sys.stdout.write(f"was not live: {what}\n")
        elif o.status == CANNOT:
            sys.stdout.write(f"cannot be stopped on {title}: {what}: {plain(o.why)}\n")
        else:
            assert o.status == FAILED
            sys.stdout.write(f"failed: {what}: {plain(o.why)}\n")
    stopped = sum(o.status == STOPPED for o in outcomes)
    bad = sum(not o.ok for o in outcomes)
    sys.stderr.write(f"stop: {plural(stopped, 'campaign')} stopped"
                     + (f", {bad} not stopped" if bad else "") + "\n")
    return 1 if bad else 0


def _record(loaded: LoadedConfig, outcomes: Sequence[Outcome]) -> bool:
    """Write the stops to the env's record; False (after one warning) when it could not."""
    from reconciler.cli.stoprecord import write_stops

    done = [o for o in outcomes if o.status == STOPPED]
    if not done or loaded.env.is_sandbox:
        return True
    try:
        write_stops(loaded, done)
    except ReconcilerError as e:
        _warn(f"warning: the stop was not recorded ({plain(str(e))}): the campaigns are "
              "stopped, but the next apply may start them again")
        return False
    return True


def _warn(message: str) -> None:
    sys.stderr.write(message + "\n")

