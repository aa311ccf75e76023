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
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

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
    renewing: asyncio.Future[None] | None = None  # `run()`, started by hold_lease
    _renewed_at: float = field(default=0.0, init=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    _next: asyncio.Future[None] | None = field(default=None, init=False)  # not yet begun
    _rounds: set[asyncio.Future[None]] = field(default_factory=set, init=False)
    _begun: int = field(default=0, init=False)  # confirmation rounds begun so far
    _latest: tuple[int, asyncio.Future[None]] | None = field(default=None, init=False)
    _released: asyncio.Future[ReconcilerError | None] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._renewed_at = self.monotonic()

    async def confirm(self, since: int | None = None) -> str | None:
        """Renew and check we still hold it; the reason we do not, else None.

        Callers that ask while a confirmation is under way share the next one, which
        begins after every one of them asked: each go-live is still preceded by a
        confirmation of its own making, but 40 concurrent go-lives cost a few rounds,
        not 40 in a row (each two requests under the lock: issue 29).

        `since` (a `mark()`): a round begun after that mark answers too, even one begun
        (by `begin`) before this call or already over. A wave asks so for the round
        begun when the previous wave's last write was answered (for the first wave:
        when the plan's last read was), which then overlaps the read-backs or the
        planning's own work instead of waiting in a row before the wave (issue 29).
        """
        if self._released is not None:
            return self.lost or RELEASED
        if self.lost is None:
            latest = self._latest
            if since is not None and latest is not None and latest[0] > since:
                await asyncio.shield(latest[1])
            else:
                await asyncio.shield(self._upcoming())
        return self.lost

    def mark(self) -> int:
        """This moment among the rounds: `confirm(since=mark)` wants one begun after it."""
        return self._begun

    def begin(self) -> None:
        """Have a round begin now (or join the one about to) without waiting for it: the
        caller knows no write is in flight, and a `confirm(since=...)` will collect it."""
        if self.lost is None and self._released is None:
            self._upcoming()

    def let_go(self) -> None:
        """Release the lease now, without waiting: the apply's last write was answered and
        nothing it still does needs the lease (reading its writes back), so the delete runs
        beside those reads instead of after them (issue 29). Nothing is confirmed after."""
        if self._released is None:
            self._released = asyncio.ensure_future(self._release())

    async def release(self) -> ReconcilerError | None:
        """Release the lease (once: the one `let_go` began, if any); the error, else None."""
        self.let_go()
        assert self._released is not None
        return await asyncio.shield(self._released)

    async def _release(self) -> ReconcilerError | None:
        """Stop renewing, let the rounds under way end, then delete our object."""
        if self.renewing is not None:
            self.renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.renewing
        await self.settle()
        return await _release(self.provider, self.lease.id, self.sleep)

    def _upcoming(self) -> asyncio.Future[None]:
        """The round that begins next (after everyone who asked so far), started if new."""
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            self._next.add_done_callback(_seen)
            self._rounds.add(task := asyncio.ensure_future(self._round(self._next)))
            task.add_done_callback(self._rounds.discard)
        return self._next

    async def _round(self, done: asyncio.Future[None]) -> None:
        """One confirmation for everyone who asked before it began."""
        try:
            async with self._lock:
                self._next = None  # who asks from now on waits for the round after this
                self._begun += 1
                self._latest = (self._begun, done)
                if self.lost is None:
                    try:
                        self._check(*await self._renew())
                    except ReconcilerError as e:
                        self._lose(f"could not confirm the apply lease ({e})")
        except BaseException as e:  # cancelled: the waiters learn it, none goes on unconfirmed
            if self._next is done:
                self._next = None
            done.set_exception(e if isinstance(e, Exception) else asyncio.CancelledError())
            raise
        done.set_result(None)

    async def settle(self) -> None:
        """Let the rounds under way end (one begun for a wave that never came: the plan had
        no change or was refused) before the lease is released, so none renews it after."""
        for round_ in list(self._rounds):
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await round_

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
                    self._check(*await self._renew())
                except ReconcilerError as e:
                    if self.monotonic() - self._renewed_at >= 2 * period:
                        self._lose(f"could not renew the apply lease for "
                                   f"{int(2 * period)}s ({e})")

    async def _renew(self) -> tuple[list[Lease], datetime]:
        """Our object renamed with a new expiry (the platform's time + ttl), and every
        lease as listed while it was: the two requests go out together, not in a row
        (issue 29). The listing began after whatever the round must follow, so it shows
        whether the lease was still ours then, whichever name of ours it caught; a
        renewal that failed fails the round."""
        until = platform_time(self.provider) + self.ttl
        renewed, listed = await asyncio.gather(
            self.provider.lease_renew(self.lease.id, self.lease.renamed(until)),
            self.provider.lease_list(), return_exceptions=True)
        for failed in (renewed, listed):
            if isinstance(failed, BaseException):
                raise failed
        assert not isinstance(listed, BaseException)
        return [le for o in listed if (le := parse(o)) is not None], until

    def _check(self, leases: list[Lease], until: datetime) -> None:
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
        self.lease, self._renewed_at = replace(mine, until=until), self.monotonic()

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
    keeper.renewing = asyncio.ensure_future(keeper.run())
    try:
        yield keeper
    finally:
        failed = await keeper.release()
        if failed is not None:
            warn(f"warning: could not release the apply lease (object id {lease.id}): "
                 f"{failed}; it expires by itself at {keeper.lease.until:%Y-%m-%dT%H:%M:%SZ}")


RELEASE_ATTEMPTS = 3
RELEASED = "the apply lease was released (the apply's writes were done)"


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


def _seen(round_: asyncio.Future[None]) -> None:
    """A round begun by `begin` may end (cancelled, at shutdown) with nobody awaiting it."""
    if not round_.cancelled():
        round_.exception()
