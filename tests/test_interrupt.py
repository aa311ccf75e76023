"""Ctrl-C or SIGTERM mid-apply: in-flight writes finish, nothing new starts, journal intact."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.repo import Repo, campaign


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_mid_apply_leaves_a_journal_and_a_state_that_converges(
    sig: signal.Signals, sandbox_factory, repo_on
) -> None:
    server = sandbox_factory(latency_ms=150)
    repo: Repo = repo_on(server, env_extra={"concurrency": 2})
    repo.write_config()
    for i in range(30):
        repo.put("campaign", f"c{i:02d}", campaign(f"Campaign {i}"))
    journal = repo.root / ".reconciler" / "journal.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCALYTICS_")}
    env.update({"LOCALYTICS_API_KEY": repo.api_key, "LOCALYTICS_API_SECRET": repo.api_secret})
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--format", "json"],
        cwd=repo.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if journal.exists() and len(journal.read_text().splitlines()) >= 3:
            break
        time.sleep(0.05)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "Traceback" not in err

    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    applied = {e["name"]: e["live_id"] for e in entries if e["status"] == "applied"}
    report = json.loads(out)
    assert report["summary"]["skipped"] > 0 and report["summary"]["failed"] == 0
    assert report["summary"]["applied"] == len(applied)
    live = {c["name"]: c["id"] for c in repo.live_campaigns()}
    assert live == applied  # every write made is journaled, nothing else was written

    assert repo.apply().code == 0
    names = [c["name"] for c in repo.live_campaigns()]
    assert sorted(names) == sorted(f"Campaign {i}" for i in range(30))
