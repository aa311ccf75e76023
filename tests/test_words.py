"""The words layer: every schedule kind, every audience kind and each platform as sentences.

The expected sentences are written out here in full: they are what a reviewer
reads in the PR comment and the terminal plan, so a change to them is a
change to the product and shows up as a diff of this file.
"""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.describe import Known
from reconciler.localytics.words import describe_audience, describe_campaign
from reconciler.plan.model import Action, Change, FieldChange, Phrase
from reconciler.render.words import changed, flatten, reach_of
from reconciler.smartech.words import describe_campaign as smartech_campaign
from reconciler.stream.words import describe_campaign as stream_campaign
from reconciler.stream.words import describe_segment

CONTEXT = {
    "101": Known("audience", "lapsed-buyers", "Lapsed buyers",
                 {"user_count": 12400, "has_push": 9870}),
    "audience:vip": Known("audience", "vip", "VIP customers", new=True),
    "rcl-beta": Known("segment", "beta", "Beta testers", {"size": 3}),
    "rcl-norway": Known("segment", "norway", "Users in Norway", new=True),
    "rcl-all": Known("segment", None, "All channels"),
}


def campaign(**fields: Any) -> dict[str, Any]:
    body = {"name": "C", "status": "draft", "goal": "notify",
            "audiences": {"campaign_type": "everyone"},
            "schedule": {"begin_immediately": {}},
            "creatives": [{"build_attributes": {"push_message": "Hi"}}]}
    return {**body, **fields}


def said(words: tuple[Phrase, ...], label: str) -> str:
    return next(p.text for p in words if p.label == label)


SCHEDULES = [
    ({"begin_immediately": {}}, "as soon as it goes live"),
    ({"begin_immediately": {"push_throttle_num_msgs": 500}},
     "as soon as it goes live, throttled to 500 pushes per minute"),
    ({"on_schedule": {"begin_date": "2027-02-01T12:00:00Z"}}, "once, on 1 Feb 2027 at 12:00 UTC"),
    ({"on_schedule": {"begin_date": "2027-01-01T09:00:00Z", "starting_time_zone_id": 0}},
     "once, on 1 Jan 2027 at 09:00 in each user's local time"),
    ({"optimized": {"fallback_time": "2027-02-01T12:00:00Z"}},
     "once, at each user's best time (optimized per user), fallback 1 Feb 2027 12:00 UTC"),
    ({"recurring": {"begin_date": "2027-01-04T08:00:00Z", "end_date": "2027-06-30T20:00:00Z",
                    "intervals": [{"interval": "weekly", "day_of_week": "monday"}],
                    "frequency_attributes": [{"name": "messages_per_days", "count": 2, "days": 7,
                                              "messages_atleast_days_apart": 2}]}},
     "every Monday at 08:00 UTC from 4 Jan to 30 Jun 2027, at most 2 in any 7 days, "
     "at least 2 days apart"),
    ({"recurring": {"begin_date": "2026-12-01T10:00:00Z", "starting_time_zone_id": 0,
                    "intervals": [{"interval": "monthly", "on_day": 1}]}},
     "on day 1 of every month at 10:00 local time from 1 Dec 2026 on, with no end date"),
    ({"recurring": {"begin_date": "2027-01-04T18:00:00Z", "end_date": "2027-03-31T18:00:00Z",
                    "push_throttle_num_msgs": 1000, "intervals": [{"interval": "every day"}],
                    "frequency_attributes": [{"name": "total_message_ever", "count": 60}]}},
     "every day at 18:00 UTC from 4 Jan to 31 Mar 2027, at most 60 in all, "
     "throttled to 1,000 pushes per minute"),
    ({"recurring": {"begin_date": "2027-01-04T06:30:00Z", "end_date": "2027-01-05T06:30:00Z",
                    "intervals": [{"interval": "every hour"}]}},
     "every hour from 06:30 UTC from 4 Jan to 5 Jan 2027"),
    ({"recurring": {"begin_date": "2026-12-30T07:00:00Z", "end_date": "2027-02-01T07:00:00Z",
                    "intervals": [{"interval": "every other day"}]}},
     "every other day at 07:00 UTC from 30 Dec 2026 to 1 Feb 2027"),
]


@pytest.mark.parametrize(("schedule", "sentence"), SCHEDULES,
                         ids=[next(iter(s)) + str(i) for i, (s, _) in enumerate(SCHEDULES)])
def test_every_localytics_schedule_kind_is_a_sentence(schedule: dict, sentence: str) -> None:
    assert said(describe_campaign(campaign(schedule=schedule), CONTEXT), "when") == sentence


AUDIENCES = [
    ({"campaign_type": "everyone"}, "everyone (all users of the app)"),
    ({"campaign_type": "saved_audience", "target_rules": {"audience": [101]}},
     "saved audience Lapsed buyers (lapsed-buyers, 12,400 users, 9,870 with push)"),
    ({"campaign_type": "saved_audience", "target_rules": {"audience": ["<audience:vip>", 101]}},
     "anyone in the saved audiences VIP customers (vip, created in this run, reach known after "
     "apply) or Lapsed buyers (lapsed-buyers, 12,400 users, 9,870 with push)"),
    ({"campaign_type": "saved_audience", "target_rules": {"audience": [7]}},
     "saved audience #7 (not managed here)"),
    ({"campaign_type": "new_audience", "target_rules": {
        "targeting_type": "customer_id",
        "behavior": {"days": 7, "behavior_rule_operator": "and_then", "rules": [
            {"rule_type": "event", "event_name": "Add To Cart", "count": 1,
             "count_operator": "atleast",
             "conditions": {"operator": "and", "filters": [
                 {"dimension_name": "Cart Value", "operator": "at least", "value": 20}]}},
            {"rule_type": "event", "event_name": "Checkout Completed", "count": 1,
             "count_operator": "exactly", "conditions": {"operator": "and", "filters": []}}]}}},
     "users who did Add To Cart at least once where Cart Value at least 20, then did "
     "Checkout Completed exactly once, in the last 7 days, on their latest device"),
    ({"campaign_type": "new_audience", "target_rules": {
        "targeting_type": "install_id", "behavior_profile_operator": "or",
        "behavior": {"days": 14, "behavior_rule_operator": "or", "rules": [
            {"rule_type": "not-session", "count": 1, "count_operator": "atleast",
             "conditions": {"operator": "and", "filters": []}},
            {"rule_type": "not-event", "event_name": "Purchase", "count": 3,
             "count_operator": "less_than", "conditions": {"operator": "and", "filters": []}},
            {"rule_type": "session", "count": 2, "count_operator": "atleast",
             "conditions": {"operator": "and", "filters": []}}]},
        "profile": {"operator": "and", "criteria": [
            {"key": "country", "scope": "org", "operator": "is one of", "values": ["US", "CA"]},
            {"key": "email_verified", "operator": "is defined"}]}}},
     "users who did not open the app, or did not do Purchase fewer than 3 times, or opened the "
     "app at least twice, in the last 14 days or whose profile says country is one of US, CA "
     "(org profile) and email_verified is defined, on all their devices"),
]


@pytest.mark.parametrize(("audiences", "sentence"), AUDIENCES)
def test_every_localytics_audience_kind_is_a_sentence(audiences: dict, sentence: str) -> None:
    assert said(describe_campaign(campaign(audiences=audiences), CONTEXT), "who") == sentence


def test_a_saved_audience_spec_is_its_rules_in_words() -> None:
    words = describe_audience({"name": "Lapsed", "target_rules": {
        "targeting_type": "install_id",
        "profile": {"operator": "and", "criteria": [
            {"key": "lifetime_purchases", "scope": "app", "operator": ">=", "values": ["1"]}]}}},
        CONTEXT)
    assert said(words, "who") == ("users whose profile says lifetime_purchases >= 1 "
                                  "(app profile), on all their devices")
    assert said(words, "name") == "Lapsed"


def test_control_group_goal_and_conversion_in_words() -> None:
    words = describe_campaign(campaign(
        audiences={"campaign_type": "everyone", "control_group_percent": 5}, goal="monetize",
        conversion_event={"event_name": "Purchase", "conversion_attributes": {
            "operator": "and", "filters": [{"dimension_name": "Payment Method",
                                            "operator": "is_none_of", "value": ["gift_card"]}]}},
    ), CONTEXT)
    assert said(words, "control group") == "5% held back, sent nothing"
    assert said(words, "goal") == ("monetize; a conversion is a recipient doing Purchase after "
                                   "receiving it where Payment Method is none of gift_card")
    assert said(describe_campaign(campaign(), CONTEXT), "goal") == "notify; no conversion tracking"


def test_every_creative_is_shown_whole_with_its_split_link_image_and_key_values() -> None:
    long = "Your cart misses you. " * 40
    words = describe_campaign(campaign(creatives=[
        {"title": "A - plain", "percent": 60, "build_attributes": {
            "push_title": "Still there?", "push_subtitle": "Your cart", "push_message": long,
            "ll_deep_link_url": "myapp://cart", "attachment_url": "https://cdn.example/c.png"},
         "key_values": [{"key": "source", "value": "git"}]},
        {"title": "B", "percent": 40, "build_attributes": {"push_message": "Short"}}]), CONTEXT)
    assert said(words, "split") == "A/B test of 2 creatives: A 60% / B 40%"
    assert said(words, "creative A") == "A - plain, 60% of recipients"
    assert said(words, "title A") == "Still there?"
    assert said(words, "subtitle A") == "Your cart"
    assert said(words, "message A") == long  # whole, never cut
    assert said(words, "deep link A") == "myapp://cart"
    assert said(words, "image A") == "https://cdn.example/c.png"
    assert said(words, "key/values A") == "source = git"
    assert said(words, "message B") == "Short"
    assert next(p for p in words if p.label == "message A").block


STREAM = [
    ({"send": {"at": "2027-01-15T09:00:00Z"}}, "when", "at 15 Jan 2027 09:00 UTC"),
    ({"send": {"at": "now", "stop_at": "2027-01-16T09:00:00Z"}}, "when",
     "as soon as it is applied, stops at 16 Jan 2027 09:00 UTC"),
    ({}, "when", "not sent: a draft until the spec gets a send: block"),
    ({"send": True, "status": "completed"}, "when", "already started (completed)"),
    ({"segment_ids": ["rcl-beta"]}, "who", "segment Beta testers (beta, 3 users), from bot"),
    ({"segment_ids": ["rcl-beta", "rcl-norway"]}, "who",
     "anyone in the segments Beta testers (beta, 3 users) or Users in Norway (norway, created in "
     "this run, size known after apply), from bot"),
    ({"segment_ids": ["rcl-all", "rcl-x"]}, "who",
     "anyone in the segments All channels (rcl-all, size not counted by Stream) or rcl-x (not "
     "managed here), from bot"),
    ({"segment_ids": [], "user_ids": [f"u{i}" for i in range(12)]}, "who",
     "12 listed users: u0, u1, u2, u3, u4, u5, u6, u7, u8, u9 and 2 more, from bot"),
    ({}, "message", "Hi {{ receiver.name }},\nwelcome!"),
]


@pytest.mark.parametrize(("fields", "label", "sentence"), STREAM)
def test_stream_campaigns_in_words(fields: dict, label: str, sentence: str) -> None:
    payload = {"name": "W", "segment_ids": ["rcl-beta"], "sender_id": "bot",
               "message_template": {"text": "Hi {{ receiver.name }},\nwelcome!"}, **fields}
    assert said(stream_campaign(payload, CONTEXT), label) == sentence


@pytest.mark.parametrize(("source", "sentence"), [
    ({"all_users": True}, "all users of the app"),
    ({"filter": {"country": {"$eq": "NO"}, "age": {"$gte": 18}}},
     "users whose country is NO and age is at least 18"),
    ({"filter": {"tier": {"$in": ["gold", "vip"]}}}, "users whose tier is one of gold, vip"),
    ({"target_ids": ["alice", "bob"]}, "2 listed users: alice, bob"),
])
def test_stream_segments_in_words(source: dict, sentence: str) -> None:
    assert said(describe_segment({"type": "user", "name": "S", **source}, CONTEXT), "who") \
        == sentence


# --- updates: one line per changed field, in words or flattened --------------
def _update(before: dict, after: dict, diff: list[FieldChange]) -> Change:
    change = Change("campaign", "c", "C", Action.UPDATE, live_id=1, diff=diff)
    change.words = describe_campaign(after, CONTEXT)
    change.words_before = describe_campaign(before, CONTEXT)
    return change


def test_an_update_says_each_changed_field_in_words_before_and_after() -> None:
    weekly = SCHEDULES[5][0]
    tuesday = {"recurring": {**weekly["recurring"],
                             "intervals": [{"interval": "weekly", "day_of_week": "tuesday"}]}}
    before = campaign(schedule=weekly)
    after = campaign(schedule=tuesday, creatives=[{"build_attributes": {"push_message": "Yo"}}])
    lines = changed(_update(before, after, [
        FieldChange("creatives[0].build_attributes.push_message", "Hi", "Yo"),
        FieldChange("schedule.recurring.intervals[0].day_of_week", "monday", "tuesday"),
    ]))
    assert [(line.label, line.before and line.before.text, line.after and line.after.text,
             line.same, line.hidden) for line in lines] == [
        # the status, unchanged, says whether the edit reaches anyone
        ("status", "draft: reaches no one until it is set active",
         "draft: reaches no one until it is set active", True, 0),
        # a long sentence shows only its changed clause; the two caps are hidden
        ("when", "every Monday at 08:00 UTC from 4 Jan to 30 Jun 2027",
         "every Tuesday at 08:00 UTC from 4 Jan to 30 Jun 2027", False, 2),
        ("message A", "Hi", "Yo", False, 0),
    ]


def test_a_field_the_sentence_leaves_out_is_shown_flattened_never_hidden() -> None:
    """`when` covers schedule.*, but its sentence has no word for `pace`: unchanged sentence."""
    before = campaign()
    after = campaign(creatives=[{"build_attributes": {"push_message": "Hi", "extra": {"x": 1}}}],
                     schedule={"begin_immediately": {"pace": "fast"}})
    lines = changed(_update(before, after, [
        FieldChange("creatives[0].build_attributes.extra", None, {"x": 1}),
        FieldChange("schedule.begin_immediately.pace", None, "fast"),
    ]))
    assert [(line.path, line.old, line.new) for line in lines if not line.same] == [
        ("creatives[0].build_attributes.extra.x", None, 1),
        ("schedule.begin_immediately.pace", None, "fast"),
    ]


def test_flatten_gives_leaf_paths_never_blobs() -> None:
    assert flatten("schedule", {"recurring": {"intervals": [{"day_of_week": "monday"}]}},
                   {"recurring": {"intervals": [{"day_of_week": "tuesday"}, {"on_day": 2}]}}) == [
        ("schedule.recurring.intervals[0].day_of_week", "monday", "tuesday"),
        ("schedule.recurring.intervals[1].on_day", None, 2),
    ]


def test_a_go_live_without_words_says_the_reach_before_the_plan() -> None:
    change = Change("campaign", "c", "C", Action.CREATE, go_live=True,
                    reach_before={"user_count": 61036})
    assert reach_of(change) == "61,036 users before this plan; the new reach is known after apply"
    assert reach_of(Change("campaign", "c", "C", Action.CREATE)) == "reach unknown until applied"


SMARTECH_CONTEXT = {"list:11": Known("audience", "news", "Newsletter subscribers",
                                     {"user_count": 12400}),
                    "audience:lapsed": Known("audience", "lapsed", "Lapsed buyers",
                                             {"user_count": 3100})}


@pytest.mark.parametrize(("payload", "label", "sentence"), [
    ({"channel": "email", "send": {"audience": ["news"], "at": "2027-03-20T09:00:00+01:00"},
      "send_audience": [("list", 11)]}, "when",
     "sends once, on 20 Mar 2027 at 09:00 UTC+01:00, within the account's frequency capping"),
    ({"channel": "email", "send": {"audience": ["news"], "at": "2027-03-20T09:00:00+01:00"},
      "send_audience": [("list", 11)]}, "status",
     "scheduled for 20 Mar 2027 at 09:00 UTC+01:00 once applied"),
    ({"channel": "email", "audience": ["list:11"], "send": True}, "who",
     "list Newsletter subscribers (news, 12,400 users)"),  # a live email body
    ({"channel": "email"}, "status", "draft: reaches no one"),
    ({"channel": "email", "sender_details": {"sender_name": "Acme",
                                             "sender_email": "news@acme.example"}},
     "from", "Acme <news@acme.example>"),
    # an app push body kept in git after its execute: live, to the audience by key
    ({"channel": "apn", "campaign": "1a2b", "app_ids": ["acme-ios"],
      "send": {"audience": ["lapsed"]}}, "status", "live: executed or scheduled, it cannot change"),
    ({"channel": "apn", "campaign": "1a2b", "app_ids": ["acme-ios"],
      "send": {"audience": ["lapsed"]}}, "who", "Lapsed buyers (lapsed, 3,100 users)"),
    ({"channel": "apn", "app_ids": ["acme-android", "acme-ios"]}, "apps",
     "acme-android and acme-ios"),
])
def test_smartech_campaigns_in_words(payload: dict, label: str, sentence: str) -> None:
    assert said(smartech_campaign({"name": "S", "template_id": 877, **payload},
                                  SMARTECH_CONTEXT), label) == sentence
