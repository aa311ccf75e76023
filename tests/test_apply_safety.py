"""Apply refuses what is unsafe, isolates failures, and leaves a journal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from tests.repo import Repo, audience, campaign


def seed(repo: Repo, n: int) -> None:
    for i in range(n):
        repo.put("campaign", f"c{i}", campaign(f"C{i}"))
    assert repo.apply().code == 0


def test_threshold_refuses_without_force_and_states_the_numbers(repo: Repo) -> None:
    repo.safety = {"max_change_percent": 30, "min_existing": 4}
    repo.write_config()
    seed(repo, 5)
    for i in range(2):
        repo.put("campaign", f"c{i}", campaign(f"C{i}", message="changed"))
    before = repo.live_campaigns()
    refused = repo.apply()
    assert refused.code == 1
    assert "2 of 5" in refused.stderr and "40.0%" in refused.stderr and "--force" in refused.stderr
    assert repo.live_campaigns() == before
    assert repo.apply("--force").code == 0
    assert repo.plan("--detailed-exitcode").code == 0


def test_threshold_ignored_below_min_existing(repo: Repo) -> None:
    repo.safety = {"max_change_percent": 10, "min_existing": 10}
    repo.write_config()
    seed(repo, 3)
    repo.put("campaign", "c0", campaign("C0", message="changed"))
    assert repo.apply().code == 0


def test_no_terminal_means_no_apply_without_auto_approve(repo: Repo) -> None:
    repo.put("campaign", "a", campaign("A"))
    run = repo.run("apply")
    assert run.code == 1 and "--auto-approve" in run.stderr
    assert repo.live_campaigns() == []


def test_allow_go_live_false_refuses_going_live(repo: Repo) -> None:
    repo.env_extra = {"allow_go_live": False}
    repo.write_config()
    repo.put("campaign", "draft", campaign("Draft"))
    assert repo.apply().code == 0
    repo.put("campaign", "draft", campaign("Draft", status="active"))
    run = repo.apply()
    assert run.code == 1 and "allow_go_live" in run.stderr and "draft" in run.stderr
    assert repo.live_campaigns()[0]["status"] == "draft"


def test_failed_audience_skips_its_campaign_and_nothing_else(repo: Repo, sandbox_server) -> None:
    httpx.post(f"{sandbox_server.base_url}/_sandbox/reject",
               json={"app_id": repo.app_id, "names": ["Broken"]}).raise_for_status()
    repo.put("audience", "broken", audience("Broken"))
    repo.put("audience", "fine", audience("Fine", event="Open"))
    repo.put("campaign", "needs-broken", campaign("Needs broken", ["broken"]))
    repo.put("campaign", "needs-fine", campaign("Needs fine", ["fine"]))
    repo.put("campaign", "standalone", campaign("Standalone"))
    run = repo.apply()
    assert run.code == 1
    status = {r["key"]: r for r in run.json["results"]}
    assert status["broken"]["status"] == "failed" and "422" in status["broken"]["error"]
    assert status["needs-broken"]["status"] == "skipped"
    assert "audience:broken" in status["needs-broken"]["error"]
    assert {k for k, r in status.items() if r["status"] == "applied"} == {
        "fine", "needs-fine", "standalone"}
    assert run.json["summary"] == {"applied": 3, "failed": 1, "skipped": 1}

    journal = [json.loads(line) for line in
               (repo.root / ".reconciler" / "journal.jsonl").read_text().splitlines()]
    assert {(e["key"], e["status"]) for e in journal} == {
        ("broken", "failed"), ("fine", "applied"), ("needs-fine", "applied"),
        ("standalone", "applied"), ("needs-broken", "skipped")}
    assert all(e["env"] == "test" and e["ts"] for e in journal)

    httpx.post(f"{sandbox_server.base_url}/_sandbox/reject",
               json={"app_id": repo.app_id, "names": []}).raise_for_status()
    assert repo.apply().code == 0  # re-running converges
    assert repo.plan("--detailed-exitcode").code == 0


def test_bad_credentials_one_line_naming_env_and_variables(repo: Repo) -> None:
    repo.put("campaign", "a", campaign("A"))
    repo.api_secret = "wrong-secret-value-123"
    run = repo.plan()
    assert run.code == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "401" in lines[0] and "'test'" in lines[0]
    assert "LOCALYTICS_API_SECRET" in lines[0]
    assert "wrong-secret-value-123" not in run.stderr + run.stdout


def test_missing_credentials_are_named(repo: Repo) -> None:
    run = repo.run("plan", env={"LOCALYTICS_API_KEY": ""})
    assert run.code == 1 and "LOCALYTICS_API_KEY" in run.stderr


def test_unreachable_api_one_line_with_url(tmp_path: Path) -> None:
    repo = Repo(tmp_path, "http://127.0.0.1:9/api/v6", 1, "nowhere")
    run = repo.plan()
    assert run.code == 1
    assert "127.0.0.1:9" in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_second_local_apply_is_refused_while_one_holds_the_lock(repo: Repo) -> None:
    repo.put("campaign", "a", campaign("A"))
    state = repo.root / ".reconciler"
    state.mkdir(exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl,os,sys,time\n"
        f"fd=os.open({str(state / 'apply.lock')!r}, os.O_RDWR|os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(30)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        run = repo.apply()
        assert run.code == 1 and "another apply" in run.stderr
        assert repo.live_campaigns() == []
    finally:
        holder.kill()
        holder.communicate()
    assert repo.apply().code == 0
