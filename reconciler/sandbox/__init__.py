"""The sandboxes: faithful local copies of each platform's API, kept in SQLite.

One sub-package per platform (`localytics`, `stream`, `smartech`), each with one
`mount(db, *, embedded, options)` that builds its ASGI app over its own file and its
in-process transport (`base.Mount`), on the shared store base, options and transport
of `base`; each platform's descriptor names its mount (`Platform.sandbox`). The
shared modules here name no platform: `create_app` builds the served whole from the
registry (`server`: the default platform at the root, the others under their
prefixes); `inprocess_transport` is the default platform's, which plugs its handlers
into an httpx client without a socket; `Faults` describes injected latency, errors,
dropped answers and rate limits. Imports are lazy so `import reconciler.sandbox`
stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reconciler.sandbox.faults import Faults
    from reconciler.sandbox.server import create_app

__all__ = ["Faults", "create_app", "inprocess_transport"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from reconciler.sandbox.server import create_app

        return create_app
    if name == "inprocess_transport":
        from reconciler import registry

        module = registry.platform(registry.DEFAULT).sandbox.partition(":")[0]
        return importlib.import_module(module).inprocess_transport
    if name == "Faults":
        from reconciler.sandbox.faults import Faults

        return Faults
    raise AttributeError(name)
