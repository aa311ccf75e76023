"""Make text from the API safe to show: no control characters, no markup injection.

Markdown escaping touches only what markdown, HTML and GitHub give meaning to,
so a comment's raw text stays readable in job summaries, Slack previews and
terminals, and its size stays close to its content:

- backslash escapes for the inline markup characters `\\ ` * [ ] | ~ $`, and for
  `_` except inside a word (`push_message` stays as it is: it cannot open
  emphasis there), and for the paren of `](`;
- `&lt;` `&gt;` for angle brackets (no HTML, no comments, no autolinks), and
  `&amp;` only where an `&` would start a character reference;
- at the start of a quoted line, the characters that would open a heading, a
  list, a quote or a setext underline (`md_line`).

And what GitHub acts on wherever it sits in a body, code spans included
(`inert`): a word joiner (U+2060, invisible) after every `@` that would
notify someone, and inside a closing keyword (`fixes #1`, `Closes: o/r#2`,
`resolved https://…`) that would close an issue when a pull request merges.
GitHub reads mentions and references in the rendered text, entities decoded,
so an entity such as `&#64;` would not stop them; a character they cannot
span does. Only keywords followed by a reference (or ending a line) change.

`-`, `:`, `.`, `#` inside a line and all letters pass through unchanged.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_INLINE = re.compile(r"\]\(|[\\`*\[\]|~$<>]|&(?=#?[A-Za-z0-9]+;)|_")
_LINE_START = re.compile(r"^(\s*)(?:([#+=\-])|(\d+)([.)]))")
_REPLACE = {"<": "&lt;", ">": "&gt;", "&": "&amp;", "](": "\\]\\("}
JOINER = "\u2060"  # WORD JOINER: invisible, and no mention or closing keyword runs through it
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_CLOSING = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\b"
                      r"(?=:?(?:\s+(?:#|gh-|[\w.-]+/[\w.-]+#|https?://)|[ \t]*$))",
                      re.IGNORECASE | re.MULTILINE)


def plain(text: Any) -> str:
    """Printable text: control characters and ANSI escapes become '?'."""
    return _CONTROL.sub("?", str(text))


def inert(text: str) -> str:
    """`text` with nothing GitHub acts on: no @mention notifies, no closing keyword closes."""
    text = _CLOSING.sub(lambda m: m[0][0] + JOINER + m[0][1:], text)
    return _MENTION.sub("@" + JOINER, text)


def _inline(m: re.Match[str]) -> str:
    ch = m.group()
    if ch == "_":
        s, i = m.string, m.start()
        if 0 < i < len(s) - 1 and s[i - 1].isalnum() and s[i + 1].isalnum():
            return ch  # inside a word: no emphasis can start or end here
        return "\\_"
    return _REPLACE.get(ch, "\\" + ch)


def md(text: Any) -> str:
    """One line of text that renders literally in markdown (paragraphs, lists, table cells)."""
    return _INLINE.sub(_inline, inert(plain(text).replace("\r", "").replace("\n", " ")))


def md_line(text: Any) -> str:
    """One line of a quoted text block: `md`, and nothing at its start opens a block."""
    out = _INLINE.sub(_inline, inert(plain(text).replace("\r", ""))).lstrip()
    m = _LINE_START.match(out)
    if m and m.group(2):
        return "\\" + out
    if m and m.group(3):
        return f"{m.group(3)}\\{m.group(4)}{out[m.end():]}"
    return out


def html_text(text: Any) -> str:
    """Text inside an HTML block (`<summary>`), where markdown is not read at all."""
    return html.escape(inert(plain(text).replace("\n", " ")), quote=False)


def code(text: Any) -> str:
    """An inline code span of any text: the fence outgrows every backtick run in it.

    Not for table cells, where `|` ends the cell even inside code (use `md` there).
    """
    body = inert(plain(text).replace("\n", " "))
    longest = max((len(r) for r in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or not body.strip() else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def value(v: Any, limit: int = 120) -> str:
    """A before/after value as one short JSON-ish line."""
    if v is None:
        return "(none)"
    s = json.dumps(v, ensure_ascii=False, sort_keys=True) if not isinstance(v, str) else repr(v)
    s = plain(s)
    return s if len(s) <= limit else s[: limit - 1] + "…"
