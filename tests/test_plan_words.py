"""The plan in words through the real CLI on the served sandboxes, one scenario per test:
a Smartech go-live with its send time, a go-live whose audience the same plan changes
(Stream and Localytics), edits to drafts that say they are drafts, and a partial plan
(one impossible Stream edit next to a go-live)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from reconciler.plan.within import repo_path
from reconciler.workspace.workspace import Workspace
from tests.repo import Repo, audience, campaign
from tests.smartech_repo import SmartechRepo, email_campaign, push_campaign
from tests.stream_repo import StreamRepo, segment, stream_campaign

NEWSLETTER, LAPSED = 11, 13  # the Smartech sandbox panel's demo list and segment


def outside_details(markdown: str) -> str:
    """What a reviewer reads without opening the engineers' field tables."""
    return re.sub(r"<details>.*?</details>", "", markdown, flags=re.DOTALL)


def change(doc: dict[str, Any], key: str) -> dict[str, Any]:
    return next(c for c in doc["changes"] if c["key"] == key)


def test_smartech_go_live_says_who_what_and_when_in_text_markdown_and_json(
        smartech_repo: SmartechRepo) -> None:
    repo = smartech_repo
    repo.put("audience", "news", {"type": "list", "id": NEWSLETTER})
    repo.put("audience", "lapsed", {"type": "segment", "id": LAPSED})
    repo.put("campaign", "spring", email_campaign(
        "Spring newsletter", preheader="New arrivals inside",
        send={"audience": ["news"], "at": "2027-03-20T09:00:00Z"}))
    repo.put("campaign", "winback", push_campaign("Winback", ["lapsed"]))

    text = repo.run("plan")
    assert text.code == 0, text.stderr
    assert "GOES LIVE campaign spring 'Spring newsletter'" in text.stdout
    assert ("  who: list 'Newsletter subscribers' (news, 12,400 users)\n"
            "  when: sends once, on 20 Mar 2027 at 09:00 UTC, within the account's frequency "
            "capping\n") in text.stdout
    for line in ("from: 'Acme' <'news@acme.example'>", "subject: 'Hello from Acme'",
                 "preheader: 'New arrivals inside'", "body: the panel's email template '877'",
                 "status: scheduled for 20 Mar 2027 at 09:00 UTC once applied",
                 "who: segment 'Lapsed buyers' (lapsed, 3,100 users)",
                 "apps: 'acme-android'", "message: the panel's app push template '4021'",
                 "personalization: 'store' = 'Acme'"):
        assert f"      {line}\n" in text.stdout, line

    doc = repo.plan().json
    assert change(doc, "spring")["schedule"] == {"at": "2027-03-20T09:00:00Z",
                                                 "frequency_capping": True}
    assert change(doc, "winback")["schedule"] == {"at": "now", "frequency_capping": True}

    read = outside_details(repo.run("plan", "--format", "markdown").stdout)
    assert "20 Mar 2027 at 09:00 UTC" in read and "*Newsletter subscribers*" in read
    for raw in ("app_ids", "[0]", "list:11", "send_audience", "(none) → true", "template_id"):
        assert raw not in read, raw


def test_stream_go_live_in_the_plan_that_widens_its_segment(stream_repo: StreamRepo) -> None:
    repo = stream_repo
    repo.put("segment", "norway", segment("Users in Norway", all_users=True))
    repo.put("campaign", "hello", stream_campaign("Hello", ["norway"]))
    assert repo.apply().code == 0
    size = change(repo.plan().json, "hello")["reach"]
    repo.put("segment", "norway", segment("Nordics", filter={"country": {"$in": ["NO", "SE",
                                                                               "DK"]}}))
    repo.put("campaign", "hello", stream_campaign("Hello", ["norway"], send={"at": "now"}))

    doc = repo.plan().json
    hello = change(doc, "hello")
    assert hello["go_live"] and hello["reach"] is None and hello["reach_before"] == size
    assert any("which this plan also changes" in w for w in hello["warnings"])
    text = repo.run("plan").stdout
    count = f"{size['user_count']:,} user{'s' * (size['user_count'] != 1)}"
    assert (f"  who: segment 'Nordics' (norway, now named 'Users in Norway' live, {count} "
            "before this plan, changed in this plan: the new size is known after apply), "
            "from 'bot'\n") in text


def test_localytics_go_live_whose_audience_goes_from_30_to_90_days(repo: Repo) -> None:
    repo.put("audience", "lapsed", audience("Lapsed buyers"))
    repo.put("campaign", "winback", campaign("Winback", ["lapsed"]))
    assert repo.apply().code == 0
    wider = audience("Lapsed buyers")
    wider["target_rules"]["behavior"]["days"] = 90
    repo.put("audience", "lapsed", wider)
    repo.put("campaign", "winback", campaign("Winback", ["lapsed"], status="active"))

    winback = change(repo.plan().json, "winback")
    assert winback["go_live"] and winback["reach"] is None
    assert winback["reach_before"] is not None
    text = repo.run("plan").stdout
    assert "before this plan, changed in this plan: the new reach is known after apply)" in text
    # the audience's long sentence shows the one clause that changed
    assert ("      who: users who did 'Purchase' at least once in the last 30 days → users who "
            "did 'Purchase' at least once in the last 90 days (2 unchanged conditions hidden)\n"
            ) in text


def test_edits_to_drafts_say_they_reach_no_one(repo: Repo) -> None:
    repo.put("campaign", "draft", campaign("Draft one"))
    assert repo.apply().code == 0
    repo.put("campaign", "draft", campaign("Draft one", message="Changed"))
    text = repo.run("plan").stdout
    assert ("      status: draft: reaches no one until it is set active (unchanged)\n"
            "      message A: 'Changed 0' → 'Hello 0'") not in text  # order: before → after
    assert "      status: draft: reaches no one until it is set active (unchanged)\n" in text
    assert "      message A: 'Hello 0' → 'Changed 0'\n" in text
    md = repo.run("plan", "--format", "markdown").stdout
    assert "- **status:** draft: reaches no one until it is set active (unchanged)\n" in md


def test_one_impossible_stream_edit_next_to_a_go_live_is_a_partial_plan(
        stream_repo: StreamRepo) -> None:
    repo = stream_repo
    repo.put("segment", "all", segment("All", all_users=True))
    repo.put("campaign", "sent", stream_campaign("Sent", ["all"], send={"at": "now"}))
    assert repo.apply().code == 0
    repo.put("campaign", "sent", stream_campaign("Sent", ["all"], text="Edited after sending",
                                                 send={"at": "now"}))
    repo.put("campaign", "fresh", stream_campaign("Fresh", ["all"], send={"at": "now"}))

    run = repo.plan()
    assert run.code == 1, run.stderr
    doc = run.json
    (error,) = doc["errors"]
    assert error["key"] == "sent" and error["path"] == "campaigns/sent.yaml:1"
    assert "create a new campaign key" in error["message"]
    assert [c["key"] for c in doc["changes"] if c["go_live"]] == ["fresh"]
    assert "sent" not in [c["key"] for c in doc["changes"]]

    text = repo.run("plan")
    assert text.code == 1
    assert text.stderr.startswith("error: campaigns/sent.yaml:1: campaign rcl-sent was started")
    assert "CANNOT CHANGE campaign sent 'Sent': campaigns/sent.yaml:1: " in text.stdout
    assert "GOES LIVE campaign fresh 'Fresh'" in text.stdout
    md = repo.run("plan", "--format", "markdown").stdout
    assert "**1 change cannot be made**" in md and "`campaigns/sent.yaml:1`" in md
    assert "**campaign `fresh`** Fresh" in md  # the go-live is still shown

    refused = repo.apply()
    assert refused.code == 1 and "the plan has 1 error" in refused.stderr
    assert repo.starts() == {"rcl-sent": 1}  # nothing else started
    assert change(repo.plan().json, "fresh")["action"] == "create"  # nor created


def test_an_error_entry_path_is_relative_to_the_repository(tmp_path: Path) -> None:
    """The env's spec folder may sit below the repository root (teams/chat): the error
    entry names the file as the repository does; outside a repository, as the config's
    folder does."""
    specs = tmp_path / "teams" / "chat"
    specs.mkdir(parents=True)
    workspace = cast(Workspace, SimpleNamespace(loaded=SimpleNamespace(
        root=specs, config_dir=specs)))
    assert repo_path(workspace, "campaigns/sent.yaml:1") == "campaigns/sent.yaml:1"
    (tmp_path / ".git").mkdir()
    assert repo_path(workspace, "campaigns/sent.yaml:1") == "teams/chat/campaigns/sent.yaml:1"


def test_field_tables_say_times_in_the_schedules_zone_in_the_plan_and_its_comment(
        repo: Repo) -> None:
    """The collapsed field table of a campaign sent in each user's local time shows its
    time that way (not `2027-01-15T09:00:00Z`), both in `plan --format markdown` and in
    the pull-request comment built from the saved plan file."""
    repo.put("campaign", "sale", campaign("Sale"))
    row = ("| `schedule.on_schedule.begin_date` | (none) | 15 Jan 2027 at 09:00 in each "
           "user's local time |")
    md = repo.run("plan", "--format", "markdown")
    assert md.code == 0, md.stderr
    assert row in md.stdout and "09:00:00Z" not in md.stdout
    assert "| `status` | (none) | draft |" in md.stdout
    assert repo.run("plan", "--out", "plan.json").code == 0
    comment = repo.run("gitops", "comment", "--plan-file", "plan.json")
    assert comment.code == 0, comment.stderr
    assert row in comment.stdout and "09:00:00Z" not in comment.stdout
