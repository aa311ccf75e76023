"""Smartech end to end through the real CLI: plan, apply, no-change plan, pins in git,
execute once, executed campaigns immutable, read-only audience references."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from reconciler.sandbox.smartech.store import SmartechStore
from tests.helpers import FIXTURES, run_cli
from tests.smartech_repo import SmartechRepo, email_campaign, push_campaign

NEWSLETTER, BETA, LAPSED = 11, 12, 13  # the sandbox panel's demo ids (lists 11, 12; segment 13)


def test_example_plans_applies_and_then_shows_no_change(tmp_path: Path) -> None:
    repo = tmp_path / "smartech"
    shutil.copytree(FIXTURES / "smartech", repo)  # the tests' copy of examples/smartech
    code, out, err = run_cli(["plan"], repo)
    assert code == 0, err
    assert "GOES LIVE campaign winback-push" in out and "3,100 users" in out
    code, out, err = run_cli(["apply", "--auto-approve", "--format", "json"], repo,
                             env={"CI": ""})
    assert code == 0, out + err
    pinned = yaml.safe_load((repo / "campaigns" / "winback-push.yaml").read_text())
    assert isinstance(pinned["id"], int) and pinned["pin"]["executed"] not in (False, "unknown")
    assert "id" not in yaml.safe_load((repo / "campaigns" / "spring-newsletter.yaml").read_text())
    assert "# The go-live" in (repo / "campaigns" / "winback-push.yaml").read_text()  # comments
    code, out, err = run_cli(["plan", "--detailed-exitcode"], repo)
    assert (code, err) == (0, ""), out
    store = SmartechStore(repo / ".reconciler" / "sandbox-smartech.db")
    try:
        runs = store.executions("sandbox")
    finally:
        store.close()
    assert [(r["campaign_id"], r["channel"]) for r in runs] == [(pinned["id"], "apn")]


def test_email_and_push_go_live_once_and_then_are_immutable(smartech_repo: SmartechRepo) -> None:
    repo = smartech_repo
    repo.put("audience", "lapsed", {"type": "segment", "id": LAPSED})
    repo.put("audience", "news", {"type": "list", "name": "Newsletter subscribers"})
    repo.put("campaign", "push", push_campaign("Push", ["lapsed"]))
    repo.put("campaign", "mail", email_campaign("Mail", ["news"]))
    plan = repo.plan()
    assert plan.code == 0, plan.stderr
    live = {c["key"]: c for c in plan.json["changes"]}
    assert live["push"]["go_live"] and live["push"]["reach"] == {"user_count": 3100}
    assert live["mail"]["go_live"] and live["mail"]["reach"] == {"user_count": 12400}
    applied = repo.apply()
    assert applied.code == 0, applied.stdout + applied.stderr
    assert repo.plan("--detailed-exitcode").code == 0
    assert sorted(r["channel"] for r in repo.executions()) == ["apn", "email"]
    assert repo.apply().json["summary"]["applied"] == 0

    pushed = yaml.safe_load(repo.text("campaign", "push"))
    repo.put("campaign", "push", {**pushed, "template_id": "9999"})
    refused = repo.plan()
    (error,) = refused.json["errors"]
    assert refused.code == 1 and error["path"].startswith("campaigns/push.yaml:")
    assert "use a new campaign key" in error["message"]
    repo.put("campaign", "mail", email_campaign("Mail", ["news"], subject_line="Changed"))
    assert "use a new campaign key" in repo.plan("--target", "mail").stdout

    repo.remove("campaign", "push")
    repo.remove("campaign", "mail")
    gone = repo.apply()
    assert gone.code == 0 and gone.json["summary"] == {"applied": 0, "failed": 0, "skipped": 0}
    assert len(repo.campaigns()) == 2 and len(repo.executions()) == 2


def test_draft_changes_update_email_and_replace_push(smartech_repo: SmartechRepo) -> None:
    repo = smartech_repo
    repo.put("campaign", "push", push_campaign("Push"))
    repo.put("campaign", "mail", email_campaign("Mail"))
    assert repo.apply().code == 0
    first = yaml.safe_load(repo.text("campaign", "push"))["id"]
    repo.put("campaign", "push", {**yaml.safe_load(repo.text("campaign", "push")),
                                  "template_id": "5000"})
    repo.put("campaign", "mail", email_campaign("Mail", subject_line="New subject"))
    plan = repo.plan()
    changes = {c["key"]: c for c in plan.json["changes"]}
    assert changes["push"]["action"] == "update"
    assert any(w.startswith("replace") for w in changes["push"]["warnings"])
    assert changes["mail"]["action"] == "update" and not changes["mail"]["warnings"]
    assert repo.apply().code == 0
    second = yaml.safe_load(repo.text("campaign", "push"))["id"]
    assert second != first
    assert repo.plan("--detailed-exitcode").code == 0
    assert repo.executions() == []
    mails = [c for c in repo.campaigns() if c["channel"] == "email"]
    assert len(mails) == 1 and mails[0]["body"]["content_details"]["subject_line"] == (
        "New subject")


def test_missing_audience_reference_is_a_plan_error_at_its_line(
        smartech_repo: SmartechRepo) -> None:
    repo = smartech_repo
    repo.put("audience", "gone", {"type": "list", "id": 999})
    repo.put("audience", "typo", {"type": "segment", "name": "Lapsed buyerz"})
    repo.put("campaign", "push", push_campaign("Push", ["gone"]))
    run = repo.plan()
    assert run.code == 1
    assert "audiences/gone.yaml:2: no live list with id 999" in run.stderr
    assert "audiences/typo.yaml:2: no live segment with name 'Lapsed buyerz'" in run.stderr
    assert repo.campaigns() == []


def test_limits_are_checked_offline_with_lines(smartech_repo: SmartechRepo) -> None:
    repo = smartech_repo
    repo.put("campaign", "many", push_campaign("A", app_ids=[f"app{i}" for i in range(6)]))
    repo.put("campaign", "tags", push_campaign("B", tags=["abc"]))
    repo.put("campaign", "one", push_campaign("Same"))
    repo.put("campaign", "two", email_campaign("Same"))
    run = repo.run("validate")
    assert run.code == 1
    assert "campaigns/many.yaml:3" in run.stderr and "at most 5" in run.stderr
    assert "campaigns/tags.yaml:7:3: tags[0]" in run.stderr and "at least 5" in run.stderr
    assert "campaigns/two.yaml:2:1: duplicate campaign name 'Same'" in run.stderr


def test_the_key_is_never_printed_and_a_wrong_one_is_one_line(
        smartech_repo: SmartechRepo, tmp_path: Path) -> None:
    repo = smartech_repo
    repo.put("campaign", "push", push_campaign("Push"))
    run = repo.run("plan", env={"SMARTECH_API_KEY": ""})
    assert run.code == 1 and "SMARTECH_API_KEY" in run.stderr
    applied = repo.apply("--debug")
    assert repo.key not in applied.stdout + applied.stderr
    assert repo.key not in "".join(p.read_text() for p in repo.root.rglob("*.yaml"))
