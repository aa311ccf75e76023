"""The retry rules of reconciler.calls: what is sent again, and what never is."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from reconciler.calls import RETRY_AFTER_CAP, Caller, Pacer, _RetryAfterOrBackoff, send_once
from reconciler.errors import ApiError, TransportError


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def failing(*errors: Exception):  # type: ignore[no-untyped-def]
    """A request that raises each error in turn, then answers "ok"; counts calls."""
    calls = {"n": 0}

    async def request() -> str:
        calls["n"] += 1
        if calls["n"] <= len(errors):
            raise errors[calls["n"] - 1]
        return "ok"

    return request, calls


def fast_caller() -> Caller:
    return Caller(concurrency=2, backoff_initial=0.001, backoff_cap=0.01)


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_idempotent_requests_retry_transient_statuses(status: int) -> None:
    request, calls = failing(ApiError("x", status=status), ApiError("x", status=status))
    assert run(fast_caller().send(request, idempotent=True)) == "ok"
    assert calls["n"] == 3


@pytest.mark.parametrize("status", [400, 401, 404, 422, 500])
def test_client_errors_and_500_are_not_retried(status: int) -> None:
    request, calls = failing(ApiError("x", status=status))
    with pytest.raises(ApiError):
        run(fast_caller().send(request, idempotent=True))
    assert calls["n"] == 1


def test_reads_also_retry_500() -> None:
    request, calls = failing(ApiError("x", status=500))
    assert run(fast_caller().send(request, idempotent=True, read=True)) == "ok"
    assert calls["n"] == 2


@pytest.mark.parametrize("error", [ApiError("x", status=502), ApiError("x", status=504),
                                   TransportError("timed out")])
def test_a_create_is_never_resent_after_an_ambiguous_failure(error: Exception) -> None:
    request, calls = failing(error)
    with pytest.raises(type(error)):
        run(fast_caller().send(request, idempotent=False))
    assert calls["n"] == 1


@pytest.mark.parametrize("error", [ApiError("x", status=429),
                                   TransportError("refused", ambiguous=False)])
def test_a_create_is_resent_when_it_surely_did_not_happen(error: Exception) -> None:
    request, calls = failing(error)
    assert run(fast_caller().send(request, idempotent=False)) == "ok"
    assert calls["n"] == 2


def test_retries_give_up_after_the_attempt_limit() -> None:
    caller = Caller(concurrency=1, attempts=3, backoff_initial=0.001, backoff_cap=0.01)
    request, calls = failing(*[ApiError("x", status=503)] * 10)
    with pytest.raises(ApiError):
        run(caller.send(request, idempotent=True))
    assert calls["n"] == 3


def test_retry_after_is_honoured() -> None:
    caller = fast_caller()
    request, calls = failing(ApiError("x", status=429, retry_after=0.3))

    async def timed() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        await caller.send(request, idempotent=True)
        return loop.time() - start

    assert run(timed()) >= 0.29


def test_pacer_slows_down_on_429_and_recovers() -> None:
    async def scenario() -> tuple[float | None, float | None, float | None]:
        pacer = Pacer(increase_per_second=50)
        unlimited = pacer.rate
        for _ in range(20):
            await pacer.acquire()
        pacer.on_throttled()
        cut = pacer.rate
        await asyncio.sleep(1.05)
        await pacer.acquire()
        return unlimited, cut, pacer.rate

    unlimited, cut, recovered = run(scenario())
    assert unlimited is None
    assert cut is not None and 1 <= cut <= 20 * 0.8 + 1e-9
    assert recovered is not None and recovered > cut


# --- send_once: a write without an idempotency key is never done twice ----------
def looked_up(*answers: str | None):  # type: ignore[no-untyped-def]
    """A `happened()` that answers each value in turn (None: not found); counts calls."""
    calls = {"n": 0}

    async def happened() -> str | None:
        calls["n"] += 1
        return answers[min(calls["n"], len(answers)) - 1]

    return happened, calls


def test_send_once_adopts_what_an_ambiguous_failure_did() -> None:
    request, sent = failing(TransportError("read timed out"))
    happened, looks = looked_up("found")
    assert run(send_once(request, happened)) == "found"
    assert sent["n"] == 1 and looks["n"] == 1


def test_send_once_sends_again_only_after_looking_and_finding_nothing() -> None:
    request, sent = failing(ApiError("x", status=502), ApiError("x", status=504))
    happened, looks = looked_up(None)
    assert run(send_once(request, happened)) == "ok"
    assert sent["n"] == 3 and looks["n"] == 2


def test_send_once_gives_up_after_its_attempts_with_the_last_error() -> None:
    errors = [TransportError(f"timeout {i}") for i in range(10)]
    request, sent = failing(*errors)
    happened, looks = looked_up(None)
    with pytest.raises(TransportError, match="timeout 2"):
        run(send_once(request, happened, attempts=3))
    assert sent["n"] == 3 and looks["n"] == 2


@pytest.mark.parametrize("error", [ApiError("x", status=422),
                                   TransportError("refused", ambiguous=False)])
def test_send_once_raises_a_failure_that_surely_did_nothing_at_once(error: Exception) -> None:
    request, sent = failing(error)
    happened, looks = looked_up("found")
    with pytest.raises(type(error)):
        run(send_once(request, happened))
    assert sent["n"] == 1 and looks["n"] == 0


# --- waits, the gate and the pacer ------------------------------------------------
def wait_after(exc: Exception, attempt: int = 1) -> float:
    """The wait the Caller's policy picks after `exc` on attempt number `attempt`."""
    state = SimpleNamespace(outcome=SimpleNamespace(exception=lambda: exc),
                            attempt_number=attempt)
    return _RetryAfterOrBackoff(initial=0.2, cap=10.0)(state)


def test_a_huge_retry_after_is_capped() -> None:
    """A server asking for a day must not hang the apply for a day."""
    assert wait_after(ApiError("x", status=429, retry_after=86400)) == RETRY_AFTER_CAP


def test_backoff_grows_and_stays_under_its_cap() -> None:
    waits = [wait_after(ApiError("x", status=503), attempt) for attempt in range(1, 12)]
    assert all(0 < w <= 10.0 for w in waits), waits
    assert waits[-1] > waits[0]


def test_the_gate_bounds_requests_in_flight() -> None:
    caller = Caller(concurrency=2)
    flight = {"now": 0, "most": 0}

    async def request() -> int:
        flight["now"] += 1
        flight["most"] = max(flight["most"], flight["now"])
        await asyncio.sleep(0.01)
        flight["now"] -= 1
        return 1

    async def many() -> list[int]:
        return await asyncio.gather(*(caller.send(request, idempotent=True) for _ in range(8)))

    assert run(many()) == [1] * 8
    assert flight["most"] == 2 and caller.requests == 8


def test_a_429_slows_the_pacer_and_counts_as_a_retry() -> None:
    caller = fast_caller()
    request, calls = failing(ApiError("x", status=429))
    assert run(caller.send(request, idempotent=True)) == "ok"
    assert caller.pacer.throttled == 1 and caller.pacer.rate is not None
    assert caller.retries == 1 and caller.requests == 2


def test_a_burst_of_429s_cuts_the_rate_once_and_never_below_the_floor() -> None:
    pacer = Pacer(floor=2.0)
    pacer.on_throttled()
    first = pacer.rate
    for _ in range(5):
        pacer.on_throttled()
    assert pacer.rate == first and pacer.throttled == 6
    assert first is not None and first >= 2.0


def test_an_unexpected_exception_is_raised_at_once_not_retried() -> None:
    request, calls = failing(KeyError("a bug, not the network"))
    with pytest.raises(KeyError):
        run(fast_caller().send(request, idempotent=True))
    assert calls["n"] == 1
