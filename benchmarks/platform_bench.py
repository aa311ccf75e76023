"""Apply and plan of 1,000 Stream or Smartech objects against the served sandbox at 50 ms.

Each figure is the whole `reconciler` process's wall time over its ideal,
requests x latency / concurrency, with the requests counted by the sandbox in
the same run: what is left above 1.0 is the client's own work that did not
hide behind the API's latency (start-up, spec loading, per-request work). Beside it,
the floor: the apply's own requests sent again by a bare httpx client to a fresh
sandbox, 8 at a time with no waits (benchmarks/replay_floor.py), and the reach: that
floor plus the stack's start-up.

Stream: 100 segments and 900 campaigns. Smartech: 1,000 campaigns, email and
app push alternating (Smartech audiences are lists kept in Smartech; specs only
name them).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import uuid
from pathlib import Path
from typing import Any

from benchmarks.common import Server, cli, served
from benchmarks.replay_floor import replay_floor

LATENCY = 0.050
CONCURRENCY = 8


def _config(root: Path, env: dict[str, object]) -> None:
    (root / "campaigns").mkdir(parents=True, exist_ok=True)
    (root / "audiences").mkdir(parents=True, exist_ok=True)
    (root / "reconciler.yaml").write_text(json.dumps(
        {"default_env": "bench", "envs": {"bench": {**env, "concurrency": CONCURRENCY}},
         "safety": {"max_change_percent": 100}}) + "\n")


def stream_repo(root: Path, server: Server, objects: int) -> dict[str, str]:
    """A Stream repo of `objects` specs (a tenth segments); the env vars its runs need."""
    from reconciler.sandbox.stream import SANDBOX_SECRET

    _config(root, {"provider": "stream", "api_url": server.base_url + "/stream",
                   "api_key": f"bench-{uuid.uuid4().hex[:8]}"})
    segments = max(1, objects // 10)
    for i in range(segments):
        (root / "audiences" / f"s{i}.yaml").write_text(json.dumps(
            {"type": "user", "name": f"Segment {i}", "filter": {"country": {"$eq": "NO"}}}))
    for i in range(objects - segments):
        (root / "campaigns" / f"c{i}.yaml").write_text(json.dumps(
            {"name": f"Campaign {i}", "segments": [f"s{i % segments}"], "sender_id": "bot",
             "message_template": {"text": f"Hi {{{{ receiver.name }}}} number {i}"}}))
    return {"STREAM_API_SECRET": SANDBOX_SECRET}


def smartech_repo(root: Path, server: Server, objects: int) -> dict[str, str]:
    """A Smartech repo of `objects` campaigns, email and app push alternating. It is a git
    checkout with a bare `origin` beside it, as a user's is: app push pins are pushed
    to origin's refs/reconciler/state/<env> (issue 26; one push per wave for the drafts
    before their sends, one for what the wave did), and those pushes are part of what
    the row measures."""
    _config(root, {"provider": "smartech", "api_url": server.base_url + "/smartech"})
    origin = root.parent / f"{root.name}-origin.git"
    for args, cwd in ((["init", "-q", "--bare", str(origin)], root.parent),
                      (["init", "-q", "-b", "main"], root),
                      (["remote", "add", "origin", str(origin)], root)):
        subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)
    for i in range(objects):
        if i % 2:
            doc: dict[str, object] = {
                "channel": "email", "name": f"Campaign {i}", "template_id": 877,
                "sender_details": {"sender_name": "Acme", "sender_email": "news@acme.example"},
                "subject_line": f"Hello number {i}"}
        else:
            doc = {"channel": "apn", "name": f"Campaign {i}", "app_ids": ["acme-android"],
                   "template_id": "4021"}
        (root / "campaigns" / f"c{i}.yaml").write_text(json.dumps(doc))
    return {"SMARTECH_API_KEY": f"sm-{uuid.uuid4().hex[:12]}"}


def bench_platform(tmp: Path, platform: str, objects: int, runs: int = 1) -> dict[str, Any]:
    """Apply (all creates), then a no-change plan: wall, requests and ratio to the ideal.
    With `runs` > 1, each run in a sandbox and repo of its own; the figures are the
    medians (the requests of every run are the same: asserted)."""
    every = [_one_run(tmp / f"run{i}", platform, objects) for i in range(runs)]
    for key in ("apply_requests", "plan_requests"):
        assert len({r[key] for r in every}) == 1, [r[key] for r in every]
    median = {key: statistics.median(r[key] for r in every) for key in every[0]}
    floor = replay_floor(tmp / f"{platform}-floor", REPOS[platform], objects)
    assert floor["floor_requests"] == median["apply_requests"], floor
    return {**median, "apply_ratios": [r["apply_ratio"] for r in every], **floor}


REPOS = {"stream": stream_repo, "smartech": smartech_repo}


def _one_run(tmp: Path, platform: str, objects: int) -> dict[str, float]:
    make = REPOS[platform]
    tmp.mkdir(parents=True, exist_ok=True)
    with served(tmp / f"{platform}.db", latency_ms=int(LATENCY * 1000)) as server:
        root = tmp / platform
        env = make(root, server, objects)
        server.reset_stats()
        apply_wall, proc = cli(root, "apply", "--auto-approve", "--format", "json", env=env)
        assert proc.returncode == 0, proc.stderr[-2000:]
        apply_requests = server.stats()["total"]
        server.reset_stats()
        plan_wall, proc = cli(root, "plan", "--format", "json", "--detailed-exitcode", env=env)
        assert proc.returncode == 0, proc.stderr[-2000:]
        plan_requests = server.stats()["total"]
    ideal = LATENCY / CONCURRENCY
    return {"apply_s": apply_wall, "apply_requests": apply_requests,
            "apply_ratio": apply_wall / (apply_requests * ideal),
            "plan_s": plan_wall, "plan_requests": plan_requests,
            "plan_ratio": plan_wall / (plan_requests * ideal)}
