"""Make text from the API safe to show: no control characters, no markup injection."""

from __future__ import annotations

import json
import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_MD_SPECIAL = re.compile(r"[\\`*_{}\[\]()<>#+\-!|~&\"'$:@]")


def plain(text: Any) -> str:
    """Printable text: control characters and ANSI escapes become '?'."""
    return _CONTROL.sub("?", str(text))


def md(text: Any) -> str:
    """One line that renders literally in markdown AND inside HTML blocks.

    Special characters become numeric character references (`&#60;`), which
    GitHub decodes in both contexts, whereas backslash escapes are ignored
    inside `<summary>` and tables: API text never becomes markup, links or HTML.
    """
    return _MD_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", plain(text).replace("\n", " "))


def value(v: Any, limit: int = 120) -> str:
    """A before/after value as one short JSON-ish line."""
    if v is None:
        return "(none)"
    s = json.dumps(v, ensure_ascii=False, sort_keys=True) if not isinstance(v, str) else repr(v)
    s = plain(s)
    return s if len(s) <= limit else s[: limit - 1] + "…"
