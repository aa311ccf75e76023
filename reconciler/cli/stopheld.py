"""Emergency stops (reconciler.gitops.stops) as plan and apply read and clear them.

The stops live in the env's record on origin, so only a checkout with an
`origin` can hold one: elsewhere (a folder that is not a git checkout, or one
with no origin) there is nothing to read and nothing is held; nor for an env
on the embedded sandbox, which reaches no one (and a first plan of the
examples makes no network call). Where origin
exists but the record cannot be read, every go-live is held back: a stop may
be in it, and sending a stopped campaign again is the one thing this must
never do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from reconciler.config import LoadedConfig
from reconciler.errors import ReconcilerError
from reconciler.gitops.staterecord import StateRef
from reconciler.gitops.stops import (
    Stop,
    Verdicts,
    cleared,
    has_origin,
    hold,
    judge,
    stops_of,
    unreadable,
)
from reconciler.plan.model import Plan
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
