"""The Netcore Smartech sandbox: v4 email campaigns, legacy app push, audience list.

Modules: `store` (SQLite: accounts, audiences, campaigns, executions) and `app`
(the endpoints and `mount`, the platform's one entry point). Imports are lazy so
naming the package loads no web framework.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reconciler.sandbox.smartech.app import create_smartech_app, inprocess_transport, mount

__all__ = ["create_smartech_app", "inprocess_transport", "mount"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from reconciler.sandbox.smartech import app

        return getattr(app, name)
    raise AttributeError(name)
