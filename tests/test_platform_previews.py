"""`reconciler preview` on Stream (a chat message) and Smartech (what git knows), real CLI.

Offline: copies of tests/fixtures/stream and tests/fixtures/smartech, no API.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from PIL import Image

from reconciler.registry import platform
from reconciler.stream.preview import fill, is_image
from tests.helpers import FIXTURES, copy_tree, run_cli

NS = {"s": "http://www.w3.org/2000/svg"}


def texts(svg: str, field: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iterfind(".//s:text", NS)
            if t.get("data-field") == field]


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("stream")
    copy_tree(FIXTURES / "stream", root)
    return root


def test_the_message_with_the_sample_receiver_in_every_format(stream: Path) -> None:
    code, out, err = run_cli(["preview", "welcome"], stream)
    assert code == 0, err
    svg = (stream / out.strip()).read_text()
    assert out.strip().endswith("welcome.svg")
    assert texts(svg, "text") == ["Hi Kari, welcome to Acme Chat!"]
    assert texts(svg, "sender") == ["acme-bot"]
    assert texts(svg, "channel") == ["# messaging:welcome-preview-user"]
    assert texts(svg, "attachment.title") == ["Getting started"]
    assert texts(svg, "attachment.link") == ["acme.example"]
    root = ET.fromstring(svg)
    photos = root.findall(".//s:foreignObject[@class='photo']", NS)
    assert [p[0].get("style", "").split('url("')[1].split('")')[0] for p in photos] == [
        "https://cdn.acme.example/chat/welcome.png"]
    assert len(root.findall(".//s:circle[@class='avatar']", NS)) == 1

    assert run_cli(["preview", "welcome", "--out", "w.png"], stream)[0] == 0
    with Image.open(io.BytesIO((stream / "w.png").read_bytes())) as image:
        assert image.format == "PNG" and image.size[0] == 560
    assert run_cli(["preview", "welcome", "--out", "w.txt"], stream)[0] == 0
    text = (stream / "w.txt").read_text()
    assert "  Hi Kari, welcome to Acme Chat!\n" in text
    assert "  [image] https://cdn.acme.example/chat/welcome.png\n" in text
    assert "  [card] Getting started — Five tips for your first week. — " \
           "https://acme.example/start\n" in text
    assert run_cli(["preview", "welcome", "--out", "w.html"], stream)[0] == 0
    page = (stream / "w.html").read_text()
    assert "<title>Preview: Welcome to Acme Chat</title>" in page and "Hi Kari" in page


def test_the_png_fetches_nothing() -> None:
    from reconciler.preview.scene import Image as Picture
    from reconciler.preview.scene import Scene, draw

    scene = Scene(100, "x", 100, [Picture(0, 0, 50, 50, "https://cdn.acme.example/a.png")])
    assert "cdn.acme.example/a.png" in draw(scene)
    assert "foreignObject" not in draw(scene, visual=True)


def test_an_image_that_cannot_load_is_a_labelled_placeholder() -> None:
    """Offline, an SVG `<image>` that fails is drawn by browsers as a broken-image icon
    stretched over its box. The picture is a CSS background over a labelled placeholder
    instead: a background that fails to load draws nothing, so the label shows. Its URL
    cannot break out of CSS `url("…")`."""
    from reconciler.preview.scene import Image as Picture
    from reconciler.preview.scene import Scene, draw

    url = 'https://cdn.acme.example/a b.png?x=") ;background:red;("'
    scene = Scene(300, "x", 220, [Picture(0, 0, 300, 200, url, "image: cdn.acme.example")])
    root = ET.fromstring(draw(scene))
    assert root.findall(".//s:image", NS) == []  # nothing a browser draws as broken
    (group,) = root.findall(".//s:g[@class='image']", NS)
    placeholder, label, photo = list(group)
    assert placeholder.tag.endswith("rect") and placeholder.get("width") == "300"
    assert label.text == "image: cdn.acme.example"
    style = photo[0].get("style", "")
    assert style.count('url("') == 1 and style.endswith(
        'url("https://cdn.acme.example/a%20b.png?x=%22%29%20;background:red;%28%22") '
        "center / cover no-repeat")


def test_fields_the_sample_lacks_show_empty_and_are_named() -> None:
    body = {"sender_id": "bot", "message_template": {
        "text": "{{ receiver.name }} from {{ receiver.country }}, says {{ sender.name }}",
        "attachments": [{"title": "For {{ receiver.name }}", "text": "x"}]}}
    filled = fill(body, {"name": "Kari", "id": "k1"})
    assert filled.text == "Kari from , says bot"
    assert filled.attachments[0]["title"] == "For Kari"
    assert filled.missing == ["receiver.country"]
    assert fill(body, None).text == " from , says bot"
    broken = fill({"sender_id": "b", "message_template": {"text": "{{ receiver. }}"}}, {})
    assert broken.text == "{{ receiver. }}" and broken.broken


def test_the_sandbox_keeps_template_code_from_running() -> None:
    body = {"sender_id": "b", "message_template": {
        "text": "{{ receiver.__class__.__mro__ }}{{ ''.__class__ }}"}}
    filled = fill(body, {"name": "K"})
    assert "<class" not in filled.text and "object" not in filled.text
    assert filled.text == body["message_template"]["text"] and filled.broken  # as written


def test_images_and_cards() -> None:
    assert is_image({"type": "image", "image_url": "u"})
    assert is_image({"image_url": "u"})
    assert not is_image({"image_url": "u", "title": "og card"})
    assert not is_image({"type": "file", "asset_url": "u"})


def test_markup_and_rtl_in_the_message(tmp_path: Path) -> None:
    copy_tree(FIXTURES / "stream", tmp_path)
    doc = yaml.safe_load((tmp_path / "campaigns" / "welcome.yaml").read_text())
    doc["message_template"]["text"] = '<script>alert(1)</script> & "q"\nשלום {{ receiver.name }}'
    (tmp_path / "campaigns" / "welcome.yaml").write_text(yaml.safe_dump(doc))
    code, out, err = run_cli(["preview", "welcome", "--out", "x.svg"], tmp_path)
    assert code == 0, err
    svg = (tmp_path / "x.svg").read_text()
    assert "<script>" not in svg
    assert texts(svg, "text") == ['<script>alert(1)</script> & "q"', "שלום Kari"]
    rtl = [t for t in ET.fromstring(svg).iterfind(".//s:text", NS) if t.text == "שלום Kari"]
    assert rtl[0].get("direction") == "rtl"


def test_no_preview_receiver_says_how_to_add_one(tmp_path: Path) -> None:
    copy_tree(FIXTURES / "stream", tmp_path)
    config = tmp_path / "reconciler.yaml"
    config.write_text(config.read_text().replace("    preview_receiver: {name: Kari}\n", ""))
    code, _, err = run_cli(["preview", "beta-survey", "--out", "b.txt"], tmp_path)
    assert code == 0, err
    text = (tmp_path / "b.txt").read_text()
    assert "  , how is the beta going? Reply here.\n" in text
    assert "no preview_receiver in this env" in text and "preview_receiver: {name: Kari}" in text


@pytest.mark.parametrize(("args", "message"), [
    (["preview", "welcome", "--creative", "B"], "error: a Stream campaign has one message"),
    (["preview", "nope"], "error: no campaign spec with key 'nope'"),
    (["preview", "welcome", "--out", "x.gif"], "error: --out x.gif: give a .svg, .png, .html or .txt"),
])
def test_stream_errors_are_one_line(stream: Path, args: list[str], message: str) -> None:
    code, _, err = run_cli(args, stream)
    assert code == 1 and err.startswith(message) and len(err.strip().splitlines()) == 1


def test_preview_receiver_belongs_to_stream_envs() -> None:
    """Only a Stream env has the field: on another platform's env it is an unknown key."""
    with pytest.raises(ValueError, match="preview_receiver\n  Extra inputs are not permitted"):
        platform("localytics").env_model(api_url="sandbox", org_id=1, app_id="a",
                                         preview_receiver={"name": "K"})


@pytest.fixture(scope="module")
def smartech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("smartech")
    copy_tree(FIXTURES / "smartech", root)
    return root


def test_smartech_email_shows_the_inbox_line_and_names_the_panel_body(smartech: Path) -> None:
    code, out, err = run_cli(["preview", "spring-newsletter", "--out", "e.txt"], smartech)
    assert code == 0, err
    assert (smartech / "e.txt").read_text() == (
        "Spring newsletter (spring-newsletter)\n"
        "  From: Acme <news@acme.example>\n"
        "  Subject: Spring at Acme\n"
        "  Preheader: (none: the inbox shows the body's first words)\n"
        "  Body: panel template 877: its body lives in the Smartech panel, not in git; open "
        "the template there to see it\n")
    code, out, err = run_cli(["preview", "spring-newsletter"], smartech)
    assert code == 0, err
    svg = (smartech / out.strip()).read_text()
    assert texts(svg, "subject_line") == ["Subject: Spring at Acme"]


def test_smartech_app_push_names_its_template_and_personalization(smartech: Path) -> None:
    code, _, err = run_cli(["preview", "winback-push", "--out", "p.png"], smartech)
    assert code == 0, err
    assert run_cli(["preview", "winback-push", "--out", "p.txt"], smartech)[0] == 0
    text = (smartech / "p.txt").read_text()
    assert "  Apps: acme-android, acme-ios\n" in text
    assert "title, message and image live in the Smartech panel, not in git" in text
    assert "  {{ store }}: Acme\n" in text
