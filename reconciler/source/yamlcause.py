"""The real cause of two YAML syntax errors the parser words after their side effects.

The parser reports where it gave up, in its own terms. For two first-day mistakes that is
the wrong thing to say, or the wrong line:

- `push_message: "20% off "today" only"`: a `"` inside double-quoted text closes the
  quotes early; the parser then finds `today" only"` after a finished value and says
  "did not find expected key" (worded "bad indentation" by `yamlio`). The cause is the
  quote, on that line, at the quote that ended the value early.
- A key dedented out of the block it belongs to (`begin_date:` at column 1 under
  `  on_schedule:`) is valid YAML on its own line; the parser only fails on the next
  line, which is still indented into the block. The cause is the dedented key, one line
  up.

Both are recognised from the text around the line the parser names; anything else is
left to the parser's own wording (`None`).
"""

from __future__ import annotations

import re

from reconciler.errors import Location, SpecProblem

# `key: "…"` or `- "…"` (or single quotes) with more text after the closing quote.
_QUOTED = re.compile(r"""^\s*(?:-\s+)*(?:[^\s"'#][^#]*?:\s+)?(?P<q>["'])""")
_DOUBLE_BODY = re.compile(r'(?:[^"\\]|\\.)*"')
_SINGLE_BODY = re.compile(r"(?:[^']|'')*'")
# `key:` with no value: the lines after it belong to its block.
_OPENS_BLOCK = re.compile(r"^\s*(?:-\s+)?[^\s#][^#]*:\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*(?:-\s+)?(?P<key>[^\s#:][^#:]*):(?:\s|$)")


def real_cause(text: str, line: int, path: str) -> SpecProblem | None:
    """The problem at its real cause for the parser error noticed on 1-based `line`, or
    None when it is neither an early-closing quote nor a dedented key."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return None
    return _early_quote(lines, line, path) or _dedented_key(lines, line, path)


def _early_quote(lines: list[str], line: int, path: str) -> SpecProblem | None:
    """A quoted value followed by more text on its line: a quote inside it closed it."""
    src = lines[line - 1]
    m = _QUOTED.match(src)
    if m is None:
        return None
    quote, start = m.group("q"), m.end()
    body = (_DOUBLE_BODY if quote == '"' else _SINGLE_BODY).match(src, start)
    if body is None:
        return None
    rest = src[body.end():]
    if not rest.strip() or rest.lstrip().startswith(("#", ",", "}", "]")):
        return None
    closed_at = body.end()  # 1-based column of the quote that ended the value early
    if quote == '"':
        fix = 'write it as \\" or put the whole value in single quotes'
    else:
        fix = "write it twice ('') or put the whole value in double quotes"
    return SpecProblem(
        Location(path, line, closed_at),
        f"invalid YAML: the {quote} at column {closed_at} ends the quoted value early "
        f"(a {quote} inside {'double' if quote == chr(34) else 'single'}-quoted text); {fix}")


def _indent(src: str) -> int:
    return len(src) - len(src.lstrip(" "))


def _content(lines: list[str], before: int) -> int | None:
    """The 1-based number of the last line above `before` that holds YAML (not blank, not
    only a comment)."""
    for n in range(before - 1, 0, -1):
        stripped = lines[n - 1].strip()
        if stripped and not stripped.startswith("#"):
            return n
    return None


def _dedented_key(lines: list[str], line: int, path: str) -> SpecProblem | None:
    """Line `line` is indented into a block that a key above it opened, but the key line
    between them is indented less: that key left the block by mistake."""
    prev = _content(lines, line)
    if prev is None:
        return None
    depth, prev_depth = _indent(lines[line - 1]), _indent(lines[prev - 1])
    key = _KEY.match(lines[prev - 1])
    if key is None or depth <= prev_depth or _OPENS_BLOCK.match(lines[prev - 1]):
        return None
    opener = prev
    while (opener := _content(lines, opener) or 0) > 0:
        opener_depth = _indent(lines[opener - 1])
        if opener_depth < depth:
            break
    if opener == 0 or not _OPENS_BLOCK.match(lines[opener - 1]) or prev_depth > opener_depth:
        return None
    parent = _KEY.match(lines[opener - 1])
    under = f"'{parent.group('key').strip()}:' (line {opener})" if parent else f"line {opener}"
    return SpecProblem(
        Location(path, prev, prev_depth + 1),
        f"invalid YAML: bad indentation: '{key.group('key').strip()}' is dedented out of the "
        f"block of {under}, while line {line} below it is still in that block; indent it "
        f"to column {depth + 1}, as line {line} is")
