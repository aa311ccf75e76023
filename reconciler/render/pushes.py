"""What a device would have received: the sandbox's recorded pushes as text.

Each push shows when and to whom it went, its campaign_key, the notification
as the phone shows it (title, subtitle, body) and what the app receives with
it (deep link, image, sound, category, other extra keys). Everything shown
came from a client, so it is made printable first.
"""

from __future__ import annotations

from typing import Any

from reconciler.render.safe import plain
from reconciler.render.words import plural

SHOWN_EXTRA = {"ll_deep_link_url": "deep link", "ll_attachment_url": "image"}


def render_pushes(pushes: list[dict[str, Any]]) -> str:
    if not pushes:
        return "no pushes recorded\n"
    return "".join(_push(p) for p in pushes) + f"{plural(len(pushes), 'push', 'pushes')}\n"


def _push(p: dict[str, Any]) -> str:
    target = p.get("target")
    to = ", ".join(map(str, target)) if isinstance(target, list) else str(target)
    head = f"{p.get('received_at')}  app {p.get('app_id')}  {p.get('target_type')} {to}"
    if p.get("campaign_key"):
        head += f"  [{p['campaign_key']}]"
    lines = [head]
    alert = p.get("alert")
    if isinstance(alert, dict):
        lines += [f"  {k}: {alert[k]}" for k in ("title", "subtitle", "body") if alert.get(k)]
    elif alert is not None:
        lines.append(f"  body: {alert}")
    details = _details(p.get("platforms") or {})
    if details:
        lines.append("  " + " · ".join(details))
    labels = p.get("labels") or {}
    if labels:
        lines.append("  labels " + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())))
    return "".join(plain(line) + "\n" for line in lines)


def _details(platforms: dict[str, Any]) -> list[str]:
    ios = platforms.get("ios") or {}
    extra: dict[str, Any] = {}
    for name in ("android", "web", "ios"):
        extra.update((platforms.get(name) or {}).get("extra") or {})
    out = [f"{label} {extra.pop(key)}" for key, label in SHOWN_EXTRA.items() if key in extra]
    out += [f"{k} {ios[k]}" for k in ("sound", "category") if ios.get(k)]
    out += [f"{k}={v}" for k, v in sorted(extra.items())]
    return out
