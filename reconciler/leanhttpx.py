"""Import httpx without the optional parts it loads only because they are installed.

`import httpx` imports httpx's own command line (`httpx._main`: rich's console,
progress and syntax, and pygments) whenever click, rich and pygments are
installed, which they are beside reconciler; and httpcore imports trio whenever
trio is installed (a test dependency brings it), to serve trio event loops.
reconciler uses neither, and together they were 0.1 s of CPU before a plan's first
request, the time nothing can overlap (issue 29). Both imports are optional in
httpx and httpcore (an ImportError takes the fallback they ship), so they are
refused while httpx is imported, and allowed again at once for anyone else.
"""

from __future__ import annotations

import sys

OPTIONAL = ("httpx._main", "trio")


def import_httpx() -> None:
    """Import httpx and httpcore without `OPTIONAL` (no-ops for what is imported)."""
    refused = [name for name in OPTIONAL if name not in sys.modules]
    for name in refused:
        sys.modules[name] = None  # type: ignore[assignment]  # an import of it raises
    try:
        # httpx imports httpcore only when its first transport is built: both here
        import httpcore  # noqa: F401
        import httpx  # noqa: F401
    finally:
        for name in refused:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
