"""Smartech preview: what git knows of a campaign, drawn where the receiver sees it.

Smartech keeps message bodies in panel templates that the API only names by
id, so the preview shows exactly the text that is in the spec and says where
the rest lives:

- email: the inbox line (sender name and address, subject line, preheader),
  then a body box naming the panel template (`template_id`): the body is not
  in git.
- app push: a notification card with the app ids, the panel template whose
  title and message it sends, and the personalization values `send:` passes
  with execute (the template's `{{ key }}`s are filled from them in Smartech).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.preview.render import Picture, PreviewError
from reconciler.preview.scene import Box, Scene, Text, draw, wrap
from reconciler.workspace.workspace import Spec

WIDTH, CHARS = 560, 62


def picture(spec: Spec, which: str) -> Picture:
    if which not in ("all", "A"):
        raise PreviewError("a Smartech campaign has one message: leave out --creative")
    lines = email_lines(spec.body) if spec.body.get("channel") == "email" else push_lines(spec.body)
    scene = _scene(spec, lines)
    text = [f"{spec.name} ({spec.key})"] + [f"  {label}: {value}" if label else f"  {value}"
                                            for _, label, value in lines]
    return Picture(title=f"Preview: {spec.name}", svg=draw(scene),
                   flat_svg=draw(scene, visual=True), text="\n".join(text) + "\n")


Line = tuple[str, str, str]  # (css class and field, label, value)


def email_lines(body: Mapping[str, Any]) -> list[Line]:
    sender = body.get("sender_details") or {}
    template = body.get("template_id")
    return [
        ("strong:sender", "From", f"{sender.get('sender_name', '')} "
                                  f"<{sender.get('sender_email', '')}>"),
        ("strong:subject_line", "Subject", str(body.get("subject_line") or "")),
        ("meta:preheader", "Preheader", str(body.get("preheader") or "(none: the inbox shows "
                                            "the body's first words)")),
        ("note:body", "Body", f"panel template {template}: its body lives in the Smartech "
                              "panel, not in git; open the template there to see it"),
    ]


def push_lines(body: Mapping[str, Any]) -> list[Line]:
    template = body.get("template_id")
    lines: list[Line] = [
        ("meta:app_ids", "Apps", ", ".join(str(a) for a in body.get("app_ids") or [])),
        ("strong:title", "Title", f"from panel template {template}"),
        ("body:message", "Message", f"from panel template {template}: title, message and "
                                    "image live in the Smartech panel, not in git"),
    ]
    personal = ((body.get("send") or {}).get("personalization") or {})
    lines += [("body:personalization", f"{{{{ {k} }}}}", str(v)) for k, v in personal.items()]
    return lines


def _scene(spec: Spec, lines: list[Line]) -> Scene:
    email = spec.body.get("channel") == "email"
    scene = Scene(WIDTH, f"{spec.name} ({spec.key})")
    scene.add(Text(20, 24, f"{spec.name} ({spec.key})", "heading", "caption"),
              Text(WIDTH - 20, 24, "email inbox" if email else "app push (Android/iOS)",
                   "label", "where", "end"))
    card = len(scene.shapes)
    y = 60
    for spec_cls, label, value in lines:
        cls, name = spec_cls.split(":")
        for part in wrap(f"{label}: {value}", CHARS):
            scene.add(Text(30, y, part, cls, name, w=WIDTH - 60))
            y += 20
        y += 4
    scene.shapes.insert(card, Box(14, 38, WIDTH - 28, y - 38, "#f4f6f8", "#d5dbe1", 12, "card"))
    scene.height = y + 12
    return scene
