"""How the Localytics APIs answer errors, read the same way by every Localytics client."""

from __future__ import annotations

import httpx

from reconciler.errors import ApiError, AuthError
from reconciler.httpio import json_or_none


def raise_for_status(where: str, response: httpx.Response, env_name: str = "") -> None:
    """401 → AuthError naming the variables to set; any other 4xx/5xx → ApiError."""
    status = response.status_code
    if status == 401:
        env = f" for env {env_name!r}" if env_name else ""
        raise AuthError(
            f"{where}: 401 Unauthorized{env}: check LOCALYTICS_API_KEY and "
            "LOCALYTICS_API_SECRET",
            status=401,
        )
    if status >= 400:
        raise ApiError(
            f"{where}: {status} {error_text(response)}",
            status=status, body=json_or_none(response),
            retry_after=retry_after(response),
        )


def error_text(response: httpx.Response) -> str:
    """The API's own error line, printable and short; never a page of HTML."""
    data = json_or_none(response)
    text = ""
    if isinstance(data, dict):
        text = str(data.get("error") or data.get("message") or "")
        details = data.get("details")
        if isinstance(details, list) and details:
            parts = [
                f"{d.get('field')}: {d.get('message')}" for d in details[:3] if isinstance(d, dict)
            ]
            text = f"{text} ({'; '.join(parts)})" if parts else text
    if not text:
        text = response.reason_phrase or "error"
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:300]


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
