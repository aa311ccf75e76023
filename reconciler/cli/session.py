"""Open the provider an env names: the one place a command turns an env into a live
provider, at run time (the platform is the registry's, by `provider:`)."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from reconciler.calls import Caller
from reconciler.config import LoadedConfig
from reconciler.provider import Provider


@asynccontextmanager
async def open_provider(loaded: LoadedConfig, caller: Caller) -> AsyncIterator[Provider]:
    """The env's platform opens it (`Platform.open`): credentials from the environment,
    the in-process sandbox for `api_url: sandbox`."""
    from reconciler.httpboot import import_http
    from reconciler.registry import platform_of

    import_http()
    # What is loaded by now (modules, config, specs) lives until the run ends: frozen out
    # of the cycle collector, whose older generations would otherwise walk it again in
    # the middle of the requests (an 18 ms stall of every answer in a plan of 1,000).
    gc.freeze()
    async with platform_of(loaded.env).open(loaded, caller) as provider:
        yield provider
