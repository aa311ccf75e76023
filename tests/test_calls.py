"""The retry rules of reconciler.calls: what is sent again, and what never is."""

from __future__ import annotations

import asyncio

import pytest

from reconciler.calls import Caller, Pacer
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
