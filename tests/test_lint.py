"""Message lint: each rule alone, and the warnings through a real `plan --format json`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from reconciler.localytics.lint import lint_campaign
from tests.repo import Repo, campaign

NOW = datetime(2027, 1, 10, tzinfo=UTC)


def lint(attrs: dict[str, Any], *more: dict[str, Any], go_live: bool = False,
         vars: dict[str, Any] | None = None, schedule: dict[str, Any] | None = None) -> list[str]:
    items = [{"build_attributes": a, "percent": 50} for a in (attrs, *more)]
    body = {"creatives": items if more else items[0],
            "schedule": schedule or {"on_schedule": {"begin_date": "2027-02-01T09:00:00Z"}}}
    return lint_campaign(body, vars or {}, go_live=go_live, now=NOW)


def test_clean_creative_has_no_warning() -> None:
    assert lint({"push_title": "Sale", "push_message": "20% off",
                 "attachment_url": "https://cdn/x.png", "ll_deep_link_url": "myapp://sale"},
                vars={"deep_link_scheme": "myapp"}, go_live=True) == []


@pytest.mark.parametrize(("field", "length", "expected"), [
    ("push_message", 50, []),
    ("push_message", 51, ["message A is cut on Android after 50 of 51 characters; the phone "
                          f"shows: {'x' * 49}…"]),
    ("push_message", 179, ["message A is cut on iOS after 178 of 179 characters; the phone "
                           f"shows: {'x' * 177}…",
                           "message A is cut on Android after 50 of 179 characters; the phone "
                           f"shows: {'x' * 49}…"]),
    ("push_title", 51, [f"title A is cut on iOS after 50 of 51 characters; the phone shows: "
                        f"{'x' * 49}…"]),
    ("push_subtitle", 51, ["subtitle A is cut on iOS after 50 of 51 characters; the phone "
                           f"shows: {'x' * 49}…"]),
])
def test_truncation_names_platform_and_the_text_the_phone_shows(field: str, length: int,
                                              expected: list[str]) -> None:
    assert lint({field: "x" * length}) == expected


def test_empty_title_only_matters_on_go_live() -> None:
    assert lint({"push_message": "hi"}) == []
    assert lint({"push_message": "hi", "push_title": " "}, go_live=True) == [
        "creative A has no title: the push goes live showing only the app name above "
        "the message"]


def test_attachment_must_be_https() -> None:
    (w,) = lint({"push_message": "hi", "attachment_url": "http://cdn/x.png"})
    assert w.startswith("image A is not https (http://cdn/x.png)")


def test_deep_link_scheme_follows_vars() -> None:
    link = {"push_message": "hi", "ll_deep_link_url": "otherapp://x"}
    assert lint(link) == []  # no convention configured
    assert lint(link, vars={"deep_link_scheme": "myapp"}) == [
        "deep link A uses scheme 'otherapp', not the env's "
        "vars.deep_link_scheme 'myapp': otherapp://x"]
    web = {"push_message": "hi", "ll_deep_link_url": "https://shop.example.com/sale"}
    assert lint(web, vars={"deep_link_scheme": "myapp"}) == []


def test_template_left_in_text() -> None:
    (w,) = lint({"push_message": "Hi {{ name }}"})
    assert w.startswith("message A contains '{{' or '}}'")


def test_identical_variants() -> None:
    same = {"push_title": "T", "push_message": "M"}
    assert lint(same, dict(same), {"push_title": "T", "push_message": "other"}) == [
        "creatives A and B have identical text: the A/B test compares nothing"]


@pytest.mark.parametrize("schedule", [
    {"on_schedule": {"begin_date": "2027-01-09T09:00:00Z"}},
    {"optimized": {"fallback_time": "2027-01-01T09:00:00Z"}},
    {"recurring": {"begin_date": "2026-12-01T09:00:00Z", "intervals": []}},
])
def test_go_live_in_the_past(schedule: dict[str, Any]) -> None:
    attrs = {"push_title": "T", "push_message": "M"}
    assert lint(attrs, schedule=schedule) == []
    (w,) = lint(attrs, schedule=schedule, go_live=True)
    assert w.startswith("goes live with ") and "in the past" in w


# --- through the real CLI against the served sandbox ------------------------------------


def warnings_by_key(repo: Repo) -> dict[str, list[str]]:
    run = repo.plan()
    assert run.code == 0, run.stderr
    return {c["key"]: c["warnings"] for c in run.json["changes"]}


def test_plan_json_carries_lint_warnings(repo: Repo) -> None:
    repo.env_extra = {"vars": {"store_name": "Acme", "deep_link_scheme": "myapp"}}
    repo.write_config()
    doc = campaign("Lint me", status="active", creatives=2)
    doc["schedule"] = {"on_schedule": {"begin_date": "2020-01-01T09:00:00Z"}}
    a, b = (c["build_attributes"] for c in doc["creatives"])
    a.update(push_message="Same", attachment_url="http://cdn.example.com/x.png",
             ll_deep_link_url="otherapp://x")
    b.update(push_message="Same")
    repo.put("campaign", "lint-me", doc)
    repo.put("campaign", "clean", campaign("Clean"))
    got = warnings_by_key(repo)
    assert got["clean"] == []
    w = got["lint-me"]
    assert any(x.startswith("image A is not https") for x in w)
    assert any("uses scheme 'otherapp'" in x for x in w)
    assert "creatives A and B have identical text: the A/B test compares nothing" in w
    assert any(x.startswith("goes live with on_schedule.begin_date in the past (2020-01-01")
               for x in w)


def test_plan_warns_when_daily_campaigns_exceed_the_cap(repo: Repo) -> None:
    repo.safety = {"max_pushes_per_day": 2}
    repo.write_config()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT09:00:00Z")
    for key in ("one", "two", "three"):
        doc = campaign(key.title(), status="active")
        doc["schedule"] = {"recurring": {"begin_date": tomorrow,
                                         "intervals": [{"interval": "every day"}]}}
        repo.put("campaign", key, doc)
    got = warnings_by_key(repo)
    assert got["one"] == [f"audience everyone would get 3 pushes on {tomorrow[:10]} and 88 more "
                          "day(s) (safety.max_pushes_per_day 2), with three, two"]
    run = repo.run("plan", "--format", "markdown")
    assert "**warning:** audience everyone would get 3 pushes" in run.stdout  # under its card
