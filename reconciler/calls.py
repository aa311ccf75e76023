"""How every API request is sent: bounded concurrency, retries, adaptive pacing.

Providers hand each request to `Caller.send` as a zero-argument coroutine
factory and say whether it is idempotent; they never retry themselves.

- Retried: 429, 502, 503, 504 and transport errors (and 500 on reads), with capped exponential
  backoff and jitter (tenacity), honouring Retry-After when the API sends it.
- A non-idempotent request (a create) is retried only when it surely did not
  happen (429, connection refused). An ambiguous failure is raised to the
  applier, which looks the object up by name before trying again.
- Pacing (aiolimiter): no limit until the first 429, then the rate drops to
  a fraction of what was observed and climbs back while requests succeed
  (AIMD), so a rate-limited apply runs near the limit instead of thrashing.
- Spreading (`Spread`): the starts of concurrent requests are kept a fraction of a
  request's time apart, so answers do not arrive in one bunch that queues behind
  the client's own work on its one event loop.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.wait import wait_base

from reconciler.errors import ApiError, TransportError

if TYPE_CHECKING:
    from aiolimiter import AsyncLimiter

T = TypeVar("T")
log = logging.getLogger("reconciler.calls")
RETRY_AFTER_CAP = 60.0  # seconds; a larger Retry-After is treated as this


class Pacer:
    """Additive-increase/multiplicative-decrease request rate, unlimited until a 429."""

    def __init__(self, floor: float = 1.0, increase_per_second: float = 1.0):
        self._floor = floor
        self._increase = increase_per_second
        self._limiter: AsyncLimiter | None = None
        self._rate = 0.0
        self._recent: deque[float] = deque(maxlen=512)
        self._last_change = 0.0
        self.throttled = 0

    @property
    def rate(self) -> float | None:
        return self._rate if self._limiter else None

    async def acquire(self) -> None:
        self._grow()
        if self._limiter is not None:
            await self._limiter.acquire()
        self._recent.append(time.monotonic())

    def on_throttled(self) -> None:
        """A 429: drop to 80 % of the rate observed over the last second."""
        self.throttled += 1
        now = time.monotonic()
        if now - self._last_change < 0.5:
            return  # one cut per burst of 429s
        observed = sum(1 for t in self._recent if now - t <= 1.0)
        current = self._rate if self._limiter else observed
        self._set(max(self._floor, 0.8 * min(current, observed or current)), now)

    def _grow(self) -> None:
        if self._limiter is None:
            return
        now = time.monotonic()
        elapsed = now - self._last_change
        if elapsed >= 1.0:
            self._set(self._rate + self._increase * elapsed, now)

    def _set(self, rate: float, now: float) -> None:
        self._rate = rate
        self._last_change = now
        rate = max(rate, self._floor)
        burst = max(1.0, rate / 4)  # a quarter-second of burst, at least one request
        # imported at the first 429, not at start-up: aiolimiter reads its own package
        # metadata on import, 25 ms before a plan's first request that most runs never use
        from aiolimiter import AsyncLimiter

        self._limiter = AsyncLimiter(burst, burst / rate)


class _RetryAfterOrBackoff(wait_base):
    """Wait what the API asked for, else capped exponential backoff with jitter."""

    def __init__(self, initial: float, cap: float):
        self._backoff = wait_exponential_jitter(multiplier=initial, max=cap, jitter=initial)
        self._cap = cap

    def __call__(self, retry_state) -> float:  # type: ignore[no-untyped-def]
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, ApiError) and exc.retry_after is not None:
            return min(exc.retry_after, RETRY_AFTER_CAP)
        return self._backoff(retry_state)


def _retryable(idempotent: bool, read: bool) -> Callable[[BaseException], bool]:
    def check(exc: BaseException) -> bool:
        if isinstance(exc, ApiError):
            if read and exc.status == 500:
                return True  # re-reading is always safe
            return exc.retryable and (idempotent or not exc.ambiguous)
        if isinstance(exc, TransportError):
            return idempotent or not exc.ambiguous
        return False

    return check


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0
    log.debug("attempt %d failed (%s); retrying in %.2f s", state.attempt_number, exc, wait)


class Spread:
    """Keeps the starts of concurrent requests apart, so their answers never bunch.

    With N slots and requests that take about L seconds each, answers that arrive
    together wait for each other: the client works on them one at a time on its one
    event loop (and the API on the requests in turn), so the last of N waits for N-1
    others, every round, and slots that start together stay together. Measured on a
    plan of 1,000 specs at 50 ms and 8 slots: 61.5 ms a request instead of 50 (issue
    29). Starts kept `SHARE * L / N` apart spread the N slots over the round once, and
    then they stay apart. The spacing is below L / N, so it never holds the rate under
    what N slots at L give; L is the median of recent requests, so one slow request
    does not slow the rest, and no start waits longer than `CAP`.
    """

    SHARE = 0.75
    CAP = 0.25  # seconds
    WINDOW = 64  # durations the median is taken over

    def __init__(self, slots: int, clock: Callable[[], float] = time.perf_counter) -> None:
        self._slots = slots
        self._clock = clock
        self._recent: deque[float] = deque(maxlen=self.WINDOW)
        self._gap = 0.0
        self._next = 0.0

    def delay(self, flying: int | None = None) -> float:
        """Seconds the request about to start waits (0: none); books its start.

        `flying`: the requests already under way. With fewer than a quarter of the slots
        busy nothing can bunch with the start, so it is neither held nor booked: the
        few requests of a step in a row (a lease's renewal with its listing, a plan's
        listings) leave together instead of 5 ms apart, each gap on the path to the
        first write (issue 29). A bunch that then forms is spread once the slots fill.
        """
        if not self._gap or (flying is not None and flying < self._slots // 4):
            return 0.0
        now = self._clock()
        start = max(now, self._next)
        self._next = start + self._gap
        return min(start - now, self.CAP)

    def observe(self, seconds: float) -> None:
        """A request took `seconds`: the spacing follows the median of recent ones."""
        if self._slots < 2:
            return
        self._recent.append(seconds)
        self._gap = self.SHARE * statistics.median(self._recent) / self._slots


class Caller:
    """Shared by every request of one run: one concurrency gate, one pacer."""

    def __init__(
        self,
        concurrency: int = 4,
        attempts: int = 6,
        backoff_initial: float = 0.2,
        backoff_cap: float = 10.0,
    ):
        self._gate = asyncio.Semaphore(concurrency)
        self.concurrency = concurrency
        self.pacer = Pacer()
        self.spread = Spread(concurrency)
        self._attempts = attempts
        self._wait = _RetryAfterOrBackoff(backoff_initial, backoff_cap)
        self.requests = 0
        self.retries = 0
        self._flying = 0  # requests past the spacing, not yet answered

    async def send(
        self, request: Callable[[], Awaitable[T]], *, idempotent: bool, read: bool = False
    ) -> T:
        """Run `request` under the gate, retrying what is safe to retry.

        `read` marks a request without effects (GET), which a 500 may also retry. After
        a read, the request waiting for the slot it freed leaves before the reader works
        on the answer: that work (parsing, comparing) runs on the one event loop, and
        before it ran ahead of the next request, in series with the API's latency on
        every slot (issue 29). A write's answer is handed back without that pause.
        """
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=self._wait,
            retry=retry_if_exception(_retryable(idempotent, read)),
            before_sleep=_log_retry,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                if attempt.retry_state.attempt_number > 1:
                    self.retries += 1
                result = await self._once(request)
                break
        else:  # pragma: no cover
            raise AssertionError("unreachable")
        if read:
            await asyncio.sleep(0)  # the next request's turn
        return result

    async def _once(self, request: Callable[[], Awaitable[T]]) -> T:
        async with self._gate:
            if wait := self.spread.delay(self._flying):
                await asyncio.sleep(wait)
            await self.pacer.acquire()
            self.requests += 1
            self._flying += 1
            started = time.perf_counter()
            try:
                result = await request()
                self.spread.observe(time.perf_counter() - started)
                return result
            except ApiError as e:
                if e.status == 429:
                    self.pacer.on_throttled()
                raise
            finally:
                self._flying -= 1


async def send_once(
    request: Callable[[], Awaitable[T]],
    happened: Callable[[], Awaitable[T | None]],
    attempts: int = 4,
) -> T:
    """Send a write that has no idempotency key without ever doing it twice.

    After an ambiguous failure (the write may or may not have happened),
    `happened()` looks at live state first and returns the result if it did;
    only when it did not is the write sent again.
    """
    last: ApiError | TransportError | None = None
    for _ in range(attempts):
        if last is not None:
            done = await happened()
            if done is not None:
                return done
        try:
            return await request()
        except (ApiError, TransportError) as e:
            if not e.ambiguous:
                raise
            last = e
    assert last is not None
    raise last
