"""kill -9 of apply at random points, and two applies started at once.

kill -9 leaves no chance to clean up: the next apply must still converge with
no duplicates, and the journal must be valid JSON lines up to the kill (each
line is one write of a whole line, flushed at once; a torn last line is
tolerated by `read_journal` and closed off by the next run's Journal). The
default profile kills `KILLS` times; RECONCILER_SLOW=1 kills `SLOW_KILLS`.
"""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reconciler.apply.journal import Journal, read_journal
from tests.repo import Repo, audience, campaign
from tests.strategies import SLOW

KILLS = 4
SLOW_KILLS = 10


def start_apply(repo: Repo) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCALYTICS_")}
    env.update({"LOCALYTICS_API_KEY": repo.api_key, "LOCALYTICS_API_SECRET": repo.api_secret})
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--format", "json"],
        cwd=repo.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        stdin=subprocess.DEVNULL,
    )


def no_duplicates(repo: Repo) -> None:
    names = [c["name"] for c in repo.live_campaigns() + repo.live_campaigns(archived=True)]
    names += [a["name"] for a in repo.live_audiences()]
    assert [n for n, k in collections.Counter(names).items() if k > 1] == []


def journal_lines(path: Path) -> tuple[int, bool]:
    """(complete entries, whether the last line is torn); every complete line must parse."""
    if not path.exists():
        return 0, False
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    torn = lines.pop() != b""
    for line in lines:
        if line:
            entry = json.loads(line)
            assert {"ts", "env", "kind", "name", "status"} <= set(entry)
    return sum(1 for line in lines if line), torn


@pytest.mark.slow
def test_kill_9_at_random_points_then_apply_converges(sandbox_factory, repo_on) -> None:
    server = sandbox_factory(latency_ms=60, seed=3)
    repo: Repo = repo_on(server, env_extra={"concurrency": 2},
                         safety={"max_change_percent": 100})
    repo.write_config()
    journal = repo.root / ".reconciler" / "journal.jsonl"
    rng = random.Random(20261123)
    kills = SLOW_KILLS if SLOW else KILLS
    killed_with_writes = torn_seen = 0
    for round_ in range(kills):
        repo.put("audience", f"a{round_}", audience(f"Audience {round_}", event=f"E{round_}"))
        for i in range(8):
            repo.put("campaign", f"c{i}", campaign(f"Campaign {i}", [f"a{i % (round_ + 1)}"],
                                                   message=f"round {round_}"))
        repo.put("campaign", f"new{round_}", campaign(f"New {round_}"))
        before, _ = journal_lines(journal)
        proc = start_apply(repo)
        time.sleep(rng.uniform(0.3, 2.5))  # anywhere from loading to mid-writes to done
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        after, torn = journal_lines(journal)
        killed_with_writes += after > before
        torn_seen += torn
        if journal.exists():
            assert len(read_journal(journal)) == after
        no_duplicates(repo)
        run = repo.apply()
        assert run.code == 0, run.stderr
        no_duplicates(repo)
        assert repo.plan("--detailed-exitcode").code == 0
    live = sorted(c["name"] for c in repo.live_campaigns())
    assert live == sorted([f"Campaign {i}" for i in range(8)] + [f"New {r}" for r in range(kills)])
    print(f"\nkill -9: {kills} kills, {killed_with_writes} mid-apply with writes journaled, "
          f"{torn_seen} torn journal lines")


def test_a_torn_journal_line_is_skipped_and_closed_off(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_text('{"ts":"t","env":"e","kind":"campaign","name":"A","status":"applied"}\n'
                    '{"ts":"t","env":"e","kind":"camp')
    journal = Journal(path, "e")
    journal.record(kind="campaign", name="B", status="applied")
    journal.close()
    assert [e["name"] for e in read_journal(path)] == ["A", "B"]
    assert path.read_text().splitlines()[1] == '{"ts":"t","env":"e","kind":"camp'


def test_two_applies_started_at_once_one_is_refused_by_the_lock(sandbox_factory,
                                                                 repo_on) -> None:
    server = sandbox_factory(latency_ms=150)
    repo: Repo = repo_on(server, env_extra={"concurrency": 2})
    repo.write_config()
    for i in range(10):
        repo.put("campaign", f"c{i}", campaign(f"Campaign {i}"))
    procs = [start_apply(repo), start_apply(repo)]
    outputs = [p.communicate(timeout=120) for p in procs]
    results = [(p.returncode, out, err) for p, (out, err) in zip(procs, outputs, strict=True)]
    codes = sorted(code for code, _, _ in results)
    refused = [err for code, _, err in results if code == 1]
    assert codes == [0, 1], results
    assert "another apply is running here" in refused[0] and "apply.lock" in refused[0]
    assert len(refused[0].strip().splitlines()) == 1
    no_duplicates(repo)
    assert sorted(c["name"] for c in repo.live_campaigns()) == sorted(
        f"Campaign {i}" for i in range(10))
    assert repo.plan("--detailed-exitcode").code == 0
