"""Previews as SVG (jinja2, autoescaped), PNG (cairosvg), HTML (the SVGs inline) and text.

Platform-neutral: each platform draws its own `Picture` (`Provider.preview`:
reconciler.localytics.preview, reconciler.stream.preview,
reconciler.smartech.preview) with the templates here; this module writes it.

PNG goes through cairosvg because the SVG is the one drawing: the PNG is the
same picture, not a second layout to keep in step. cairosvg needs the system
libcairo2 (present on the base machine and on Debian/Ubuntu CI runners).
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from reconciler.errors import ReconcilerError
from reconciler.render.safe import plain


class PreviewError(ReconcilerError):
    """A preview cannot be drawn (unknown creative, no PNG support)."""


@dataclass(frozen=True)
class Picture:
    """One preview in every form the CLI writes.

    `svg` is for browsers (.svg, .html): right-to-left text marked as such, and
    images may be drawn from their URLs. `flat_svg` is for cairosvg (.png):
    right-to-left text in visual order and no external resource, so writing a
    PNG never fetches anything. `text` is the same content in plain lines (.txt).
    """

    title: str
    svg: str
    flat_svg: str
    text: str


def is_rtl(text: str) -> bool:
    """Whether the first strong character is right-to-left (Hebrew, Arabic, …)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reconciler.preview", "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["plain"] = _xml_text
    env.filters["visual"] = _visual
    env.filters["ink"] = _ink
    env.filters["css_url"] = css_url
    return env


def _ink(text: str, visual: bool) -> str | Markup:
    """For cairosvg (`visual`), emoji runs in a tspan of a colour emoji font (see
    preview.emoji); browsers fall back per glyph and get the text as it is."""
    if not visual:
        return text
    from reconciler.preview.emoji import emoji_tspans

    return emoji_tspans(text)


def css_url(url: str) -> str:
    """`url` safe inside CSS `url("…")` in an attribute: every character that could end
    the string or the value (quotes, parentheses, backslash, blanks) percent-encoded."""
    return quote(url, safe="/:?#[]@!$&*+,;=%-._~")


def _visual(text: str) -> str:
    from bidi import get_display

    return str(get_display(text))


def _xml_text(text: Any) -> str:
    """Text XML 1.0 accepts: control and bidi-override characters become '?'."""
    return plain(text)


def png(svg_text: str, scale: float = 1.0) -> bytes:
    """The SVG rasterised; a missing system cairo is one clear error.

    Give it `Picture.flat_svg` (no external image, RTL in visual order). Emoji show in colour
    only where an emoji font (e.g. fonts-noto-color-emoji) is installed.
    """
    try:
        import cairosvg
    except OSError as e:  # cairocffi could not load libcairo
        raise PreviewError(f"PNG output needs the system cairo library ({e}); "
                           "install libcairo2 or use .svg/.html") from None
    result: bytes = cairosvg.svg2png(bytestring=svg_text.encode(), scale=scale)
    return result


def html_page(title: str, svgs: list[tuple[str, str]]) -> str:
    """A standalone page that embeds each (heading, svg) inline."""
    parts = [f"<section><h2>{html.escape(plain(h))}</h2>\n{s}</section>" for h, s in svgs]
    return (
        "<!doctype html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(plain(title))}</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:24px}"
        "section{margin-bottom:32px}</style></head><body>\n"
        f"<h1>{html.escape(plain(title))}</h1>\n" + "\n".join(parts) + "\n</body></html>\n"
    )
