"""Open the Stream provider of an env (`Platform.open`): sandbox transport, client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from reconciler.calls import Caller
from reconciler.config import LoadedConfig
from reconciler.stream.client import StreamClient
from reconciler.stream.provider import StreamProvider
from reconciler.stream.session import stream_credentials


@asynccontextmanager
async def open_stream(loaded: LoadedConfig, caller: Caller) -> AsyncIterator[StreamProvider]:
    env = loaded.env
    key, secret = stream_credentials(loaded)
    transport = None
    api_url = env.api_url
    if env.is_sandbox:
        from reconciler.sandbox.state import embedded_file
        from reconciler.sandbox.stream import inprocess_transport

        loaded.state_dir.mkdir(parents=True, exist_ok=True)
        transport = inprocess_transport(embedded_file(loaded.state_dir, "stream"))
        api_url = "http://sandbox.invalid"
    client = StreamClient(api_url, api_key=key, api_secret=secret, caller=caller,
                          timeout=env.timeout, transport=transport, env_name=loaded.env_name)
    provider = StreamProvider(client)
    try:
        yield provider
    finally:
        await provider.aclose()
