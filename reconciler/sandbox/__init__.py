"""The embedded sandbox: a faithful local Localytics API kept in SQLite.

`create_app` builds the ASGI app (served by `reconciler sandbox serve`);
`inprocess_transport` plugs the same handlers into an httpx client without a
socket; `Faults` describes injected latency, errors, dropped answers and rate
limits. Imports are lazy so `import reconciler.sandbox` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reconciler.sandbox.app import create_app, inprocess_transport
    from reconciler.sandbox.faults import Faults

__all__ = ["Faults", "create_app", "inprocess_transport"]


def __getattr__(name: str) -> Any:
    if name in ("create_app", "inprocess_transport"):
        from reconciler.sandbox import app

        return getattr(app, name)
    if name == "Faults":
        from reconciler.sandbox.faults import Faults

        return Faults
    raise AttributeError(name)
