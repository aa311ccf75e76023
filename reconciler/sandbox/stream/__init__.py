"""The Stream Chat sandbox: Campaign API (segments, targets, campaigns) over SQLite.

Served by `reconciler sandbox serve` under `/stream` on the main port and, with
`--port-for stream=N`, at the root of its own port as the real host serves it
(`https://chat.stream-io-api.com/segments`); in-process for `api_url: sandbox`
through `inprocess_transport`. Modules: `protocol` (error body, auth, dates,
field checks), `store` (SQLite), `query` (filters, sort, cursors),
`segments` and `campaigns` (the endpoints), `knobs` (test-only `/_sandbox/`),
`app` (assembly: `mount`, the platform's one entry point). Imports are lazy so
`reconciler.stream` can read the sandbox secret (`secret`) without loading FastAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.sandbox.stream.secret import SANDBOX_SECRET

if TYPE_CHECKING:
    from reconciler.sandbox.stream.app import create_stream_app, inprocess_transport, mount

__all__ = ["SANDBOX_SECRET", "create_stream_app", "inprocess_transport", "mount"]


def __getattr__(name: str) -> Any:
    if name in ("create_stream_app", "inprocess_transport", "mount"):
        from reconciler.sandbox.stream import app

        return getattr(app, name)
    raise AttributeError(name)
