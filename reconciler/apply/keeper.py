"""A lease that is held, not just taken: renewed while apply works, confirmed before writes.

Taking the lease once is not enough: an apply that outlives the expiry (a
large app under a rate limit) would let a second apply take it over, and both
would write. So the holder renews it in the background every third of its
expiry, keeping its rank (the object is renamed in place, never re-created),
and confirms it still holds it before each write wave and each go-live. When
it cannot (the object is gone, another lease ranks first, or renewals have
failed for two thirds of the expiry), the keeper says why once and sets
`lost`; apply starts no new write and reports the rest as not applied.

Times are the platform's (lease.platform_time). The wait between renewals is
this machine's monotonic clock, a duration, never a date; it and the sleep
are injectable so tests drive renewals without waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from reconciler.apply.lease import TTL, Lease, acquire, parse, platform_time
from reconciler.errors import ReconcilerError
from reconciler.platform import HoldsLease


@dataclass
class LeaseKeeper:
    """Keeps `lease` held: `confirm()` before a write; `lost` says why it is not."""

    provider: HoldsLease
    lease: Lease
    ttl: timedelta = TTL
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    monotonic: Callable[[], float] = time.monotonic
    on_lost: Callable[[str], None] = lambda _reason: None
    lost: str | None = None
    _renewed_at: float = field(default=0.0, init=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    _next: asyncio.Future[None] | None = field(default=None, init=False)  # not yet begun
    _rounds: set[asyncio.Future[None]] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self._renewed_at = self.monotonic()

    async def confirm(self) -> str | None:
        """Renew and check we still hold it; the reason we do not, else None.

        Callers that ask while a confirmation is under way share the next one, which
        begins after every one of them asked: each go-live is still preceded by a
        confirmation of its own making, but 40 concurrent go-lives cost a few rounds,
        not 40 in a row (each two requests under the lock: issue 29).
        """
        if self.lost is None:
            if self._next is None:
                self._next = asyncio.get_running_loop().create_future()
                self._rounds.add(task := asyncio.ensure_future(self._round(self._next)))
                task.add_done_callback(self._rounds.discard)
            await asyncio.shield(self._next)
        return self.lost

    async def _round(self, done: asyncio.Future[None]) -> None:
        """One confirmation for everyone who asked before it began."""
        try:
            async with self._lock:
                self._next = None  # who asks from now on waits for the round after this
                if self.lost is None:
                    try:
                        self._check(await self._renew())
                    except ReconcilerError as e:
                        self._lose(f"could not confirm the apply lease ({e})")
        except BaseException as e:  # cancelled: the waiters learn it, none goes on unconfirmed
            if self._next is done:
                self._next = None
            done.set_exception(e if isinstance(e, Exception) else asyncio.CancelledError())
            raise
        done.set_result(None)

    async def run(self) -> None:
        """Renew every third of the expiry until cancelled or lost; after a failed renewal
        retry sooner, and give up once two thirds of the expiry passed without one."""
        period = self.ttl.total_seconds() / 3
        while self.lost is None:
            since = self.monotonic() - self._renewed_at
            await self.sleep(max(0.0, period - since) if since < period else period / 4)
            async with self._lock:
                if self.lost is not None:
                    return
                try:
                    self._check(await self._renew())
                except ReconcilerError as e:
                    if self.monotonic() - self._renewed_at >= 2 * period:
                        self._lose(f"could not renew the apply lease for "
                                   f"{int(2 * period)}s ({e})")

    async def _renew(self) -> list[Lease]:
        """Our object with a new expiry (the platform's time + ttl); every lease after."""
        until = platform_time(self.provider) + self.ttl
        await self.provider.lease_renew(self.lease.id, self.lease.renamed(until))
        leases = [le for o in await self.provider.lease_list() if (le := parse(o)) is not None]
        return leases

    def _check(self, leases: list[Lease]) -> None:
        now = platform_time(self.provider)
        mine = next((le for le in leases if le.token == self.lease.token), None)
        if mine is None or mine.expired(now):
            self._lose("the apply lease of this app is gone (it expired or was removed, "
                       "e.g. by `reconciler unlock`)")
            return
        ahead = [le for le in leases if le.token != mine.token and not le.expired(now)
                 and le.rank <= mine.rank]
        if ahead:
            self._lose(f"another apply took the lease of this app: {ahead[0].describe(now)}")
            return
        self.lease, self._renewed_at = mine, self.monotonic()

    def _lose(self, reason: str) -> None:
        if self.lost is None:
            self.lost = reason
            self.on_lost(reason)


@asynccontextmanager
async def hold_lease(
    provider: object, holder: str, *, wait: float = 0.0, ttl: timedelta = TTL,
    warn: Callable[[str], None] = lambda _m: None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AsyncIterator[LeaseKeeper | None]:
    """Hold the app's lease for the body, renewed in the background; yields None on a
    platform without the HoldsLease capability (the caller says what that means)."""
    if not isinstance(provider, HoldsLease):
        yield None
        return
    lease = await acquire(provider, holder, wait=wait, ttl=ttl)
    keeper = LeaseKeeper(provider, lease, ttl, sleep=sleep)
    renewing = asyncio.ensure_future(keeper.run())
    try:
        yield keeper
    finally:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing
        failed = await _release(provider, lease.id, sleep)
        if failed is not None:
            warn(f"warning: could not release the apply lease (object id {lease.id}): "
                 f"{failed}; it expires by itself at {keeper.lease.until:%Y-%m-%dT%H:%M:%SZ}")


RELEASE_ATTEMPTS = 3


async def _release(provider: HoldsLease, lease_id: int | str,
                   sleep: Callable[[float], Awaitable[None]]) -> ReconcilerError | None:
    """Delete our lease object, trying again after an error: a lease left behind blocks
    every other apply of the app until it expires (an hour by default), and deleting it
    twice is harmless (one already gone is not an error). The last error, else None."""
    failed: ReconcilerError | None = None
    for attempt in range(RELEASE_ATTEMPTS):
        if attempt:
            await sleep(0.2 * attempt)
        try:
            await provider.lease_delete(lease_id)
            return None
        except ReconcilerError as e:
            failed = e
    return failed
