"""Import httpx and httpcore without the parts reconciler never runs (issue 29).

Every command that talks to an API imports them, and both import more than an
asyncio client needs, because other packages of the same environment happen to be
installed: httpcore imports trio (a test tool brings it) to run on trio's event
loop, and httpx imports its command-line client (`httpx._main`: rich's progress
bars, pygments' lexers) whenever click, rich and pygments are there. Together about
85 ms of CPU per run. Both are hidden while httpx and httpcore are imported, then
made importable again, so other code of the process can still use them.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl

_HIDDEN = ("trio", "httpx._main")


def import_http() -> None:
    """Import httpx and httpcore lean; a no-op once either is imported."""
    if "httpx" in sys.modules or "httpcore" in sys.modules:
        return
    hidden = [name for name in _HIDDEN if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # `import name` fails
    try:
        import httpcore  # noqa: F401
        import httpx  # noqa: F401
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


def tls_verify(*urls: str) -> ssl.SSLContext | bool:
    """`verify=` for an httpx client that talks to `urls` only.

    httpx loads every CA certificate of certifi into a new SSL context when a client is
    built (~24 ms of CPU before the first request, issue 29), even when every URL is
    plain http:// (a sandbox, a local proxy) and no TLS is ever spoken. For such a client
    this is a context that trusts no certificate at all: nothing is loaded, and a
    request that did reach an https:// URL would fail verification rather than go
    unchecked. Any https:// URL (or anything else) keeps httpx's own verification (True).
    """
    if not urls or not all(url[:7].lower() == "http://" for url in urls):
        return True
    import ssl

    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies certificates and host names
