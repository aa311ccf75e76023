"""Open the provider an env names: the one place a command turns an env into a live
provider, at run time (the platform is the registry's, by `provider:`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from reconciler.calls import Caller
from reconciler.config import LoadedConfig
from reconciler.provider import Provider


@asynccontextmanager
async def open_provider(loaded: LoadedConfig, caller: Caller) -> AsyncIterator[Provider]:
    """The env's platform opens it (`Platform.open`): credentials from the environment,
    the in-process sandbox for `api_url: sandbox`."""
    from reconciler.leanhttpx import import_httpx
    from reconciler.registry import platform_of

    import_httpx()  # before a platform's client imports it with its optional parts

    async with platform_of(loaded.env).open(loaded, caller) as provider:
        yield provider
