"""Golden files for the text and markdown plans: what a reviewer actually reads.

Regenerate after an intended change with RECONCILER_UPDATE_GOLDEN=1 and read
the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.describe import Known
from reconciler.localytics.words import describe_audience, describe_campaign
from reconciler.plan.model import Action, Change, FieldChange, Plan, Unmanaged
from reconciler.render.markdown import render_markdown
from reconciler.render.text import console, render_plan
from reconciler.stream.words import describe_campaign as stream_campaign
from reconciler.stream.words import describe_segment

GOLDEN = Path(__file__).parent / "golden"


def sample_plan() -> Plan:
    return Plan(
        env="production",
        target={"api_url": "https://dashboard.localytics.com/api/v6", "org_id": 12345,
                "app_id": "0a1b2c3d-app-key"},
        changes=[
            Change("audience", "lapsed-buyers", "Lapsed buyers", Action.NOOP, live_id=101),
            Change("audience", "vip", "VIP customers", Action.CREATE),
            Change("campaign", "spring-sale", "Spring sale", Action.UPDATE, live_id=4512,
                   diff=[FieldChange("creatives[0].build_attributes.push_message",
                                     "20% off", "30% off everything"),
                         FieldChange("status", "draft", "active")],
                   go_live=True, reach={"user_count": 12400, "has_push": 9870},
                   depends_on=("audience:lapsed-buyers",)),
            Change("campaign", "vip-offer", "VIP offer", Action.CREATE,
                   depends_on=("audience:vip",)),
            Change("campaign", "weekly", "Weekly digest", Action.UPDATE, live_id=4600,
                   diff=[FieldChange("schedule.recurring.intervals[0].day_of_week",
                                     "monday", "friday")],
                   warnings=["edits a live campaign: the new message and audience apply to "
                             "its next sends"]),
            Change("campaign", None, "[git] Old promo", Action.ARCHIVE, live_id=42),
        ],
        unmanaged=[Unmanaged("campaign", 7, "Made in the dashboard")],
        send_test=True,  # a Localytics env: its platform has send-test
    )


def localytics_plan() -> Plan:
    """Every audience kind and schedule kind of Localytics, as creates and an update."""
    context = {"101": Known("audience", "lapsed-buyers", "Lapsed buyers",
                            {"user_count": 12400, "has_push": 9870}),
               "audience:cart": Known("audience", "cart", "Cart abandoners", new=True)}
    audience = {"name": "Cart abandoners", "target_rules": {
        "targeting_type": "customer_id", "behavior_profile_operator": "and",
        "behavior": {"days": 7, "behavior_rule_operator": "and_then", "rules": [
            {"rule_type": "event", "event_name": "Add To Cart", "count": 1,
             "count_operator": "atleast", "conditions": {"operator": "and", "filters": []}},
            {"rule_type": "not-event", "event_name": "Checkout Completed", "count": 1,
             "count_operator": "atleast", "conditions": {"operator": "and", "filters": []}}]},
        "profile": {"operator": "and", "criteria": [
            {"key": "country", "scope": "org", "operator": "is one of", "values": ["NO"]}]}}}
    reminder = {"name": "Cart reminder", "status": "active", "goal": "monetize",
                "conversion_event": {"event_name": "Purchase"},
                "audiences": {"campaign_type": "saved_audience", "control_group_percent": 5,
                              "target_rules": {"audience": ["<audience:cart>", 101]}},
                "schedule": {"recurring": {
                    "begin_date": "2027-01-04T08:00:00Z", "end_date": "2027-06-30T08:00:00Z",
                    "intervals": [{"interval": "weekly", "day_of_week": "monday"}],
                    "frequency_attributes": [{"name": "messages_per_days", "count": 2,
                                              "days": 7, "messages_atleast_days_apart": 2}]}},
                "creatives": [
                    {"title": "Reminder", "percent": 60, "build_attributes": {
                        "push_title": "Still there?", "push_message": "You left something in "
                        "your cart.\nIt is waiting for you - for 24 hours only.",
                        "ll_deep_link_url": "fjordapp://cart"},
                     "key_values": [{"key": "source", "value": "git"}]},
                    {"title": "Urgency", "percent": 40, "build_attributes": {
                        "push_message": "Items in your cart are selling fast",
                        "attachment_url": "https://cdn.example.com/cart.png"}}]}
    launch = {"name": "Launch", "status": "draft", "goal": "activate",
              "audiences": {"campaign_type": "everyone"},
              "schedule": {"optimized": {"fallback_time": "2027-02-01T12:00:00Z"}},
              "creatives": {"build_attributes": {"push_message": "Wishlists are here"}}}
    digest = {**launch, "name": "Digest", "schedule": {"begin_immediately": {}}}
    now = {**digest, "schedule": {"on_schedule": {"begin_date": "2027-03-01T09:00:00Z",
                                                  "starting_time_zone_id": 0}},
           "creatives": {"build_attributes": {"push_message": "New this week"}}}
    changes = [
        Change("audience", "cart", "Cart abandoners", Action.CREATE,
               words=describe_audience(audience, context)),
        Change("campaign", "cart-reminder", "Cart reminder", Action.CREATE, go_live=True,
               words=describe_campaign(reminder, context)),
        Change("campaign", "launch", "Launch", Action.CREATE,
               words=describe_campaign(launch, context)),
        Change("campaign", "digest", "Digest", Action.UPDATE, live_id=4600,
               diff=[FieldChange("creatives[0].build_attributes.push_message",
                                 "Wishlists are here", "New this week"),
                     FieldChange("schedule.begin_immediately", {}, None),
                     FieldChange("schedule.on_schedule", None, now["schedule"]["on_schedule"])],
               words=describe_campaign(now, context), words_before=describe_campaign(digest,
                                                                                    context)),
    ]
    return Plan("production", {"api_url": "https://dashboard.localytics.com/api/v6",
                               "org_id": 12345, "app_id": "0a1b2c3d-app-key"}, changes,
                send_test=True)


def stream_plan() -> Plan:
    context = {"rcl-beta": Known("segment", "beta", "Beta testers", {"size": 3})}
    segment = {"type": "user", "name": "Users in Norway", "filter": {"country": {"$eq": "NO"}}}
    survey = {"name": "Beta survey", "segment_ids": ["rcl-beta"], "sender_id": "acme-bot",
              "message_template": {"text": "{{ receiver.name }}, how is the beta going?"},
              "send": {"at": "2027-01-15T09:00:00Z"}}
    return Plan("chat", {"api_url": "https://chat.stream-io-api.com", "org_id": None,
                         "app_id": "key"}, [
        Change("segment", "norway", "Users in Norway", Action.CREATE,
               words=describe_segment(segment, context)),
        Change("campaign", "survey", "Beta survey", Action.CREATE, go_live=True,
               words=stream_campaign(survey, context)),
    ])


def check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("RECONCILER_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with RECONCILER_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


def test_text_plan_golden() -> None:
    buf = io.StringIO()
    render_plan(sample_plan(), console(buf))
    check("plan.txt", buf.getvalue())


def test_markdown_plan_golden() -> None:
    check("plan.md", render_markdown(sample_plan()))


@pytest.mark.parametrize(("name", "plan"), [("words-localytics", localytics_plan),
                                          ("words-stream", stream_plan)])
def test_each_platform_in_words_golden(name: str, plan: Callable[[], Plan]) -> None:
    buf = io.StringIO()
    render_plan(plan(), console(buf))
    check(f"{name}.txt", buf.getvalue())
    check(f"{name}.md", render_markdown(plan()))


@pytest.mark.parametrize("name", ["plan.txt", "plan.md"])
def test_golden_files_carry_the_essentials(name: str) -> None:
    text = (GOLDEN / name).read_text(encoding="utf-8")
    for needle in ("Spring sale", "12,400", "send-test spring-sale", "30% off everything"):
        assert needle in text.replace("&#37;", "%").replace("&#45;", "-")
