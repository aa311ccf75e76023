"""The Stream client against the in-process Stream sandbox: cursors, errors, auth headers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import jwt
import pytest

from reconciler.calls import Caller
from reconciler.errors import AuthError
from reconciler.sandbox.stream import SANDBOX_SECRET, inprocess_transport
from reconciler.stream.client import StreamApiError, StreamClient
from reconciler.stream.provider import StreamProvider


def client(tmp_path: Path, secret: str = SANDBOX_SECRET) -> tuple[StreamClient, Caller]:
    caller = Caller(concurrency=4, backoff_initial=0.01)
    return StreamClient("http://sandbox.invalid", api_key="k", api_secret=secret, caller=caller,
                        transport=inprocess_transport(tmp_path / "s.db")), caller


def test_queries_follow_the_cursor_to_the_end(tmp_path: Path) -> None:
    async def run() -> tuple[int, int]:
        c, caller = client(tmp_path)
        for i in range(230):
            await c.create_segment({"id": f"s{i:03d}", "type": "user", "name": "same name"})
        await c.add_targets("s000", [f"u{i}" for i in range(12_345)])  # two addtargets calls
        before = caller.requests
        segments = await StreamProvider(c).list_live("segment")
        pages = caller.requests - before
        targets = await c.segment_targets("s000")
        await c.aclose()
        assert [s.id for s in segments] == [f"s{i:03d}" for i in range(230)]
        return pages, len(targets)

    pages, targets = asyncio.run(run())
    assert pages == 3  # 100 + 100 + 30
    assert targets == 12_345


def test_unrecoverable_errors_are_not_retried(tmp_path: Path) -> None:
    async def run() -> tuple[StreamApiError, int]:
        c, caller = client(tmp_path)
        await c.create_segment({"id": "s", "type": "user", "name": "S", "all_users": True})
        await c.create_campaign({"id": "c", "segment_ids": ["s"], "sender_id": "b",
                                 "message_template": {"text": "x"}})
        await c.start_campaign("c", {})
        before = caller.requests
        with pytest.raises(StreamApiError) as info:
            await c.start_campaign("c", {})
        await c.aclose()
        return info.value, caller.requests - before

    err, sent = asyncio.run(run())
    assert (err.status, err.code, err.unrecoverable, err.retryable) == (400, 4, True, False)
    assert "sent only once" in str(err) and "(code 4)" in str(err)
    assert sent == 1


def test_server_token_and_headers(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    async def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json={"code": 16, "message": "segment does not exist"})

    async def run() -> None:
        c = StreamClient("http://x.invalid", api_key="pub", api_secret="s" * 40,
                         caller=Caller(), transport=httpx.MockTransport(record))
        assert await c.get_segment("a/b") is None
        await c.aclose()

    asyncio.run(run())
    request = seen[0]
    assert request.url.raw_path.startswith(b"/segments/a%2Fb?")
    assert request.url.params["api_key"] == "pub"
    assert request.headers["Stream-Auth-Type"] == "jwt"
    token = request.headers["Authorization"]
    assert not token.startswith("Bearer")
    assert jwt.decode(token, "s" * 40, algorithms=["HS256"]) == {"server": True}


def test_a_wrong_secret_is_an_auth_error_without_the_secret(tmp_path: Path) -> None:
    secret = "wrong-" + "x" * 40

    async def run() -> AuthError:
        c, _ = client(tmp_path, secret=secret)
        with pytest.raises(AuthError) as info:
            await c.query_segments()
        await c.aclose()
        return info.value

    err = asyncio.run(run())
    assert "STREAM_API_SECRET" in str(err) and secret not in str(err)
