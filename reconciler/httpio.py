"""One HTTP request, with httpx's failures turned into `TransportError`.

Every platform client sends through this, so "the request surely never left"
(connection refused: `ambiguous=False`, safe to send even a create again) is
told apart from "it may have happened" in one place.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from reconciler.errors import TransportError


async def send(http: httpx.AsyncClient, method: str, url: str, *, where: str,
               **kwargs: Any) -> httpx.Response:
    try:
        return await http.request(method, url, **kwargs)
    except httpx.ConnectError as e:
        raise TransportError(f"{where}: cannot connect ({short(e)})", ambiguous=False) from None
    except httpx.TimeoutException:
        raise TransportError(f"{where}: timed out") from None
    except httpx.HTTPError as e:
        raise TransportError(f"{where}: {short(e)}") from None


def short(exc: Exception) -> str:
    """An exception as one line of at most 200 characters."""
    return (str(exc) or type(exc).__name__).splitlines()[0][:200]


MAX_JSON_DEPTH = 64  # API objects are a handful of levels deep; code that walks them recurses


def json_or_none(response: httpx.Response) -> Any:
    """The response body as JSON, or None when it is none we can use: not JSON, not UTF-8,
    an integer past Python's 4,300-digit limit, or nested deeper than MAX_JSON_DEPTH
    (which would end in a RecursionError wherever the answer is walked)."""
    try:
        data = response.json()
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError too
        return None
    if _brackets(response.content) <= MAX_JSON_DEPTH:
        return data  # too few brackets to nest that deep: no walk (a record of a read)
    return None if too_deep(data, MAX_JSON_DEPTH) else data


def _brackets(body: bytes) -> int:
    """How many `{` and `[` bytes the body has: at least its depth of nesting, in any of
    JSON's encodings (counted in C; a bracket inside a string only counts one more)."""
    return body.count(b"{") + body.count(b"[")


def too_deep(data: Any, limit: int) -> bool:
    """Whether lists and objects nest more than `limit` levels (walked without recursion)."""
    stack = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        elif not isinstance(node, list):
            continue
        if depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in node if isinstance(child, dict | list))
    return False


def not_json(where: str, status: int) -> TransportError:
    """The error for a success answer whose body `json_or_none` could not use."""
    return TransportError(f"{where}: {status} response is not JSON we can read (malformed, "
                          f"nested deeper than {MAX_JSON_DEPTH} levels, or a number too long)")


class PlatformClock:
    """The platform's own time, as the `Date` header of its latest answer says.

    Apply leases are judged by it, never by this machine's clock: two machines
    whose clocks disagree by an hour still read one time from the platform.
    Between answers it runs on from the latest `Date` by this machine's
    monotonic clock (a duration, unaffected by how its wall clock is set), so a
    renewal long after the last answer does not write an expiry in the past.
    Install `record` as an httpx response hook.
    """

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._seen: tuple[datetime, float] | None = None
        self._stamp = ""  # the last Date read and its time: a Date changes once a second
        self._when: datetime | None = None

    @property
    def last(self) -> datetime | None:
        """The platform's time now (None before any dated answer)."""
        if self._seen is None:
            return None
        when, at = self._seen
        return when + timedelta(seconds=self._monotonic() - at)

    async def record(self, response: httpx.Response) -> None:
        stamp = response.headers.get("date")
        if not stamp:
            return
        if stamp == self._stamp and self._when is not None:
            when = self._when  # the same second as the answer before: parsed already
        else:
            try:
                when = parsedate_to_datetime(stamp)
            except (TypeError, ValueError, IndexError):
                return  # a Date we cannot read tells no time; the previous one stands
            self._stamp, self._when = stamp, when
        if when.tzinfo is not None:
            self._seen = (when, self._monotonic())
