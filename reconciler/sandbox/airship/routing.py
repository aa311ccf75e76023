"""What an Airship handler is given and how it is listed: `Call` and `Route`.

Handlers are plain functions of one `Call` (the project's objects inside this request's
transaction, path and query parameters, the parsed JSON body, the request's operation id
and the base URL its answers' URLs start with) that return a response or raise
`AirshipError`; `app.py` wraps each `Route` with auth, the version check, knobs, body
parsing and the transaction. Each path is listed with and without its trailing slash:
the official library lists and creates at `/api/segments/` and reads at
`/api/segments/<id>` [PY `urls.py`].
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from reconciler.sandbox.airship.protocol import bad
from reconciler.sandbox.airship.store import Project


@dataclass(frozen=True)
class Call:
    project: Project
    path: Mapping[str, str]
    query: Mapping[str, str]
    body: Any
    op: str  # this request's operation id ("" for a read)
    base: str  # e.g. http://127.0.0.1:8400/airship (no trailing slash)

    def url(self, *parts: str) -> str:
        """An absolute API URL on this server: `url("segments", id)`."""
        return "/".join((self.base, "api", *parts))

    def int_param(self, name: str, default: int | None, low: int = 0,
                  high: int | None = None) -> int | None:
        """A query parameter that must be an integer in range, if given."""
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        if not raw.lstrip("-").isdigit() or int(raw) < low or (high is not None
                                                               and int(raw) > high):
            top = f" to {high}" if high is not None else " or more"
            raise bad(f"{name} must be an integer from {low}{top}", name)
        return int(raw)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    name: str  # the key dropped answers are set by
    handler: Callable[[Call], Response]
