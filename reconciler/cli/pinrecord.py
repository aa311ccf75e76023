"""The env's durable record (reconciler.gitops.staterecord) as plan and apply use it.

Plan and apply read the record (fetched from origin, in CI and on a laptop
alike) and lay its pins over the spec files' own, so a campaign created by an
earlier apply is known whether or not its pin pull request was merged, closed,
refused or shadowed. Apply records each pin before the send it stands for; a
create it could not record is refused before it is made. Envs on the embedded
sandbox reach no one and keep no record: their pins go into the files only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from reconciler.config import LoadedConfig
from reconciler.errors import ReconcilerError
from reconciler.gitops.staterecord import Record, StateRef, merged
from reconciler.plan.model import Action, Plan
from reconciler.provider import Provider
from reconciler.workspace.workspace import Spec, Workspace


def with_record(workspace: Workspace, record: Record) -> Workspace:
    """`workspace` with each spec's pin as the record and its file together say."""
    specs = []
    for spec in workspace.specs:
        entry = record.pins.get(spec.ref)
        if entry is not None:
            pin_id, pin = merged(spec.pin_id, spec.pin_state, entry)
            spec = replace(spec, pin_id=pin_id, pin_state=pin)
        specs.append(spec)
    return Workspace(workspace.loaded, tuple(specs), workspace.content_hash)


def needs_record(loaded: LoadedConfig, workspace: Workspace, provider: Provider) -> bool:
    return not loaded.env.is_sandbox and any(provider.identity_in_git(s) for s in workspace)


def read_record(loaded: LoadedConfig, workspace: Workspace, provider: Provider,
                warn: Callable[[str], None]) -> tuple[Workspace, StateRef | None, str | None]:
    """The workspace with the record's pins, the record, and why it is unavailable (or None).

    A record that cannot be read is a warning here: plan still shows what it can,
    and apply refuses every change that would need it.
    """
    if not needs_record(loaded, workspace, provider):
        return workspace, None, None
    store = StateRef(loaded.root, loaded.env_name)
    try:
        record = store.read()
    except ReconcilerError as e:  # RecordError, or git failing in another way
        warn(f"warning: {e}: campaigns it pins may show as creates, and apply creates none")
        return workspace, store, str(e)
    return with_record(workspace, record), store, None


def creates_in_git(workspace: Workspace, provider: Provider) -> bool:
    """Whether applying `workspace` is sure to write a pin to the record before any plan
    says so: an object whose identity lives in git has no id yet (neither its file nor
    the record names one), so the plan creates it. Apply then checks that the record
    can be written beside the plan (StateRef.start_check)."""
    return any(provider.identity_in_git(s) and s.pin_id is None
               and not (s.pin_state or {}).get("created") for s in workspace)


def writes_record(plan: Plan, workspace: Workspace, provider: Provider) -> bool:
    """Whether applying `plan` writes a pin to the record: it creates or updates an object
    whose identity lives in git. Only then is the record checked for writing first."""
    for change in plan.changes:
        if change.action is Action.NOOP or change.action.removes:
            continue
        spec = workspace.get(change.ref)
        if spec is not None and provider.identity_in_git(spec):
            return True
    return False


class ApplyPins:
    """The executor's PinRecord: each pin pushed to the env's record from a thread."""

    def __init__(self, store: StateRef, unavailable: str | None):
        self.store = store
        self.unavailable = unavailable

    def check(self) -> None:
        """Before the first write: can the record be written at all?"""
        if self.unavailable is None:
            try:
                self.store.check_writable()
            except ReconcilerError as e:
                self.unavailable = str(e)

    async def record(self, pins: Sequence[tuple[Spec, Mapping[str, Any]]]) -> None:
        await asyncio.to_thread(self.store.pin_all, {spec.ref: values for spec, values in pins})
