"""Previews as SVG (jinja2, autoescaped), PNG (cairosvg) and HTML (the SVGs inline).

PNG goes through cairosvg because the SVG is the one drawing: the PNG is the
same picture, not a second layout to keep in step. cairosvg needs the system
libcairo2 (present on the base machine and on Debian/Ubuntu CI runners).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import jinja2

from reconciler.errors import ReconcilerError
from reconciler.preview.layout import WIDTH, creatives, lay_out, letter
from reconciler.render.safe import plain


class PreviewError(ReconcilerError):
    """A preview cannot be drawn (unknown creative, no PNG support)."""


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reconciler.preview", "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["plain"] = _xml_text
    env.filters["visual"] = _visual
    return env


def _visual(text: str) -> str:
    from bidi import get_display

    return str(get_display(text))


def _xml_text(text: Any) -> str:
    """Text XML 1.0 accepts: control and bidi-override characters become '?'."""
    return plain(text)


def svg(body: Mapping[str, Any], app_name: str, which: str = "all", caption: str = "",
        *, visual: bool = False) -> str:
    """One SVG with a row per chosen creative: iOS card left, Android card right.

    Right-to-left lines carry `direction="rtl"` for browsers; `visual=True`
    (for cairosvg, which ignores `direction`) writes them in visual order,
    right-aligned, instead.
    """
    rows = lay_out(body, app_name, which)
    if not rows:
        have = [letter(i) for i in range(len(creatives(body)))]
        raise PreviewError(f"no creative {which!r} in this campaign; it has "
                           f"{', '.join(have) or 'none'} (or use --creative all)")
    height = rows[-1].y + rows[-1].height + 10
    template = environment().get_template("preview.svg.j2")
    return template.render(rows=rows, width=WIDTH, height=height, caption=caption,
                           visual=visual)


def png(svg_text: str, scale: float = 1.0) -> bytes:
    """The SVG rasterised; a missing system cairo is one clear error.

    Draw previews for PNG with `svg(..., visual=True)`. Emoji show in colour
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
