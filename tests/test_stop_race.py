"""A stop wins against an apply already running (issue 31), both ways round.

The stop record is read at plan time; an apply that planned before an on-call person
ran `reconciler stop` (and now waits on its lease, a prompt, or earlier waves) must
not start the campaign again afterwards. `stop` never waits for the apply lease, so
apply re-reads the record before each write wave, right after confirming its lease.
The reverse window: `stop --all-live` lists what is live, then an apply starts a
campaign it did not see; after writing its record, stop lists once more.

Deterministic, no sleeps: a loopback proxy (tests/gating_proxy.py) holds apply at its
lease confirmation before the write wave (the lease renewal request), or holds stop's
own stop write, while the other command runs to its end through the real CLI against
the served sandbox. Outcomes are read from the sandbox itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from reconciler.gitops.stops import Stop, Verdicts, cleared
from reconciler.stream.provider import LEASE_ID
from tests.gating_proxy import GatingProxy
from tests.helpers import git
from tests.repo import Repo, Run, campaign
from tests.sandbox_fixtures import ServedSandbox
from tests.stream_repo import StreamRepo, segment, stream_campaign
from tests.test_stop_record import checkout, commit, live, scheduled_hello, stops

Match = Callable[[str, str], bool]


class Gate(GatingProxy):
    """Holds the first request `match(method, path)` accepts once `armed` (the setup's
    own requests pass), until `release()`."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream, "\0never")
        self.match: Match | None = None
        self._taken = threading.Lock()

    def arm(self, match: Match) -> None:
        self.match = match

    def forward(self, h: BaseHTTPRequestHandler, method: str) -> None:
        path = h.path.split("?")[0]
        with self._taken:
            hold = self.match is not None and self.match(method, path)
            if hold:
                self.match = None  # the first one only
        if hold:
            self.held.set()
            self._open.wait(120)
        super(GatingProxy, self).forward(h, method)


@pytest.fixture
def gate(sandbox_server: ServedSandbox) -> Iterator[Gate]:
    proxy = Gate(sandbox_server.base_url)
    yield proxy
    proxy.release()
    proxy.stop()


def start(repo: Repo, *args: str) -> subprocess.Popen[str]:
    """`reconciler ARGS` in the background, with the environment `repo.run` gives."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LOCALYTICS_", "CI", "GITHUB_STEP_SUMMARY"))}
    env.update({"LOCALYTICS_API_KEY": repo.api_key, "LOCALYTICS_API_SECRET": repo.api_secret,
                "STREAM_API_SECRET": getattr(repo, "secret", ""), "NO_COLOR": "1",
                "USER": "oncall"})
    return subprocess.Popen([sys.executable, "-m", "reconciler", *args], cwd=repo.root,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)


def finish(proc: subprocess.Popen[str]) -> Run:
    out, err = proc.communicate(timeout=120)
    return Run(proc.returncode, out, err)


def stop(repo: Repo, *args: str) -> Run:
    return repo.run("stop", "--auto-approve", *args, env={"USER": "oncall"})


def race_apply(gate: Gate, repo: Repo, lease_renewal: Match, stop_args: tuple[str, ...]
               ) -> tuple[Run, Run]:
    """Apply held at its lease confirmation before the write wave (it has planned), then
    `stop STOP_ARGS` run to its end, then apply let go: both runs."""
    gate.arm(lease_renewal)
    applying = start(repo, "apply", "--auto-approve", "--format", "json")
    try:
        assert gate.held.wait(60), "apply never confirmed its lease before writing"
        stopped = stop(repo, *stop_args)
    finally:
        gate.release()
    return stopped, finish(applying)


def race_stop(gate: Gate, repo: Repo, stop_write: Match, started: str) -> Run:
    """`stop --all-live` held at STOP_WRITE while an apply runs to its end, then let go;
    both exit 0 and the stop names STARTED, the campaign that apply started meanwhile.
    Returns the stop's run."""
    gate.arm(stop_write)
    stopping = start(repo, "stop", "--auto-approve", "--all-live")
    try:
        assert gate.held.wait(60), "stop never wrote"
        applied = repo.apply()
    finally:
        gate.release()
    stopped = finish(stopping)
    assert applied.code == 0, applied.stderr
    assert stopped.code == 0, stopped.stdout + stopped.stderr
    assert f"stopped: campaign:{started}" in stopped.stdout, stopped.stdout + stopped.stderr
    return stopped


# --- Localytics ---------------------------------------------------------------------
def localytics(repo_on: Callable[..., Repo], sandbox_server: ServedSandbox, gate: Gate
               ) -> Repo:
    repo = repo_on(sandbox_server)
    repo.api_url = gate.base_url + sandbox_server.api_url.removeprefix(sandbox_server.base_url)
    repo.write_config()
    return repo


def test_localytics_apply_that_planned_before_a_stop_does_not_reactivate(
        repo_on: Callable[..., Repo], sandbox_server: ServedSandbox, gate: Gate) -> None:
    """Seen failing before the fix: the planned update (status active) set the stopped
    campaign active again."""
    repo = localytics(repo_on, sandbox_server, gate)
    repo.put("campaign", "spring", campaign("Spring sale", status="active"))
    checkout(repo)
    assert repo.apply().code == 0
    repo.put("campaign", "spring", campaign("Spring sale", status="active", message="New"))
    commit(repo, "new text")  # an update of a live campaign: it keeps `status: active`

    stopped, applied = race_apply(
        gate, repo, lambda method, path: method == "PATCH" and "/audiences/" in path,
        ("spring",))
    assert stopped.code == 0 and "stopped: campaign:spring" in stopped.stdout, stopped.stderr
    after = live(repo, "Spring sale")
    assert after["status"] == "draft", applied.stderr
    assert "New" not in str(after)  # not even its other fields: the spec waits for review
    assert applied.code == 0, applied.stdout + applied.stderr
    assert "held back: campaign spring: stopped by an emergency stop" \
        in applied.stderr
    assert "campaign:spring" in stops(repo)  # still held for the next apply


def test_localytics_all_live_relists_and_stops_what_an_apply_started_meanwhile(
        repo_on: Callable[..., Repo], sandbox_server: ServedSandbox, gate: Gate) -> None:
    """Stop lists A live; while its write of A is held, an apply starts B; stop, after
    recording, lists again and stops B too. Seen failing before the fix: B stayed active."""
    repo = localytics(repo_on, sandbox_server, gate)
    repo.put("campaign", "spring", campaign("Spring sale", status="active"))
    checkout(repo)
    assert repo.apply().code == 0
    first = live(repo, "Spring sale")["id"]
    repo.put("campaign", "summer", campaign("Summer sale", status="active"))
    commit(repo, "summer")

    race_stop(gate, repo,
              lambda method, path: method == "PUT" and path.endswith(f"/campaigns/{first}"),
              "summer")
    assert live(repo, "Summer sale")["status"] == "draft"
    assert live(repo, "Spring sale")["status"] == "draft"
    assert {"campaign:spring", "campaign:summer"} <= set(stops(repo))


# --- Stream -------------------------------------------------------------------------
@pytest.fixture
def stream(tmp_path: Path, sandbox_server: ServedSandbox, gate: Gate) -> StreamRepo:
    return StreamRepo(tmp_path / "stream", gate.base_url + "/stream", 0, "")


def test_stream_a_record_unreadable_at_the_wave_holds_its_go_lives(
        stream: StreamRepo, gate: Gate) -> None:
    """On Stream a stop cannot meet a planned write of the campaign it stopped (a started
    campaign is immutable, a stopped one never starts again, and `stop` records only what
    it stopped), so the wave's re-check is shown on its fail-safe side: the record read
    fine at plan time, cannot be read when the go-live wave comes, and the start is held.
    Seen failing before the fix: the campaign was started."""
    repo = stream
    repo.put("segment", "norway", segment("Norway"))
    checkout(repo)
    assert repo.apply().code == 0
    repo.put("campaign", "later", stream_campaign("Later", ["norway"],
                                                  send={"at": "2030-02-01T09:00:00Z"}))
    commit(repo, "later")
    starts = repo.starts()

    gate.arm(lambda method, path: method == "PUT" and path.endswith(f"/segments/{LEASE_ID}"))
    applying = start(repo, "apply", "--auto-approve", "--format", "json")
    try:
        assert gate.held.wait(60), "apply never confirmed its lease before writing"
        git(repo.root, "remote", "set-url", "origin", str(repo.root.parent / "gone.git"))
    finally:
        gate.release()
    applied = finish(applying)
    assert repo.starts() == starts, applied.stderr
    with repo.stream() as c:
        assert c.get("/campaigns/rcl-later").status_code == 404  # not even its draft
    assert applied.code == 0, applied.stdout + applied.stderr
    assert "every change of this wave that would go live is held back" in applied.stderr
    assert "held back: campaign later: not sent: the emergency-stop record could not be " \
        "read (" in applied.stderr


def test_stream_all_live_relists_and_stops_what_an_apply_started_meanwhile(
        stream: StreamRepo, gate: Gate) -> None:
    repo = stream
    scheduled_hello(repo)
    repo.put("campaign", "later", stream_campaign("Later", ["norway"],
                                                  send={"at": "2030-02-01T09:00:00Z"}))
    commit(repo, "later")

    race_stop(gate, repo,
              lambda method, path: method == "POST" and path.endswith("/campaigns/rcl-hello/stop"),
              "later")
    assert repo.campaign("rcl-later")["status"] == "stopped"
    assert {"campaign:hello", "campaign:later"} <= set(stops(repo))


def test_a_stop_made_while_an_apply_ran_is_not_cleared_by_it() -> None:
    """Apply clears the stops of specs that changed since them, as judged when it planned;
    a newer stop of the same campaign (made while it ran) stands. Seen failing before:
    the newer stop was removed."""
    judged = Verdicts({"campaign:a": Stop("campaign:a", at="2026-12-07T14:02:09Z")},
                      frozenset(), frozenset({"campaign:a"}), {})
    newer = {"stops": {"campaign:a": {"at": "2026-12-07T14:05:00Z", "by": "oncall"}}}
    cleared(newer, judged)
    assert newer == {"stops": {"campaign:a": {"at": "2026-12-07T14:05:00Z", "by": "oncall"}}}
    same = {"stops": {"campaign:a": {"at": "2026-12-07T14:02:09Z", "by": "oncall"}}}
    cleared(same, judged)
    assert same == {}
