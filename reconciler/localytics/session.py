"""Localytics credentials and the Push API of an env: `api_url: sandbox` gets the embedded
sandbox through an in-process transport (no socket), anything else LOCALYTICS_API_KEY /
LOCALYTICS_API_SECRET from the environment. The provider itself is opened by
`reconciler.localytics.connect` (this module is below it: send-test uses it).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from reconciler.calls import Caller
from reconciler.config import LoadedConfig
from reconciler.errors import ConfigError
from reconciler.localytics.config import LocalyticsEnv

if TYPE_CHECKING:
    import httpx

    from reconciler.localytics.push import PushClient

SANDBOX_CREDENTIALS = ("sandbox", "sandbox")


def credentials(loaded: LoadedConfig) -> tuple[str, str]:
    if loaded.env.is_sandbox:
        return SANDBOX_CREDENTIALS
    key = os.environ.get("LOCALYTICS_API_KEY", "")
    secret = os.environ.get("LOCALYTICS_API_SECRET", "")
    if not key or not secret:
        raise ConfigError(
            f"env {loaded.env_name!r} needs credentials: set LOCALYTICS_API_KEY and "
            "LOCALYTICS_API_SECRET"
        )
    return key, secret


def sandbox_transport(loaded: LoadedConfig) -> httpx.AsyncBaseTransport | None:
    """The embedded sandbox of an `api_url: sandbox` env, without a socket (its file in
    `.reconciler/`, the env's app registered); None for any other env. The Campaigns API
    and the Push API of one env share it."""
    env = loaded.env
    if not env.is_sandbox:
        return None
    from reconciler.sandbox.localytics import inprocess_transport

    loaded.state_dir.mkdir(parents=True, exist_ok=True)
    transport: httpx.AsyncBaseTransport = inprocess_transport(
        loaded.state_dir / "sandbox.db", env.org_id, env.app_id)
    return transport


@asynccontextmanager
async def open_push_client(loaded: LoadedConfig, caller: Caller) -> AsyncIterator[PushClient]:
    """The Push API of the env: the in-process sandbox for `api_url: sandbox`, else
    `push_api_url` with the same LOCALYTICS_API_KEY / LOCALYTICS_API_SECRET."""
    from reconciler.localytics.push import PushClient

    env = loaded.env
    transport = sandbox_transport(loaded)
    url = "http://sandbox.invalid" if transport is not None else push_api_url(loaded)
    client = PushClient(url, env.app_id, auth=credentials(loaded), caller=caller,
                        timeout=env.timeout, transport=transport)
    try:
        yield client
    finally:
        await client.aclose()


def push_api_url(loaded: LoadedConfig) -> str:
    """The env's Push API base URL; the sandbox needs none."""
    if loaded.env.is_sandbox:
        return "sandbox"
    env = LocalyticsEnv.of(loaded.env)
    if not env.push_api_url:
        raise ConfigError(
            f"env {loaded.env_name!r} has no push_api_url: add e.g. "
            "`push_api_url: https://messaging.localytics.com` to it in reconciler.yaml"
        )
    return env.push_api_url
