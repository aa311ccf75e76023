"""The Localytics sandbox: Campaigns & Audience API and the transactional Push API.

Modules: `db`/`store` (SQLite), `protocol`, `validation`, `known_keys`,
`campaign_rules`, `computed` (what the server computes), the routers (`campaigns`,
`audiences`, `push`, `admin`, `lifecycle`) and `app` (assembly and `mount`, the
platform's one entry point). Imports are lazy so naming the package loads no web
framework.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reconciler.sandbox.localytics.app import (
        create_localytics_app,
        inprocess_transport,
        mount,
    )

__all__ = ["create_localytics_app", "inprocess_transport", "mount"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from reconciler.sandbox.localytics import app

        return getattr(app, name)
    raise AttributeError(name)
