"""Golden comments, one per platform, of a plan that touches every field a spec can set.

Each plan is made the way the planner makes one: the diff of the comparable forms,
the platform's words for both sides, the audience names for the field tables, an
audience the same plan changes under a go-live, and (Stream) an impossible edit as an
error entry. What a reviewer reads outside the collapsed field tables must name who,
what and when in words: no raw field path and no JSON. Regenerate with
RECONCILER_UPDATE_GOLDEN=1 and read the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import importlib
import io
import re
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from reconciler.describe import Context, Known
from reconciler.localytics import words as localytics
from reconciler.localytics.normalize import comparable_audience, comparable_campaign
from reconciler.plan.diff import diff
from reconciler.plan.model import Action, Change, Plan, Problem, Words
from reconciler.plan.paths import flatten
from reconciler.plan.within import mark_changed, names_of, reach_after_plan, shown_of
from reconciler.registry import platform
from reconciler.render.markdown import render_markdown
from reconciler.render.text import console, render_plan
from reconciler.smartech import wire
from reconciler.smartech import words as smartech
from reconciler.stream import normalize as stream_normal
from reconciler.stream import words as stream
from tests.test_golden import check

Describe = Callable[[Mapping[str, Any], Context], Words]
Compare = Callable[[Mapping[str, Any]], dict[str, Any]]


def made(kind: str, key: str, after: dict[str, Any], describe: Describe, compare: Compare,
         context: Context, before: dict[str, Any] | None = None, **extra: Any) -> Change:
    """A change as the planner makes it: diff of comparable forms, words for both sides."""
    change = Change(kind, key, str(after.get("name")),
                    Action.UPDATE if before is not None else Action.CREATE,
                    diff=diff(compare(before) if before is not None else {}, compare(after)),
                    words=describe(after, context),
                    words_before=describe(before, context) if before is not None else (),
                    **extra)
    # the platform's field-table words, as Provider.show_value gives them to the planner
    show = importlib.import_module(describe.__module__).show_value
    change.shown = shown_of(change, show, before or {}, after)
    return change


def finish(env: str, target: dict[str, Any], changes: list[Change], known: dict[str, Known],
           reach_kind: str, errors: list[Problem] | None = None, *, on: str) -> Plan:
    reach_after_plan(changes)
    # as the planner makes it: the send-test hint where the platform `on` has send-test
    return Plan(env, target, changes, errors=errors or [],
                names=names_of(changes, known, reach_kind),
                send_test=platform(on).capabilities()["send-test"])


def smartech_plan() -> Plan:
    known = {"list:11": Known("audience", "news", "Newsletter subscribers", {"user_count": 12400}),
             "segment:13": Known("audience", "lapsed", "Lapsed buyers", {"user_count": 3100})}
    known |= {"audience:news": known["list:11"], "audience:lapsed": known["segment:13"]}
    email = {"channel": "email", "name": "Spring newsletter", "template_id": 877,
             "tags": ["newsletter", "spring", "reconciler"],
             "sender_details": {"sender_name": "Acme", "sender_email": "news@acme.example"},
             "subject_line": "Spring at Acme 🌷", "preheader": "New arrivals, 20% off this week",
             "send": {"audience": ["news", {"type": "segment", "id": 13}],
                      "at": "2027-03-20T09:00:00+01:00", "frequency_capping": True},
             "send_audience": [("list", 11), ("segment", 13)]}
    push = {"channel": "apn", "name": "Winback push", "app_ids": ["acme-android", "acme-ios"],
            "template_id": "4021", "tags": ["winback", "reconciler"],
            "send": {"audience": ["lapsed"], "frequency_capping": False,
                     "personalization": {"store": "Acme", "code": "BACK20"}},
            "send_audience": [("segment", 13)]}
    draft = {**email, "name": "Summer teaser", "subject_line": "Summer is coming",
             "preheader": None, "tags": ["teaser", "reconciler"]}
    del draft["send"], draft["send_audience"]
    edited = {**draft, "subject_line": "Summer is coming: early access",
              "sender_details": {"sender_name": "Acme Deals", "sender_email": "deals@acme.example"}}
    compare = wire.comparable_campaign
    changes = [
        Change("audience", "lapsed", "Lapsed buyers", Action.NOOP, live_id="segment:13"),
        Change("audience", "news", "Newsletter subscribers", Action.NOOP, live_id="list:11"),
        made("campaign", "spring", email, smartech.describe_campaign, compare, known,
             go_live=True, reach={"user_count": 15500}, schedule=smartech.schedule(email)),
        made("campaign", "summer", edited, smartech.describe_campaign, compare, known,
             before=compare(draft), live_id=5001),
        made("campaign", "winback", push, smartech.describe_campaign, compare, known,
             go_live=True, reach={"user_count": 3100}, schedule=smartech.schedule(push)),
    ]
    return finish("smartech-production", {"api_url": "https://apiind.netcoresmartech.com",
                                          "org_id": None, "app_id": "acme"},
                  changes, known, "audience", on="smartech")


def stream_plan() -> Plan:
    known = {"rcl-norway": Known("segment", "norway", "Users in Norway", {"size": 61036}),
             "rcl-beta": Known("segment", "beta", "Beta testers", {"size": 3})}
    # as the planner knows them: live objects by id, specs by ref with the spec's name
    known |= {"segment:norway": Known("segment", "norway", "Nordics", {"size": 61036}),
              "segment:beta": known["rcl-beta"],
              "segment:vip": Known("segment", "vip", "VIP", new=True)}
    norway = {"type": "user", "name": "Users in Norway", "filter": {"country": {"$eq": "NO"}}}
    nordics = {"type": "user", "name": "Nordics", "description": "Norway, Sweden and Denmark",
               "filter": {"country": {"$in": ["NO", "SE", "DK"]}}}
    vip = {"type": "user", "name": "VIP", "target_ids": ["alice", "bob", "carol"]}
    welcome = {"name": "Nordic welcome", "description": "Greets every Nordic user",
               "segment_ids": ["rcl-norway"], "sender_id": "acme-bot",
               "message_template": {"text": "Hei {{ receiver.name }}! Velkommen.",
                                    "attachments": [{"type": "image",
                                                     "image_url": "https://cdn.acme.example/n.png"}],
                                    "custom": {"campaign": "nordic"}, "poll_id": "poll-1",
                                    "searchable": False}}
    going = {**welcome, "sender_mode": "include", "sender_visibility": "archived",
             "show_channels": True, "create_channels": True, "skip_push": True,
             "skip_webhook": True,
             "channel_template": {"type": "messaging", "id": "welcome-{{ receiver.id }}",
                                  "team": "nordics", "members": ["acme-bot"],
                                  "custom": {"topic": "welcome"}},
             "send": {"at": "2027-01-15T09:00:00Z", "stop_at": "2027-01-16T09:00:00Z"}}
    listed = {"name": "VIP preview", "user_ids": ["alice", "bob"], "sender_id": "acme-bot",
              "message_template": {**welcome["message_template"],
                                   "text": "A first look, just for you."}}
    segment_d, campaign_d = stream.describe_segment, stream.describe_campaign
    segments = [made("segment", "norway", nordics, segment_d, stream_normal.comparable_segment,
                     known, before=norway, live_id="rcl-norway"),
                made("segment", "vip", vip, segment_d, stream_normal.comparable_segment, known)]
    mark_changed(known, "segment:norway", "rcl-norway", "Users in Norway")
    compare = stream_normal.comparable_campaign
    changes = [
        *segments,
        made("campaign", "preview", listed, campaign_d, compare, known),
        made("campaign", "welcome", going, campaign_d, compare, known, before=welcome,
             live_id="rcl-welcome", go_live=True, reach={"user_count": 61036},
             depends_on=("segment:norway",), schedule=dict(going["send"])),
    ]
    error = Problem("campaign", "survey", "Beta survey", "chat/campaigns/survey.yaml:1",
                    "campaign rcl-survey was started (status scheduled) and cannot change: "
                    "Stream sends a campaign only once; to send again, create a new campaign "
                    "key (a new file under campaigns/)")
    return finish("chat", {"api_url": "https://chat.stream-io-api.com", "org_id": None,
                           "app_id": "key"}, changes, known, "segment", [error], on="stream")


def localytics_plan() -> Plan:
    known = {"104": Known("audience", "lapsed", "Lapsed buyers",
                          {"user_count": 12400, "has_push": 9870}),
             "105": Known("audience", "installs", "New installs",
                          {"user_count": 3000, "has_push": 2100})}
    known |= {"audience:lapsed": known["104"], "audience:installs": known["105"]}
    lapsed = {"name": "Lapsed buyers", "target_rules": {
        "targeting_type": "install_id", "behavior_profile_operator": "and",
        "behavior": {"days": 30, "behavior_rule_operator": "and", "rules": [
            {"rule_type": "event", "event_name": "Purchase", "count": 1,
             "count_operator": "atleast", "conditions": {"operator": "and", "filters": [
                 {"dimension_name": "Store", "operator": "is_one_of", "value": ["web"]}]}},
            {"rule_type": "not-session", "count": 1, "count_operator": "atleast",
             "conditions": {"operator": "and", "filters": []}}]},
        "profile": {"operator": "and", "criteria": [
            {"key": "country", "scope": "org", "operator": "is one of", "values": ["NO", "SE"]}]}}}
    wider = {**lapsed, "target_rules": {**lapsed["target_rules"], "behavior": {
        **lapsed["target_rules"]["behavior"], "days": 90}}}
    base = {"name": "Winback", "status": "draft", "goal": "reengage",
            "conversion_event": {"event_name": "Purchase", "conversion_attributes": {
                "operator": "and", "filters": [{"dimension_name": "Coupon", "operator":
                                                "is_one_of", "value": ["BACK20"]}]}},
            "audiences": {"campaign_type": "saved_audience", "control_group_percent": 5,
                          "target_rules": {"audience": [104]}},
            "schedule": {"on_schedule": {"begin_date": "2027-02-01T18:00:00Z",
                                         "starting_time_zone_id": 0,
                                         "push_throttle_num_msgs": 500}},
            "creatives": [{"title": "Plain", "percent": 100,
                           "key_values": [{"key": "source", "value": "git"}],
                           "build_attributes": {
                               "push_title": "We miss you", "push_subtitle": "20% off",
                               "push_message": "Come back this week: 20% off with BACK20.",
                               "attachment_url": "https://cdn.acme.example/back.png",
                               "push_category": "offer", "ll_deep_link_url": "acme://sale",
                               "ll_mi_deep_link_url": "https://mi.example/x", "sound":
                               "chime.caf"}}]}
    live = {**base, "status": "active"}
    weekly = {**base, "name": "Weekly picks", "audiences": {
        "campaign_type": "saved_audience", "target_rules": {"audience": [104]}},
        "schedule": {"recurring": {
            "begin_date": "2027-01-04T08:00:00Z", "end_date": "2027-06-28T08:00:00Z",
            "starting_time_zone_id": 0, "intervals": [{"interval": "weekly",
                                                       "day_of_week": "monday"}],
            "frequency_attributes": [{"name": "messages_per_days", "count": 2, "days": 7,
                                      "messages_atleast_days_apart": 2}]}}}
    swapped = {**weekly, "audiences": {"campaign_type": "saved_audience",
                                       "target_rules": {"audience": [105]}}}
    audience_changes = [made("audience", "lapsed", wider, localytics.describe_audience,
                             comparable_audience, known, before=lapsed, live_id=104)]
    mark_changed(known, "audience:lapsed", "104", "Lapsed buyers")
    compare = comparable_campaign
    changes = [
        *audience_changes,
        made("campaign", "weekly", swapped, localytics.describe_campaign, compare, known,
             before=weekly, live_id=4601),
        made("campaign", "comeback", {**base, "name": "Comeback", "audiences": {
            "campaign_type": "saved_audience", "target_rules": {"audience": [105]}}},
             localytics.describe_campaign, compare, known),
        made("campaign", "winback", live, localytics.describe_campaign, compare, known,
             before=base, live_id=4600, go_live=True, depends_on=("audience:lapsed",),
             reach={"user_count": 12400, "has_push": 9870}, schedule=live["schedule"]),
    ]
    return finish("production", {"api_url": "https://dashboard.localytics.com/api/v6",
                                 "org_id": 12345, "app_id": "0a1b2c3d-app-key"},
                  changes, known, "audience", on="localytics")


PLANS = [("fields-smartech", smartech_plan), ("fields-stream", stream_plan),
         ("fields-localytics", localytics_plan)]
JSON = re.compile(r'\{"|"\s*:|\b(true|false|null)\b')


def raw_paths(plan: Plan) -> set[str]:
    """Every field path the plan changes, flattened, that could not pass for a word: with a
    dot, an index or an underscore (`send.audience[0]`, `app_ids`, `sender_details`)."""
    out = set()
    for change in plan.changes:
        for d in change.diff:
            for path, _, _ in flatten(d.path, d.before, d.after):
                for token in re.split(r"(?=[.\[])", path):
                    out.add(token.strip(".[]"))
                out.add(path)
    return {p for p in out if re.search(r"[._\[]", p)}


def read(markdown: str) -> str:
    """The comment as a reviewer reads it, field tables collapsed (not read)."""
    return re.sub(r"<details>.*?</details>", "", markdown, flags=re.DOTALL)


@pytest.mark.parametrize(("name", "plan"), PLANS)
def test_every_field_of_each_platform_in_words_golden(name: str,
                                                      plan: Callable[[], Plan]) -> None:
    buf = io.StringIO()
    render_plan(plan(), console(buf))
    check(f"{name}.txt", buf.getvalue())
    check(f"{name}.md", render_markdown(plan()))


@pytest.mark.parametrize(("name", "plan"), PLANS)
def test_the_comment_has_no_raw_path_or_json_outside_the_field_tables(
        name: str, plan: Callable[[], Plan]) -> None:
    made = plan()
    text = read(render_markdown(made))
    paths = raw_paths(made)
    assert paths  # the plan does touch nested and API-named fields
    lines = [line for line in text.splitlines() if not line.startswith(("<!--", "### "))
             and (JSON.search(line) or any(re.search(rf"(?<![\w/]){re.escape(p)}(?![\w/])",
                                                      line) for p in paths))]
    assert lines == []
    for said in ("**who:**", "**when:**", "**status:**"):
        assert said in text


def test_the_go_live_says_who_after_this_plan() -> None:
    text = render_markdown(localytics_plan())
    assert "12,400 users, 9,870 with push before this plan, changed in this plan: the new " \
        "reach is known after apply" in text
    assert "- **status:** draft: reaches no one until it is set active (unchanged)" in text
    assert "| Lapsed buyers (104) | New installs (105) |" in text  # names in the field table
    assert "- **who:** in the last 30 days → in the last 90 days (5 unchanged conditions " \
        "hidden)" in text
    assert "- **who:** *Lapsed buyers* → *New installs*" in text  # an audience swap


def cells(markdown: str) -> list[tuple[str, str, str]]:
    """(field, before, after) of every row of the collapsed field tables."""
    rows = []
    for table in re.findall(r"<details>.*?</details>", markdown, flags=re.DOTALL):
        for line in table.splitlines():
            m = re.fullmatch(r"\| `(.+?)` \| (.*) \| (.*) \|", line)
            if m:
                rows.append((m[1], m[2], m[3]))
    return rows


@pytest.mark.parametrize(("name", "plan"), PLANS)
def test_field_tables_show_no_raw_boolean_time_or_digest(name: str,
                                                         plan: Callable[[], Plan]) -> None:
    rows = cells(render_markdown(plan()))
    assert rows
    raw = [(path, v) for path, *values in rows for v in values
           if v in ("true", "false") or re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", v)
           or re.fullmatch(r"'[0-9a-f]{16}'", v)]
    assert raw == []


def test_field_table_times_are_in_the_zone_the_schedule_uses() -> None:
    rows = {path: after for path, _, after in cells(render_markdown(localytics_plan()))}
    assert rows["schedule.on_schedule.begin_date"] == "1 Feb 2027 at 18:00 in each user's " \
        "local time"
    rows = {path: after for path, _, after in cells(render_markdown(smartech_plan()))}
    assert rows["send"] == "sends once, on 20 Mar 2027 at 09:00 UTC+01:00, within the " \
        "account's frequency capping"
    assert rows["send.frequency_capping"] == "ignoring the account's frequency capping"


def test_stream_segment_flags_read_as_words() -> None:
    assert stream.show_value("segment", "all_users", True, {}) == "all users of the app"
    assert stream.show_value("segment", "filter.lapsed_buyer.$eq", True, {}) == "is true"
    assert stream.show_value("segment", "filter.country.$eq", "NO", {}) is None  # their text


def test_localytics_recurring_day_reads_as_a_day() -> None:
    assert localytics.show_value("campaign", "schedule.recurring.intervals[0].day_of_week",
                                 "tuesday", {}) == "Tuesday"
