"""Message lint for Localytics push campaigns: what a reviewer should see before users do.

Each check returns one-line warnings naming the creative (A, B, …), the
field and, for truncation, the platform and the visible length. Text is
counted in grapheme clusters (see `limits`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from reconciler.localytics.limits import PLATFORMS, cut, graphemes
from reconciler.workspace.base import parse_instant

TEXT_FIELDS = ("push_title", "push_subtitle", "push_message")
# A creative's fields as the plan's words call them (reconciler.localytics.words).
NAMES = {"push_title": "title", "push_subtitle": "subtitle", "push_message": "message",
         "attachment_url": "image", "ll_deep_link_url": "deep link"}


def creatives(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The creatives of a campaign body, one mapping or a list, as a list."""
    raw = body.get("creatives")
    items = [raw] if isinstance(raw, Mapping) else raw if isinstance(raw, list) else []
    return [c for c in items if isinstance(c, Mapping)]


def attributes(creative: Mapping[str, Any]) -> Mapping[str, Any]:
    attrs = creative.get("build_attributes")
    return attrs if isinstance(attrs, Mapping) else {}


def letter(i: int) -> str:
    return chr(65 + i) if i < 26 else str(i + 1)


def lint_campaign(
    body: Mapping[str, Any], vars: Mapping[str, Any], *, go_live: bool, now: datetime
) -> list[str]:
    """Every message-lint warning of one campaign body (rendered spec fields)."""
    out: list[str] = []
    items = creatives(body)
    for i, creative in enumerate(items):
        x = letter(i)
        attrs = attributes(creative)
        out += truncation(x, attrs)
        out += _template_left(x, attrs)
        out += _attachment(x, attrs)
        out += _deep_link(x, attrs, vars.get("deep_link_scheme"))
        if go_live and not str(attrs.get("push_title") or "").strip():
            out.append(f"creative {x} has no title: the push goes live showing only the "
                       "app name above the message")
    out += _identical(items)
    if go_live:
        out += _past_start(body.get("schedule"), now)
    return out


def truncation(x: str, attrs: Mapping[str, Any]) -> list[str]:
    """Fields longer than a platform shows, with the text the phone shows."""
    out = []
    for field in TEXT_FIELDS:
        text = attrs.get(field)
        if not isinstance(text, str):
            continue
        length = len(graphemes(text))
        for platform, limits in PLATFORMS.items():
            limit = limits.get(field)
            if limit is not None and length > limit.chars:
                shown, _ = cut(text, limit.chars)
                out.append(f"{NAMES[field]} {x} is cut on {platform} after {limit.chars} of "
                           f"{length} characters; the phone shows: {shown}")
    return out


def _template_left(x: str, attrs: Mapping[str, Any]) -> list[str]:
    return [
        f"{NAMES.get(field, field)} {x} contains '{{{{' or '}}}}' after rendering: a template "
        "that did not render?"
        for field, text in attrs.items()
        if isinstance(text, str) and ("{{" in text or "}}" in text)
    ]


def _attachment(x: str, attrs: Mapping[str, Any]) -> list[str]:
    url = attrs.get("attachment_url")
    if isinstance(url, str) and urlsplit(url.strip()).scheme.lower() != "https":
        return [f"image {x} is not https ({url}): iOS will not load the image"]
    return []


def _deep_link(x: str, attrs: Mapping[str, Any], scheme: Any) -> list[str]:
    """A deep link on another scheme than the env's `vars.deep_link_scheme` (https is fine)."""
    link = attrs.get("ll_deep_link_url")
    if not scheme or not isinstance(link, str) or not link.strip():
        return []
    found = urlsplit(link.strip()).scheme.lower()
    if found in (str(scheme).lower(), "https"):
        return []
    return [f"deep link {x} uses scheme '{found or '(none)'}', not the env's "
            f"vars.deep_link_scheme '{scheme}': {link}"]


def _identical(items: list[Mapping[str, Any]]) -> list[str]:
    seen: dict[tuple[Any, ...], int] = {}
    out = []
    for i, creative in enumerate(items):
        attrs = attributes(creative)
        text = tuple(attrs.get(f) for f in TEXT_FIELDS)
        if i and text in seen:
            out.append(f"creatives {letter(seen[text])} and {letter(i)} have identical text: "
                       "the A/B test compares nothing")
        seen.setdefault(text, i)
    return out


def _past_start(schedule: Any, now: datetime) -> list[str]:
    if not isinstance(schedule, Mapping):
        return []
    for kind, field in (("on_schedule", "begin_date"), ("recurring", "begin_date"),
                        ("optimized", "fallback_time")):
        part = schedule.get(kind)
        if isinstance(part, Mapping) and part.get(field):
            start = parse_instant(str(part[field]))
            if start < now:
                return [f"goes live with {kind}.{field} in the past "
                        f"({start:%Y-%m-%d %H:%M} UTC): it may send at once, or never"]
    return []
