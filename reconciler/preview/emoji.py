"""Colour emoji in PNG previews: why cairosvg draws boxes, and the way round it.

cairosvg sets one font per text element with cairo's "toy" text API, and only the
*first* family of `font-family` (`-apple-system, …, 'Noto Color Emoji'` becomes
`-apple-system`, which fontconfig resolves to a plain sans font); the toy API has no
per-glyph fallback, so every emoji becomes the plain font's missing-glyph box even
with an emoji font installed. For the PNG's SVG (`Picture.flat_svg`) each emoji run
is therefore wrapped in a `<tspan>` naming an installed colour emoji font alone;
cairo draws its colour bitmaps. Without such a font the PNG keeps the boxes and the
CLI says once which font is missing. Browsers (.svg, .html) fall back per glyph and
need none of this.

The toy API does not shape text either: a ZWJ sequence (👨‍👩‍👧) is drawn as its
parts side by side, and the invisible joiners and variation selectors are dropped so
they leave no gaps.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import regex
from markupsafe import Markup, escape

# Colour emoji fonts by the name fontconfig knows them (Linux, macOS, Windows).
EMOJI_FONTS = ("Noto Color Emoji", "Apple Color Emoji", "Segoe UI Emoji")
DEBIAN_PACKAGE = "fonts-noto-color-emoji"
_CLUSTER = regex.compile(r"\X")
_IS_EMOJI = regex.compile(r"\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|\u20E3"
                          r"|\p{Regional_Indicator}")
_INVISIBLE = str.maketrans("", "", "\u200d\ufe0f\ufe0e")
_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"),
              Path.home() / ".local/share/fonts", Path.home() / ".fonts",
              Path("/System/Library/Fonts"), Path("/Library/Fonts"))


def has_emoji(text: str) -> bool:
    return any(_IS_EMOJI.search(c) for c in _CLUSTER.findall(text))


@lru_cache(maxsize=1)
def emoji_font() -> str | None:
    """The first colour emoji font installed, by family name; None when there is none."""
    fc_list = shutil.which("fc-list")
    for family in EMOJI_FONTS:
        if fc_list is not None:
            found = subprocess.run([fc_list, "-q", family], check=False, timeout=30,
                                   capture_output=True).returncode == 0
        else:  # no fontconfig tools: look for the font file itself
            stem = family.replace(" ", "")
            found = any(any(d.rglob(f"{stem}*")) for d in _FONT_DIRS if d.is_dir())
        if found:
            return family
    return None


def missing_font_warning() -> str:
    """The one line said when a PNG has emoji and no colour emoji font draws them."""
    return (f"warning: emoji in this PNG are drawn as boxes: no colour emoji font is "
            f"installed (install '{EMOJI_FONTS[0]}', Debian/Ubuntu package {DEBIAN_PACKAGE})")


def emoji_tspans(text: str) -> Markup:
    """`text` escaped for XML with each emoji run in a tspan of the installed emoji font
    (unchanged, only escaped, when none is installed)."""
    font = emoji_font() if has_emoji(text) else None  # fc-list only when it matters
    if font is None:
        return escape(text)
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append(f'<tspan font-family="{font}">'
                       f'{escape("".join(run).translate(_INVISIBLE))}</tspan>')
            run.clear()

    for cluster in _CLUSTER.findall(text):
        if _IS_EMOJI.search(cluster):
            run.append(cluster)
        else:
            flush()
            out.append(str(escape(cluster)))
    flush()
    return Markup("".join(out))
