"""Text measured as a phone lays it out: lines broken where the next word no longer fits
the card's text width at its font size, not after a fixed number of characters.

iOS and Android wrap notification text by measured width (Core Text, Android's
StaticLayout). The preview measures with Pillow's bundled font (Aileron, close in
widths to SF Pro, Helvetica and Liberation Sans), so a picture breaks its lines the same
on every machine whatever fonts are installed. Widths are scaled to the widest font
that commonly draws it: DejaVu Sans, the sans fontconfig picks on Linux (and so in
every PNG made there), runs 11% wider than Aileron and its bold 26% wider, so a line
never runs past the card; where SF Pro draws it the lines fill about nine tenths.
"""

from __future__ import annotations

from functools import cache

import regex
from PIL import ImageFont

# DejaVu Sans (Book, Bold) over Aileron Regular, measured on running English text
REGULAR, BOLD = 1.12, 1.27
_GRAPHEME = regex.compile(r"\X")


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def text_width(text: str, size: int, bold: bool = False) -> float:
    """The width of `text` in px at `size` px."""
    return float(_font(size).getlength(text)) * (BOLD if bold else REGULAR)


def wrap_to(text: str, room: float, size: int, bold: bool = False,
            anywhere: bool = False) -> list[str]:
    """`text` on lines no wider than `room` px: broken after a space where one fits
    (a word wider than a line, or every line with `anywhere`, breaks between graphemes,
    never inside one)."""
    lines: list[str] = []
    parts = _GRAPHEME.findall(text)
    while parts:
        n = _fitting(parts, room, size, bold)
        if n < len(parts) and not anywhere:
            space = max((i for i in range(1, n + 1) if parts[i - 1].isspace()), default=0)
            n = space or n
        lines.append("".join(parts[:n]).rstrip())
        parts = parts[n:]
    return lines or [""]


def _fitting(parts: list[str], room: float, size: int, bold: bool) -> int:
    """How many graphemes from the start fit in `room` (at least one)."""
    lo, hi = 1, len(parts)
    while lo < hi:  # the widest prefix that fits: widths grow with length
        mid = (lo + hi + 1) // 2
        if text_width("".join(parts[:mid]), size, bold) <= room:
            lo = mid
        else:
            hi = mid - 1
    return lo
