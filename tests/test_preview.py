"""Previews: cut positions at each limit, emoji and RTL, escaping, PNG size, the CLI."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from reconciler.localytics.limits import ANDROID, ELLIPSIS, IOS, cut, graphemes
from reconciler.localytics.preview import BODY_SIZE, CARD_W, PAD, THUMB, svg
from reconciler.preview.measure import text_width
from reconciler.preview.render import png
from tests.helpers import example_repo, run_cli

NS = {"s": "http://www.w3.org/2000/svg"}
FAMILY = "👨‍👩‍👧‍👦"  # one grapheme, seven code points


def body(**attrs: Any) -> dict[str, Any]:
    return {"creatives": [{"title": "A", "build_attributes": attrs}]}


def shown(picture: str, platform: str, field: str) -> list[str]:
    root = ET.fromstring(picture)
    return [t.text or "" for t in root.iterfind(".//s:text", NS)
            if t.get("data-platform") == platform and t.get("data-field") == field]


@pytest.mark.parametrize(("platform", "field", "limit"), [
    ("iOS", "push_message", IOS["push_message"].chars),
    ("iOS", "push_title", IOS["push_title"].chars),
    ("iOS", "push_subtitle", IOS["push_subtitle"].chars),
    ("Android", "push_message", ANDROID["push_message"].chars),
    ("Android", "push_title", ANDROID["push_title"].chars),
])
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_svg_cuts_exactly_at_each_limit(platform: str, field: str, limit: int, delta: int) -> None:
    text = "".join(chr(97 + i % 26) for i in range(limit + delta))
    lines = shown(svg(body(**{field: text}), "Acme"), platform, field)
    visible = "".join(lines)
    if delta <= 0:
        assert visible == text
    else:
        assert visible == text[: limit - 1] + ELLIPSIS
        assert len(graphemes(visible)) == limit


def test_ios_body_wraps_on_at_most_four_lines() -> None:
    words = " ".join(["wonderful"] * 40)
    lines = shown(svg(body(push_message=words), "Acme"), "iOS", "push_message")
    assert 1 < len(lines) <= 4
    assert lines[-1].endswith(ELLIPSIS)


@pytest.mark.parametrize("image", [False, True])
def test_ios_message_fills_the_cards_text_width(image: bool) -> None:
    """Lines are as wide as the card's text area allows, measured at the card's font size
    (not cut at 48 characters, which left a third of a 470 px card empty); beside a
    thumbnail they are narrower."""
    attrs = {"push_message": " ".join(["wonderful", "sale"] * 12)}
    if image:
        attrs["attachment_url"] = "https://cdn.example/x.png"
    lines = shown(svg(body(**attrs), "Acme"), "iOS", "push_message")
    room = CARD_W["iOS"] - 2 * PAD - (THUMB if image else 0)
    assert len(lines) > 1
    for line, following in zip(lines, lines[1:], strict=False):
        assert text_width(line, BODY_SIZE) <= room
        next_word = following.split(" ")[0]
        assert text_width(f"{line} {next_word}", BODY_SIZE) > room  # it would not fit
    if not image:
        assert len(graphemes(lines[0])) > 48


def test_emoji_count_as_one_and_are_never_split() -> None:
    text = "a" * 48 + FAMILY + "🎉bc"  # the family is grapheme 49, 🎉 is 50: 52 in all
    visible, was_cut = cut(text, 50)
    assert was_cut and visible == "a" * 48 + FAMILY + ELLIPSIS
    lines = shown(svg(body(push_message=text), "Acme"), "Android", "push_message")
    assert lines == ["a" * 48 + FAMILY + ELLIPSIS]
    assert cut("e\u0301" * 50, 50) == ("e\u0301" * 50, False)  # combining accents count once


def test_rtl_text_is_drawn_right_to_left() -> None:
    hebrew = "מבצע חורף: 20% הנחה על הכל 🎁"
    root = ET.fromstring(svg(body(push_title="שלום", push_message=hebrew), "Acme"))
    texts = [t for t in root.iterfind(".//s:text", NS) if t.get("data-field") == "push_message"]
    assert [t.text for t in texts] == [hebrew, hebrew]
    assert all(t.get("direction") == "rtl" and t.get("unicode-bidi") == "embed" for t in texts)
    # for cairosvg (no `direction` support): visual order, right-aligned
    root = ET.fromstring(svg(body(push_message="שלום 20%"), "Acme", visual=True))
    texts = [t for t in root.iterfind(".//s:text", NS) if t.get("data-field") == "push_message"]
    assert {(t.text, t.get("text-anchor"), t.get("direction")) for t in texts} == {
        ("20% םולש", "end", None)}
    latin = [t for t in ET.fromstring(svg(body(push_message="Hi"), "Acme")).iterfind(
        ".//s:text", NS) if t.get("data-field") == "push_message"]
    assert all(t.get("direction") is None for t in latin)


def test_markup_in_specs_is_escaped() -> None:
    evil = '<script>alert(1)</script> & "q"'
    picture = svg({"creatives": [{"title": "</svg><x", "build_attributes": {
        "push_title": evil, "ll_deep_link_url": "myapp://x?a=<b>",
        "attachment_url": "https://cdn/x.png?a=1&b=<2>"}}]}, "<app>")
    assert "<script>" not in picture
    assert shown(picture, "iOS", "push_title") == [evil]
    root = ET.fromstring(picture)
    notes = [t.text for t in root.iterfind(".//s:text", NS) if t.get("data-field") == "deep_link"]
    assert notes == ["tap opens: myapp://x?a=<b>"]


def test_every_part_of_the_push_is_drawn() -> None:
    picture = svg(body(push_title="T", push_subtitle="S", push_message="M",
                       attachment_url="https://cdn.example.com/i.png",
                       ll_deep_link_url="myapp://x"), "Acme Store")
    assert shown(picture, "iOS", "push_subtitle") == ["S"]
    assert shown(picture, "Android", "push_subtitle") == []  # Android shows no subtitle
    assert shown(picture, "iOS", "app") == ["Acme Store"]
    notes = [t.text for t in ET.fromstring(picture).iterfind(".//s:text", NS)
             if t.get("data-field") == "attachment_url"]
    assert notes == ["image: https://cdn.example.com/i.png"]  # once, under the cards
    assert len(ET.fromstring(picture).findall(".//s:rect[@class='image']", NS)) == 2


def test_the_ios_card_is_the_phones() -> None:
    """The app's name as given (not upper-cased), the time at the card's right edge, the
    image as a thumbnail at that edge, and no line a phone would not show."""
    picture = svg(body(push_title="T", push_message="M", attachment_url="https://cdn/i.png"),
                  "Acme Store")
    root = ET.fromstring(picture)
    (card,) = [g for g in root.iterfind(".//s:g[@class='card']", NS)
               if g.get("data-platform") == "iOS"]
    outline = card.find("s:rect", NS)
    assert outline is not None
    right = int(outline.get("x", 0)) + int(outline.get("width", 0))
    fields = [t.get("data-field") for t in card.iterfind("s:text", NS)]
    assert fields == [None, "app", "time", "push_title", "push_message"]  # None: "image"
    (time,) = [t for t in card.iterfind("s:text", NS) if t.get("data-field") == "time"]
    assert time.text == "now" and time.get("text-anchor") == "end"
    assert right - 20 <= int(time.get("x", 0)) < right
    thumb = card.find("s:rect[@class='image']", NS)
    assert thumb is not None and thumb.get("width") == thumb.get("height") == "48"
    assert right - 70 <= int(thumb.get("x", 0)) and int(thumb.get("x", 0)) + 48 < right
    photo = card.find("s:foreignObject[@class='photo']", NS)
    assert photo is not None and 'url("https://cdn/i.png")' in photo[0].get("style", "")
    assert "image: " not in "".join(t.text or "" for t in card.iterfind(".//s:text", NS))


def test_png_emoji_use_the_installed_colour_emoji_font() -> None:
    """cairosvg takes only the first font family and has no fallback, so emoji runs get a
    tspan of the colour emoji font: the PNG shows them in colour, not as boxes."""
    from reconciler.preview.emoji import emoji_font

    font = emoji_font()
    if font is None:
        pytest.skip("no colour emoji font installed (Debian: fonts-noto-color-emoji)")
    flat = svg(body(push_message="Sale \U0001F389 now"), "Acme", visual=True)
    spans = [t for t in ET.fromstring(flat).iterfind(".//s:tspan", NS)]
    assert {(t.get("font-family"), t.text) for t in spans} == {(font, "\U0001F389")}
    browser_svg = svg(body(push_message="Sale \U0001F389 now"), "Acme")
    assert "<tspan" not in browser_svg  # browsers fall back per glyph

    def coloured(text: str) -> int:
        page = f'''<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">
            <rect width="120" height="40" fill="#fff"/><text x="4" y="28" font-size="24">{text}
            </text></svg>'''
        with Image.open(io.BytesIO(png(page))) as image:
            data = image.convert("RGB").tobytes()
        pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
        return sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 60)

    from reconciler.preview.emoji import emoji_tspans

    assert coloured(str(emoji_tspans("\U0001F389\U0001F389"))) > 100  # drawn in colour
    assert coloured("\U0001F389\U0001F389") == 0  # the first family alone: grey boxes


def test_png_without_an_emoji_font_says_which_font_is_missing(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from reconciler.cli.main import cli
    from reconciler.preview import emoji

    repo = example_repo(tmp_path)
    launch = repo / "campaigns" / "feature-launch.yaml"
    launch.write_text(launch.read_text().replace("New: wishlists", "New: wishlists \U0001F389"))
    monkeypatch.chdir(repo)
    monkeypatch.setattr(emoji, "emoji_font", lambda: None)
    result = CliRunner().invoke(cli, ["preview", "feature-launch", "--out", "f.png"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ("warning: emoji in this PNG are drawn as boxes: no colour emoji "
                             "font is installed (install 'Noto Color Emoji', Debian/Ubuntu "
                             "package fonts-noto-color-emoji)\n")
    assert result.stdout == "f.png\n"
    result = CliRunner().invoke(cli, ["preview", "cart-reminder", "--out", "c.png"])
    assert result.exit_code == 0 and result.stderr == ""  # no emoji: nothing to say


def test_png_is_an_image_of_the_svg_size() -> None:
    picture = svg(body(push_title="Sale 🎉", push_message="שלום"), "Acme")
    root = ET.fromstring(picture)
    with Image.open(io.BytesIO(png(picture))) as image:
        assert image.format == "PNG"
        assert image.size == (int(root.get("width", 0)), int(root.get("height", 0)))


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return example_repo(tmp_path_factory.mktemp("examples"))


def test_cli_writes_svg_png_and_html(examples: Path) -> None:
    code, out, err = run_cli(["preview", "seasonal/holiday-sale"], examples)
    assert code == 0, err
    path = examples / out.strip()
    assert path.name == "seasonal__holiday-sale.svg"
    assert len(ET.parse(path).getroot().findall(".//s:g[@class='creative']", NS)) == 2
    code, out, err = run_cli(["preview", "cart-reminder", "--creative", "c", "--out", "c.png"],
                             examples)
    assert code == 0, err
    with Image.open(examples / "c.png") as image:
        assert image.size[0] == 1050
    code, _, err = run_cli(["preview", "feature-launch", "--out", "f.html"], examples)
    page = (examples / "f.html").read_text()
    assert code == 0, err
    assert page.count("<svg") == 1 and "Wishlist feature launch" in page
    code, _, err = run_cli(["preview", "feature-launch", "--out", "f.txt"], examples)
    assert code == 0, err
    text = (examples / "f.txt").read_text()
    assert text.startswith("Wishlist feature launch (feature-launch)\n")
    assert "  iOS:\n" in text and "  Android:\n" in text
    assert "    Tap the heart on any item to keep it for later\n" in text


@pytest.mark.parametrize(("args", "message"), [
    (["preview", "nope"], "error: no campaign spec with key 'nope'"),
    (["preview", "cart-reminder", "--creative", "D"], "error: no creative 'D'"),
    (["preview", "cart-reminder", "--out", "x.gif"], "give a .svg, .png, .html or .txt"),
])
def test_cli_errors_are_one_line(examples: Path, args: list[str], message: str) -> None:
    code, _, err = run_cli(args, examples)
    assert code == 1
    assert message in err and len(err.strip().splitlines()) == 1
