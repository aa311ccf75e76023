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
    """Whitespace folded and the invisible word joiner (safe.JOINER) gone, as a reader sees."""
    return re.sub(r"\s+", " ", text.replace("\u2060", "")).strip()


def rendered_text(markdown: str) -> str:
    """The text GitHub's mention and issue-reference filters read: rendered, entities
    decoded, code included, invisible characters kept."""
    p = _Page()
    p.feed(to_html(markdown))
    p.close()
    return "".join(p.text)


# GitHub's closing keywords before a reference, and @mentions, as its filters match them
CLOSES = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+(?:#\d|gh-\d|"
                    r"[\w.-]+/[\w.-]+#\d|https?://\S+/(?:issues|pull)/\d)", re.IGNORECASE)
MENTION = re.compile(r"(?<![\w])@[A-Za-z0-9]")


def github_acts_on(markdown: str) -> list[str]:
    """What GitHub would act on in a body: issues a merge closes, people it notifies."""
    text = rendered_text(markdown) + "\n" + markdown  # what it renders, and the raw source
    return [m.group() for m in (*CLOSES.finditer(text), *MENTION.finditer(text))]
