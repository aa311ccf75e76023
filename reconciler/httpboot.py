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
