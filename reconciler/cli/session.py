"""Open the provider an env names: the one place a command turns an env into a live
provider, at run time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from reconciler.calls import Caller
from reconciler.config import LoadedConfig
from reconciler.provider import Provider


@asynccontextmanager
async def open_provider(loaded: LoadedConfig, caller: Caller) -> AsyncIterator[Provider]:
    if loaded.env.provider == "stream":
        from reconciler.stream.session import open_stream

        async with open_stream(loaded, caller) as stream:
            yield stream
        return
    if loaded.env.provider == "smartech":
        from reconciler.smartech.session import open_smartech

        async with open_smartech(loaded, caller) as smartech:
            yield smartech
        return
    from reconciler.localytics.session import open_localytics

    async with open_localytics(loaded, caller) as localytics:
        yield localytics
