"""Open the Stream provider of an env: credentials, sandbox transport, client."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from reconciler.calls import Caller
from reconciler.config import LoadedConfig
from reconciler.errors import ConfigError
from reconciler.stream.client import StreamClient
from reconciler.stream.config import StreamEnv
from reconciler.stream.provider import StreamProvider

SANDBOX_KEY = "sandbox"
SECRET_VARIABLE = "STREAM_API_SECRET"


def stream_credentials(loaded: LoadedConfig) -> tuple[str, str]:
    """(api_key, secret): the key from reconciler.yaml, the secret only from the environment."""
    env = StreamEnv.of(loaded.env)
    if env.is_sandbox:
        from reconciler.sandbox.stream import SANDBOX_SECRET

        return env.api_key or SANDBOX_KEY, SANDBOX_SECRET
    secret = os.environ.get(SECRET_VARIABLE, "")
    if not secret:
        raise ConfigError(f"env {loaded.env_name!r} needs its secret: set {SECRET_VARIABLE}")
    return env.api_key or "", secret


@asynccontextmanager
async def open_stream(loaded: LoadedConfig, caller: Caller) -> AsyncIterator[StreamProvider]:
    env = loaded.env
    key, secret = stream_credentials(loaded)
    transport = None
    api_url = env.api_url
    if env.is_sandbox:
        from reconciler.sandbox.stream import inprocess_transport

        loaded.state_dir.mkdir(parents=True, exist_ok=True)
        transport = inprocess_transport(loaded.state_dir / "stream-sandbox.db")
        api_url = "http://sandbox.invalid"
    client = StreamClient(api_url, api_key=key, api_secret=secret, caller=caller,
                          timeout=env.timeout, transport=transport, env_name=loaded.env_name)
    provider = StreamProvider(client)
    try:
        yield provider
    finally:
        await provider.aclose()
