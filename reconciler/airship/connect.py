"""Open the Airship provider of an env (`Platform.open`): sandbox transport, client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from reconciler.airship.client import AirshipClient
from reconciler.airship.provider import AirshipProvider
from reconciler.airship.session import airship_credentials
from reconciler.calls import Caller
from reconciler.config import LoadedConfig


@asynccontextmanager
async def open_airship(loaded: LoadedConfig, caller: Caller) -> AsyncIterator[AirshipProvider]:
    env = loaded.env
    creds = airship_credentials(loaded)
    transport = None
    api_url = env.api_url
    if env.is_sandbox:
        from reconciler.sandbox.airship import inprocess_transport
        from reconciler.sandbox.state import embedded_file

        loaded.state_dir.mkdir(parents=True, exist_ok=True)
        transport = inprocess_transport(embedded_file(loaded.state_dir, "airship"))
        api_url = "http://sandbox.invalid"
    client = AirshipClient(api_url, app_key=creds.app_key, secret=creds.secret,
                           token=creds.token, caller=caller, timeout=env.timeout,
                           transport=transport, env_name=loaded.env_name)
    provider = AirshipProvider(client)
    try:
        yield provider
    finally:
        await provider.aclose()
