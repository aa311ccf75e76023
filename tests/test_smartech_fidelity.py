"""Smartech where the evidence points: the public client's go-live form, paging the audience
list by `total_count`, and the doctor rows that check both against an account.

The go-live body is the shape job-cliff's `server/services/netcore.js` (the only public
client of `/v4/campaign/create`) sends, rewritten here: one email item with
`campaign_state: "active"` and `schedule_time: "now"`, list ids as strings (it reads them
from the environment), and the headers it sends. Everything runs against the served sandbox
through HTTP, and through the real CLI where reconciler is the client.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.smartech_repo import SmartechRepo, email_campaign
from tests.test_doctor import rows

NEWSLETTER = 11  # the sandbox panel's first demo list


def job_alert_item(name: str) -> dict[str, Any]:
    return {
        "tags": ["Job_Alert", "Employee"], "channel": "email", "campaign_name": name,
        "schedule_time": "now", "campaign_state": "active",
        "sender_details": {"sender_name": "Jobs", "sender_email": "jobs@example.test"},
        "content_details": {"template_id": "41", "subject_line": "New job: Baker at Acme"},
        "audience_details": {"include_list": {"list_ids": [str(NEWSLETTER)]}},
        "frequency_capping": {"enable_frequency_capping": False},
    }


def v4(repo: SmartechRepo, path: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{repo.base}/v4/campaign/{path}", json=body, timeout=10, headers={
        "api-key": repo.key, "Content-Type": "application/json", "Accept": "application/json"})


def test_the_public_clients_create_body_goes_live(smartech_repo: SmartechRepo) -> None:
    created = v4(smartech_repo, "create", {"campaign_details": [job_alert_item("Job_Alert_1")]})
    assert created.status_code == 200, created.text
    cid = created.json()["data"]["campaign_details"][0]["campaign_id"]
    assert [(e["campaign_id"], e["channel"]) for e in smartech_repo.executions()] == [
        (cid, "email")]
    got = v4(smartech_repo, "get", {"channel": ["email"], "campaign_ids": [cid]}).json()
    live = got["data"]["campaign_details"][0]
    assert (live["campaign_state"], live["schedule_time"]) == ("sent", "now")


def test_a_draft_create_stays_a_draft_and_goes_live_on_update(smartech_repo: SmartechRepo
                                                                ) -> None:
    draft = {**job_alert_item("Job_Alert_2"), "campaign_state": "draft"}
    cid = v4(smartech_repo, "create", {"campaign_details": [draft]}).json()[
        "data"]["campaign_details"][0]["campaign_id"]
    assert smartech_repo.executions() == []
    later = {**job_alert_item("Job_Alert_2"), "campaign_id": cid,
             "schedule_time": "2030-01-01T09:00:00Z"}
    assert v4(smartech_repo, "update", {"campaign_details": [later]}).status_code == 200
    states = {c["id"]: c["state"] for c in smartech_repo.campaigns()}
    assert states[cid] == "scheduled" and len(smartech_repo.executions()) == 1


def test_the_sourceless_schedule_object_is_refused_not_kept_as_a_silent_draft(
        smartech_repo: SmartechRepo) -> None:
    old = {k: v for k, v in job_alert_item("Old form").items()
           if k not in ("campaign_state", "schedule_time")}
    refused = v4(smartech_repo, "create", {"campaign_details": [{**old,
                                                                 "schedule": {"type": "now"}}]})
    assert refused.status_code == 400 and "campaign_state" in refused.json()["message"]
    no_time = {**job_alert_item("No time"), "schedule_time": ""}
    assert v4(smartech_repo, "create", {"campaign_details": [no_time]}).status_code == 400
    assert smartech_repo.campaigns() == [] and smartech_repo.executions() == []


def test_reconcilers_email_go_live_is_the_public_clients_form(smartech_repo: SmartechRepo
                                                               ) -> None:
    repo = smartech_repo
    repo.put("audience", "news", {"type": "list", "id": NEWSLETTER})
    repo.put("campaign", "mail", email_campaign("Mail", ["news"]))
    applied = repo.apply()
    assert applied.code == 0, applied.stdout + applied.stderr
    [run] = repo.executions()
    assert run["request"]["campaign_state"] == "active" and "schedule" not in run["request"]
    assert run["request"]["schedule_time"] == "now"
    assert repo.plan("--detailed-exitcode").code == 0  # read back as live: nothing to do
    doctor = repo.run("doctor")
    assert rows(doctor.stdout)["go_live_form"] == "yes", doctor.stdout


def test_the_audience_list_is_paged_by_total_count_not_by_a_short_page(
        smartech_repo: SmartechRepo) -> None:
    repo = smartech_repo
    for i in range(12):
        repo._admin("POST", "audiences", json={"api_key": repo.key, "type": "list",
                                               "name": f"Region {i:02d}", "count": 10 + i})
    repo.knobs(audience_page_max=4)  # an account answering fewer rows than asked
    repo.put("audience", "last", {"type": "list", "name": "Region 11"})
    repo.put("campaign", "mail", email_campaign("Mail", ["last"]))
    plan = repo.plan()
    assert plan.code == 0, plan.stdout + plan.stderr
    assert plan.json["changes"][0]["reach"] == {"user_count": 21}
    doctor = repo.run("doctor")
    assert rows(doctor.stdout)["audience_paging"] == "NO", doctor.stdout  # 4 rows, not 10
    repo.knobs(audience_page_max=0)
    doctor = repo.run("doctor")
    assert rows(doctor.stdout)["audience_paging"] == "yes", doctor.stdout


def test_the_v4_get_answers_the_asked_email_campaigns_only(smartech_repo: SmartechRepo
                                                            ) -> None:
    """The sandbox reads only the asked rows (issue 29: reading every campaign per get cost
    the served sandbox O(n) a call); what it answers is unchanged."""
    ids = [v4(smartech_repo, "create", {"campaign_details": [
        {**job_alert_item(f"Job_Alert_get_{i}"), "campaign_state": "draft"}]}).json()[
        "data"]["campaign_details"][0]["campaign_id"] for i in range(3)]

    def got(body: dict[str, Any]) -> list[int]:
        answer = v4(smartech_repo, "get", {"channel": ["email"], **body})
        assert answer.status_code == 200, answer.text
        return [c["campaign_id"] for c in answer.json()["data"]["campaign_details"]]

    assert got({"campaign_ids": [ids[2], ids[0]]}) == [ids[0], ids[2]]
    assert got({"campaign_ids": [ids[1], 999_999]}) == [ids[1]]
    assert got({"campaign_ids": [float(ids[1])]}) == [ids[1]]  # as the list filter matched
    assert set(ids) <= set(got({}))
