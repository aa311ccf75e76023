"""The sandboxes: faithful local copies of each platform's API, kept in SQLite.

One sub-package per platform (`localytics`, `stream`, `smartech`), each with one
`mount(db)` that builds its ASGI app over its own file and its in-process transport
(`base.Mount`), on the shared store base and transport of `base`. `create_app`
builds the served whole (`server`: Localytics at the root, the others under their
prefixes); `inprocess_transport` plugs the Localytics handlers into an httpx client
without a socket; `Faults` describes injected latency, errors, dropped answers and
rate limits. Imports are lazy so `import reconciler.sandbox` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reconciler.sandbox.faults import Faults
    from reconciler.sandbox.localytics.app import inprocess_transport
    from reconciler.sandbox.server import create_app

__all__ = ["Faults", "create_app", "inprocess_transport"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from reconciler.sandbox.server import create_app

        return create_app
    if name == "inprocess_transport":
        from reconciler.sandbox.localytics.app import inprocess_transport

        return inprocess_transport
    if name == "Faults":
        from reconciler.sandbox.faults import Faults

        return Faults
    raise AttributeError(name)
