"""Smartech under lost answers: every campaign is created once and executed once.

Email resolves an ambiguous create by its unique name and an ambiguous schedule by
reading the campaign's state. App push can read nothing back: the ambiguous write is
recorded in the spec file and refused until a person resolves it (as the test does,
looking at the sandbox the way an operator looks at the panel).
"""

from __future__ import annotations

import yaml

from tests.smartech_repo import SmartechRepo, email_campaign, push_campaign

LAPSED, NEWSLETTER = 13, 11


def test_dropped_email_answers_create_once_and_schedule_once(smartech_repo: SmartechRepo) -> None:
    repo = smartech_repo
    repo.put("campaign", "mail", email_campaign("Mail", [{"type": "list", "id": NEWSLETTER}]))
    repo.knobs(drop={"v4-create": 1, "v4-update": 2})
    applied = repo.apply()
    assert applied.code == 0, applied.stdout + applied.stderr
    assert len(repo.campaigns()) == 1
    assert [r["channel"] for r in repo.executions()] == ["email"]
    assert repo.plan("--detailed-exitcode").code == 0


def test_dropped_push_create_is_never_retried_and_refused_until_pinned(
        smartech_repo: SmartechRepo) -> None:
    repo = smartech_repo
    repo.put("campaign", "push", push_campaign("Push", [{"type": "segment", "id": LAPSED}]))
    repo.knobs(drop={"create": 1, "execute": 1})
    first = repo.apply()
    assert first.code == 1 and first.json["summary"]["failed"] == 1
    assert len(repo.campaigns()) == 1 and repo.executions() == []
    journal = (repo.root / ".reconciler" / "journal.jsonl").read_text()
    assert '"request"' in journal and '"type":"apn"' in journal
    refused = repo.apply()
    assert refused.code == 1 and "campaigns/push.yaml:" in refused.stderr
    assert "add `id: <its id>`" in refused.stderr
    assert len(repo.campaigns()) == 1

    # The operator finds it in the panel and pins it.
    doc = yaml.safe_load(repo.text("campaign", "push"))
    repo.put("campaign", "push", {**doc, "id": repo.campaigns()[0]["id"]})
    second = repo.apply()  # executes; the answer is lost: recorded as unknown
    assert second.code == 1
    assert yaml.safe_load(repo.text("campaign", "push"))["pin"]["executed"] == "unknown"
    assert len(repo.executions()) == 1
    blocked = repo.apply()
    assert blocked.code == 1 and "executed: true" in blocked.stderr
    assert len(repo.executions()) == 1

    # The panel's report shows it went out.
    doc = yaml.safe_load(repo.text("campaign", "push"))
    doc["pin"]["executed"] = True
    repo.put("campaign", "push", doc)
    assert repo.plan("--detailed-exitcode").code == 0
    assert len(repo.campaigns()) == 1 and len(repo.executions()) == 1


def test_dropped_create_of_a_replacement_unpins_the_old_draft(smartech_repo: SmartechRepo
                                                              ) -> None:
    repo = smartech_repo
    repo.put("campaign", "push", push_campaign("Push"))
    assert repo.apply().code == 0
    doc = yaml.safe_load(repo.text("campaign", "push"))
    repo.put("campaign", "push", {**doc, "template_id": "777"})
    repo.knobs(drop={"create": 1})
    assert repo.apply().code == 1
    after = yaml.safe_load(repo.text("campaign", "push"))
    assert "id" not in after and after["pin"] == {"created": "unknown"}
    refused = repo.plan()
    assert refused.code == 1 and "add `id: <its id>`" in refused.stderr
    assert len(repo.campaigns()) == 2 and repo.executions() == []
