"""Carry out a Plan (DESIGN §6): waves in dependency order, failures isolated.

Waves: creates/updates per kind in dependency order (audiences, then the
campaigns that target them, with audience keys resolved to ids created
moments ago), then removals in reverse order. Within a wave every change runs
concurrently; the provider's Caller bounds requests in flight. A change whose
dependency failed is skipped; everything independent continues.

The API has no idempotency key, so a create that fails ambiguously (timeout,
dropped connection, 5xx) is never simply sent again: the object is looked up
first (by name, or by the id the provider chose) and adopted if it exists.

Every write is verified (verify.py): a field the API did not keep fails the
change. A change that goes live is two-phase: written held back (a draft),
verified, and only then activated and verified again, so a campaign whose
targeting did not stick never reaches anyone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from reconciler.apply.journal import Journal
from reconciler.apply.results import APPLIED, FAILED, SKIPPED, Result
from reconciler.apply.verify import NotKept, verify_write
from reconciler.calls import send_once
from reconciler.errors import PartialWrite, ReconcilerError
from reconciler.plan.model import Action, Change, Plan
from reconciler.plan.planner import desired_payload
from reconciler.provider import LiveObject, Provider
from reconciler.workspace.workspace import Spec, Workspace

CREATE_ATTEMPTS = 4
CANCELLED = "cancelled before start"
NOT_RECORDED = "its id could not be recorded"


class PinRecord(Protocol):
    """Where the pins of objects the API cannot find again are recorded durably.

    Apply records a pin before the send it stands for (DESIGN §6, "Exactly once")
    and again after it; a change that needs the record while it is unavailable is
    refused before any write.
    """

    unavailable: str | None  # why pins cannot be recorded now, or None

    async def record(self, spec: Spec, values: Mapping[str, Any]) -> None:
        """Record `values` (the spec file's `id`/`pin`) for `spec`; ReconcilerError if not."""


@dataclass
class Executor:
    provider: Provider
    workspace: Workspace
    journal: Journal
    concurrency: int = 4
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    ids: dict[str, int | str] = field(default_factory=dict)
    results: dict[str, Result] = field(default_factory=dict)
    pins: PinRecord | None = None  # None: pins go into the spec files only
    # Asked before each wave and each go-live: the reason writing must stop (the apply
    # lease is no longer ours), else None. Unset: nothing to confirm.
    guard: Callable[[], Awaitable[str | None]] | None = None
    # Asked after `guard` before each wave, with the wave: holds back (makes a noop, in
    # place) what must not be written now, e.g. a campaign stopped since the plan.
    recheck: Callable[[list[Change]], Awaitable[None]] | None = None

    async def run(self, plan: Plan) -> list[Result]:
        self._slots = asyncio.Semaphore(self.concurrency)
        for change in plan.changes:
            if change.key and change.live_id is not None:
                self.ids[change.ref] = change.live_id
        for wave in waves(plan, [k.name for k in self.provider.kinds]):
            reason = None if self.stop.is_set() else await self._guarded()
            if reason is not None:
                for c in wave:
                    self._finish(Result(c, SKIPPED, c.live_id, error=f"not applied: {reason}"))
                continue
            if self.recheck is not None:
                await self.recheck(wave)
                wave = [c for c in wave if c.action is not Action.NOOP]
            await asyncio.gather(*(self._one(c) for c in wave))
        return [self.results[c.ref] for c in plan.changes if c.action is not Action.NOOP]

    async def _guarded(self) -> str | None:
        """Why writing must stop now (set `stop` too, so queued writes do not start)."""
        reason = await self.guard() if self.guard is not None else None
        if reason is not None:
            self.stop.set()
        return reason

    async def _one(self, change: Change) -> None:
        blocked = [d for d in change.depends_on if self._failed(d)]
        if blocked:
            self._finish(Result(change, SKIPPED, change.live_id,
                                error=f"depends on {', '.join(blocked)}, which did not apply"))
            return
        async with self._slots:  # checked only once a slot is free: a stop cuts the queue
            if self.stop.is_set() or self.journal.failed:
                self._finish(Result(change, SKIPPED, change.live_id, error=CANCELLED))
                return
            refused = self._unrecordable(change)
            try:
                if refused:
                    raise ReconcilerError(refused)
                result = await self._write(change)
            except PartialWrite as e:  # what it did (or may have done) must be kept
                result = Result(change, FAILED, e.live_id or change.live_id, error=str(e),
                                pin=e.pin, request=e.request)
            except NotKept as e:
                result = Result(change, FAILED, e.live_id or change.live_id, error=str(e))
            except ReconcilerError as e:
                result = Result(change, FAILED, change.live_id, error=str(e))
            result = await self._record(result)
        self._finish(result)

    def _in_git(self, change: Change) -> Spec | None:
        """The spec of `change` when its identity must be recorded (and a record is kept)."""
        spec = self.workspace.get(change.ref) if self.pins is not None else None
        if spec is None or change.action.removes or not self.provider.identity_in_git(spec):
            return None
        return spec

    def _unrecordable(self, change: Change) -> str | None:
        why = self.pins.unavailable if self.pins is not None else None
        if why is None or self._in_git(change) is None:
            return None
        return (f"refused: what it creates could not be recorded ({why}), so nothing was "
                "created or sent for it")

    async def _record(self, result: Result) -> Result:
        """Record a result's pin (after the write); a send whose record fails is a failure:
        the record still says its outcome is unknown, and the next plan asks."""
        if self.pins is None or not result.pin or self._in_git(result.change) is None \
                or NOT_RECORDED in (result.error or ""):
            return result
        spec = self.workspace.get(result.change.ref)
        assert spec is not None
        try:
            await self.pins.record(spec, result.pin)
        except ReconcilerError as e:
            done = f"{result.error}; " if result.error else "written, but "
            return Result(result.change, FAILED, result.live_id, pin=result.pin,
                          request=result.request,
                          error=f"{done}its pin was not recorded: {e}")
        return result

    def _failed(self, ref: str) -> bool:
        r = self.results.get(ref)
        return r is not None and r.status != APPLIED

    def _finish(self, result: Result) -> None:
        self.results[result.change.ref] = result
        c = result.change
        if result.status == APPLIED and c.key and result.live_id is not None:
            self.ids[c.ref] = result.live_id
        if result.error != CANCELLED:
            self.journal.record(
                kind=c.kind, key=c.key, name=c.name, action=c.action.value,
                live_id=result.live_id, status=result.status, error=result.error,
                note=result.note, **({"request": result.request} if result.request else {}),
                **({"pin": result.pin} if result.pin else {}),
            )

    async def _write(self, change: Change) -> Result:
        kind = change.kind
        if change.action.removes:
            await self.provider.remove(kind, change.live_id)  # type: ignore[arg-type]
            return Result(change, APPLIED, change.live_id)
        spec = self.workspace.get(change.ref)
        if spec is None:
            raise ReconcilerError(f"{change.ref}: spec not found")
        payload = desired_payload(self.provider, spec, change.live_body, self.ids)
        draft = self.provider.held_back(kind, payload) if change.go_live else None
        obj, note = await self._put(change, draft if draft is not None else payload)
        if draft is None:
            obj = await verify_write(self.provider, kind, obj, payload, spec.ignore_changes)
            return Result(change, APPLIED, obj.id, note=note, pin=self.provider.pin(spec, obj))
        obj = await verify_write(self.provider, kind, obj, draft, spec.ignore_changes,
                                 after="; left as a draft, not activated")
        self.journal.record(  # a write of its own: a run killed now still tells of the draft
            kind=kind, key=change.key, name=change.name, action=change.action.value,
            live_id=obj.id, status="draft", error=None, note="verified as a draft; activating",
        )
        reason = await self._guarded()
        if reason is not None:
            raise PartialWrite(f"left as a draft, not activated: {reason}", live_id=obj.id)
        await self._record_before_send(spec, obj)
        obj = await self.provider.activate(kind, obj, payload)
        obj = await verify_write(self.provider, kind, obj, payload, spec.ignore_changes)
        return Result(change, APPLIED, obj.id, note=note or "verified as a draft, then activated",
                      pin=self.provider.pin(spec, obj))

    async def _record_before_send(self, spec: Spec, draft: LiveObject) -> None:
        """Record the draft's pin, as it must stand if the send's outcome is lost, before
        the send: when that fails, the draft stays unsent (DESIGN §6, "Exactly once")."""
        doubt = self.provider.pin_in_doubt(spec, draft) if self.pins is not None else None
        if self.pins is None or doubt is None:
            return
        try:
            await self.pins.record(spec, doubt)
        except ReconcilerError as e:
            raise PartialWrite(f"created as draft {draft.id}, not sent: {NOT_RECORDED} ({e})",
                               live_id=draft.id,
                               pin=self.provider.pin(spec, draft)) from None

    async def _put(
        self, change: Change, payload: Mapping[str, object]
    ) -> tuple[LiveObject, str | None]:
        """The create or update itself; the written object and a note for the report."""
        if change.action is Action.UPDATE:
            return await self.provider.update(change.kind, change.live_id, payload), None  # type: ignore[arg-type]
        return await self._create(change.kind, change.name, payload)

    async def _create(
        self, kind: str, name: str, payload: Mapping[str, object]
    ) -> tuple[LiveObject, str | None]:
        """Create once; after an ambiguous failure, adopt what exists before retrying."""

        async def create() -> tuple[LiveObject, str | None]:
            return await self.provider.create(kind, payload), None

        async def adopted() -> tuple[LiveObject, str | None] | None:
            found = await self.provider.find_created(kind, payload)
            if len(found) > 1:
                ids = ", ".join(str(o.id) for o in found)
                raise ReconcilerError(f"{kind} {name!r} exists several times (ids {ids})")
            if found:
                return found[0], f"adopted id {found[0].id} after an ambiguous failure"
            return None

        return await send_once(create, adopted, CREATE_ATTEMPTS)


def waves(plan: Plan, kinds: list[str]) -> list[list[Change]]:
    """Creates/updates per kind in dependency order, then removals in reverse."""
    work = [c for c in plan.changes if c.action is not Action.NOOP]
    out = [[c for c in work if c.kind == k and not c.action.removes] for k in kinds]
    out += [[c for c in work if c.kind == k and c.action.removes] for k in reversed(kinds)]
    return [w for w in out if w]
