"""The rest of the tool for Smartech: import adopts email drafts, lint, calendar,
the doctor probe, the sandbox's documented shapes and served fault knobs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import yaml

from reconciler.calls import Caller
from reconciler.config import load_config
from reconciler.smartech.session import open_smartech
from tests.smartech_repo import SmartechRepo, email_campaign, push_campaign

LAPSED = 13


def panel_draft(repo: SmartechRepo, name: str, state_tags: list[str]) -> int:
    """A draft made by hand in the panel (straight through v4 create)."""
    item = {"channel": "email", "campaign_name": name, "tags": state_tags,
            "sender_details": {"sender_name": "Acme", "sender_email": "a@acme.example"},
            "content_details": {"template_id": 31, "subject_line": "Hi"}}
    r = httpx.post(f"{repo.base}/v4/campaign/create", json={"campaign_details": [item]},
                   headers={"api-key": repo.key}, timeout=10)
    assert r.status_code == 200 and r.json()["statusCode"] == 200
    return int(r.json()["data"]["campaign_details"][0]["campaign_id"])


def test_import_adopts_an_email_draft_by_name_and_plans_no_change(
        smartech_repo: SmartechRepo) -> None:
    repo = smartech_repo
    panel_draft(repo, "Hand made", ["handmade"])
    run = repo.run("import", "--all")
    assert run.code == 0 and "wrote 1 email drafts" in run.stdout, run.stderr
    doc = yaml.safe_load(repo.text("campaign", "hand-made"))
    assert doc["name"] == "Hand made" and doc["tags"] == ["handmade"]
    assert repo.plan("--detailed-exitcode").code == 0
    assert repo.run("import", "--all").stdout.startswith("import: wrote 0")


def test_lint_warns_and_plan_counts_executes_per_audience_day(smartech_repo: SmartechRepo
                                                             ) -> None:
    repo = smartech_repo
    repo.safety = {"max_pushes_per_day": 1}
    repo.write_config()
    repo.put("audience", "lapsed", {"type": "segment", "id": LAPSED})
    repo.put("campaign", "a", push_campaign("A", ["lapsed"]))
    repo.put("campaign", "b", push_campaign("B", ["lapsed"]))
    plan = repo.plan()
    warnings = {c["key"]: c["warnings"] for c in plan.json["changes"]}
    assert any("audience lapsed would get 2 pushes" in w for w in warnings["b"])
    cal = repo.run("calendar", "--days", "2")
    assert cal.code == 0 and "lapsed" in cal.stdout and "over" in cal.stdout.lower()


def test_doctor_probe_reports_that_v4_list_serves_email_only(tmp_path: Path) -> None:
    (tmp_path / "reconciler.yaml").write_text(
        "envs:\n  s:\n    provider: smartech\n    api_url: sandbox\n")

    async def probe() -> bool:
        loaded = load_config(tmp_path / "reconciler.yaml")
        async with open_smartech(loaded, Caller()) as provider:
            return await provider.lists_app_push()

    assert asyncio.run(probe()) is False


def test_sandbox_answers_documented_shapes_and_errors(smartech_repo: SmartechRepo) -> None:
    repo = smartech_repo
    body = {"type": "apn", "app_ids": ["a"], "name": "X", "template_id": "1", "tags": []}
    created = httpx.post(f"{repo.base}/campaign/create", json=body,
                         headers={"Authorization": repo.key}, timeout=10).json()
    assert created["status"] == "success" and isinstance(created["campaign_id"], int)
    refused = httpx.post(f"{repo.base}/campaign/create", json={**body, "tags": ["abc"]},
                         headers={"Authorization": repo.key}, timeout=10)
    assert refused.status_code == 400 and refused.json()["status"] == "error"
    anonymous = httpx.post(f"{repo.base}/v4/campaign/list", json={}, timeout=10)
    assert anonymous.status_code == 401


def test_served_fault_knobs_reach_smartech(sandbox_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    served = sandbox_factory(drop_rate=0.5, seed=3)
    repo = SmartechRepo(tmp_path / "r", served.base_url + "/smartech", 0, "")
    repo.put("campaign", "mail", email_campaign("Mail"))
    applied = repo.apply()  # half the answers are lost (reads are POSTs too): retried/adopted
    assert applied.code == 0, applied.stdout + applied.stderr
    assert len(repo.campaigns()) == 1 and served.stats()["faults"]["drop"] >= 1
