"""The PR comment as a reader sees it: words, whole messages, escaping, and its size limit.

Rendering goes through a real CommonMark renderer (tests/markdown_view.py), so
the checks are about what shows on the page, not about the raw characters.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.describe import Known
from reconciler.gitops.comment import code_block, plan_body
from reconciler.localytics.words import describe_campaign
from reconciler.plan.model import Action, Change, FieldChange, Plan
from reconciler.render.markdown import LIMIT, render_markdown
from reconciler.render.safe import code, html_text, md, md_line, plain
from tests.helpers import make_repo, run_cli
from tests.markdown_view import fold, github_acts_on, page

TARGET = {"api_url": "https://dashboard.localytics.com/api/v6", "org_id": 1, "app_id": "app"}
CONTEXT = {"101": Known("audience", "lapsed-buyers", "Lapsed buyers",
                        {"user_count": 12400, "has_push": 9870})}


def payload(name: str, messages: list[str], **fields: Any) -> dict[str, Any]:
    share = 100 // len(messages)
    return {
        "name": name, "status": "active", "goal": "monetize",
        "audiences": {"campaign_type": "saved_audience", "target_rules": {"audience": [101]}},
        "schedule": {"optimized": {"fallback_time": "2027-02-01T12:00:00Z"}},
        "creatives": [{"title": f"Variant {i}", "percent": share,
                       "build_attributes": {"push_message": m}} for i, m in enumerate(messages)],
        **fields,
    }


def create(key: str, body: dict[str, Any], **kw: Any) -> Change:
    change = Change("campaign", key, body["name"], Action.CREATE,
                    diff=[FieldChange(k, None, v) for k, v in sorted(body.items())], **kw)
    change.words = describe_campaign(body, CONTEXT)
    return change


# --- every message whole, as a reader sees it --------------------------------
TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Co", "Cn")) | st.just("\n"),
               min_size=1, max_size=300).filter(lambda s: s.strip())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(TEXT, min_size=1, max_size=3), min_size=1, max_size=3), TEXT)
def test_every_message_in_the_specs_appears_whole_in_the_comment(
    campaigns: list[list[str]], name: str
) -> None:
    plan = Plan("prod", TARGET, [create(f"c{i}", payload(name, messages))
                                 for i, messages in enumerate(campaigns)])
    seen, tags = page(render_markdown(plan))
    for messages in campaigns:
        for message in messages:
            assert fold(plain(message)) in seen
    assert fold(plain(name)) in seen
    assert not {"script", "a", "img", "h1", "h2", "hr"} & set(tags)


HOSTILE = [
    "<script>alert(1)</script>", "[click](javascript:alert(1))", "![x](http://e/p.png)",
    "--> <!-- hidden", "</details><h1>Hi</h1>", "| a | b |\n|---|---|", "```\nfenced\n```",
    "@everyone :shipit: #1", "**bold** _it_ ~~gone~~ $x$", "1. one\n- two\n# three\n> four\n===",
    "&amp; &#64; &copy; \\*", "    indented\n\ttab",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaping_round_trips_through_a_real_renderer(text: str) -> None:
    """Names and messages show as written: no element, link, mention or heading appears."""
    plan = Plan("prod", TARGET, [create("k", payload(text, [text]))])
    body = render_markdown(plan)
    seen, tags = page(body)
    assert fold(text) in seen
    assert not {"script", "a", "img", "h1", "h2", "hr", "ol", "del", "pre"} & set(tags)
    assert "@everyone" not in body  # GitHub would notify


LIVE = ("Fixes #1, closes acme/c#2; Resolved: https://github.com/acme/c/issues/3 and fix GH-4 "
        "(thanks @octocat, @acme/team)")


def test_live_text_closes_no_issue_and_pings_no_one() -> None:
    """Every way live text reaches a body: prose, quoted lines, cells, code, html, logs."""
    for shown in (md(LIVE), md_line(LIVE), html_text(LIVE), code(LIVE), md_line("please fix"),
                  code_block(f"error: {LIVE}\nfixes\n#5", 1000)):
        assert github_acts_on(shown) == [], shown
    plan = Plan("prod", TARGET, [create("k", payload(LIVE, [LIVE, "fixes\n#5"]))])
    for body in (render_markdown(plan), plan_body(plan)):
        assert github_acts_on(body) == []
        assert "octocat" in body and fold(LIVE) in page(body)[0]  # still shown as written


def test_what_github_acts_on_is_found_in_code_and_entities_too() -> None:
    """The check above can fail: GitHub reads decoded entities and code spans."""
    assert set(github_acts_on("`Fixes #1`")) == {"Fixes #1"}
    assert github_acts_on("&#64;octocat") == ["@o"]
    assert github_acts_on("fixed price, @ noon, a@b") == []


def test_escaping_leaves_plain_text_readable_and_the_size_close_to_the_content() -> None:
    text = "bulk-0000 push_message: 50% off, today only! Price 2.50 (EUR) #1 - see snake_case"
    assert md(text) == text  # nothing in it needs escaping
    body = render_markdown(Plan("prod", TARGET, [create("bulk-0000", payload(text, [text]))]))
    assert body.count(text) >= 2  # the card's title and the message, unescaped


# --- the comment fits for any plan --------------------------------------------
def huge_plan(n_live: int = 1500, n_update: int = 2000, n_archive: int = 1500) -> Plan:
    long_name = "Spring sale — every store, every city, every day " * 6
    long_text = "Everything must go: up to 70% off across the whole store, this week only. " * 25
    changes = []
    for i in range(n_live):
        c = create(f"bulk-{i:04d}", payload(f"{long_name} {i}", [long_text, long_text + "!"]),
                   go_live=True, reach={"user_count": 12400, "has_push": 9870})
        c.warnings = [f"creative A push_message is cut on Android: {len(long_text)} characters, "
                      "50 shown (…)", "creative B push_message is cut on iOS: 2 lines shown"]
        changes.append(c)
    for i in range(n_update):
        c = Change("campaign", f"upd-{i:04d}", f"{long_name} {i}", Action.UPDATE, live_id=i,
                   diff=[FieldChange("creatives[0].build_attributes.push_message",
                                     long_text, long_text + " Now.")])
        c.words = describe_campaign(payload(c.name, [long_text + " Now."]), CONTEXT)
        c.words_before = describe_campaign(payload(c.name, [long_text]), CONTEXT)
        changes.append(c)
    changes += [Change("campaign", None, f"[git] {long_name} {i}", Action.ARCHIVE,
                       live_id=100_000 + i) for i in range(n_archive)]
    return Plan("production", TARGET, changes)


def test_5000_changes_with_long_texts_and_names_fit_in_one_comment() -> None:
    plan = huge_plan()
    for body in (render_markdown(plan), plan_body(plan)):
        assert len(body) <= LIMIT
        seen, _ = page(body)
        assert "1,500 changes go live" in seen
        assert "bulk-0000" in seen
        assert "1,500 campaigns: push_message is cut on Android" in seen  # grouped, counted
        assert "archive campaign #100000" in seen  # removals keep their place
        assert "Left out to fit the comment:" in seen and "go-lives" in seen and "removals" in seen
        assert "The plan was cut here" not in seen  # the renderer fitted it, no blind cut


def test_a_small_plan_is_shown_whole_with_no_note() -> None:
    body = render_markdown(huge_plan(2, 2, 2))
    assert "Left out" not in body
    seen, _ = page(body)
    assert "Everything must go" in seen and "archive campaign #100001" in seen
    assert seen.count("message Variant") == 0  # labels are the creative letters
    assert "message A, before:" in seen and "message A, after:" in seen


# --- end to end: the real planner and CLI on the tests' own specs -------------
SPEC = """name: Spring sale
status: active
goal: monetize
audiences:
  campaign_type: saved_audience
  control_group_percent: 5
  target_rules:
    audience: [lapsed-buyers]
schedule:
  recurring:
    begin_date: "2027-01-04T08:00:00Z"
    end_date: "2027-06-28T08:00:00Z"
    frequency_attributes:
      - {name: messages_per_days, days: 7, count: 2, messages_atleast_days_apart: 2}
    intervals:
      - {interval: weekly, day_of_week: monday}
creatives:
  - title: A
    percent: 50
    build_attributes:
      push_title: Spring is here
      push_message: "%s"
  - title: B
    percent: 50
    build_attributes:
      push_message: Free shipping on every order this week, at {{ vars.store_name }}
      ll_deep_link_url: myapp://sale
"""


def test_the_saved_plan_comment_says_who_what_and_when(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    long = "Spring deals on everything you saved for later, " * 12
    (repo / "campaigns" / "spring-sale.yaml").write_text(SPEC % long.strip())
    env = {"RECONCILER_NO_CACHE": "1"}
    assert run_cli(["plan", "--out", "plan.json"], repo, env=env)[0] == 0
    saved = json.loads((repo / "plan.json").read_text())
    assert "words" not in json.dumps(saved["changes"])  # the §8 document is unchanged
    code, out, _ = run_cli(["gitops", "comment", "--plan-file", "plan.json"], repo, env=env)
    assert code == 0
    seen, _ = page(out)
    assert fold(long) in seen  # the whole message, not cut
    assert "saved audience Lapsed buyers (lapsed-buyers" in seen
    assert ("every Monday at 08:00 UTC from 4 Jan to 28 Jun 2027, at most 2 in any 7 days, "
            "at least 2 days apart") in seen
    assert "Free shipping on every order this week, at" in seen
    assert "5% held back, sent nothing" in seen
    code, text, _ = run_cli(["plan"], repo, env=env)
    assert "who: saved audience 'Lapsed buyers' (lapsed-buyers" in text
    assert "when: every Monday at 08:00 UTC" in text


STREAM_CONFIG = """default_env: chat
envs:
  chat: {provider: stream, api_url: sandbox, vars: {app_name: Acme Chat}}
"""


def test_a_stream_plan_names_segments_and_shows_the_message_and_send_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reconciler.cli.workflow import compute_plan

    (tmp_path / "reconciler.yaml").write_text(STREAM_CONFIG)
    (tmp_path / "audiences").mkdir()
    (tmp_path / "campaigns").mkdir()
    (tmp_path / "audiences" / "beta.yaml").write_text(
        "type: user\nname: Beta testers\ntarget_ids: [alice, bob]\n")
    (tmp_path / "campaigns" / "survey.yaml").write_text(
        "name: Beta survey\nsegments: [beta]\nsender_id: bot\nmessage_template:\n"
        "  text: \"{{ receiver.name }}, how is {{ vars.app_name }}?\"\n"
        "send:\n  at: \"2027-01-15T09:00:00Z\"\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECONCILER_NO_CACHE", "1")
    plan = asyncio.run(compute_plan(tmp_path / "reconciler.yaml", None, ()))
    seen, _ = page(render_markdown(plan))
    assert "segment Beta testers (beta" in seen
    assert "{{ receiver.name }}, how is Acme Chat?" in seen
    assert "at 15 Jan 2027 09:00 UTC" in seen
    assert "2 listed users: alice, bob" in seen
