"""The emergency stop: find what is sending, stop it, read it back (issue 31).

Platform-free: what a stop is, which states can stop and how a stopped campaign
reads are the platform's (`reconciler.platform.Stops`). This module decides the
order of things, the same for every platform:

- the targets come from live state (the campaign listing, and the live side of
  specs whose identity lives in git), matched to specs where a workspace loads,
  so a broken main still stops by live name;
- a campaign that reads as not sending is "was not live", with no write;
- one the platform cannot stop says why, with no write;
- every stop goes through the env's `Caller` as a write that is not idempotent,
  and `send_once` reads the campaign back after a lost answer before it sends
  anything again: a stop is never written twice, and is judged on a fresh read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.apply.journal import Journal
from reconciler.calls import send_once
from reconciler.errors import ApiError, RefusedError, TransportError
from reconciler.plan.identity import match
from reconciler.platform import Stops
from reconciler.provider import LiveObject, Provider
from reconciler.workspace.workspace import Spec

STOPPED, NOT_LIVE, CANNOT, FAILED = "stopped", "was not live", "cannot be stopped", "failed"
STOP_ATTEMPTS = 3


@dataclass(frozen=True)
class Target:
    """One campaign the command was asked to stop: its record key `<kind>:<key>` (the
    spec's key, or the live name where no spec matches), the live object as just read
    (None: nothing live has that key), and its spec if one matched."""

    ref: str
    live: LiveObject | None
    spec: Spec | None = None


@dataclass(frozen=True)
class Outcome:
    target: Target
    status: str  # STOPPED | NOT_LIVE | CANNOT | FAILED
    why: str = ""
    after: LiveObject | None = None  # the read-back that judged it
    state: str = ""  # a stopped one's state in the platform's words (`stopped_state`)

    @property
    def ok(self) -> bool:
        return self.status in (STOPPED, NOT_LIVE)


def stops(provider: Provider) -> Stops:
    """The provider as a stopper, or one error line naming what is missing."""
    if not isinstance(provider, Stops):
        raise RefusedError(f"refusing: the {provider.platform or 'env'} platform declares no "
                           "emergency stop; stop its campaigns in its own dashboard")
    return provider


async def find_targets(provider: Provider, kind: str, specs: Sequence[Spec] | None,
                       keys: Sequence[str], all_live: bool,
                       listed: Sequence[LiveObject] | None = None) -> list[Target]:
    """The campaigns to stop, from live state (`specs` None: the workspace did not load).

    `keys` are spec keys (or, without a workspace, live names or ids); an unknown key is
    an error before any write. With `all_live`, every campaign that is not stopped.
    `listed`: the listing of `kind`, when the caller read it already.
    """
    stopper = stops(provider)
    mine = [s for s in specs or () if s.kind == kind]
    live = list(listed if listed is not None else await provider.list_live(kind))
    seen = {o.id for o in live}
    for spec in mine:  # identity in git: objects the listing cannot show
        found = provider.git_live(spec) if provider.identity_in_git(spec) else None
        if found is not None and found.id not in seen:
            live.append(found)
            seen.add(found.id)
    pairs = match(mine, live, provider.default_id, missing_ok=True).pairs if mine else {}
    spec_of = {o.id: s for s in mine if (o := pairs.get(s.ref)) is not None}
    if all_live:
        chosen = [o for o in live if not stopper.is_stopped(o)]
        targets = [Target(_ref(kind, o, spec_of.get(o.id)), o, spec_of.get(o.id))
                   for o in chosen]
    else:
        targets = [_by_key(kind, key, specs, mine, pairs, live, spec_of) for key in keys]
    return await _full(provider, stopper, targets)


def _ref(kind: str, live: LiveObject, spec: Spec | None) -> str:
    return spec.ref if spec is not None else f"{kind}:{live.name}"


def check_keys(kind: str, specs: Sequence[Spec], keys: Sequence[str]) -> None:
    """Every key names a spec of `kind`, checked before any request."""
    known = {s.key for s in specs if s.kind == kind}
    for key in keys:
        if key not in known:
            raise RefusedError(f"refusing: no {kind} spec has the key {key!r}; nothing was "
                               "stopped (stop --all-live stops every live one)")


def _by_key(kind: str, key: str, specs: Sequence[Spec] | None, mine: list[Spec],
            pairs: dict[str, LiveObject | None], live: list[LiveObject],
            spec_of: dict[Any, Spec]) -> Target:
    if specs is not None:
        check_keys(kind, mine, [key])
        spec = next(s for s in mine if s.key == key)
        return Target(spec.ref, pairs.get(spec.ref), spec)
    found = [o for o in live if o.name == key or str(o.id) == key]
    if len(found) > 1:
        raise RefusedError(f"refusing: {len(found)} live {kind}s are named {key!r} "
                           f"(ids {', '.join(str(o.id) for o in found)}); name one by id; "
                           "nothing was stopped")
    return Target(f"{kind}:{found[0].name if found else key}", found[0] if found else None,
                  spec_of.get(found[0].id) if found else None)


async def _full(provider: Provider, stopper: Stops, targets: list[Target]) -> list[Target]:
    """Listing rows of campaigns that may send, read whole (reach and schedule need it)."""
    async def full(t: Target) -> Target:
        if t.live is None or t.live.body is not None or stopper.is_stopped(t.live):
            return t
        fresh = await provider.get_live(t.live.kind, t.live.id)
        return Target(t.ref, fresh, t.spec)

    return list(await asyncio.gather(*(full(t) for t in targets)))


async def stop_all(provider: Provider, targets: Sequence[Target], journal: Journal, *,
                   batch_from: int = 8) -> list[Outcome]:
    """Stop every target at once (the `Caller` paces and bounds them), then read them all
    back, journaling each outcome.

    The read-back is one fresh listing once more than `batch_from` were written (a page
    reads a hundred campaigns in the time a GET reads one), else a GET of each; one the
    listing does not show is read by itself. A stop whose answer was lost was already
    read back, by `send_once`, before anything was sent again.
    """
    stopper = stops(provider)
    first = await asyncio.gather(*(_stop_one(provider, stopper, t, journal) for t in targets))
    written = [t for t in first if isinstance(t, Target)]
    fresh = await _read_back(provider, written, batch_from)
    outcomes = [_judged(stopper, t, fresh.get(_key(t))) if isinstance(t, Target) else t
                for t in first]
    for o in outcomes:
        _journal(journal, o)
    return outcomes


def _key(target: Target) -> tuple[str, Any]:
    assert target.live is not None
    return target.live.kind, target.live.id


async def _read_back(provider: Provider, written: Sequence[Target], batch_from: int
                     ) -> dict[tuple[str, Any], _Read]:
    found: dict[tuple[str, Any], _Read] = {}
    if len(written) > batch_from:
        for kind in dict.fromkeys(k for k, _ in map(_key, written)):
            found.update({(kind, o.id): _Read(o) for o in await provider.list_live(kind)})

    async def one(t: Target) -> None:
        kind, live_id = _key(t)
        found[(kind, live_id)] = _Read(await provider.get_live(kind, live_id))

    await asyncio.gather(*(one(t) for t in written if _key(t) not in found))
    return found


def _judged(stopper: Stops, target: Target, back: _Read | None) -> Outcome:
    """A written stop, judged on its read-back (None or gone: nothing sends)."""
    after = back.live if back is not None else None
    if after is not None and not stopper.is_stopped(after):
        return Outcome(target, FAILED,
                       f"read back after the stop, it is still {after.status or 'live'}", after)
    assert target.live is not None
    return Outcome(target, STOPPED, after=after, state=stopper.stopped_state(after or target.live))


def _entry(target: Target) -> dict[str, Any]:
    live = target.live
    assert live is not None
    return {"action": "stop", "kind": live.kind, "key": target.ref, "live_id": live.id,
            "name": live.name}


def _journal(journal: Journal, o: Outcome) -> None:
    """The verdict on a stop that was sent (its write was journaled when answered)."""
    if o.target.live is None or o.status not in (STOPPED, FAILED):
        return  # nothing was written
    entry = {**_entry(o.target), "status": o.status}
    if o.status == STOPPED:
        journal.record(**entry, state=o.state)
    else:
        journal.record(**entry, error=o.why[:300])


class _Read:
    """A read-back (None: the object is gone), so `send_once` can tell it from 'not yet'."""

    def __init__(self, live: LiveObject | None):
        self.live = live


async def _stop_one(provider: Provider, stopper: Stops, target: Target, journal: Journal
                    ) -> Outcome | Target:
    """The outcome where no read-back is left to do, else the target (written, to read).
    A write is journaled as soon as it is answered (`status: written`), so a run killed
    before the read-back still tells what it sent."""
    live = target.live
    if live is None or stopper.is_stopped(live):
        return Outcome(target, NOT_LIVE, after=live)
    why = stopper.stoppable(live)
    if why is not None:
        return Outcome(target, CANNOT, why, live)

    async def write() -> _Read | None:
        await stopper.stop(live)
        return None  # read back with the others

    async def happened() -> _Read | None:
        back = _Read(await provider.get_live(live.kind, live.id))
        return back if back.live is None or stopper.is_stopped(back.live) else None

    try:
        back = await send_once(write, happened, STOP_ATTEMPTS)
    except (ApiError, TransportError) as e:
        return Outcome(target, FAILED, str(e))
    journal.record(**_entry(target), status="written")
    return target if back is None else _judged(stopper, target, back)
