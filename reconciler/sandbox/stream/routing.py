"""What a Stream handler is given and how it is listed: `Call` and `Route`.

Handlers are plain functions of one `Call` (the app's objects inside this
request's transaction, path and query parameters, the parsed JSON body) that
return a response or raise `StreamError`; `app.py` wraps each `Route` with
auth, rate limits, body parsing, the transaction and the knobs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from reconciler.sandbox.stream.store import App


@dataclass(frozen=True)
class Call:
    app: App
    path: Mapping[str, str]
    query: Mapping[str, str]
    body: dict[str, Any]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    name: str  # the key rate limits and dropped answers are set by
    handler: Callable[[Call], Response]
