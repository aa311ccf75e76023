"""From a rendered campaign creative to the Push API's message fields.

The spec's `build_attributes` are the Campaigns API's names; the Push API
knows an alert (title, subtitle, body), iOS options (sound, category,
mutable_content) and a free `extra` dict per platform that the app receives
with the push. Fields with no Push API equivalent are listed in `UNMAPPED`
and named in docs/send-test.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.errors import SendTestError
from reconciler.localytics.push import Alert
from reconciler.workspace.workspace import Spec

TEST_MARK = ("rcl_test", "true")  # in every extra, so the app can tell a test push
UNMAPPED = ("title", "percent", "build_attributes.ll_mi_deep_link_url")


@dataclass(frozen=True)
class Content:
    """One creative as a push: what every recipient of it receives."""

    letter: str
    alert: Alert
    ios: Mapping[str, Any]
    android: Mapping[str, Any]

    def fingerprint(self) -> str:
        """Canonical JSON of the content: an edit of the spec changes the request ids."""
        doc = {"alert": self.alert.to_json(), "ios": self.ios, "android": self.android}
        return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @property
    def preview(self) -> str:
        parts = [p for p in (self.alert.title, self.alert.subtitle, self.alert.body) if p]
        return " / ".join(parts)


def creatives_of(spec: Spec) -> list[Mapping[str, Any]]:
    """The campaign's creatives in letter order (one object counts as a list of one)."""
    raw = spec.body.get("creatives")
    if isinstance(raw, Mapping):
        return [raw]
    return [c for c in raw or [] if isinstance(c, Mapping)]


def select(spec: Spec, wanted: tuple[str, ...]) -> list[Content]:
    """The creatives named by letter (`all` or none given: every one), as push content."""
    creatives = creatives_of(spec)
    letters = [chr(65 + i) for i in range(len(creatives))]
    picked: list[str] = []
    for w in wanted:
        w = w.strip().upper()
        if w == "ALL":
            picked = letters
            break
        if w not in letters:
            have = ", ".join(letters) or "none"
            raise SendTestError(f"campaign {spec.key!r} has no creative {w!r} "
                                f"(its creatives: {have})")
        if w not in picked:
            picked.append(w)
    if not picked:
        picked = letters
    contents = [content_of(letter, creatives[ord(letter) - 65]) for letter in picked]
    for c in contents:
        if not c.alert.body.strip():
            raise SendTestError(
                f"campaign {spec.key!r} creative {c.letter} has no push_message: the Push API "
                "refuses a push with an empty alert body")
    return contents


def content_of(letter: str, creative: Mapping[str, Any]) -> Content:
    """Map one creative: title/subtitle/message → alert; deep link, image, key_values and
    the test mark → each platform's `extra`; sound and category → iOS options."""
    attrs = creative.get("build_attributes") or {}
    alert = Alert(
        body=attrs.get("push_message") or "",
        title=attrs.get("push_title"),
        subtitle=attrs.get("push_subtitle"),
    )
    extra: dict[str, str] = {}
    for kv in creative.get("key_values") or []:
        extra[str(kv["key"])] = str(kv["value"])
    if attrs.get("ll_deep_link_url"):
        extra["ll_deep_link_url"] = attrs["ll_deep_link_url"]
    if attrs.get("attachment_url"):
        extra["ll_attachment_url"] = attrs["attachment_url"]
    extra[TEST_MARK[0]] = TEST_MARK[1]  # last: a key_value cannot unmark a test
    ios: dict[str, Any] = {"extra": dict(extra)}
    if attrs.get("sound"):
        ios["sound"] = attrs["sound"]
    if attrs.get("push_category"):
        ios["category"] = attrs["push_category"]
    if attrs.get("attachment_url"):
        ios["mutable_content"] = True  # lets the app's service extension fetch the image
    return Content(letter=letter, alert=alert, ios=ios, android={"extra": dict(extra)})
