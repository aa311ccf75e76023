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
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from reconciler.apply.journal import Journal
from reconciler.apply.results import APPLIED, FAILED, SKIPPED, Result
from reconciler.apply.verify import NotKept, verify_write
from reconciler.calls import send_once
from reconciler.errors import PartialWrite, ReconcilerError
from reconciler.plan.compare import desired_payload
from reconciler.plan.model import Action, Change, Plan
from reconciler.provider import LiveObject, Provider
from reconciler.workspace.workspace import Spec, Workspace

CREATE_ATTEMPTS = 4
CANCELLED = "cancelled before start"
NOT_RECORDED = "its id could not be recorded"
STOPPED = "apply stopped before its send"


class PinRecord(Protocol):
    """Where the pins of objects the API cannot find again are recorded durably.

    Apply records a pin before the send it stands for (DESIGN §6, "Exactly once")
    and again after it, a wave's pins together: one durable write (a git push)
    for all the drafts a wave is about to send, one for what the wave did. A
    change that needs the record while it is unavailable is refused before any
    write.
    """

    unavailable: str | None  # why pins cannot be recorded now, or None

    async def record(self, pins: Sequence[tuple[Spec, Mapping[str, Any]]]) -> None:
        """Record each spec's `values` (its file's `id`/`pin`) in one durable write, all
        or none; ReconcilerError if not."""


class Guard(Protocol):
    """The apply lease's keeper as the executor asks it (apply/keeper.LeaseKeeper)."""

    async def confirm(self, since: int | None = None) -> str | None:
        """Why writing must stop (the lease is no longer ours), else None; after a round
        of confirmation begun after `since` (a `mark()`), else after one begun now."""

    def mark(self) -> int:
        """This moment, for `confirm(since=...)`."""

    def begin(self) -> None:
        """Begin a round of confirmation now, collected by a later `confirm`."""

    def let_go(self) -> None:
        """Release the lease now: no write is left (the read-backs need no lease)."""


@dataclass(frozen=True)
class Held:
    """A draft written and verified, held back until its pin is recorded: the wave's
    held drafts are recorded in one write, then sent (`Executor._send_held`)."""

    change: Change
    spec: Spec
    draft: LiveObject
    payload: Mapping[str, Any]
    note: str | None
    doubt: dict[str, Any]  # the pin as it must stand if the send's outcome is lost


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
    # Asked before each wave and each go-live (once for a wave's held drafts): the reason
    # writing must stop (the apply lease is no longer ours), else None. Unset: nothing to
    # confirm.
    guard: Guard | None = None
    # The mark (Guard.mark) the first wave's confirmation must follow: the lease's taking
    # (the caller begins that round when the plan's reads are done). None: one begun then.
    since: int | None = None
    # the wave's results whose pins wait for its one record write (`_record_wave`)
    _unrecorded: list[Result] = field(default_factory=list, init=False)
    # the changes of the wave that may still write (`_written`); whether it is the last
    _writing: set[str] = field(default_factory=set, init=False)
    _last: bool = field(default=False, init=False)
    _recorded: bool = field(default=False, init=False)  # the wave's pins are recorded
    # Asked after `guard` before each wave, with the wave: holds back (makes a noop, in
    # place) what must not be written now, e.g. a campaign stopped since the plan.
    recheck: Callable[[list[Change]], Awaitable[None]] | None = None
    # Told each result that has a pin as soon as the write is done, before the wave's record
    # write: the spec files are written meanwhile (apply.run), not after the last request.
    on_pin: Callable[[Result], None] | None = None

    async def run(self, plan: Plan) -> list[Result]:
        self._slots = asyncio.Semaphore(self.concurrency)
        for change in plan.changes:
            if change.key and change.live_id is not None:
                self.ids[change.ref] = change.live_id
        planned = waves(plan, [k.name for k in self.provider.kinds])
        for n, wave in enumerate(planned, 1):
            reason = None if self.stop.is_set() else await self._guarded(self.since)
            self.since = None
            if reason is not None:
                for c in wave:
                    self._finish(Result(c, SKIPPED, c.live_id, error=f"not applied: {reason}"))
                continue
            if self.recheck is not None:
                await self.recheck(wave)
                wave = [c for c in wave if c.action is not Action.NOOP]
            self._writing = {c.ref for c in wave}
            self._last, self._recorded = n == len(planned), False
            await self._wave(wave)
            self._writing.clear()  # each was written: a wave of nothing begins no round
        return [self.results[c.ref] for c in plan.changes if c.action is not Action.NOOP]

    async def _wave(self, wave: list[Change]) -> None:
        """Every change of the wave concurrently, those whose identity lives in git asked
        first; they are recorded (and sent) as soon as they are done, beside the rest of
        the wave: an app push's send and the wave's one record write waited for the
        wave's last email read-back, with nothing else in flight (issue 29)."""
        async def one(change: Change) -> Held | None:
            held = await self._one(change)
            if held is None:
                self._written(change)
            return held

        in_git = [c for c in wave if self._in_git(c) is not None]
        ones = {c.ref: asyncio.ensure_future(one(c))
                for c in [*in_git, *(c for c in wave if self._in_git(c) is None)]}
        await asyncio.gather(self._record_when_done([ones[c.ref] for c in in_git]),
                             *ones.values())

    async def _record_when_done(self, in_git: Sequence[Awaitable[Held | None]]) -> None:
        """Once these writes are done: their held drafts recorded together, then sent;
        then their pins recorded together."""
        held = [h for h in await asyncio.gather(*in_git) if h]
        if held:
            await self._send_held(held)
            for h in held:
                self._written(h.change)
        await self._record_wave()
        self._recorded = True
        if self._last and not self._writing:
            self._let_go()

    def _written(self, change: Change) -> None:
        """`change` makes no further write in this wave. Once the wave's last write is
        answered, the next wave's confirmation begins, beside the read-backs still under
        way: it follows every write of this wave, as it must (issue 29). After the last
        wave's, the lease is released beside them once the wave's pins are recorded too
        (the record is written under the lease), else as soon as they are."""
        if change.ref not in self._writing:
            return
        self._writing.discard(change.ref)
        if self._writing or self.guard is None or self.stop.is_set():
            return
        if not self._last:
            self.since = self.guard.mark()
            self.guard.begin()
        elif self.pins is None or self._recorded:
            self._let_go()

    def _let_go(self) -> None:
        """Release the lease now: the last wave wrote everything and recorded its pins, so
        what is left (reading writes back, the journal, the files) needs no lease, and the
        next apply finds every pin in the record (issue 29)."""
        if self.guard is not None and not self.stop.is_set():
            self.guard.let_go()

    async def _guarded(self, since: int | None = None) -> str | None:
        """Why writing must stop now (set `stop` too, so queued writes do not start)."""
        reason = await self.guard.confirm(since) if self.guard is not None else None
        if reason is not None:
            self.stop.set()
        return reason

    async def _one(self, change: Change) -> Held | None:
        """Write `change`; a draft that must be recorded before its send is returned."""
        blocked = [d for d in change.depends_on if self._failed(d)]
        if blocked:
            self._finish(Result(change, SKIPPED, change.live_id,
                                error=f"depends on {', '.join(blocked)}, which did not apply"))
            return None
        async with self._slots:  # checked only once a slot is free: a stop cuts the queue
            if self.stop.is_set() or self.journal.failed:
                self._finish(Result(change, SKIPPED, change.live_id, error=CANCELLED))
                return None
            refused = self._unrecordable(change)
            outcome = (Result(change, FAILED, change.live_id, error=refused) if refused
                       else await self._attempt(change, self._write(change)))
        if isinstance(outcome, Held):
            return outcome
        self._done(outcome)
        return None

    async def _attempt(self, change: Change, write: Awaitable[Result | Held]
                       ) -> Result | Held:
        """The write's outcome; a failure as a FAILED result keeping what it made."""
        try:
            return await write
        except PartialWrite as e:  # what it did (or may have done) must be kept
            return Result(change, FAILED, e.live_id or change.live_id, error=str(e),
                          pin=e.pin, request=e.request)
        except NotKept as e:
            return Result(change, FAILED, e.live_id or change.live_id, error=str(e))
        except ReconcilerError as e:
            return Result(change, FAILED, change.live_id, error=str(e))

    async def _send_held(self, held: list[Held]) -> None:
        """Record the held drafts' pins in one write, then send them; when the lease is
        lost or the write fails, every draft stays unsent (DESIGN §6, "Exactly once")."""
        assert self.pins is not None
        stopped = STOPPED if self.stop.is_set() else None
        reason = stopped or await self._guarded()
        if reason is None:
            try:
                await self.pins.record([(h.spec, h.doubt) for h in held])
            except ReconcilerError as e:
                reason = f"{NOT_RECORDED} ({e})"
        if reason is not None:
            for h in held:
                self._done(self._unsent(h, reason))
            return
        await asyncio.gather(*(self._send(h) for h in held))

    async def _send(self, held: Held) -> None:
        async with self._slots:
            if self.stop.is_set() or self.journal.failed:
                result: Result | Held = self._unsent(held, STOPPED)
            else:
                result = await self._attempt(held.change, self._go_live(
                    held.change, held.spec, held.draft, held.payload, held.note))
        assert isinstance(result, Result)
        self._done(result)

    def _unsent(self, held: Held, reason: str) -> Result:
        """A held draft that was not sent; its pin (not executed) is recorded at the wave's
        end, over the record's "unknown" where that was written."""
        return Result(held.change, FAILED, held.draft.id,
                      error=f"created as draft {held.draft.id}, not sent: {reason}",
                      pin=self.provider.pin(held.spec, held.draft))

    def _done(self, result: Result) -> None:
        """Finish `result`, or keep it for the wave's record write when it has a pin to
        record (a send whose record fails is then a failure: `_record_wave`)."""
        if result.pin and self.on_pin is not None:
            self.on_pin(result)
        if self.pins is None or not result.pin or self._in_git(result.change) is None \
                or NOT_RECORDED in (result.error or ""):
            self._finish(result)
        else:
            self._unrecorded.append(result)

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

    async def _record_wave(self) -> None:
        """Record the pins of the wave's results in one write, then finish them; when the
        write fails each is a failure: the record still says its outcome is unknown (or
        holds no id), and the next plan asks."""
        results, self._unrecorded = self._unrecorded, []
        if not results:
            return
        assert self.pins is not None
        pins = [(spec, r.pin) for r in results
                if r.pin and (spec := self.workspace.get(r.change.ref)) is not None]
        try:
            await self.pins.record(pins)
        except ReconcilerError as e:
            results = [Result(r.change, FAILED, r.live_id, pin=r.pin, request=r.request,
                              error=(f"{r.error}; " if r.error else "written, but ")
                              + f"its pin was not recorded: {e}") for r in results]
        for r in results:
            self._finish(r)

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

    async def _write(self, change: Change) -> Result | Held:
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
            self._written(change)  # what is left is reading it back
            obj = await verify_write(self.provider, kind, obj, payload, spec.ignore_changes)
            return Result(change, APPLIED, obj.id, note=note, pin=self.provider.pin(spec, obj))
        obj = await verify_write(self.provider, kind, obj, draft, spec.ignore_changes,
                                 after="; left as a draft, not activated")
        self.journal.record(  # a write of its own: a run killed now still tells of the draft
            kind=kind, key=change.key, name=change.name, action=change.action.value,
            live_id=obj.id, status="draft", error=None, note="verified as a draft; activating",
        )
        doubt = self.provider.pin_in_doubt(spec, obj) if self.pins is not None else None
        if doubt is not None:  # recorded with the wave's other held drafts, then sent
            return Held(change, spec, obj, payload, note, doubt)
        reason = await self._guarded()
        if reason is not None:
            raise PartialWrite(f"left as a draft, not activated: {reason}", live_id=obj.id)
        return await self._go_live(change, spec, obj, payload, note)

    async def _go_live(self, change: Change, spec: Spec, draft: LiveObject,
                       payload: Mapping[str, Any], note: str | None) -> Result:
        """Activate a verified draft and verify it again."""
        obj = await self.provider.activate(change.kind, draft, payload)
        self._written(change)
        obj = await verify_write(self.provider, change.kind, obj, payload, spec.ignore_changes)
        return Result(change, APPLIED, obj.id, note=note or "verified as a draft, then activated",
                      pin=self.provider.pin(spec, obj))

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
