"""Every form the Localytics documents allow reads the same (normalize, provider).

In-process and fast: the comparable form of what we send equals the
comparable form of each way the API may answer it, so an apply is followed
by a no-change plan whichever form a given account answers in.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest

from reconciler.calls import Caller
from reconciler.localytics.client import LocalyticsClient
from reconciler.localytics.normalize import comparable_campaign, saved_audiences
from reconciler.localytics.provider import LocalyticsProvider
from reconciler.workspace.workspace import Spec


def sent() -> dict[str, Any]:
    return {
        "name": "Cart rescue", "status": "draft", "goal": "monetize",
        "audiences": {"campaign_type": "saved_audience", "target_rules": {"audience": [7, 9]}},
        "schedule": {"on_schedule": {"begin_date": "2027-01-15T09:00:00Z"}},
        "creatives": {"title": "A", "build_attributes": {"push_message": "Hi"}},
    }


def answered(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(sent())
    body.update(id=5, created_at="2026-01-01T00:00:00.000Z", updated_at="x")
    body["creatives"] = [{"id": 11, "letter": "A", **body["creatives"]}]
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = body
        for p in parents:
            node = node[int(p)] if p.isdigit() else node[p]
        node[last] = value
    return body


@pytest.mark.parametrize("form", [
    {"audiences__target_rules": {"audiences": [7, 9]}},
    {"schedule__on_schedule__begin_date": "2027-01-15T09:00:00.000Z"},
    {"schedule__on_schedule__begin_date": "2027-01-15T11:00:00+02:00"},
    {"schedule__on_schedule__begin_date": "2027-01-15T10:00:00.250+0100"},
    {"creatives__0__percent": 0},
    {"creatives__0__percent": 100},
    {"creatives__0__key_values": []},
    {"creatives__0__build_attributes": {"push_message": "Hi", "push_title": "",
                                        "push_subtitle": "", "sound": ""}},
    {"audiences__control_group_percent": 0},
], ids=lambda f: next(iter(f)))
def test_each_answer_form_equals_what_was_sent(form: dict[str, Any]) -> None:
    assert comparable_campaign(answered(**form)) == comparable_campaign(sent())


def test_date_only_is_midnight_utc() -> None:
    body = sent()
    body["schedule"]["on_schedule"]["begin_date"] = "2027-01-15T00:00:00Z"
    live = answered(schedule__on_schedule__begin_date="2027-01-15")
    assert comparable_campaign(live) == comparable_campaign(body)


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_an_answered_date_with_no_utc_instant_is_kept_as_it_came(when: str) -> None:
    """An API that answers a date datetime cannot hold in UTC (year 1 at a positive
    offset): compared as the text it is, a difference from what was sent, not an
    OverflowError out of the plan (it was a traceback)."""
    live = comparable_campaign(answered(schedule__on_schedule__begin_date=when))
    assert live["schedule"]["on_schedule"]["begin_date"] == when
    assert live != comparable_campaign(sent())


def test_a_real_difference_still_shows() -> None:
    assert comparable_campaign(answered(audiences__target_rules={"audiences": [7]})) \
        != comparable_campaign(sent())
    assert comparable_campaign(answered(creatives__0__key_values=[{"key": "k", "value": "v"}])) \
        != comparable_campaign(sent())


def test_saved_audiences_under_either_key() -> None:
    assert saved_audiences({"audience": [1]}) == [1]
    assert saved_audiences({"audiences": [2]}) == [2]
    assert saved_audiences({"profile": {}}) is None and saved_audiences(None) is None


@pytest.fixture
def provider() -> Any:
    def make(key: str) -> LocalyticsProvider:
        client = LocalyticsClient("http://127.0.0.1:9/api/v6", 1, "a", auth=("k", "s"),
                                  caller=Caller())
        return LocalyticsProvider(client, audience_key=key)
    return make


@pytest.mark.parametrize("key", ["audience", "audiences"])
def test_the_env_picks_the_written_key_and_targets_read_both(key: str, provider: Any) -> None:
    p = provider(key)
    spec = Spec(kind="campaign", key="c", path="campaigns/c.yaml",
                body={**sent(), "audiences": {"campaign_type": "saved_audience",
                                             "target_rules": {"audience": ["buyers", 3]}}})
    body = p.payload(spec, {"audience:buyers": 8})
    assert body["audiences"]["target_rules"] == {key: [8, 3]}
    live = p._campaign(answered(audiences__target_rules={"audiences": [8, 3]}))
    assert live.targets == (8, 3)
    assert p.held_back("campaign", {**body, "status": "active"})["status"] == "draft"
    assert p.held_back("campaign", body) is None  # a draft is written as it is
    asyncio.run(p.aclose())


def test_an_unknown_audience_key_is_refused(provider: Any) -> None:
    with pytest.raises(ValueError, match="audience_key"):
        provider("audiencez")
