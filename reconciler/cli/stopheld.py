"""Emergency stops (reconciler.gitops.stops) as plan and apply read and clear them.

The stops live in the env's record on origin, so only a checkout with an
`origin` can hold one: elsewhere (a folder that is not a git checkout, or one
with no origin) there is nothing to read and nothing is held; nor for an env
on the embedded sandbox, which reaches no one (and a first plan of the
examples makes no network call). Where origin
exists but the record cannot be read, every go-live is held back: a stop may
be in it, and sending a stopped campaign again is the one thing this must
never do.

The record is read at plan time, but `reconciler stop` never waits for the apply
lease (it is an emergency), so an apply that planned before a stop would still
write afterwards. `Recheck` therefore reads the record again before each write
wave, right after the lease is confirmed (one fetch per wave, not per campaign),
and holds back what a stop made since the plan covers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from reconciler.config import LoadedConfig
from reconciler.errors import ReconcilerError
from reconciler.gitops.staterecord import StateRef
from reconciler.gitops.stops import (
    UNREADABLE,
    Stop,
    Verdicts,
    cleared,
    has_origin,
    hold,
    judge,
    stops_of,
    unreadable,
)
from reconciler.plan.model import Action, Change, Plan
from reconciler.render.safe import plain
from reconciler.render.words import label
from reconciler.workspace.workspace import Workspace


def read_stops(loaded: LoadedConfig, store: StateRef | None, warn: Callable[[str], None]
               ) -> tuple[dict[str, Stop], StateRef | None]:
    """The env's stops (reusing `store`'s record when it was just read) and the store."""
    if store is not None and store.last is not None:
        return stops_of(store.last), store
    if loaded.env.is_sandbox or not has_origin(loaded.root):  # the embedded sandbox
        return {}, store  # reaches no one and keeps no record; no origin, no record
    store = store or StateRef(loaded.root, loaded.env_name)
    try:
        record = store.read()
    except ReconcilerError as e:
        warn(f"warning: {e}: every change that would go live is held back")
        return unreadable(str(e)), store
    return stops_of(record), store


def held(plan: Plan, loaded: LoadedConfig, workspace: Workspace, stops: dict[str, Stop],
         committed: bool) -> Verdicts:
    """Hold back `plan`'s go-lives of stopped, unchanged specs; the verdicts apply clears by.

    `committed`: judge spec files at HEAD (apply) rather than as in the working tree."""
    files = {spec.ref: loaded.root / spec.path for spec in workspace.specs}
    verdicts = judge(stops, files, loaded.root, committed)
    hold(plan, verdicts)
    return verdicts


async def clear_stops(store: StateRef | None, verdicts: Verdicts | None,
                      warn: Callable[[str], None]) -> None:
    """After a successful apply: remove the stops whose spec changed (sent again as
    reviewed) and set the baseline of stops that had none."""
    if store is None or verdicts is None or not verdicts.clears:
        return
    done = ", ".join(sorted(verdicts.changed)) or "baselines"
    try:
        await asyncio.to_thread(store.update, lambda doc: cleared(doc, verdicts),
                                f"stops cleared: {done}")
    except ReconcilerError as e:
        warn(f"warning: the emergency-stop record was not updated ({e}); the next apply "
             "tries again")


@dataclass
class Recheck:
    """Before each write wave: the env's stops read afresh, and the wave's changes that a
    stop made since the plan covers held back (made noops in place, said in words).

    Held: a go-live of a stopped spec unchanged since its stop (as at plan time), and
    any write of a spec stopped after the plan was made (its payload was planned against
    the campaign live, so writing it may start it again: Localytics' `status: active`).
    A record that cannot be read now holds every go-live of the wave. A held change is
    not a failure (exit status as for changes held at plan time: 0 when nothing else
    failed); the stop stays recorded, so the next apply holds it as well.
    """

    loaded: LoadedConfig
    workspace: Workspace
    planned: dict[str, Stop]  # the stops the plan was held by
    warn: Callable[[str], None]

    async def __call__(self, wave: list[Change]) -> None:
        if all(c.action.removes for c in wave):
            return  # removing a stopped campaign sends nothing
        store = StateRef(self.loaded.root, self.loaded.env_name)  # a fresh fetch
        try:
            fresh = stops_of(await asyncio.to_thread(store.read))
        except ReconcilerError as e:
            self.warn(f"warning: {e}: every change of this wave that would go live is held "
                      "back")
            fresh = unreadable(str(e))
        if not fresh:
            return
        files = {spec.ref: self.loaded.root / spec.path for spec in self.workspace.specs}
        verdicts = await asyncio.to_thread(judge, fresh, files, self.loaded.root, True)
        for change in wave:
            stop = self._holding(change, verdicts)
            if stop is not None:
                self._hold(change, stop)

    def _holding(self, change: Change, verdicts: Verdicts) -> Stop | None:
        """The stop that holds `change` back now, or None."""
        if change.action.removes:
            return None
        every = verdicts.stops.get(UNREADABLE)
        if every is not None:
            return every if change.go_live else None
        stop = verdicts.stops.get(change.ref) if change.ref in verdicts.held else None
        if stop is None:
            return None
        before = self.planned.get(change.ref)
        since = before is None or before.at != stop.at
        return stop if change.go_live or since else None

    def _hold(self, change: Change, stop: Stop) -> None:
        message = stop.words(True)
        if stop.ref != UNREADABLE:
            message = message.replace("; merge", " while this apply ran; merge", 1)
        change.stop = {"at": stop.at or None, "by": stop.by, "held": True, "message": message}
        change.action, change.go_live = Action.NOOP, False
        self.warn(plain(f"held back: {label(change)}: {message}"))


def recheck(loaded: LoadedConfig, workspace: Workspace, store: StateRef | None,
            planned: dict[str, Stop], warn: Callable[[str], None]) -> Recheck | None:
    """The wave re-check where stops are read at all, else None: `read_stops` gave a store
    (the pin record's may be one even where there is no origin to hold a stop)."""
    if store is None or loaded.env.is_sandbox or not has_origin(loaded.root):
        return None
    return Recheck(loaded, workspace, planned, warn)
