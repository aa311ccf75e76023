"""Literal text → a template that renders back to exactly that text.

Spec strings are Jinja templates (reconciler.workspace.templating); a live message
with `{{`, `{%` or `{#` in it must be written so rendering returns it
unchanged. Readable form: `{% raw %}…{% endraw %}`. Jinja turns `\\r\\n` into
`\\n` even inside raw blocks, and a text holding `endraw` would close the
block early, so those fall back to escaping every opening brace as
`{{ '{' }}` and each carriage return as `{{ '\\r' }}`.
"""

from __future__ import annotations

MARKERS = ("{{", "{%", "{#")


def needs_escape(text: str) -> bool:
    return "{" in text and any(m in text for m in MARKERS)


def escape_template(text: str) -> str:
    """A template source whose rendering is `text` (unchanged when it has no markers)."""
    if not needs_escape(text):
        return text
    if "\r" not in text and "endraw" not in text:
        return "{% raw %}" + text + "{% endraw %}"
    out: list[str] = []
    for ch in text:
        if ch == "{":  # every one: a literal `{` before an escape would open a tag
            out.append("{{ '{' }}")
        elif ch == "\r":
            out.append("{{ '\\r' }}")
        else:
            out.append(ch)
    return "".join(out)
