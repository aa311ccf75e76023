"""How much of a push each platform shows, in grapheme clusters (user-perceived characters).

These are approximations: the real cut depends on the device's width, font
size and the glyphs themselves. The figures are the ones push vendors publish
for a typical phone in portrait (see docs/previews.md for sources),
measured here in grapheme clusters so an emoji or a letter with combining
marks counts once and is never cut in half.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

ELLIPSIS = "…"
_GRAPHEME = regex.compile(r"\X")


@dataclass(frozen=True)
class Limit:
    """A field as one platform shows it: at most `chars` graphemes over `lines` lines.

    `line_chars` is the width a line wraps at; a little more than chars/lines,
    because word breaks leave room unused at line ends.
    """

    platform: str
    field: str
    chars: int
    lines: int
    line_chars: int = 0

    @property
    def per_line(self) -> int:
        return self.line_chars or -(-self.chars // self.lines)


# iOS lock screen (not expanded): title and subtitle one line (~50) each, body up to
# 4 lines / ~178 characters (Batch: "up to 180 … over 4 lines"; most vendors: 178).
IOS = {
    "push_title": Limit("iOS", "push_title", 50, 1),
    "push_subtitle": Limit("iOS", "push_subtitle", 50, 1),
    "push_message": Limit("iOS", "push_message", 178, 4, line_chars=48),
}
# Android notification shade, collapsed: title ~65 characters, body one line of ~50
# (Batch: "only one line … 50 characters"); Android shows no subtitle.
ANDROID = {
    "push_title": Limit("Android", "push_title", 65, 1),
    "push_message": Limit("Android", "push_message", 50, 1),
}
PLATFORMS = {"iOS": IOS, "Android": ANDROID}


def graphemes(text: str) -> list[str]:
    """The text split into grapheme clusters (what a reader counts as characters)."""
    found: list[str] = _GRAPHEME.findall(text)
    return found


def cut(text: str, limit: int) -> tuple[str, bool]:
    """`text` as a device shows it in `limit` graphemes, and whether it was cut.

    Text that fits is shown whole; longer text keeps `limit - 1` graphemes and
    an ellipsis takes the last place, as iOS and Android do.
    """
    parts = graphemes(text)
    if len(parts) <= limit:
        return text, False
    return "".join(parts[: limit - 1]) + ELLIPSIS, True

