"""The Stream sandbox's API secret, in a module of its own so that reading it loads nothing.

HS256 wants a key of 32+ bytes; Stream's own secrets are long too.
"""

from __future__ import annotations

SANDBOX_SECRET = "sandbox-stream-secret-0123456789abcdef"
