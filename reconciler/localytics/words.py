"""Localytics campaigns and audiences in a reviewer's words (`Provider.describe`).

Who: saved audiences by name and key with their reach, a new audience's rules
as a sentence, everyone, the control group. What: every creative's title,
subtitle and whole message, its share of the A/B split, deep link, image and
key/values. When: every schedule kind of the API as a sentence. Goal and
conversion event. Each phrase names the diff paths it covers; anything left
out here (a field the API adds later) is shown by the renderer as path: value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reconciler.describe import (
    Context,
    Piece,
    Their,
    clock,
    count,
    day,
    inside,
    instant,
    joined,
    moment,
    say,
    span,
    times,
)
from reconciler.localytics.lint import attributes, creatives, letter
from reconciler.localytics.normalize import comparable_audience, comparable_campaign
from reconciler.plan.model import Phrase, Words

GOALS = {"activate": "activate users", "drive_behavior": "drive a behaviour",
         "nurture": "nurture", "monetize": "monetize", "reengage": "re-engage lapsed users",
         "notify": "notify"}
COUNTS = {"atleast": "at least", "exactly": "exactly", "less_than": "fewer than"}
JOINS = {"and": ", and ", "or": ", or ", "and_then": ", then "}
DEVICES = {"install_id": "on all their devices", "customer_id": "on their latest device"}
FIELDS = (("push_title", "title"), ("push_subtitle", "subtitle"), ("push_message", "message"))
LINKS = (("ll_deep_link_url", "deep link"), ("ll_mi_deep_link_url", "Movable Ink link"),
         ("attachment_url", "image"), ("push_category", "category"), ("sound", "sound"))


def describe_campaign(payload: Mapping[str, Any], context: Context) -> Words:
    body = comparable_campaign(payload)
    out = [say("name", "name", Their(str(body.get("name", ""))), paths=("name",))]
    out += _who(body.get("audiences"), context)
    out.append(_status(body.get("status")))
    out.append(say("when", "when", *when(body.get("schedule")), paths=("schedule",)))
    out.append(_goal(body.get("goal"), body.get("conversion_event")))
    out += _creatives(body)
    return tuple(out)


def describe_audience(payload: Mapping[str, Any], context: Context) -> Words:
    body = comparable_audience(payload)
    return (
        say("name", "name", Their(str(body.get("name", ""))), paths=("name",)),
        say("who", "who", *rules(body.get("target_rules")), paths=("target_rules",)),
    )


# --- who -----------------------------------------------------------------
def _who(audiences: Any, context: Context) -> list[Phrase]:
    a = audiences if isinstance(audiences, Mapping) else {}
    kind = a.get("campaign_type")
    raw = a.get("target_rules")
    rules_: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    pieces: list[Piece]
    short: list[Piece] | None = None
    if kind == "everyone":
        pieces = ["everyone (all users of the app)"]
    elif kind == "saved_audience":
        listed = rules_.get("audience")
        ids: list[Any] = listed if isinstance(listed, list) else []
        noun = "saved audience " if len(ids) == 1 else "anyone in the saved audiences "
        pieces = [noun, *joined([_saved(i, context) for i in ids], last=" or ")]
        short = joined([_saved(i, context)[:1] for i in ids], last=" or ")
    elif kind == "new_audience":
        pieces = rules(rules_)
    else:
        pieces = ["audience of type ", Their(str(kind))]
    who = say("who", "who", *pieces, paths=("audiences.campaign_type", "audiences.target_rules"),
              short=short)
    control = a.get("control_group_percent")
    if not control:
        return [who]
    return [who, say("control group", "who", f"{control}% held back, sent nothing",
                     paths=("audiences.control_group_percent",))]


def _saved(ref: Any, context: Context) -> list[Piece]:
    """`*Cart abandoners* (cart-abandoners, 1,200 users, 900 with push)`."""
    text = str(ref)
    known = context.get(text[1:-1] if text.startswith("<") else text)
    if known is None:
        return [f"#{text}", " (not managed here)"]
    facts = [known.key or f"id {text}"]
    if known.was:
        facts.append(f"now named {known.was!r} live")
    reach = known.reach or {}
    before = " before this plan" if known.changed else ""
    if reach.get("user_count") is not None:
        facts.append(count(int(reach["user_count"]), "user"))
        if reach.get("has_push") is not None:
            facts.append(f"{int(reach['has_push']):,} with push{before}")
        elif before:
            facts[-1] += before
    elif known.new:
        facts.append("created in this run, reach known after apply")
    if known.changed:
        facts.append("changed in this plan: the new reach is known after apply")
    return [Their(known.name), f" ({', '.join(facts)})"]


def rules(target: Any) -> list[Piece]:
    """A new audience's rules: `users who, in the last 14 days, did *X* at least once, then …`."""
    t = target if isinstance(target, Mapping) else {}
    parts: list[list[Piece]] = []
    behavior = t.get("behavior")
    if isinstance(behavior, Mapping):
        parts.append(_behavior(behavior))
    profile = t.get("profile")
    if isinstance(profile, Mapping):
        parts.append(_profile(profile))
    glue = " or " if t.get("behavior_profile_operator") == "or" else " and "
    lead = "users who " if isinstance(behavior, Mapping) else "users "
    pieces: list[Piece] = [lead, *joined(parts, last=glue)] if parts else ["no rules"]
    if t.get("targeting_type") in DEVICES:
        pieces.append(f", {DEVICES[t['targeting_type']]}")
    return pieces


def _behavior(b: Mapping[str, Any]) -> list[Piece]:
    items = [r for r in b.get("rules") or () if isinstance(r, Mapping)]
    glue = JOINS.get(str(b.get("behavior_rule_operator")), ", and ")
    last = f"{',' if len(items) > 1 else ''} in the last {count(int(b.get('days') or 0), 'day')}"
    return [*joined([_rule(r) for r in items], sep=glue, last=glue), last]


def _rule(r: Mapping[str, Any]) -> list[Piece]:
    kind = str(r.get("rule_type"))
    n = int(r.get("count") or 1)
    op = str(r.get("count_operator") or "atleast")
    often = f"{COUNTS.get(op, op)} {times(n)}"
    negated = kind.startswith("not-")
    if kind.endswith("session"):
        pieces: list[Piece] = ["did not open the app" if negated else "opened the app"]
    else:
        pieces = ["did not do " if negated else "did ", Their(str(r.get("event_name", "")))]
    if not (negated and n == 1 and op == "atleast"):
        pieces.append(f" {often}")
    pieces += _filters(r.get("conditions"))
    window = r.get("neg_time_window")
    if isinstance(window, list) and len(window) == 2:
        pieces.append(f" (time window {window[0]}–{window[1]})")
    return pieces


def _filters(conditions: Any) -> list[Piece]:
    c = conditions if isinstance(conditions, Mapping) else {}
    items = [f for f in c.get("filters") or () if isinstance(f, Mapping)]
    if not items:
        return []
    glue = " or " if c.get("operator") == "or" else " and "
    return [" where ", *joined([_condition(f.get("dimension_name"), f.get("operator"),
                                           f.get("value")) for f in items], last=glue)]


def _condition(name: Any, op: Any, value: Any) -> list[Piece]:
    pieces: list[Piece] = [Their(str(name)), f" {str(op).replace('_', ' ')}"]
    values = value if isinstance(value, list) else [] if value is None else [value]
    if values:
        pieces += [" ", *joined([[Their(str(v))] for v in values], last=", ")]
    return pieces


def _profile(p: Mapping[str, Any]) -> list[Piece]:
    items = [c for c in p.get("criteria") or () if isinstance(c, Mapping)]
    glue = " or " if p.get("operator") == "or" else " and "
    parts = [[*_condition(c.get("key"), c.get("operator"), c.get("values")),
              f" ({c['scope']} profile)" if c.get("scope") else ""] for c in items]
    return ["whose profile says ", *joined(parts, last=glue)]


# --- when ----------------------------------------------------------------
def when(schedule: Any) -> list[Piece]:
    """Every schedule kind of the API as a sentence."""
    s = schedule if isinstance(schedule, Mapping) else {}
    if isinstance(s.get("begin_immediately"), Mapping):
        return ["as soon as it goes live", *_throttle(s["begin_immediately"])]
    if isinstance(s.get("on_schedule"), Mapping):
        o = s["on_schedule"]
        return ["once, ", *_at(o), *_throttle(o)]
    if isinstance(s.get("optimized"), Mapping):
        return ["once, at each user's best time (optimized per user), fallback ",
                moment(s["optimized"].get("fallback_time"))]
    if isinstance(s.get("recurring"), Mapping):
        return _recurring(s["recurring"])
    return ["no schedule"]


def _at(o: Mapping[str, Any]) -> list[Piece]:
    t = instant(o.get("begin_date"))
    if t is None:
        return ["at ", Their(str(o.get("begin_date")))]
    if o.get("starting_time_zone_id") is not None:
        return [f"on {day(t)} at {clock(t)} in each user's local time"]
    return [f"on {day(t)} at {clock(t)} UTC"]


def _throttle(o: Mapping[str, Any]) -> list[Piece]:
    n = o.get("push_throttle_num_msgs")
    return [f", throttled to {int(n):,} pushes per minute"] if n else []


def _recurring(r: Mapping[str, Any]) -> list[Piece]:
    t = instant(r.get("begin_date"))
    zone = " local time" if r.get("starting_time_zone_id") is not None else " UTC"
    at = f"{clock(t)}{zone}" if t else "?"
    every = [_interval(i, at) for i in r.get("intervals") or () if isinstance(i, Mapping)]
    pieces: list[Piece] = ["; ".join(every) or "recurring, with no intervals"]
    pieces.append(" " + span(r.get("begin_date"), r.get("end_date")))
    for cap in r.get("frequency_attributes") or ():
        if isinstance(cap, Mapping):
            pieces.append(_cap(cap))
    return pieces + _throttle(r)


def _interval(i: Mapping[str, Any], at: str) -> str:
    kind = str(i.get("interval"))
    if kind == "weekly":
        return f"every {str(i.get('day_of_week', '?')).capitalize()} at {at}"
    if kind == "monthly":
        return f"on day {i.get('on_day', '?')} of every month at {at}"
    if kind == "every hour":
        return f"every hour from {at}"
    return f"{kind} at {at}"


def _cap(cap: Mapping[str, Any]) -> str:
    n = int(cap.get("count") or 0)
    if cap.get("name") == "total_message_ever":
        return f", at most {n:,} in all"
    text = f", at most {n:,} in any {count(int(cap.get('days') or 1), 'day')}"
    apart = cap.get("messages_atleast_days_apart")
    return text + (f", at least {count(int(apart), 'day')} apart" if apart else "")


# --- goal, status ----------------------------------------------------------
def _goal(goal: Any, conversion: Any) -> Phrase:
    pieces: list[Piece] = [GOALS.get(str(goal), str(goal))]
    c = conversion if isinstance(conversion, Mapping) else None
    if c and c.get("event_name"):
        pieces += ["; a conversion is a recipient doing ", Their(str(c["event_name"])),
                   " after receiving it"]
        pieces += _filters(c.get("conversion_attributes"))
    else:
        pieces.append("; no conversion tracking")
    return say("goal", "goal", *pieces, paths=("goal", "conversion_event"))


def _status(status: Any) -> Phrase:
    text = {"active": "live: sends on its schedule",
            "draft": "draft: reaches no one until it is set active"}.get(str(status))
    return say("status", "status", *(text or ["status ", Their(str(status))]),
               paths=("status",))


# --- what ----------------------------------------------------------------
def _creatives(body: Mapping[str, Any]) -> list[Phrase]:
    items = creatives(body)
    out: list[Phrase] = []
    if len(items) > 1:
        split = " / ".join(f"{letter(i)} {c.get('percent', '?')}%" for i, c in enumerate(items))
        out.append(say("split", "what", f"A/B test of {len(items)} creatives: {split}"))
    for i, c in enumerate(items):
        out += _creative(i, c, len(items) > 1)
    return out


def _creative(i: int, c: Mapping[str, Any], several: bool) -> list[Phrase]:
    x, at = letter(i), f"creatives[{i}]"
    attrs = attributes(c)
    name = c.get("title")
    share = f"{c['percent']}% of recipients" if several and "percent" in c else ""
    out = []
    if name or share:
        pieces: list[Piece | None] = [Their(str(name)) if name else None,
                                      ", " if name and share else "", share]
        out.append(say(f"creative {x}", "what", *pieces, paths=(f"{at}.title", f"{at}.percent")))
    for key, label in FIELDS:
        if attrs.get(key) is not None:
            out.append(say(f"{label} {x}", "what", Their(str(attrs[key])),
                           paths=(f"{at}.build_attributes.{key}",), block=key == "push_message"))
    for key, label in LINKS:
        if attrs.get(key) is not None:
            out.append(say(f"{label} {x}", "what", Their(str(attrs[key])),
                           paths=(f"{at}.build_attributes.{key}",)))
    pairs = [kv for kv in c.get("key_values") or () if isinstance(kv, Mapping)]
    if pairs:
        items: list[list[Piece]] = [[Their(str(kv.get("key"))), " = ", Their(str(kv.get("value")))]
                                    for kv in pairs]
        out.append(say(f"key/values {x}", "what", *joined(items, last=", "),
                       paths=(f"{at}.key_values",)))
    return out


# --- field-table values in words ----------------------------------------------
TIMES = ("begin_date", "end_date", "fallback_time")


def show_value(kind: str, path: str, value: Any, payload: Mapping[str, Any]) -> str | None:
    """A field-table value as the cards say it: a schedule's time in the zone the schedule
    uses (each user's local time when it names a starting zone), API tokens as words."""
    body = comparable_audience(payload) if kind == "audience" else comparable_campaign(payload)
    key = path.rsplit(".", 1)[-1]
    if key in TIMES and path.startswith("schedule."):
        t = instant(value)
        parent = inside(body, path)
        local = isinstance(parent, Mapping) and parent.get("starting_time_zone_id") is not None
        zone = "in each user's local time" if local else "UTC"
        return f"{day(t)} at {clock(t)} {zone}" if t else None
    words: dict[str, Callable[[Any], str | None]] = {
        "starting_time_zone_id": lambda v: "each user's local time",
        "push_throttle_num_msgs": lambda v: f"{int(v):,} pushes per minute",
        "status": lambda v: {"active": "live", "draft": "draft"}.get(str(v)),
        "goal": lambda v: GOALS.get(str(v)),
        "campaign_type": lambda v: str(v).replace("_", " "),
        "control_group_percent": lambda v: f"{v}% held back, sent nothing",
        "operator": lambda v: {"and": "all of these", "or": "any of these"}.get(
            str(v), str(v).replace("_", " ")),
        "count_operator": lambda v: COUNTS.get(str(v)),
        "targeting_type": lambda v: DEVICES.get(str(v)),
        "day_of_week": lambda v: str(v).capitalize(),
    }
    said = words.get(key)
    return said(value) if said and isinstance(value, str | int) and value is not True else None
