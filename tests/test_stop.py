"""`reconciler stop` (issue 31) on every platform that can stop, through the real CLI
against served sandboxes: a live campaign stops and reads back stopped, a second stop
writes nothing, lost answers and 429s never make a second stop, a broken main still
stops from live state, and each stop is recorded in the env's record for apply."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.apply.journal import read_journal
from reconciler.gitops.staterecord import ref
from reconciler.registry import PLATFORMS, platform
from tests.conformance_repos import ENTRIES
from tests.dropping_proxy import DroppingProxy
from tests.repo import Repo, campaign, committed
from tests.sandbox_fixtures import ServedSandbox
from tests.smartech_repo import SmartechRepo, push_campaign
from tests.stream_repo import StreamRepo, stream_campaign

STOPPING = [n for n in PLATFORMS if platform(n).capabilities()["stop"]]


def live_status(name: str, repo: Repo, campaign_name: str = "Live") -> str:
    """The campaign's status as platform `name`'s sandbox has it, past reconciler."""
    status = ENTRIES[name].status
    assert status is not None, f"{name}: tests/conformance_repos.py gives no status"
    return status(repo, campaign_name)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                          text=True).stdout.strip()


def record(repo: Repo) -> dict[str, Any]:
    git(repo.root, "fetch", "-q", "origin", f"+{ref('test')}:refs/t/record")
    return json.loads(git(repo.root, "show", "refs/t/record:state.json"))


def stop_entries(repo: Repo, status: str = "stopped") -> list[dict[str, Any]]:
    """The journal's stop lines of `status`: `written` (a stop write answered), then the
    verdict on its read-back, `stopped` or `failed`."""
    return [e for e in read_journal(repo.root / ".reconciler" / "journal.jsonl")
            if e.get("action") == "stop" and e.get("status") == status]


@pytest.fixture
def live(tmp_path: Path, sandbox_server: ServedSandbox) -> Callable[[str], Repo]:
    """`live(name)`: a committed repo on a fresh account whose campaign `live` was applied
    live (scheduled for 2027-01-15), beside the conformance workspace."""
    def make(name: str, server: ServedSandbox = sandbox_server) -> Repo:
        entry = ENTRIES[name]
        repo = entry.repo(tmp_path / "repo", server)
        entry.workspace(repo)
        entry.scheduled(repo)
        committed(repo)
        applied = repo.apply()
        assert applied.code == 0, applied.stdout + applied.stderr
        assert live_status(name, repo) != ENTRIES[name].stopped
        return repo
    return make


def stop(repo: Repo, *args: str, env: dict[str, str] | None = None) -> Any:
    return repo.run("stop", "--auto-approve", *args, env={"USER": "oncall", **(env or {})})


@pytest.mark.parametrize("name", STOPPING)
def test_a_live_campaign_stops_and_reads_back_stopped(live: Callable[[str], Repo],
                                                      name: str) -> None:
    repo = live(name)
    run = stop(repo, "live")
    assert run.code == 0, run.stdout + run.stderr
    assert "stopped: campaign:live 'Live'" in run.stdout
    assert "will stop 1 campaign" in run.stderr and "next send 2027-01-15" in run.stderr
    assert live_status(name, repo) == ENTRIES[name].stopped
    [entry] = stop_entries(repo)
    assert entry["status"] == "stopped" and entry["key"] == "campaign:live"


@pytest.mark.parametrize("name", STOPPING)
def test_a_second_stop_writes_nothing(live: Callable[[str], Repo], name: str) -> None:
    repo = live(name)
    assert stop(repo, "live").code == 0
    again = stop(repo, "live")
    assert again.code == 0, again.stdout + again.stderr
    assert again.stdout.strip() == "was not live: campaign:live 'Live'"
    assert len(stop_entries(repo, "written")) == 1  # the first stop's write only
    assert len(stop_entries(repo)) == 1


@pytest.mark.parametrize("name", STOPPING)
def test_the_stop_is_recorded_with_who_when_and_the_spec_file(
        live: Callable[[str], Repo], name: str) -> None:
    repo = live(name)
    run = stop(repo, "live", env={"GITHUB_ACTOR": "grace"})
    assert run.code == 0, run.stdout + run.stderr
    entry = record(repo)["stops"]["campaign:live"]
    head = git(repo.root, "rev-parse", "HEAD")
    assert set(entry) == {"id", "kind", "name", "at", "by", "commit", "path", "blob", "state"}
    assert entry["kind"] == "campaign" and entry["name"] == "Live" and entry["by"] == "grace"
    assert entry["commit"] == head and entry["path"] == "campaigns/live.yaml"
    assert entry["blob"] == git(repo.root, "rev-parse", f"{head}:campaigns/live.yaml")
    assert entry["state"] == ENTRIES[name].stopped and entry["at"].endswith("Z")
    [journaled] = stop_entries(repo)
    assert entry["id"] == journaled["live_id"]


@pytest.mark.parametrize("name", STOPPING)
def test_all_live_stops_from_live_state_when_main_is_broken(
        live: Callable[[str], Repo], name: str) -> None:
    repo = live(name)
    (repo.root / "campaigns" / "live.yaml").write_text("name: [unclosed\n")
    run = stop(repo, "--all-live")
    assert run.code == 0, run.stdout + run.stderr
    assert "warning: the specs do not load" in run.stderr
    assert "stopped: campaign:Live 'Live'" in run.stdout
    assert live_status(name, repo) == ENTRIES[name].stopped
    entry = record(repo)["stops"]["campaign:Live"]
    assert entry["path"] is None and entry["blob"] is None


def test_stop_refuses_without_a_terminal_or_auto_approve(live: Callable[[str], Repo]) -> None:
    name = "stream"
    repo = live(name)
    run = repo.run("stop", "live")
    assert run.code == 1
    assert run.stderr.strip().splitlines()[-1].startswith("error: refusing: no terminal")
    assert live_status(name, repo) != ENTRIES[name].stopped and stop_entries(repo, "written") == []


def test_an_unknown_key_is_one_error_line_and_no_request(
        live: Callable[[str], Repo], sandbox_server: ServedSandbox) -> None:
    repo = live("localytics")
    sandbox_server.reset_stats()  # the session's server: this test's requests only from here
    run = stop(repo, "live", "nope")
    assert run.code == 1
    assert run.stderr.strip() == ("error: refusing: no campaign spec has the key 'nope'; "
                                  "nothing was stopped (stop --all-live stops every live one)")
    assert sandbox_server.stats()["total"] == 0
    assert live_status("localytics", repo) == "active"


def test_without_a_writable_record_it_stops_and_warns(live: Callable[[str], Repo]) -> None:
    repo = live("stream")
    git(repo.root, "remote", "set-url", "origin", str(repo.root / "no-such-origin.git"))
    run = stop(repo, "live")
    assert run.code == 1, run.stdout + run.stderr
    assert "stopped: campaign:live 'Live'" in run.stdout
    assert live_status("stream", repo) == "stopped"
    [warning] = [line for line in run.stderr.splitlines() if line.startswith("warning:")]
    assert "the stop was not recorded" in warning


# --- faults: lost answers, errors, 429s ------------------------------------------------
def test_stream_stop_with_lost_answers_and_429s_stops_once(live: Callable[[str], Repo]) -> None:
    """A lost answer is read back, never sent again blindly: Stream refuses a second stop
    of a stopped campaign (400), so a blind retry would fail the run."""
    repo = live("stream")
    assert isinstance(repo, StreamRepo)
    keys = ["live", "l1", "l2", "l3"]
    for key in keys[1:]:
        repo.put("campaign", key, stream_campaign(key.upper(), ["norway"],
                                                  send={"at": "2027-01-15T09:00:00Z"}))
    assert repo.apply().code == 0
    # four stops at once against one a second: at least two are answered 429; at
    # concurrency 2, the four are read back with one listing, not four reads
    repo.env_extra = {"concurrency": 2}
    repo.write_config()
    repo.knobs(drop={"stop": 1}, rate_limit=1)
    run = stop(repo, *keys)
    assert run.code == 0, run.stdout + run.stderr
    assert run.stdout.count("stopped: ") == 4
    assert repo.throttled() >= 2
    repo.knobs(rate_limit=0)  # our own look below is not the run's to be throttled
    assert {live_status("stream", repo, n) for n in ("Live", "L1", "L2", "L3")} == {"stopped"}
    assert sorted(e["key"] for e in stop_entries(repo)) == sorted(f"campaign:{k}" for k in keys)
    assert len(stop_entries(repo, "written")) == 4


def test_a_stop_that_times_out_after_it_was_done_is_read_back_not_resent(
        live: Callable[[str], Repo]) -> None:
    """The stop is performed and its answer never comes: the client's own timeout (1 s
    here) is the most ambiguous failure. Stream refuses a second stop, so a resend would
    fail the run; the campaign is read back instead."""
    repo = live("stream")
    assert isinstance(repo, StreamRepo)
    proxy = DroppingProxy(repo.api_url, "/stop", lambda body: body, stall_posts=1)
    try:
        slow = dataclasses.replace(repo, api_url=proxy.base_url, env_extra={"timeout": 1})
        slow.write_config()
        run = stop(slow, "live")
    finally:
        proxy.stop()
    assert proxy.stalled == 1
    assert run.code == 0, run.stdout + run.stderr
    assert "stopped: campaign:live 'Live'" in run.stdout
    assert live_status("stream", repo) == "stopped"
    assert len(stop_entries(repo)) == len(stop_entries(repo, "written")) == 1


def test_localytics_stop_under_dropped_answers_writes_once(
        sandbox_factory: Callable[..., ServedSandbox], repo_on: Callable[..., Repo]) -> None:
    server = sandbox_factory(drop_rate=0.5, seed=7)
    repo = committed(repo_on(server))
    repo.put("campaign", "live", {**campaign("Live"), "status": "active"})
    committed(repo)
    for _ in range(6):  # apply converges under lost answers (tests/test_fault_property.py)
        if repo.apply().code == 0:
            break
    assert live_status("localytics", repo) == "active"
    server.reset_stats()
    run = stop(repo, "live")
    assert run.code == 0, run.stdout + run.stderr
    assert live_status("localytics", repo) == "draft"
    # drops hit writes only, and the stop's PUT is the run's one write: it was performed,
    # its answer lost, and it was read back rather than sent again
    puts = {k: v for k, v in server.stats()["by_route"].items() if k.startswith("PUT ")}
    assert list(puts.values()) == [1], puts
    assert server.stats()["faults"]["drop"] == 1
    assert len(stop_entries(repo)) == len(stop_entries(repo, "written")) == 1


def test_smartech_stop_with_a_lost_answer_is_read_back(
        live: Callable[[str], Repo], sandbox_server: ServedSandbox) -> None:
    """The update back to draft is performed and its answer lost: read back, not resent
    (a second update of a draft would be accepted, so only the count shows it)."""
    repo = live("smartech")
    assert isinstance(repo, SmartechRepo)
    repo.knobs(drop={"v4-update": 1})
    sandbox_server.reset_stats()
    run = stop(repo, "live")
    assert run.code == 0, run.stdout + run.stderr
    updates = {k: v for k, v in sandbox_server.stats()["by_route"].items()
               if k.endswith("/v4/campaign/update")}
    assert list(updates.values()) == [1], updates
    assert live_status("smartech", repo) == "draft"
    assert len(stop_entries(repo)) == len(stop_entries(repo, "written")) == 1


# --- what cannot stop -------------------------------------------------------------------
def test_a_smartech_app_push_cannot_be_stopped_and_says_why(
        smartech_repo: SmartechRepo) -> None:
    repo = smartech_repo
    repo.put("campaign", "blast", push_campaign("Blast", audience=[{"type": "list", "id": 11}]))
    committed(repo)
    applied = repo.apply()
    assert applied.code == 0, applied.stdout + applied.stderr
    run = stop(repo, "blast")
    assert run.code == 1, run.stdout + run.stderr
    [line] = run.stdout.strip().splitlines()
    assert line.startswith("cannot be stopped on Netcore Smartech: campaign:blast 'Blast': ")
    assert "no stop for an app push once executed" in line
    assert stop_entries(repo, "written") == []


def test_a_smartech_email_sending_now_was_not_live_once_sent(
        smartech_repo: SmartechRepo) -> None:
    """An email sent "now" is delivered: nothing is left to stop."""
    repo = smartech_repo
    repo.put("campaign", "now", {**ENTRIES_EMAIL, "send": {"audience": [{"type": "list",
                                                                       "id": 11}]}})
    committed(repo)
    assert repo.apply().code == 0
    run = stop(repo, "--all-live")
    assert run.code == 0, run.stdout + run.stderr
    assert run.stdout == ""


ENTRIES_EMAIL = {"channel": "email", "name": "Now", "template_id": 877, "tags": ["newsletter"],
                 "sender_details": {"sender_name": "Acme", "sender_email": "news@acme.example"},
                 "subject_line": "Hello"}


@pytest.mark.parametrize("name", ["localytics", "smartech"])
def test_doctor_shows_where_the_stop_is_assumed(tmp_path: Path, sandbox_server: ServedSandbox,
                                                name: str) -> None:
    repo = ENTRIES[name].repo(tmp_path / "repo", sandbox_server)
    run = repo.run("doctor")
    assert run.code == 0, run.stdout + run.stderr
    [row] = [line for line in run.stdout.splitlines() if line.startswith("stop ")]
    assert "| skipped | ASSUMED, not checked: " in row


def test_the_smartech_sandbox_takes_back_only_a_scheduled_email(
        smartech_repo: SmartechRepo) -> None:
    """What the stop relies on, and what it must not do: a sent email refuses the update
    back to draft, as every update of a campaign past draft is refused."""
    repo = smartech_repo
    repo.put("campaign", "now", {**ENTRIES_EMAIL, "send": {"audience": [{"type": "list",
                                                                       "id": 11}]}})
    committed(repo)
    assert repo.apply().code == 0
    [sent] = [c for c in repo.campaigns() if c["name"] == "Now"]
    assert sent["state"] == "sent"
    item = {"campaign_id": sent["id"], "channel": "email", "campaign_name": "Now",
            "campaign_state": "draft",
            "sender_details": {"sender_name": "Acme", "sender_email": "news@acme.example"}}
    answer = httpx.post(f"{repo.base}/v4/campaign/update", headers={"api-key": repo.key},
                        json={"campaign_details": [item]}, timeout=10)
    assert answer.status_code == 400 and "only a draft can be updated" in answer.text
    assert [c["state"] for c in repo.campaigns() if c["name"] == "Now"] == ["sent"]
