"""Stream preview: the campaign's message as Stream's default chat UI shows it.

One message in a channel, drawn after stream-chat-react's default theme: the
sender's avatar (an initial in a coloured circle), the attachments above the
text (images as images, everything else as a card: link previews with title,
text and host; files with their name), the text in a grey bubble, and the
sender's name and time beneath. `{{ receiver.* }}` and `{{ sender.* }}` are
filled as Stream fills them per receiver, from the env's `preview_receiver`;
a field the sample lacks shows empty (as Stream shows it for a user without
it) and is named in a note under the drawing. The sender's profile is not in
git: `sender.name` is its id. Text is shown as written (Stream renders
markdown; the preview does not).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from reconciler.config import EnvConfig
from reconciler.preview.render import Picture, PreviewError
from reconciler.preview.scene import Box, Dot, Image, Scene, Text, draw, wrap
from reconciler.stream.config import StreamEnv
from reconciler.workspace.workspace import Spec

SAMPLE_ID = "preview-user"
WIDTH, COL_X, COL_W, CARD_W = 560, 64, 400, 300
CHARS, CARD_CHARS, LINE = 40, 38, 21
BUBBLE = "#e9eaed"
AVATARS = ("#005fff", "#20a35a", "#e0661b", "#8a3ffc", "#d12771", "#0f7c8c")
_USED = re.compile(r"\b(receiver|sender)\.([A-Za-z_]\w*)")


@dataclass
class Filled:
    """The message as one receiver gets it, and what the sample could not fill."""

    text: str
    attachments: list[dict[str, Any]]
    channel: str
    sender: str
    missing: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)


def fill(body: Mapping[str, Any], sample: Mapping[str, Any] | None) -> Filled:
    """Stream's per-receiver template variables filled from `sample` (sandboxed Jinja)."""
    sender_id = str(body.get("sender_id") or "")
    names = {"receiver": {"id": SAMPLE_ID, **(sample or {})},
             "sender": {"id": sender_id, "name": sender_id}}
    env = SandboxedEnvironment(autoescape=False, undefined=jinja2.Undefined)
    out = Filled("", [], "", sender_id)

    def render(value: Any) -> Any:
        if isinstance(value, str):
            for root, attr in _USED.findall(value):
                if attr not in names[root] and f"{root}.{attr}" not in out.missing:
                    out.missing.append(f"{root}.{attr}")
            try:
                return env.from_string(value).render(**names)
            except jinja2.TemplateError as e:
                out.broken.append(f"{value!r}: {e}")
                return value
        if isinstance(value, Mapping):
            return {k: render(v) for k, v in value.items()}
        if isinstance(value, list):
            return [render(v) for v in value]
        return value

    template = body.get("message_template") or {}
    out.text = str(render(template.get("text") or ""))
    out.attachments = [render(dict(a)) for a in template.get("attachments") or []
                       if isinstance(a, Mapping)]
    channel = body.get("channel_template") or {}
    if body.get("create_channels") and channel:
        cid = render(str(channel.get("id") or "")) or "(id chosen by Stream)"
        out.channel = f"{channel.get('type', 'messaging')}:{cid}"
    else:
        out.channel = f"{sender_id} and {names['receiver'].get('name') or SAMPLE_ID}"
    return out


def picture(spec: Spec, env: EnvConfig, which: str) -> Picture:
    if which not in ("all", "A"):
        raise PreviewError("a Stream campaign has one message: leave out --creative")
    filled = fill(spec.body, StreamEnv.of(env).preview_receiver)
    scene = _scene(spec, env, filled)
    return Picture(title=f"Preview: {spec.name}", svg=draw(scene),
                   flat_svg=draw(scene, visual=True), text=_text(spec, env, filled))


def is_image(a: Mapping[str, Any]) -> bool:
    """An attachment Stream's UI draws as a picture (not a card or a file)."""
    kind = a.get("type")
    if kind in ("image", "giphy"):
        return bool(a.get("image_url") or a.get("thumb_url") or a.get("asset_url"))
    return kind is None and bool(a.get("image_url")) and not (
        a.get("title") or a.get("text") or a.get("title_link") or a.get("og_scrape_url"))


def _scene(spec: Spec, env: EnvConfig, filled: Filled) -> Scene:
    scene = Scene(WIDTH, f"{spec.name} ({spec.key})")
    scene.add(Text(20, 24, f"{spec.name} ({spec.key})", "heading", "caption"))
    frame = Box(10, 38, WIDTH - 20, 0, "#ffffff", "#dbdde1", 12, "frame")
    scene.add(frame, Text(26, 68, f"# {filled.channel}", "header", "channel", w=WIDTH - 52),
              Box(10, 86, WIDTH - 20, 1, "#dbdde1"))
    top = y = 104
    for a in filled.attachments:
        y = _attachment(scene, a, y) + 8
    lines = wrap(filled.text, CHARS)
    width = min(COL_W, max(48, 8 * max(len(line) for line in lines) + 28))
    height = LINE * len(lines) + 16
    scene.add(Box(COL_X, y, width, height, BUBBLE, "none", 16, "bubble"))
    scene.add(*(Text(COL_X + 14, y + 26 + LINE * i, line, "body", "text", w=width - 28)
                for i, line in enumerate(lines)))
    y += height
    colour = AVATARS[int(hashlib.sha256(filled.sender.encode()).hexdigest(), 16) % len(AVATARS)]
    scene.add(Dot(36, max(y - 16, top + 16), 16, colour, (filled.sender[:1] or "?").upper()))
    scene.add(Text(COL_X + 4, y + 18, filled.sender, "name", "sender"),
              Text(COL_X + 14 + 7 * len(filled.sender), y + 18, "Today at 9:41", "meta", "time"))
    y += 36
    scene.shapes[scene.shapes.index(frame)] = Box(10, 38, WIDTH - 20, y - 38, "#ffffff",
                                                  "#dbdde1", 12, "frame")
    for note in _notes(env, filled):
        y += 20
        scene.add(Text(12, y, note, "note", "note"))
    scene.height = y + 16
    return scene


def _attachment(scene: Scene, a: Mapping[str, Any], y: int) -> int:
    """Draw one attachment at `y`; the y under it."""
    if is_image(a):
        url = str(a.get("image_url") or a.get("thumb_url") or a.get("asset_url"))
        scene.add(Image(COL_X, y, CARD_W, 200, url, f"image: {_host(url)}"))
        return y + 200
    inner: list[Box | Text | Image] = []
    cy = y
    picture_url = a.get("image_url") or a.get("thumb_url")
    if picture_url and a.get("type") not in ("file", "audio", "video"):
        inner.append(Image(COL_X, cy, CARD_W, 150, str(picture_url),
                           f"image: {_host(str(picture_url))}"))
        cy += 150
    cy += 8
    if a.get("type") in ("file", "audio", "video") or (a.get("asset_url") and not picture_url):
        name = str(a.get("title") or urlsplit(str(a.get("asset_url") or "")).path
                   .rsplit("/", 1)[-1] or "file")
        inner.append(Box(COL_X + 10, cy + 2, 30, 38, "#7a8ca5", "none", 4, "fileicon"))
        inner.append(Text(COL_X + 50, cy + 18, name, "strong", "attachment.title",
                          w=CARD_W - 60))
        inner.append(Text(COL_X + 50, cy + 36, str(a.get("mime_type") or a.get("type") or "file"),
                          "meta", "attachment.type"))
        cy += 46
    else:
        for key, cls, n in (("author_name", "meta", 1), ("title", "title", 2),
                            ("text", "cardtext", 3)):
            for line in wrap(str(a.get(key) or ""), CARD_CHARS, n) if a.get(key) else []:
                cy += 18
                inner.append(Text(COL_X + 10, cy, line, cls, f"attachment.{key}",
                                  w=CARD_W - 20))
        link = a.get("title_link") or a.get("og_scrape_url") or a.get("asset_url")
        if link:
            cy += 18
            inner.append(Text(COL_X + 10, cy, _host(str(link)), "url", "attachment.link"))
        cy += 10
    scene.add(Box(COL_X, y, CARD_W, cy - y, "#f4f4f5", "#dbdde1", 12, "card"), *inner)
    return cy


def _host(url: str) -> str:
    return urlsplit(url).hostname or url[:40]


def _notes(env: EnvConfig, filled: Filled) -> list[str]:
    sample = StreamEnv.of(env).preview_receiver
    notes = [f"receiver: {(sample or {}).get('name') or '(no name)'} "
             f"(id {(sample or {}).get('id') or SAMPLE_ID}), from preview_receiver"
             if sample else "no preview_receiver in this env: receiver fields show empty "
             "(add e.g. preview_receiver: {name: Kari})"]
    notes += [f"{name}: not in the sample, shown empty as Stream shows it"
              for name in filled.missing if name.startswith("receiver.")]
    notes += [f"not a template Stream can fill, shown as written: {b}" for b in filled.broken]
    return notes


def _text(spec: Spec, env: EnvConfig, filled: Filled) -> str:
    lines = [f"{spec.name} ({spec.key}), as Stream's chat shows it",
             f"channel: {filled.channel}", f"{filled.sender}, today at 9:41:"]
    for a in filled.attachments:
        if is_image(a):
            lines.append(f"  [image] {a.get('image_url') or a.get('thumb_url') or a.get('asset_url')}")
        else:
            parts = [str(a[k]) for k in ("title", "text", "title_link", "og_scrape_url",
                                         "asset_url") if a.get(k)]
            lines.append(f"  [{a.get('type') or 'card'}] " + " — ".join(parts))
    lines += [f"  {line}" for line in filled.text.split("\n")]
    lines += _notes(env, filled)
    return "\n".join(lines) + "\n"
