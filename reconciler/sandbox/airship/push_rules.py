"""The push object, checked as Airship checks it [OAS `pushObject`, OAS intro; the limits
in docs/specs/airship.md#push-object]: a schedule's `push`, a pipeline outcome's `push`,
and `/api/push` all go through `check_push`.

Checked: required `audience` and `device_types`; known keys only; every listed platform has
a payload (the default `alert`, its override, or a Message Center / in-app message);
overrides only for listed platforms; `email` needs its override; the per-platform limits
(iOS and Android overrides 4,096 bytes, `collapse_id` 64 bytes, Android `alert` a string
and `extra` string to string without reserved keys, iOS `extra` without `aps`, web
`time_to_live` 28 days, SMS `alert` 1,600 characters); `actions.open`; `campaigns`.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.sandbox.airship.audience import SegmentExists, check_audience
from reconciler.sandbox.airship.protocol import bad, integer, obj, one_of, only, text

# [OAS `pushObject`]; a pipeline outcome's push takes fewer [OAS `pipelinesPushObject`]
PIPELINE_PUSH_KEYS = frozenset({"audience", "device_types", "notification", "message",
                                "in_app", "options", "campaigns", "orchestration"})
PUSH_KEYS = PIPELINE_PUSH_KEYS | {"localizations", "global_attributes", "feed_references",
                                  "message_type", "snippet_references"}
PLATFORMS = ("ios", "android", "amazon", "web", "sms", "mms", "email")
OPTIONS = frozenset({"expiry", "no_throttle", "bypass_frequency_limits", "personalization",
                     "redact_payload", "audience_limits", "ban_list_parameters",
                     "bypass_ban_list_processing", "bypass_holdout_groups",
                     "omit_from_activity_log"})  # [OAS `pushOptions`]
IOS_KEYS = frozenset({"alert", "title", "subtitle", "badge", "sound", "category", "thread_id",
                      "collapse_id", "interruption_level", "relevance_score", "mutable_content",
                      "content_available", "priority", "expiry", "extra", "media_attachment",
                      "actions", "interactive", "target_content_id"})
ANDROID_KEYS = frozenset({"alert", "title", "summary", "icon", "icon_color",
                          "notification_channel", "priority", "delivery_priority", "visibility",
                          "style", "time_to_live", "extra", "actions", "interactive",
                          "collapse_key", "category", "sound", "local_only", "wearable",
                          "notification_tag", "public_notification", "live_update"})
WEB_KEYS = frozenset({"alert", "title", "icon", "image", "require_interaction", "buttons",
                      "time_to_live", "extra", "actions"})
OVERRIDE_BYTES = 4096
ANDROID_RESERVED = ("from", "message_type", "data")
ANDROID_RESERVED_PREFIX = ("google", "gcm")
WEB_TTL_MAX = 2_419_200
SMS_ALERT_MAX = 1600
OPEN_TYPES = ("url", "deep_link", "landing_page", "scene")
DEEP_LINK = (1, 1024)
CATEGORIES, CATEGORY_LENGTH = (1, 10), 64


def check_push(push: Any, path: str, segment_exists: SegmentExists, *,
               context: str = "push") -> dict[str, Any]:
    """400 unless `push` is a valid push object. `context`: "push" (a send), "schedule" or
    "pipeline" (outcome audience "triggered"; `redact_payload` refused in both)."""
    push = obj(push, path)
    only(push, PIPELINE_PUSH_KEYS if context == "pipeline" else PUSH_KEYS, path)
    for key in ("audience", "device_types"):
        if key not in push:
            raise bad(f"{key} is required", f"{path}.{key}")
    if context == "pipeline":
        if push["audience"] != "triggered":
            raise bad('A pipeline outcome\'s audience must be "triggered"', f"{path}.audience")
    else:
        check_audience(push["audience"], f"{path}.audience", segment_exists)
    types = _device_types(push["device_types"], f"{path}.device_types")
    notification = obj(push.get("notification", {}), f"{path}.notification")
    _notification(notification, types, f"{path}.notification")
    _payload_per_platform(push, notification, types, path)
    _options(push.get("options"), f"{path}.options", context)
    _campaigns(push.get("campaigns"), f"{path}.campaigns")
    return push


def _device_types(value: Any, path: str) -> list[str]:
    if value == "all":  # deprecated in the library [PY 7.4.1], still read as every platform
        return list(PLATFORMS[:4])
    if not isinstance(value, list) or not value:
        raise bad(f"{path} must be a non-empty array of platforms", path)
    for item in value:
        if not isinstance(item, str) or not (item in PLATFORMS or item.startswith("open::")):
            raise bad(f"{path}: unknown platform {item!r}", path)
    if len(set(value)) != len(value):
        raise bad(f"{path} lists a platform twice", path)
    return list(value)


def _notification(n: dict[str, Any], types: list[str], path: str) -> None:
    overrides = {k for k in n if k in PLATFORMS or k.startswith("open::")}
    only(n, {"alert", "actions", "interactive", *overrides}, path)
    if "alert" in n:
        text(n["alert"], f"{path}.alert")
    for platform in sorted(overrides - set(types)):
        raise bad(f"Override for {platform} but {platform} is not in device_types",
                  f"{path}.{platform}")
    if "ios" in n:
        _ios(obj(n["ios"], f"{path}.ios"), f"{path}.ios")
    if "android" in n:
        _android(obj(n["android"], f"{path}.android"), f"{path}.android")
    if "web" in n:
        web = obj(n["web"], f"{path}.web")
        only(web, WEB_KEYS, f"{path}.web")
        if "time_to_live" in web:
            integer(web["time_to_live"], f"{path}.web.time_to_live", 0, WEB_TTL_MAX)
    if "sms" in n:
        sms = obj(n["sms"], f"{path}.sms")
        if "alert" in sms:
            text(sms["alert"], f"{path}.sms.alert", 1, SMS_ALERT_MAX)
    if "actions" in n:
        _actions(n["actions"], f"{path}.actions")


def _size(value: dict[str, Any], path: str) -> None:
    if len(json.dumps(value, ensure_ascii=False).encode()) > OVERRIDE_BYTES:
        raise bad(f"{path} is larger than {OVERRIDE_BYTES} bytes", path)


def _ios(ios: dict[str, Any], path: str) -> None:
    only(ios, IOS_KEYS, path)
    _size(ios, path)
    if "collapse_id" in ios and len(str(ios["collapse_id"]).encode()) > 64:
        raise bad(f"{path}.collapse_id is longer than 64 bytes", f"{path}.collapse_id")
    if "priority" in ios and ios["priority"] not in (5, 10):
        raise bad(f"{path}.priority must be 5 or 10", f"{path}.priority")
    extra = ios.get("extra", {})
    if not isinstance(extra, dict) or "aps" in extra:
        raise bad(f"{path}.extra must be an object without aps", f"{path}.extra")
    if "actions" in ios:
        _actions(ios["actions"], f"{path}.actions")


def _android(android: dict[str, Any], path: str) -> None:
    only(android, ANDROID_KEYS, path)
    _size(android, path)
    if "alert" in android:
        text(android["alert"], f"{path}.alert")  # a string only [AT]
    if "priority" in android:
        integer(android["priority"], f"{path}.priority", -2, 2)
    if "delivery_priority" in android:
        one_of(android["delivery_priority"], ("high", "normal"), f"{path}.delivery_priority")
    extra = android.get("extra", {})
    if not isinstance(extra, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in extra.items()):
        raise bad(f"{path}.extra must map strings to strings", f"{path}.extra")
    for key in extra:
        if key in ANDROID_RESERVED or key.startswith(ANDROID_RESERVED_PREFIX):
            raise bad(f"{path}.extra may not use the reserved key {key!r}", f"{path}.extra")
    if "actions" in android:
        _actions(android["actions"], f"{path}.actions")


def _actions(value: Any, path: str) -> None:
    actions = obj(value, path)
    if "open" not in actions:
        return
    opening = obj(actions["open"], f"{path}.open")
    kind = one_of(opening.get("type"), OPEN_TYPES, f"{path}.open.type")
    if "content" not in opening:
        raise bad(f"{path}.open.content is required", f"{path}.open.content")
    if kind == "deep_link":
        text(opening["content"], f"{path}.open.content", *DEEP_LINK)
    elif kind == "url":
        text(opening["content"], f"{path}.open.content", 1)


def _payload_per_platform(push: dict[str, Any], n: dict[str, Any], types: list[str],
                          path: str) -> None:
    """Every listed platform needs something to show [OAS intro]; email its override."""
    if "email" in types and "email" not in n:
        raise bad("An email override is required when email is in device_types",
                  f"{path}.notification.email")
    shared = "alert" in n or "message" in push or "in_app" in push
    for platform in types:
        if not shared and platform not in n:
            raise bad(f"No notification payload for {platform}", f"{path}.notification")


def _options(value: Any, path: str, context: str) -> None:
    if value is None:
        return
    options = obj(value, path)
    only(options, OPTIONS, path)
    if "redact_payload" in options and context != "push":
        raise bad(f"redact_payload cannot be used with {context}s", f"{path}.redact_payload")


def _campaigns(value: Any, path: str) -> None:
    if value is None:
        return
    campaigns = obj(value, path)
    only(campaigns, {"categories"}, path)
    cats = campaigns.get("categories")
    low, high = CATEGORIES
    if not isinstance(cats, list) or not low <= len(cats) <= high:
        raise bad(f"{path}.categories must hold {low} to {high} categories",
                  f"{path}.categories")
    for cat in cats:
        text(cat, f"{path}.categories", 1, CATEGORY_LENGTH)
