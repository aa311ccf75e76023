"""Hypothesis strategies for valid audience and campaign specs."""

from __future__ import annotations

import copy
import os
from typing import Any

from hypothesis import strategies as st

SLOW = bool(os.environ.get("RECONCILER_SLOW"))

names = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "Zs", "So", "Pd")),
    min_size=1, max_size=30,
).map(str.strip).filter(bool)
events = st.sampled_from(["Purchase", "Open", "Add To Cart", "Signup", "Share"])


def _dates() -> st.SearchStrategy[str]:
    """The same kind of instant written several ways; the API answers one way."""
    base = st.datetimes(min_value=__import__("datetime").datetime(2027, 1, 1),
                        max_value=__import__("datetime").datetime(2028, 12, 31)).map(
        lambda d: d.replace(microsecond=0))
    return st.one_of(
        base.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
        base.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.000Z")),
        base.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S+00:00")),
    )


@st.composite
def behavior_rule(draw: st.DrawFn) -> dict[str, Any]:
    rule = {
        "rule_type": draw(st.sampled_from(["event", "not-event"])),
        "event_name": draw(events),
        "count": draw(st.integers(1, 5)),
        "count_operator": draw(st.sampled_from(["less_than", "exactly", "atleast"])),
        "conditions": {"operator": draw(st.sampled_from(["and", "or"])), "filters": []},
    }
    if draw(st.booleans()):
        rule["conditions"]["filters"] = [{
            "dimension_name": "App Version", "operator": "is one of",
            "value": draw(st.lists(st.sampled_from(["1.0", "2.0", "3.1"]), min_size=1,
                                   max_size=2, unique=True)),
        }]
    return rule


@st.composite
def target_rules(draw: st.DrawFn) -> dict[str, Any]:
    rules: dict[str, Any] = {"targeting_type": draw(st.sampled_from(["install_id", "customer_id"]))}
    parts = draw(st.sampled_from(["behavior", "profile", "both"]))
    if parts in ("behavior", "both"):
        rules["behavior"] = {
            "days": draw(st.integers(1, 90)),
            "behavior_rule_operator": draw(st.sampled_from(["and", "or"])),
            "rules": draw(st.lists(behavior_rule(), min_size=1, max_size=3)),
        }
    if parts in ("profile", "both"):
        rules["profile"] = {
            "operator": draw(st.sampled_from(["and", "or"])),
            "criteria": [{
                "key": draw(st.sampled_from(["country", "plan", "language"])),
                "scope": draw(st.sampled_from(["org", "app"])),
                "operator": draw(st.sampled_from(["is one of", "is none of"])),
                "values": draw(st.lists(st.sampled_from(["US", "CA", "DE", "fr", "pro"]),
                                        min_size=1, max_size=3, unique=True)),
            }],
        }
    if parts == "both":
        rules["behavior_profile_operator"] = draw(st.sampled_from(["and", "or"]))
    return rules


@st.composite
def audience_spec(draw: st.DrawFn, name: str) -> dict[str, Any]:
    return {"name": name, "target_rules": draw(target_rules())}


@st.composite
def schedule(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["begin_immediately", "on_schedule", "recurring", "optimized"]))
    if kind == "begin_immediately":
        return {"begin_immediately": {"push_throttle_num_msgs": draw(st.integers(100, 10000))}}
    if kind == "optimized":
        return {"optimized": {"fallback_time": draw(_dates())}}
    if kind == "on_schedule":
        return {"on_schedule": {"begin_date": draw(_dates()),
                                "starting_time_zone_id": draw(st.integers(0, 30))}}
    interval = draw(st.sampled_from(["every day", "every other day", "every hour",
                                     "weekly", "monthly"]))
    item: dict[str, Any] = {"interval": interval}
    if interval == "weekly":
        item["day_of_week"] = draw(st.sampled_from(["monday", "friday", "sunday"]))
    if interval == "monthly":
        item["on_day"] = draw(st.integers(1, 28))
    recurring: dict[str, Any] = {"begin_date": draw(_dates()), "intervals": [item]}
    if draw(st.booleans()):
        recurring["end_date"] = "2029-06-30T00:00:00Z"
    if draw(st.booleans()):
        recurring["frequency_attributes"] = [
            {"name": "messages_per_days", "count": 1, "days": 7, "messages_atleast_days_apart": 2}]
    return {"recurring": recurring}


@st.composite
def creatives(draw: st.DrawFn) -> list[dict[str, Any]]:
    n = draw(st.integers(1, 3))
    items = []
    for i in range(n):
        attrs = {"push_message": draw(names)}
        if draw(st.booleans()):
            attrs["push_title"] = draw(names)
        if draw(st.booleans()):
            attrs["ll_deep_link_url"] = "myapp://sale"
        items.append({"title": f"Variant {chr(65 + i)}", "build_attributes": attrs})
    if n > 1:
        cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=n - 1, max_size=n - 1,
                                    unique=True)))
        bounds = [0, *cuts, 100]
        for i, item in enumerate(items):
            item["percent"] = bounds[i + 1] - bounds[i]
    elif draw(st.booleans()):
        items[0]["percent"] = 100
    return items


@st.composite
def audiences_target(
    draw: st.DrawFn, saved: list[Any], rules: st.SearchStrategy[dict[str, Any]]
) -> dict[str, Any]:
    """A campaign's `audiences`: everyone, a new audience from `rules`, or some of `saved`
    (audience keys in a spec, live ids in an API payload)."""
    kinds = ["everyone", "new_audience"] + (["saved_audience"] if saved else [])
    ctype = draw(st.sampled_from(kinds))
    target: dict[str, Any] = {"campaign_type": ctype}
    if draw(st.booleans()):
        target["control_group_percent"] = draw(st.integers(0, 20))
    if ctype == "saved_audience":
        target["target_rules"] = {"audience": draw(st.lists(
            st.sampled_from(saved), min_size=1, max_size=2, unique=True))}
    elif ctype == "new_audience":
        target["target_rules"] = draw(rules)
    return target


@st.composite
def campaign_spec(draw: st.DrawFn, name: str, audience_keys: list[str]) -> dict[str, Any]:
    target = draw(audiences_target(audience_keys, target_rules()))
    spec: dict[str, Any] = {
        "name": name, "status": "draft",
        "goal": draw(st.sampled_from(["activate", "drive_behavior", "nurture", "monetize",
                                      "reengage", "notify"])),
        "audiences": target, "schedule": draw(schedule()), "creatives": draw(creatives()),
    }
    if draw(st.booleans()):
        spec["conversion_event"] = {"event_name": draw(events)}
    return spec


@st.composite
def spec_set(draw: st.DrawFn) -> tuple[dict[str, dict], dict[str, dict]]:
    """(audiences by key, campaigns by key) with distinct names per kind."""
    n_aud = draw(st.integers(0, 3))
    n_camp = draw(st.integers(1, 4))
    all_names = draw(st.lists(names, min_size=n_aud + n_camp, max_size=n_aud + n_camp,
                              unique_by=str.casefold))
    auds = {f"a{i}": draw(audience_spec(all_names[i])) for i in range(n_aud)}
    camps = {f"c{i}": draw(campaign_spec(all_names[n_aud + i], list(auds)))
             for i in range(n_camp)}
    return auds, camps


# --- live objects as a dashboard would have made them (for import) ------------------------

# Names and texts an import must carry through: slashes, dots, lone punctuation, braces that
# Jinja would read as template syntax, line breaks.
awkward_names = st.one_of(
    names,
    st.sampled_from(["a/b", "../../etc/passwd", "..", "!!!", "{{ x }}", "{% raw %}", "Sale {#1}",
                     "日本語のみ", "Crème brûlée", "  padded  ", "con", "a\\b"]),
    st.text(alphabet="{}%#/.-_ aZ9\\'\"", min_size=1, max_size=12),
).map(str.strip).filter(bool)

messages = st.one_of(
    names,
    st.lists(st.sampled_from(["{", "}", "%", "#", "{{", "{%", "{#", "endraw", " ", "a",
                              "é", "\n", "\r\n", "'", '"', "\\", ":", "- "]),
             min_size=1, max_size=14).map("".join),
).filter(lambda s: s.strip() != "")


@st.composite
def any_behavior_rule(draw: st.DrawFn, kinds: tuple[str, ...] = ("event", "not-event", "session",
                                                                   "not-session")
                      ) -> dict[str, Any]:
    kind = draw(st.sampled_from(kinds))
    rule: dict[str, Any] = {
        "rule_type": kind,
        "count": draw(st.integers(0, 5)),
        "count_operator": draw(st.sampled_from(["less_than", "exactly", "atleast"])),
        "conditions": {"operator": draw(st.sampled_from(["and", "or"])), "filters": []},
    }
    if kind in ("event", "not-event"):
        rule["event_name"] = draw(events)
    if draw(st.booleans()):
        rule["conditions"]["filters"] = [{
            "dimension_name": draw(st.sampled_from(["App Version", "Price", "Category"])),
            "operator": draw(st.sampled_from(["is one of", "is none of", "greater than",
                                              "at least", "less than", "equal to"])),
            "value": draw(st.one_of(st.integers(0, 99), st.sampled_from(["x", "{{y}}"]),
                                    st.lists(st.sampled_from(["1.0", "2.0"]), min_size=1,
                                             max_size=2, unique=True))),
        }]
    return rule


@st.composite
def any_target_rules(draw: st.DrawFn) -> dict[str, Any]:
    """Every rule type, and_then, every profile operator family, date types."""
    rules: dict[str, Any] = {"targeting_type": draw(st.sampled_from(["install_id", "customer_id"]))}
    parts = draw(st.sampled_from(["behavior", "profile", "both"]))
    if parts in ("behavior", "both"):
        op = draw(st.sampled_from(["and", "or", "and_then"]))
        if op == "and_then":
            first = draw(any_behavior_rule(("event",)))
            second = draw(any_behavior_rule(("event", "not-event")))
            second["neg_time_window"] = [0, draw(st.integers(1, 30))]
            rule_list = [first, second]
        else:
            rule_list = draw(st.lists(any_behavior_rule(), min_size=1, max_size=3))
        rules["behavior"] = {"days": draw(st.integers(1, 90)), "behavior_rule_operator": op,
                             "rules": rule_list}
    if parts in ("profile", "both"):
        criteria = []
        for _ in range(draw(st.integers(1, 3))):
            operator = draw(st.sampled_from(["is defined", "is not defined", "is one of",
                                             "is none of", "<", ">=", "is between",
                                             "is on or before", "is exactly", "is not"]))
            c: dict[str, Any] = {"key": draw(st.sampled_from(["country", "age", "signup"])),
                                 "scope": draw(st.sampled_from(["org", "app"])),
                                 "operator": operator}
            if operator == "is between":
                c["values"] = ["1", "9"]
            elif operator not in ("is defined", "is not defined"):
                c["values"] = draw(st.lists(st.sampled_from(["US", "5", "2027-01-01", "{%x"]),
                                            min_size=1, max_size=2, unique=True))
            if operator in ("is on or before", "is exactly", "is not"):
                c["date_type"] = draw(st.sampled_from(["date", "days ago", "days from now"]))
            criteria.append(c)
        rules["profile"] = {"operator": draw(st.sampled_from(["and", "or"])), "criteria": criteria}
    if parts == "both":
        rules["behavior_profile_operator"] = draw(st.sampled_from(["and", "or"]))
    return rules


@st.composite
def live_creatives(draw: st.DrawFn) -> Any:
    items = draw(creatives())
    for item in items:
        attrs = item["build_attributes"]
        attrs["push_message"] = draw(messages)
        if draw(st.booleans()):
            attrs["push_title"] = draw(messages)
        if draw(st.booleans()):
            attrs["push_subtitle"] = draw(messages)
        if draw(st.booleans()):
            attrs["attachment_url"] = "https://cdn.example.com/i.png"
            if draw(st.booleans()):
                attrs["ll_mi_deep_link_url"] = "https://mi.example.com/p?x={{id}}"
        if draw(st.booleans()):
            attrs["sound"] = "ding.caf"
        if draw(st.booleans()):
            item["key_values"] = [{"key": "k", "value": draw(messages)}]
        if draw(st.booleans()):
            item["title"] = draw(messages)
    # the API takes one creative as an object (DESIGN §2)
    return items[0] if len(items) == 1 and draw(st.booleans()) else items


@st.composite
def live_campaign(draw: st.DrawFn, name: str, audience_ids: list[int]) -> dict[str, Any]:
    """A push campaign payload for POST …/push/campaigns, with live audience ids."""
    target = draw(audiences_target(audience_ids, any_target_rules()))
    body: dict[str, Any] = {
        "name": name, "status": draw(st.sampled_from(["draft", "active"])),
        "goal": draw(st.sampled_from(["activate", "drive_behavior", "nurture", "monetize",
                                      "reengage", "notify"])),
        "audiences": target, "schedule": draw(schedule()), "creatives": draw(live_creatives()),
    }
    if draw(st.booleans()):
        event: dict[str, Any] = {"event_name": draw(events)}
        if draw(st.booleans()):
            event["conversion_attributes"] = {"operator": "and", "filters": [
                {"dimension_name": "Price", "operator": "is_one_of", "value": ["10", "20"]}]}
        body["conversion_event"] = event
    return body


# --- arbitrary JSON and one-value mutations of valid bodies (the sandbox fuzz tests) ---------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12,
)


def value_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON value (dict keys and list indexes), the root included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += value_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += value_paths(item, (*prefix, i))
    return found


def swap(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A copy of `value` with the value at `path` replaced by `new`."""
    if not path:
        return new
    value = copy.deepcopy(value)
    target = value
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return value
