"""One HTTP request, with httpx's failures turned into `TransportError`.

Every platform client sends through this, so "the request surely never left"
(connection refused: `ambiguous=False`, safe to send even a create again) is
told apart from "it may have happened" in one place.
"""

from __future__ import annotations

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
