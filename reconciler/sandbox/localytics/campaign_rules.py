"""Push campaign parameters: validation and the normalized form the server keeps.

`check_campaign` collects every problem of a PushCampaignParams body (422 with
details) and returns what the server stores and answers: the params as sent,
with creatives always a list, dates in the API's UTC form, the defaults the
server fills (control_group_percent 0, a lone creative's percent 100) and
`interval_start` on recurring intervals. Server-owned keys a client may echo
back (`id`, `created_at`, `updated_at`, creative `id`/`letter`) are dropped.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from reconciler.sandbox.localytics.computed import MAX_CREATIVES, normalize_date, parse_api_date
from reconciler.sandbox.localytics.known_keys import UNKNOWN, unknown_keys
from reconciler.sandbox.localytics.validation import (
    Problems,
    at,
    check_audience_definition,
    check_filters,
    type_name,
)

GOALS = ("activate", "drive_behavior", "nurture", "monetize", "reengage", "notify")
SCHEDULE_KINDS = ("begin_immediately", "on_schedule", "recurring", "optimized")
INTERVALS = ("weekly", "monthly", "every hour", "every day", "every other day")
WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
SERVER_KEYS = ("id", "created_at", "updated_at")
BUILD_STRINGS = (
    "push_message", "push_title", "push_subtitle", "attachment_url", "push_category",
    "ll_mi_deep_link_url", "ll_deep_link_url", "sound",
)


def check_campaign(
    body: dict[str, Any], live_audiences: Callable[[list[int]], set[int]], *,
    known_only: bool = True,
) -> tuple[dict[str, Any], list[int]]:
    """Validate a campaign body (422 on any problem); return (params, targeted audience ids).

    `live_audiences` answers which of the given ids are existing, not deleted
    audiences of the app: a campaign may not target anything else. Keys the
    API does not define are problems unless `known_only` is False (they are
    then kept as sent).
    """
    p = Problems()
    for path in unknown_keys(body, "PushCampaignParams") if known_only else ():
        p.add(path, UNKNOWN)
    params = {k: copy.deepcopy(v) for k, v in body.items() if k not in SERVER_KEYS}
    p.text(params, "name", "", required=True)
    p.choice(params, "status", "", ("active", "draft"), required=True)
    p.choice(params, "goal", "", GOALS, required=True)
    conversion = p.obj(params, "conversion_event", "")
    if conversion is not None:
        p.text(conversion, "event_name", "conversion_event")
        attributes = p.obj(conversion, "conversion_attributes", "conversion_event")
        if attributes is not None:
            check_filters(p, attributes, "conversion_event.conversion_attributes",
                          ("is_one_of", "is_none_of"), required=True)
    audience_ids = _check_audiences(p, params, live_audiences)
    schedule = p.obj(params, "schedule", "", required=True)
    if schedule is not None:
        _check_schedule(p, schedule)
    if "creatives" in params:
        params["creatives"] = _check_creatives(p, params["creatives"])
    else:
        p.add("creatives", "is required")
    p.raise_if_any()
    return params, audience_ids


def _check_audiences(
    p: Problems, params: dict[str, Any], live_audiences: Callable[[list[int]], set[int]]
) -> list[int]:
    audiences = p.obj(params, "audiences", "", required=True)
    if audiences is None:
        return []
    kind = p.choice(audiences, "campaign_type", "audiences",
                    ("everyone", "saved_audience", "new_audience"), required=True)
    audiences.setdefault("control_group_percent", 0)
    p.integer(audiences, "control_group_percent", "audiences", minimum=0, maximum=100)
    if kind not in ("saved_audience", "new_audience"):
        return []
    rules = p.obj(audiences, "target_rules", "audiences", required=True)
    if rules is None:
        return []
    if kind == "new_audience":
        check_audience_definition(p, rules, "audiences.target_rules")
        return []
    if "audiences" in rules and "audience" not in rules:
        rules["audience"] = rules.pop("audiences")  # the vendor script's plural, kept as one
    ids = p.items(rules, "audience", "audiences.target_rules", required=True, nonempty=True)
    if not ids:
        return []
    path = "audiences.target_rules.audience"
    wanted = []
    for i, value in enumerate(ids):
        if isinstance(value, int) and not isinstance(value, bool):
            wanted.append(value)
        else:
            p.add(at(path, i), f"must be an audience id (integer), not {type_name(value)}")
    live = live_audiences(wanted) if wanted else set()
    for i, value in enumerate(ids):
        if value in wanted and value not in live:
            p.add(at(path, i), f"audience {value} does not exist or is deleted")
    return [v for v in wanted if v in live]


def _check_schedule(p: Problems, schedule: dict[str, Any]) -> None:
    kinds = [k for k in SCHEDULE_KINDS if k in schedule]
    if len(kinds) != 1:
        p.add("schedule", f"needs exactly one of: {', '.join(SCHEDULE_KINDS)}")
        return
    kind = kinds[0]
    path = at("schedule", kind)
    body = p.obj(schedule, kind, "schedule", required=True)
    if body is None:
        return
    p.integer(body, "push_throttle_num_msgs", path, minimum=1)
    if kind == "begin_immediately":
        return
    if kind == "optimized":
        _date(p, body, "fallback_time", path, required=True)
        return
    begin = _date(p, body, "begin_date", path, required=True)
    p.integer(body, "starting_time_zone_id", path)
    if "push_throttle_num_msgs" in body and "starting_time_zone_id" in body:
        p.add(at(path, "push_throttle_num_msgs"),
              "cannot be given together with starting_time_zone_id")
    if kind == "recurring":
        end = _date(p, body, "end_date", path)
        if begin and end and parse_api_date(end) <= parse_api_date(begin):  # type: ignore[operator]
            p.add(at(path, "end_date"), "must be after begin_date")
        _check_intervals(p, body, path, begin)
        _check_frequency(p, body, path)


def _date(p: Problems, parent: dict[str, Any], key: str, path: str, *,
          required: bool = False) -> str | None:
    """Check a date and replace it in place by its normalized UTC form."""
    value = p.field(parent, key, path, str, required=required)
    if value is None:
        return None
    if parse_api_date(value) is None:
        p.add(at(path, key), f"is not a date: {value[:40]!r} (use 2026-12-01T09:00:00Z)")
        return None
    parent[key] = normalize_date(value)
    return parent[key]


def _check_intervals(p: Problems, body: dict[str, Any], path: str, begin: str | None) -> None:
    intervals = p.items(body, "intervals", path, required=True, nonempty=True)
    for item_path, item in p.dicts(intervals or [], at(path, "intervals")):
        interval = p.choice(item, "interval", item_path, INTERVALS, required=True)
        item.pop("interval_start", None)
        if interval == "weekly":
            day = p.field(item, "day_of_week", item_path, str, required=True)
            if day is not None and day.lower() not in WEEKDAYS:
                p.add(at(item_path, "day_of_week"), f"must be a weekday ({', '.join(WEEKDAYS)})")
        if interval == "monthly":
            p.integer(item, "on_day", item_path, required=True, minimum=1, maximum=31)
        if begin:
            item["interval_start"] = begin


def _check_frequency(p: Problems, body: dict[str, Any], path: str) -> None:
    caps = p.items(body, "frequency_attributes", path)
    for item_path, item in p.dicts(caps or [], at(path, "frequency_attributes")):
        name = p.choice(item, "name", item_path, ("messages_per_days", "total_message_ever"),
                        required=True)
        p.integer(item, "count", item_path, required=True, minimum=1)
        per_days = name == "messages_per_days"  # both "Required only when name = messages_per_days"
        p.integer(item, "days", item_path, required=per_days, minimum=1)
        p.integer(item, "messages_atleast_days_apart", item_path, required=per_days, minimum=0)


def _check_creatives(p: Problems, value: Any) -> Any:
    """One creative object or a list of them (§2 decision); answered as a list."""
    creatives = [value] if isinstance(value, dict) else value
    if not isinstance(creatives, list):
        p.add("creatives", f"must be an object or a list of objects, not {type_name(value)}")
        return value
    if not creatives:
        p.add("creatives", "needs at least one creative")
        return creatives
    if len(creatives) > MAX_CREATIVES:
        p.add("creatives", f"at most {MAX_CREATIVES} creatives (letters A to Z)")
    checked = p.dicts(creatives, "creatives")
    for path, creative in checked:
        creative.pop("id", None)
        creative.pop("letter", None)
        _check_creative(p, creative, path)
    if len(checked) == 1 and "percent" not in checked[0][1]:
        checked[0][1]["percent"] = 100
    percents = [c.get("percent") for _, c in checked]
    for path, creative in checked:
        if "percent" not in creative:
            p.add(at(path, "percent"), "is required when there are several creatives")
    if all(isinstance(x, int) and not isinstance(x, bool) for x in percents) and percents:
        if sum(percents) != 100:  # type: ignore[arg-type]
            p.add("creatives", f"percents must sum to 100, not {sum(percents)}")  # type: ignore[arg-type]
    return creatives


def _check_creative(p: Problems, creative: dict[str, Any], path: str) -> None:
    p.field(creative, "title", path, str)
    p.integer(creative, "percent", path, minimum=0, maximum=100)
    key_values = p.items(creative, "key_values", path)
    for item_path, item in p.dicts(key_values or [], at(path, "key_values")):
        p.field(item, "key", item_path, str, required=True)
        p.field(item, "value", item_path, str, required=True)
    build = p.obj(creative, "build_attributes", path, required=True)
    if build is None:
        return
    build_path = at(path, "build_attributes")
    for key in BUILD_STRINGS:
        p.field(build, key, build_path, str)
    if not any(isinstance(build.get(k), str) and build[k] for k in
               ("push_message", "push_title", "attachment_url")):
        p.add(build_path, "needs push_message, push_title or attachment_url")
    if build.get("ll_mi_deep_link_url") and not build.get("attachment_url"):
        p.add(at(build_path, "attachment_url"), "is required when ll_mi_deep_link_url is given")
