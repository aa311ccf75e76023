"""Open the Localytics provider of an env (`Platform.open`): the embedded sandbox through
an in-process transport for `api_url: sandbox`, else an HTTP client with the
credentials of `reconciler.localytics.session`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from reconciler.calls import Caller
from reconciler.config import LoadedConfig
from reconciler.localytics.session import credentials, sandbox_transport
from reconciler.provider import Provider


@asynccontextmanager
async def open_localytics(loaded: LoadedConfig, caller: Caller) -> AsyncIterator[Provider]:
    from reconciler.localytics.client import LocalyticsClient
    from reconciler.localytics.provider import LocalyticsProvider

    env = loaded.env
    transport = sandbox_transport(loaded)
    api_url = "http://sandbox.invalid/api/v6" if transport is not None else env.api_url
    client = LocalyticsClient(
        api_url, env.org_id, env.app_id, auth=credentials(loaded), caller=caller,
        timeout=env.timeout, transport=transport, env_name=loaded.env_name,
    )
    from reconciler.localytics.findings import audience_key

    key, notes = audience_key(loaded)
    hint = None
    if transport is None:  # the embedded sandbox is made anew each run: nothing to guess
        from reconciler.localytics.pagehint import PageHint

        hint = PageHint.for_target(loaded.config_dir, f"{api_url}\0{env.org_id}\0{env.app_id}")
    provider = LocalyticsProvider(client, audience_key=key, page_hint=hint)
    provider.notes = notes
    try:
        yield provider
    finally:
        await provider.aclose()
