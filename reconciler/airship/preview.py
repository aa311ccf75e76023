"""Airship preview: a campaign's push on an iOS card and an Android card.

Each listed platform gets a card (web is shown as text only) with what that
platform receives: its override's title (iOS also its subtitle, Android its
summary) over its alert, or the default alert when it has no override.
Airship documents no alert length limit (ASSUMED: platforms cut on screen),
so the text is shown whole, wrapped; iOS shows 4 lines and Android 2 when
collapsed (ASSUMED from the platforms' own notification layouts), so the
cut is drawn as such and named in the text form. `--creative ios` or
`android` draws one card.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.preview.render import Picture, PreviewError
from reconciler.preview.scene import Box, Scene, Text, draw, wrap
from reconciler.workspace.workspace import Spec

CARD_W, CHARS, LINE = 300, 40, 18
VISIBLE = {"ios": 4, "android": 2}  # lines shown before "more" (ASSUMED)
TITLES = {"ios": "iOS lock screen", "android": "Android notification shade",
          "web": "web browser"}
SECOND = {"ios": "subtitle", "android": "summary"}


def lines_of(body: Mapping[str, Any], device: str) -> list[tuple[str, str]]:
    """(field, text) of one platform's card, in drawing order."""
    note = body.get("notification") or {}
    override = note.get(device) or {}
    out = []
    if override.get("title"):
        out.append(("title", str(override["title"])))
    if device in SECOND and override.get(SECOND[device]):
        out.append((SECOND[device], str(override[SECOND[device]])))
    out.append(("alert", str(override.get("alert") or note.get("alert") or "")))
    return out


def picture(spec: Spec, which: str) -> Picture:
    devices = [d for d in spec.body.get("device_types") or () if d in VISIBLE]
    if which not in ("all", "A"):
        if which not in devices:
            raise PreviewError(f"--creative is one of {', '.join(devices)} (the platforms "
                               "with a card) or all")
        devices = [which]
    caption = f"{spec.name} ({spec.key})"
    scene = Scene(20 + (CARD_W + 20) * max(1, len(devices)), caption)
    scene.add(Text(20, 24, caption, "heading", "caption"))
    text = [caption]
    bottom = 40
    for i, device in enumerate(devices):
        x = 20 + i * (CARD_W + 20)
        card = len(scene.shapes)
        scene.add(Text(x + 12, 62, TITLES[device], "label", f"{device}.where"))
        y = 86
        text.append(f"  {TITLES[device]}:")
        for name, value in lines_of(spec.body, device):
            wrapped = wrap(value, CHARS)
            shown = wrapped[:VISIBLE[device]] if name == "alert" else wrapped[:1]
            if len(shown) < len(wrapped):
                shown[-1] = shown[-1].rstrip() + "…"
            for part in shown:
                scene.add(Text(x + 12, y, part, "strong" if name == "title" else "body",
                               f"{device}.{name}", w=CARD_W - 24))
                y += LINE
            text.append(f"    {name}: {value}" + (" (cut on screen)" if len(shown) <
                                                   len(wrapped) else ""))
        scene.shapes.insert(card, Box(x, 42, CARD_W, y - 42 + 8, "#f4f6f8", "#d5dbe1", 14,
                                      "card"))
        bottom = max(bottom, y + 8)
    scene.height = bottom + 16
    return Picture(title=f"Preview: {spec.name}", svg=draw(scene),
                   flat_svg=draw(scene, visual=True), text="\n".join(text) + "\n")
