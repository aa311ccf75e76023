"""Localytics preview: each creative on an iOS lock-screen card and an Android shade card.

Text is cut first (grapheme clusters, `localytics.limits`), then wrapped on
the field's lines: the picture shows exactly the characters a device would.
Positions are computed here so the SVG template only draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.localytics.limits import ANDROID, IOS, Limit, cut
from reconciler.localytics.lint import attributes, creatives, letter
from reconciler.preview.measure import wrap_to
from reconciler.preview.render import Picture, PreviewError, environment, is_rtl
from reconciler.workspace.workspace import Spec

# Cards are wide enough for a full line at each limit in a 13px sans font (~0.55 em a
# character): iOS 50 bold graphemes beside a 48px thumbnail, Android's 65-grapheme bold title.
# Text wraps at the measured width of each card's text area (reconciler.preview.measure).
CARD_W = {"iOS": 470, "Android": 520}
WIDTH = 20 + CARD_W["iOS"] + 20 + CARD_W["Android"] + 20
PAD = 14
THUMB = 56  # the iOS thumbnail (48 px) and its gap, taken from the text's width
BODY_SIZE = 13  # px of .title and .body in preview.svg.j2: lines are measured at it
LINE = 19
ROW_GAP = 24


@dataclass(frozen=True)
class Line:
    x: int
    y: int
    text: str
    platform: str
    field: str
    rtl: bool = False
    cls: str = "body"
    anchor: str = "start"


@dataclass
class Card:
    platform: str
    x: int
    y: int
    w: int
    height: int = 0
    lines: list[Line] = field(default_factory=list)
    image: tuple[int, int, int, int] | None = None  # x, y, w, h
    image_url: str = ""


@dataclass
class Row:
    """One creative: its heading, two cards and the deep link beneath."""

    letter: str
    title: str
    y: int
    height: int
    cards: list[Card]
    notes: list[Line]


def lay_out(body: Mapping[str, Any], app_name: str, which: str = "all") -> list[Row]:
    """Rows for the creatives `which` names (a letter, or all) of a campaign body."""
    rows: list[Row] = []
    y = 0
    for i, creative in enumerate(creatives(body)):
        if which not in ("all", letter(i)):
            continue
        row = _row(letter(i), str(creative.get("title") or ""), attributes(creative), app_name, y)
        rows.append(row)
        y += row.height + ROW_GAP
    return rows


def _row(name: str, title: str, attrs: Mapping[str, Any], app: str, y: int) -> Row:
    top = y + 30
    ios = _card("iOS", IOS, attrs, app, 20, top)
    android = _card("Android", ANDROID, attrs, app, 20 + CARD_W["iOS"] + 20, top)
    bottom = top + max(ios.height, android.height) + 22
    notes = []
    if attrs.get("attachment_url"):  # under the cards, not inside: a phone never shows it
        notes.append(Line(20, bottom, f"image: {_short(str(attrs['attachment_url']), 90)}",
                          "", "attachment_url", False, "note"))
        bottom += LINE
    link = attrs.get("ll_deep_link_url")
    if link:
        notes.append(Line(20, bottom, f"tap opens: {_short(str(link), 90)}", "", "deep_link",
                          is_rtl(str(link)), "note"))
        bottom += LINE
    heading = f"Creative {name}" + (f" — {title}" if title else "")
    return Row(name, heading, y, bottom - y, [ios, android], notes)


def _card(platform: str, limits: Mapping[str, Limit], attrs: Mapping[str, Any], app: str,
          x: int, y: int) -> Card:
    w = CARD_W[platform]
    card = Card(platform, x, y, w)
    cy = y + PAD + 12
    # The app's name as the phone shows it (iOS: its name, and the time at the right
    # edge; Android: name · time), never the app id upper-cased.
    header = app if platform == "iOS" else f"{app} · now"
    card.lines.append(Line(x + PAD + 26, cy, _short(header, 36), platform, "app", is_rtl(app),
                           "app"))
    if platform == "iOS":
        card.lines.append(Line(x + w - PAD, cy, "now", platform, "time", False, "app", "end"))
    cy += LINE + 4
    has_image = bool(attrs.get("attachment_url"))
    thumb = platform == "iOS" and has_image  # iOS shows a thumbnail beside the text
    for f, cls in (("push_title", "title"), ("push_subtitle", "title"), ("push_message", "body")):
        text = attrs.get(f)
        limit = limits.get(f)
        if not isinstance(text, str) or not text or limit is None:
            continue
        shown, _ = cut(text, limit.chars)
        # as the phone wraps: by measured width in the card's text area
        room, bold = w - 2 * PAD - (THUMB if thumb else 0), cls == "title"
        lines = wrap_to(shown, room, BODY_SIZE, bold)
        if len(lines) > limit.lines:  # word breaks wasted room: break anywhere instead
            lines = wrap_to(shown, room, BODY_SIZE, bold, anywhere=True)
        rtl = is_rtl(text)
        right = x + w - PAD - (THUMB if thumb else 0)
        for part in lines:
            card.lines.append(Line(right if rtl else x + PAD, cy, part, platform, f, rtl, cls))
            cy += LINE
    if has_image:
        card.image_url = str(attrs["attachment_url"])
        if thumb:
            card.image = (x + w - PAD - 48, y + PAD + 30, 48, 48)
            cy = max(cy, y + PAD + 30 + 48 + 4)
        else:
            card.image = (x + PAD, cy, w - 2 * PAD, 110)
            cy += 110 + 6
    card.height = cy - y + PAD - 6
    return card


def _short(text: str, limit: int) -> str:
    return cut(text, limit)[0]


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


def picture(spec: Spec, app_name: str, which: str) -> Picture:
    """The creatives `which` names, for every output format."""
    rows = lay_out(spec.body, app_name, which)
    text = [f"{spec.name} ({spec.key})"]
    for row in rows:
        text.append(row.title)
        for card in row.cards:
            text.append(f"  {card.platform}:")
            text += [f"    {line.text}" for line in card.lines]
        text += [f"  {line.text}" for line in row.notes]
    return Picture(
        title=f"Preview: {spec.name}",
        svg=svg(spec.body, app_name, which, caption=f"{spec.name} ({spec.key})"),
        flat_svg=svg(spec.body, app_name, which, caption=spec.name, visual=True),
        text="\n".join(text) + "\n",
    )
