"""Open the Localytics provider of an env (`Platform.open`): the embedded sandbox through
an in-process transport for `api_url: sandbox`, else an HTTP client with the
credentials of `reconciler.localytics.session`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from reconciler.calls import Caller
from reconciler.config import LoadedConfig
from reconciler.localytics.session import credentials
from reconciler.provider import Provider


@asynccontextmanager
async def open_localytics(loaded: LoadedConfig, caller: Caller) -> AsyncIterator[Provider]:
    from reconciler.localytics.client import LocalyticsClient
    from reconciler.localytics.provider import LocalyticsProvider

    env = loaded.env
    transport = None
    api_url = env.api_url
    if env.is_sandbox:
        from reconciler.sandbox.localytics import inprocess_transport

        loaded.state_dir.mkdir(parents=True, exist_ok=True)
        transport = inprocess_transport(loaded.state_dir / "sandbox.db", env.org_id, env.app_id)
        api_url = "http://sandbox.invalid/api/v6"
    client = LocalyticsClient(
        api_url, env.org_id, env.app_id, auth=credentials(loaded), caller=caller,
        timeout=env.timeout, transport=transport, env_name=loaded.env_name,
    )
    from reconciler.localytics.findings import audience_key

    key, notes = audience_key(loaded)
    provider = LocalyticsProvider(client, audience_key=key)
    provider.notes = notes
    try:
        yield provider
    finally:
        await provider.aclose()
