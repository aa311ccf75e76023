"""`reconciler stop` on Airship (issue 31), through the real CLI against a served sandbox:
a pipeline stops by a full PUT with `enabled: false` (every other field kept), a
scheduled push by DELETE (its read-back finds nothing: stopped), a second stop writes
nothing, lost answers and 429s never make a second write, and a one-time push that has
begun sending says it cannot be stopped. Writes are counted in the served sandbox's
request log (reset before the stop; the tests of one process run one at a time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.apply.journal import read_journal
from tests.airship_repo import AirshipRepo, airship_pipeline, airship_schedule, airship_segment
from tests.repo import committed
from tests.sandbox_fixtures import ServedSandbox

PUT, DELETE = "PUT /airship/api/pipelines/{id}", "DELETE /airship/api/schedules/{id}"


@pytest.fixture
def served(sandbox_server: ServedSandbox) -> ServedSandbox:
    return sandbox_server


@pytest.fixture
def repo(tmp_path: Path, served: ServedSandbox) -> AirshipRepo:
    """A committed project with a live pipeline `welcome` and a scheduled push `sale`."""
    repo = AirshipRepo(tmp_path / "repo", served.base_url + "/airship", 0, "")
    repo.put("segment", "vip", airship_segment("VIP"))
    repo.put("campaign", "sale", airship_schedule("Sale", ["vip"]))
    repo.put("campaign", "welcome", airship_pipeline(
        "Welcome", enabled=True, constraint=[{"rate": {"pushes": 1, "days": 7}}]))
    (repo.root / ".gitignore").write_text(".reconciler/\n")  # a later commit: specs only
    committed(repo)
    applied = repo.apply()
    assert applied.code == 0, applied.stdout + applied.stderr
    return repo


def stop(repo: AirshipRepo, *args: str) -> Any:
    return repo.run("stop", "--auto-approve", *args, env={"USER": "oncall"})


def campaigns(repo: AirshipRepo) -> tuple[dict[str, Any], dict[str, Any]]:
    """Pipelines and schedules by name, as the sandbox has them (past reconciler)."""
    with repo.airship() as api:
        pipelines = api.get("/api/pipelines").raise_for_status().json()["pipelines"]
        schedules = api.get("/api/schedules").raise_for_status().json()["schedules"]
    return {p["name"]: p for p in pipelines}, {s["name"]: s for s in schedules}


def writes(server: ServedSandbox) -> dict[str, int]:
    return {k: v for k, v in server.stats()["by_route"].items()
            if k.split()[0] in ("PUT", "POST", "DELETE") and "/_sandbox" not in k}


def journal(repo: AirshipRepo, status: str) -> list[dict[str, Any]]:
    return [e for e in read_journal(repo.root / ".reconciler" / "journal.jsonl")
            if e.get("action") == "stop" and e.get("status") == status]


def knobs(repo: AirshipRepo, **body: Any) -> None:
    httpx.post(f"{repo.api_url}/_sandbox/config", json={"app_key": repo.key, **body},
               timeout=10).raise_for_status()


def test_a_live_pipeline_is_disabled_with_every_other_field_kept(
        repo: AirshipRepo, served: ServedSandbox) -> None:
    before = campaigns(repo)[0]["Welcome"]
    served.reset_stats()
    run = stop(repo, "welcome")
    assert run.code == 0, run.stdout + run.stderr
    assert run.stdout == "stopped: campaign:welcome 'Welcome'\n"
    assert "next send" in run.stderr
    after = campaigns(repo)[0]["Welcome"]
    assert after["enabled"] is False and after["status"] == "disabled"
    kept = ("immediate_trigger", "outcome", "constraint", "name", "creation_time")
    assert {k: after.get(k) for k in kept} == {k: before.get(k) for k in kept}
    assert writes(served) == {PUT: 1}
    [entry] = journal(repo, "stopped")
    assert entry["state"] == "disabled"


def test_a_historical_triggers_creation_time_survives_the_full_replace(
        repo: AirshipRepo) -> None:
    """A pipeline made in the dashboard (no spec): stopped by its live name, and the PUT
    sends back what Airship would otherwise reset."""
    body = {"name": "Lapsed", "enabled": True,
            "historical_trigger": {"event": "open", "equals": 0, "days": 30},
            "outcome": {"push": {"audience": "triggered", "device_types": ["ios"],
                                 "notification": {"alert": "We miss you"}}}}
    with repo.airship() as api:
        api.post("/api/pipelines", json=body).raise_for_status()
    created = campaigns(repo)[0]["Lapsed"]["historical_trigger"]["creation_time"]
    run = stop(repo, "--all-live")
    assert run.code == 0, run.stdout + run.stderr
    assert "stopped: campaign:Lapsed 'Lapsed'" in run.stdout.splitlines()
    lapsed = campaigns(repo)[0]["Lapsed"]
    assert lapsed["enabled"] is False
    assert lapsed["historical_trigger"]["creation_time"] == created


def test_a_scheduled_push_is_deleted_and_reads_back_gone(
        repo: AirshipRepo, served: ServedSandbox) -> None:
    sale_id = _schedule_id(repo, "Sale")
    served.reset_stats()
    run = stop(repo, "sale")
    assert run.code == 0, run.stdout + run.stderr
    assert run.stdout == "stopped: campaign:sale 'Sale'\n"
    assert "next send 2030-01-01T09:00:00" in run.stderr
    with repo.airship() as api:
        assert api.get(f"/api/schedules/{sale_id}").status_code == 404
    assert "Sale" not in campaigns(repo)[1]
    assert writes(served) == {DELETE: 1}
    [entry] = journal(repo, "stopped")
    assert entry["state"] == "deleted" and entry["live_id"] == sale_id


def _schedule_id(repo: AirshipRepo, name: str) -> str:
    return str(campaigns(repo)[1][name]["url"]).rstrip("/").rsplit("/", 1)[-1]


def test_a_second_stop_writes_nothing(repo: AirshipRepo, served: ServedSandbox) -> None:
    assert stop(repo, "sale", "welcome").code == 0
    served.reset_stats()
    again = stop(repo, "sale", "welcome")
    assert again.code == 0, again.stdout + again.stderr
    assert again.stdout.splitlines() == ["was not live: campaign:sale 'Sale'",
                                         "was not live: campaign:welcome 'Welcome'"]
    assert writes(served) == {}
    assert len(journal(repo, "written")) == 2
    # sending again is a go-live (re-enabling the pipeline, re-creating the deleted
    # schedule), which the plan holds back while a stopped campaign's spec is unchanged
    changes = {c["key"]: c for c in repo.plan().json["changes"]}
    for key in ("sale", "welcome"):
        assert changes[key]["action"] == "noop", changes
        assert changes[key]["stop"]["held"], changes[key]


def test_lost_answers_and_429s_still_stop_once(repo: AirshipRepo, served: ServedSandbox
                                               ) -> None:
    knobs(repo, throttle=2, retry_after=0,
          drop={"pipelines-update": 1, "schedules-delete": 1})
    served.reset_stats()
    run = stop(repo, "sale", "welcome")
    assert run.code == 0, run.stdout + run.stderr
    assert sorted(run.stdout.splitlines()) == ["stopped: campaign:sale 'Sale'",
                                               "stopped: campaign:welcome 'Welcome'"]
    pipelines, schedules = campaigns(repo)
    assert pipelines["Welcome"]["enabled"] is False and "Sale" not in schedules
    assert writes(served) == {PUT: 1, DELETE: 1}  # each lost answer was read back
    refused = httpx.get(f"{repo.api_url}/_sandbox/throttled", params={"app_key": repo.key},
                        timeout=10).raise_for_status().json()["429"]
    assert refused == 2
    assert len(journal(repo, "written")) == len(journal(repo, "stopped")) == 2


NOW = datetime(2027, 3, 10, 20, 0, tzinfo=UTC)  # the project's clock in these tests


def _local_soon(repo: AirshipRepo) -> str:
    """A local time two hours after the project's (frozen) clock: it has come in the
    first time zones (UTC+14 is hours ahead), so the push is being delivered, and not yet
    in the last. Airship's `Date` follows that clock, and reconciler judges by it."""
    httpx.post(f"{repo.api_url}/_sandbox/clock", json={"app_key": repo.key,
               "now": NOW.isoformat()}, timeout=10).raise_for_status()
    return (NOW + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S")


def test_a_one_time_push_already_sending_cannot_be_stopped_and_says_why(
        repo: AirshipRepo, served: ServedSandbox) -> None:
    repo.put("campaign", "flash", airship_schedule(
        "Flash", ["vip"], schedule={"local_scheduled_time": _local_soon(repo)}))
    committed(repo)
    assert repo.apply().code == 0
    served.reset_stats()
    run = stop(repo, "flash")
    assert run.code == 1, run.stdout + run.stderr
    [line] = run.stdout.splitlines()
    assert line.startswith("cannot be stopped on Airship: campaign:flash 'Flash': it has "
                           "begun sending"), line
    assert "cancels only a scheduled push that has not begun" in line
    assert writes(served) == {} and "Flash" in campaigns(repo)[1]
    assert journal(repo, "written") == []


def test_a_recurring_push_already_sending_is_deleted_and_a_paused_one_is_not_live(
        repo: AirshipRepo, served: ServedSandbox) -> None:
    """Deleting a recurring schedule stops its later sends, begun or not; one paused
    sends nothing, so --all-live leaves it be."""
    for key, name in (("daily", "Daily"), ("nightly", "Nightly")):
        repo.put("campaign", key, airship_schedule(
            name, ["vip"], schedule={"local_scheduled_time": _local_soon(repo),
                                     "recurring": {"cadence": {"type": "daily", "count": 1}}}))
    committed(repo)
    assert repo.apply().code == 0
    with repo.airship() as api:
        api.post(f"/api/schedules/{_schedule_id(repo, 'Nightly')}/pause",
                 json={}).raise_for_status()
    served.reset_stats()
    run = stop(repo, "--all-live")
    assert run.code == 0, run.stdout + run.stderr
    assert sorted(run.stdout.splitlines()) == ["stopped: campaign:daily 'Daily'",
                                               "stopped: campaign:sale 'Sale'",
                                               "stopped: campaign:welcome 'Welcome'"]
    assert set(campaigns(repo)[1]) == {"Nightly"}
    assert writes(served) == {DELETE: 2, PUT: 1}


def test_doctor_shows_what_the_stop_assumes(tmp_path: Path, served: ServedSandbox) -> None:
    repo = AirshipRepo(tmp_path / "bare", served.base_url + "/airship", 0, "")
    repo.write_config()
    run = repo.run("doctor")
    assert run.code == 0, run.stdout + run.stderr
    [row] = [line for line in run.stdout.splitlines() if line.startswith("stop ")]
    assert "| skipped | ASSUMED, not checked: " in row and "enabled false" in row
