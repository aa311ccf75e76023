"""A drawing as a list of shapes, for platforms whose preview is not the push cards.

A platform module places boxes, texts, images and dots (all positions
computed in Python) and `draw` writes them through `scene.svg.j2`
(autoescaped), so the template only draws. Texts carry `field` (what part of
the message they show) for tests and screen readers alike.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import ClassVar

from reconciler.preview.render import environment, is_rtl


@dataclass(frozen=True)
class Box:
    kind: ClassVar[str] = "box"
    x: int
    y: int
    w: int
    h: int
    fill: str = "#ffffff"
    stroke: str = "none"
    rx: int = 0
    cls: str = "box"


@dataclass(frozen=True)
class Text:
    """One line. `w` is the room it has: right-to-left text is aligned at `x + w`."""

    kind: ClassVar[str] = "text"
    x: int
    y: int
    text: str
    cls: str = "body"
    field: str = ""
    anchor: str = "start"
    w: int = 0

    @property
    def rtl(self) -> bool:
        return is_rtl(self.text)


@dataclass(frozen=True)
class Image:
    """An image drawn from `url` in browsers, over a labelled placeholder (the PNG shows
    only the placeholder: writing it never fetches anything)."""

    kind: ClassVar[str] = "image"
    x: int
    y: int
    w: int
    h: int
    url: str
    label: str = "image"


@dataclass(frozen=True)
class Dot:
    kind: ClassVar[str] = "dot"
    cx: int
    cy: int
    r: int
    fill: str
    letter: str = ""


@dataclass
class Scene:
    width: int
    caption: str
    height: int = 0
    shapes: list[Box | Text | Image | Dot] = field(default_factory=list)

    def add(self, *shapes: Box | Text | Image | Dot) -> None:
        self.shapes.extend(shapes)


def draw(scene: Scene, *, visual: bool = False) -> str:
    """The scene as SVG; `visual` for cairosvg: RTL in visual order, no external images."""
    return environment().get_template("scene.svg.j2").render(scene=scene, visual=visual)


def wrap(text: str, width: int, lines: int | None = None) -> list[str]:
    """`text` on lines of about `width` characters, its own line breaks kept; with
    `lines`, at most that many (the last one ending in an ellipsis when cut)."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        out += textwrap.wrap(paragraph, width, break_long_words=True,
                             replace_whitespace=False, drop_whitespace=True) or [""]
    if lines is not None and len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][:max(width - 1, 1)].rstrip() + "…"
    return out
