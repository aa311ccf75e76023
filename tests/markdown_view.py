"""What a reader of a PR comment sees: the markdown through a real CommonMark renderer.

markdown-it-py with GitHub's table and strikethrough extensions, raw HTML on
(GitHub passes a safe subset through), so injected markup would show up as
elements here; `seen` is the page's text, entities decoded, whitespace folded.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# elements that break the text apart; inline ones (em, strong, code) do not
BLOCKS = frozenset({"p", "li", "ul", "ol", "blockquote", "table", "thead", "tbody", "tr", "td",
                    "th", "details", "summary", "h1", "h2", "h3", "h4", "h5", "h6", "div", "br",
                    "hr", "pre", "sub"})


def to_html(markdown: str) -> str:
    return _MD.render(markdown)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in BLOCKS:
            self.text.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self.text.append(" ")

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.tags.append("!--")


def page(markdown: str) -> tuple[str, list[str]]:
    """(the text a reader sees, whitespace folded; every element and comment rendered)."""
    p = _Page()
    p.feed(to_html(markdown))
    p.close()
    return fold("".join(p.text)), p.tags


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
