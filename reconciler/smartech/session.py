"""Open the Smartech provider of an env: the key from the environment, sandbox transport."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from reconciler.calls import Caller
from reconciler.config import LoadedConfig
from reconciler.errors import ConfigError
from reconciler.smartech.client import SmartechClient
from reconciler.smartech.hosts import endpoints
from reconciler.smartech.provider import SmartechProvider

KEY_VARIABLE = "SMARTECH_API_KEY"
SANDBOX_KEY = "sandbox"


def smartech_key(loaded: LoadedConfig) -> str:
    """The API key: only ever from SMARTECH_API_KEY (the embedded sandbox needs none)."""
    if loaded.env.is_sandbox:
        return SANDBOX_KEY
    key = os.environ.get(KEY_VARIABLE, "")
    if not key:
        raise ConfigError(f"env {loaded.env_name!r} needs its key: set {KEY_VARIABLE}")
    return key


@asynccontextmanager
async def open_smartech(loaded: LoadedConfig, caller: Caller) -> AsyncIterator[SmartechProvider]:
    env = loaded.env
    transport = None
    api_url = env.api_url
    if env.is_sandbox:
        from reconciler.sandbox.smartech import inprocess_transport
        from reconciler.sandbox.state import embedded_file

        loaded.state_dir.mkdir(parents=True, exist_ok=True)
        transport = inprocess_transport(embedded_file(loaded.state_dir, "smartech"))
        api_url = "http://sandbox.invalid"
    client = SmartechClient(endpoints(api_url), api_key=smartech_key(loaded), caller=caller,
                            timeout=env.timeout, transport=transport, env_name=loaded.env_name)
    provider = SmartechProvider(client)
    try:
        yield provider
    finally:
        await provider.aclose()
