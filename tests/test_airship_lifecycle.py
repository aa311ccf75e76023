"""Airship end to end: the real CLI against the served sandbox, read back through the
official `urbanairship` client (7.x) where the issue asks that it see what reconciler
wrote. Each test is a fresh project (app key); the sandbox's knobs stand in for lost
answers and rate limits (Retry-After 0: nothing waits on the clock)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import urbanairship as ua
from urbanairship.urls import Urls

from reconciler.sandbox.airship.secret import SANDBOX_MASTER_SECRET
from tests.airship_repo import AirshipRepo, airship_pipeline, airship_schedule, airship_segment
from tests.dropping_proxy import DroppingProxy
from tests.sandbox_fixtures import ServedSandbox


@pytest.fixture
def repo(tmp_path: Path, sandbox_server: ServedSandbox) -> AirshipRepo:
    return AirshipRepo(tmp_path / "repo", sandbox_server.base_url + "/airship", 0, "")


def official(repo: AirshipRepo) -> Any:
    client = ua.Airship(repo.key, SANDBOX_MASTER_SECRET)
    client.urls = Urls(base_url=f"{repo.api_url}/api/")
    return client


def knobs(repo: AirshipRepo, **body: Any) -> None:
    httpx.post(f"{repo.api_url}/_sandbox/config", json={"app_key": repo.key, **body},
               timeout=10).raise_for_status()


def ids(run: Any) -> dict[str, str]:
    return {r["key"]: str(r["live_id"]) for r in run.json["results"]}


def workspace(repo: AirshipRepo) -> None:
    repo.put("segment", "vip", airship_segment("VIP", {"and": [{"tag": "vip", "group": "loyalty"},
                                                               {"not": {"tag": "churned"}}]}))
    repo.put("campaign", "sale", airship_schedule("Sale", ["vip"], notification={
        "alert": "20% off", "ios": {"title": "Sale"}}))
    repo.put("campaign", "welcome", airship_pipeline(
        "Welcome", enabled=True, constraint=[{"rate": {"pushes": 1, "days": 7}}]))


def test_the_official_client_reads_back_what_reconciler_wrote(repo: AirshipRepo) -> None:
    workspace(repo)
    run = repo.apply()
    assert run.code == 0, run.stdout + run.stderr
    made = ids(run)
    client = official(repo)
    assert [s.display_name for s in ua.SegmentList(client)] == ["VIP"]
    segment = client._request("GET", None, f"{repo.api_url}/api/segments/{made['vip']}",
                              version=3).json()
    assert segment["criteria"] == {"and": [{"tag": "vip", "group": "loyalty"},
                                           {"not": {"tag": "churned"}}]}
    pipeline = ua.Automation(client).lookup(made["welcome"]).json()["pipeline"]
    pipeline = pipeline[0] if isinstance(pipeline, list) else pipeline
    assert pipeline["enabled"] is True and pipeline["name"] == "Welcome"
    assert pipeline["outcome"]["push"]["audience"] == "triggered"
    assert pipeline["constraint"] == [{"rate": {"pushes": 1, "days": 7}}]
    [schedule] = list(ua.ScheduledList(client))
    assert schedule.name == "Sale"
    assert schedule.push["audience"] == {"segment": made["vip"]}
    assert schedule.push["notification"] == {"alert": "20% off", "ios": {"title": "Sale"}}
    assert schedule.schedule == {"scheduled_time": "2030-01-01T09:00:00"}
    assert repo.plan("--detailed-exitcode").code == 0


def test_a_scheduled_time_with_an_offset_is_sent_as_its_utc_time(repo: AirshipRepo) -> None:
    """Airship's scheduled_time is UTC with no zone. A spec's `09:00+02:00` is 07:00 UTC;
    it was sent as 09:00 (the offset dropped, two hours late), then planned as unchanged."""
    repo.put("segment", "vip", airship_segment("VIP", {"tag": "vip"}))
    repo.put("campaign", "sale", airship_schedule("Sale", ["vip"],
                                                  at="2030-01-01T09:00:00+02:00"))
    run = repo.apply()
    assert run.code == 0, run.stderr
    [schedule] = list(ua.ScheduledList(official(repo)))
    assert schedule.schedule == {"scheduled_time": "2030-01-01T07:00:00"}
    assert repo.plan("--detailed-exitcode").code == 0


def test_an_edit_is_a_full_replace_and_a_removed_field_is_gone(repo: AirshipRepo) -> None:
    workspace(repo)
    assert repo.apply().code == 0
    repo.put("campaign", "welcome", airship_pipeline("Welcome", enabled=True,
                                                     notification={"alert": "Hi again"}))
    planned = repo.plan()
    [change] = [c for c in planned.json["changes"] if c["action"] == "update"]
    assert change["key"] == "welcome"
    run = repo.apply()
    assert run.code == 0, run.stdout + run.stderr
    pipeline = ua.Automation(official(repo)).lookup(ids(run)["welcome"]).json()["pipeline"]
    pipeline = pipeline[0] if isinstance(pipeline, list) else pipeline
    assert pipeline["outcome"]["push"]["notification"] == {"alert": "Hi again"}
    assert not pipeline.get("constraint")  # left out of the spec: cleared by the full PUT
    assert repo.plan("--detailed-exitcode").code == 0


def test_a_pipeline_whose_draft_is_not_kept_never_goes_live(
        repo: AirshipRepo, sandbox_server: ServedSandbox, tmp_path: Path) -> None:
    """Created disabled, read back, enabled only when verified: a write that loses the
    iOS title leaves a disabled pipeline and a failed apply naming the field."""
    def drop_title(body: Any) -> Any:
        push = (body.get("outcome") or {}).get("push") or {}
        ((push.get("notification") or {}).get("ios") or {}).pop("title", None)
        return body

    proxy = DroppingProxy(sandbox_server.base_url, "/api/pipelines", drop_title)
    try:
        through = AirshipRepo(tmp_path / "through", proxy.base_url + "/airship", 0, "",
                              key=repo.key)
        through.put("campaign", "welcome", airship_pipeline(
            "Welcome", enabled=True, notification={"alert": "Hi", "ios": {"title": "Hey"}}))
        run = through.apply()
    finally:
        proxy.stop()
    assert run.code == 1, run.stdout + run.stderr
    assert proxy.dropped
    [result] = run.json["results"]
    assert "did not keep outcome.push.notification.ios" in str(result), result
    assert "left as a draft, not activated" in str(result), result
    listed = ua.Automation(official(repo)).list_automations(enabled=None).json()["pipelines"]
    assert [p["enabled"] for p in listed] == [False]


def test_a_lost_create_answer_is_found_by_name_not_made_twice(repo: AirshipRepo) -> None:
    repo.put("segment", "vip", airship_segment("VIP"))
    knobs(repo, drop={"segments-create": 1})
    run = repo.apply()
    assert run.code == 0, run.stdout + run.stderr
    assert [s.display_name for s in ua.SegmentList(official(repo))] == ["VIP"]


def test_429_with_retry_after_is_waited_out(repo: AirshipRepo) -> None:
    repo.put("segment", "vip", airship_segment("VIP"))
    knobs(repo, throttle=2, retry_after=0)
    run = repo.apply()
    assert run.code == 0, run.stdout + run.stderr
    refused = httpx.get(f"{repo.api_url}/_sandbox/throttled", params={"app_key": repo.key},
                        timeout=10).json()["429"]
    assert refused == 2


def test_a_name_used_twice_needs_a_pin(repo: AirshipRepo) -> None:
    client = official(repo)
    made = []
    for _ in range(2):
        s = ua.Segment()
        s.display_name, s.criteria = "VIP", {"tag": "vip"}
        s.create(client)
        made.append(s.id)
    repo.put("segment", "vip", airship_segment("VIP"))
    run = repo.run("plan")
    assert run.code == 1 and "2 live segments are named 'VIP'" in run.stderr, run.stderr
    repo.put("segment", "vip", {**airship_segment("VIP"), "id": made[1]})
    planned = repo.plan("--detailed-exitcode")
    assert planned.code == 0, planned.stdout + planned.stderr


def test_pruning_deletes_an_unmanaged_schedule(repo: AirshipRepo) -> None:
    workspace(repo)
    assert repo.apply().code == 0
    repo.remove("campaign", "sale")
    repo.env_extra = {"prune": True}
    repo.write_config()
    run = repo.apply()
    assert run.code == 0, run.stdout + run.stderr
    assert list(ua.ScheduledList(official(repo))) == []


def test_a_one_time_schedule_whose_time_has_passed_is_never_created_again(
        repo: AirshipRepo) -> None:
    """Airship removes a sent one-time schedule, so its spec finds nothing live: the plan
    warns and apply refuses the create that would send it a second time."""
    repo.put("segment", "vip", airship_segment("VIP"))
    repo.put("campaign", "old", airship_schedule(
        "Old news", ["vip"], schedule={"local_scheduled_time": "2020-01-01T10:00:00"}))
    planned = repo.run("plan")
    assert planned.code == 0, planned.stderr
    assert "its one-time send time has passed" in planned.stdout, planned.stdout
    run = repo.apply()
    assert run.code == 1, run.stdout + run.stderr
    failed = [r for r in run.json["results"] if r["status"] != "applied"]
    assert [r["key"] for r in failed] == ["old"] and "apply refuses" in str(failed)
    assert list(ua.ScheduledList(official(repo))) == []


def test_a_bearer_token_reads_the_same_project_and_a_wrong_one_is_one_line(
        repo: AirshipRepo) -> None:
    from reconciler.sandbox.airship.secret import SANDBOX_TOKEN

    repo.put("segment", "vip", airship_segment("VIP"))
    assert repo.apply().code == 0
    bearer = repo.run("plan", "--detailed-exitcode", env={"AIRSHIP_MASTER_SECRET": "",
                                                          "AIRSHIP_TOKEN": SANDBOX_TOKEN})
    assert bearer.code == 0, bearer.stdout + bearer.stderr
    wrong = repo.run("plan", env={"AIRSHIP_TOKEN": "not-the-token-000000000"})
    assert wrong.code == 1
    [line] = wrong.stderr.strip().splitlines()
    assert line.startswith("error: ") and "401" in line and "check AIRSHIP_TOKEN" in line
    assert "not-the-token" not in wrong.stdout + wrong.stderr


def test_allow_go_live_false_refuses_a_schedule_and_an_enabled_pipeline(
        repo: AirshipRepo) -> None:
    """A schedule's creation is its go-live, and enabling a pipeline is one: both gated."""
    workspace(repo)
    repo.env_extra = {"allow_go_live": False}
    repo.write_config()
    run = repo.apply()
    assert run.code == 1, run.stdout + run.stderr
    assert "allow_go_live" in run.stdout + run.stderr
    client = official(repo)
    assert list(ua.ScheduledList(client)) == []
    listed = ua.Automation(client).list_automations(enabled=None).json()["pipelines"]
    assert [p["enabled"] for p in listed if p.get("enabled")] == []


def test_a_users_segment_named_like_a_lease_is_never_taken_for_one(repo: AirshipRepo) -> None:
    """Leases are told apart by name and by their reserved criteria: a user's segment
    with the lease's name but its own criteria survives apply's lease and `unlock`."""
    from reconciler.provider import LEASE_MARKER

    client = official(repo)
    theirs = ua.Segment()
    theirs.display_name, theirs.criteria = f"{LEASE_MARKER} of theirs", {"tag": "vip"}
    theirs.create(client)
    repo.put("segment", "vip", airship_segment("VIP"))
    assert repo.apply().code == 0
    assert repo.run("unlock").code == 0
    names = sorted(s.display_name for s in ua.SegmentList(client))
    assert names == ["VIP", f"{LEASE_MARKER} of theirs"]


def test_doctor_write_probes_hold_and_leave_nothing(repo: AirshipRepo) -> None:
    """The write probes check the ASSUMED facts the go-live relies on (criteria kept as
    sent, a disabled pipeline stays disabled), then delete what they made."""
    run = repo.run("doctor", "--write")
    assert run.code == 0, run.stdout + run.stderr
    for row in ("criteria_kept", "disabled_kept", "credentials", "unknown_id"):
        [line] = [x for x in run.stdout.splitlines() if x.startswith(row)]
        assert "| yes" in line, line
    client = official(repo)
    assert list(ua.SegmentList(client)) == []
    assert ua.Automation(client).list_automations(enabled=None).json()["pipelines"] == []
