"""Every documented answer form reads the same: no perpetual diff, whole listings.

The served sandbox's answer knobs (/_sandbox/answers) make it answer saved
audiences under `target_rules.audiences` (Localytics' own campaign script
posts that form; the OpenAPI says `audience`) and a listing page past the
last as 404 (the OpenAPI) or an empty 200. Whichever key the env writes
(`audience_key`), a plan right after apply is all unchanged, and prune guards
see the targets of campaigns answered in either form.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.repo import Repo, audience, by_action, campaign


def unchanged(plan: dict[str, Any]) -> bool:
    return all(c["action"] == "noop" for c in plan["changes"])


@pytest.mark.parametrize(("answered", "written", "past_last"), [
    ("audiences", "audience", "404"),
    ("audiences", "audiences", "empty"),
])
def test_apply_then_plan_is_unchanged_in_every_form(
    answered: str, written: str, past_last: str, sandbox_factory, repo_on
) -> None:
    server = sandbox_factory()
    server.answers(audience_key=answered, past_last_page=past_last)
    repo: Repo = repo_on(server, env_extra={"audience_key": written})
    repo.write_config()
    repo.put("audience", "buyers", audience("Buyers"))
    repo.put("campaign", "cart-rescue", campaign("Cart rescue", audiences=["buyers"]))
    repo.put("campaign", "launch", campaign("Launch", audiences=["buyers"], status="active"))

    applied = repo.apply()
    assert applied.code == 0, applied.stderr
    assert applied.json["summary"] == {"applied": 3, "failed": 0, "skipped": 0}
    with repo.api() as api:
        cid = repo.live_campaigns()[0]["id"]
        rules = api.get(f"/push/campaigns/{cid}").json()["audiences"]["target_rules"]
    assert list(rules) == [answered]

    plan = repo.plan()
    assert plan.code == 0, plan.stderr
    assert unchanged(plan.json), plan.json["changes"]


def test_prune_guard_sees_targets_answered_plural(sandbox_factory, repo_on) -> None:
    server = sandbox_factory()
    server.answers(audience_key="audiences")
    repo: Repo = repo_on(server)
    repo.put("audience", "buyers", audience("Buyers"))
    assert repo.apply().code == 0
    with repo.api() as api:  # an unmanaged audience that an unmanaged campaign targets
        made = api.post("/audiences", json=audience("Old lapsed")).json()
        body = campaign("Old winback")
        body["audiences"] = {"campaign_type": "saved_audience",
                             "target_rules": {"audiences": [made["id"]]}}
        assert api.post("/push/campaigns", json=body).status_code == 201
        lonely = api.post("/audiences", json=audience("Lonely")).json()

    repo.env_extra = {"prune": True}
    repo.write_config()
    plan = repo.plan()
    assert plan.code == 0, plan.stderr
    actions = by_action(plan.json)
    assert actions.get("delete") == [f"audience:{lonely['id']}"]  # the targeted one is kept
    assert len(actions.get("archive", [])) == 1
