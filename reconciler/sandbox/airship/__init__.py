"""The Airship sandbox: REST API v3 segments, pipelines, schedules and push, over SQLite.

Served by `reconciler sandbox serve` under `/airship` (the API at `/airship/api`, so a
client's base URL is `http://127.0.0.1:8400/airship/api/`) and in-process for
`api_url: sandbox` through `inprocess_transport`. Modules: `protocol` (error body, version
header, auth, dates, shape checks), `store` (SQLite), `audience`, `push_rules`,
`pipeline_rules` and `schedule_rules` (what Airship validates), `segments`, `pipelines`,
`schedules` and `push` (the endpoints), `knobs` (test-only `/_sandbox/`), `app`
(assembly: `mount`, the platform's one entry point). The research behind every rule is
docs/specs/airship.md. Imports are lazy so the platform package can read the sandbox's
credentials (`secret`) without loading FastAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.sandbox.airship.secret import SANDBOX_MASTER_SECRET, SANDBOX_TOKEN

if TYPE_CHECKING:
    from reconciler.sandbox.airship.app import create_airship_app, inprocess_transport, mount

__all__ = ["SANDBOX_MASTER_SECRET", "SANDBOX_TOKEN", "create_airship_app",
           "inprocess_transport", "mount"]


def __getattr__(name: str) -> Any:
    if name in ("create_airship_app", "inprocess_transport", "mount"):
        from reconciler.sandbox.airship import app

        return getattr(app, name)
    raise AttributeError(name)
