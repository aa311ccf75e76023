"""Keep credentials out of `--debug` logs, whatever a library chooses to log.

reconciler's own loggers never log headers, and httpcore's trace logs are
kept at WARNING; this filter is the second line: any record that would show
an Authorization or api-key header value, or an API secret itself, is rewritten first.
"""

from __future__ import annotations

import logging
import os
import re

_SCHEME = re.compile(r"(?i)\b(basic|bearer|token)(\s+)[A-Za-z0-9+/=._~-]{6,}")
_RAW = re.compile(r"(?i)((?:authorization|api[-_]key)\W{0,6})(?!basic|bearer|token)[A-Za-z0-9+/=._~-]{6,}")
REDACTED = "[redacted]"


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    text = _SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = _RAW.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def secret_names() -> tuple[str, ...]:
    """The environment variables that hold credentials, on every platform."""
    from reconciler.registry import platforms

    return tuple(dict.fromkeys(n for p in platforms() for n in p.secrets))


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message; reads every registered platform's secret
    variables (`Platform.secrets`) from the environment."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = tuple(os.environ.get(name, "") for name in secret_names())
        message = record.getMessage()
        clean = redact(message, secrets)
        if clean != message:
            record.msg, record.args = clean, None
        return True
