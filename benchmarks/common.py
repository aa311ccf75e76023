"""Shared pieces of the benchmark scripts: a served sandbox and a generated repo."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from reconciler.sandbox.launcher import start_served

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Server:
    base_url: str
    api_url: str

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.base_url}/_sandbox/stats").json()

    def reset_stats(self) -> None:
        httpx.post(f"{self.base_url}/_sandbox/stats/reset").raise_for_status()

    def new_app(self, app_id: str) -> None:
        httpx.post(f"{self.base_url}/_sandbox/apps",
                   json={"org_id": 1, "app_id": app_id}).raise_for_status()


@contextlib.contextmanager
def served(db: Path, **flags: Any) -> Iterator[Server]:
    """A served sandbox for the length of the block; flags as `start_served` takes them."""
    process = start_served(db, **flags)
    try:
        yield Server(process.base_url, process.api_url)
    finally:
        process.stop()


def write_repo(root: Path, api_url: str, app_id: str, concurrency: int = 8) -> None:
    (root / "campaigns").mkdir(parents=True, exist_ok=True)
    (root / "audiences").mkdir(parents=True, exist_ok=True)
    (root / "reconciler.yaml").write_text(
        f"default_env: bench\nenvs:\n  bench:\n    api_url: {api_url}\n    org_id: 1\n"
        f"    app_id: {app_id}\n    concurrency: {concurrency}\n"
        "safety:\n  max_change_percent: 100\n"
    )


def campaign_yaml(name: str, audience_key: str | None = None) -> str:
    target = "  campaign_type: everyone\n"
    if audience_key:
        target = (f"  campaign_type: saved_audience\n  target_rules:\n"
                  f"    audience: [{audience_key}]\n")
    return (
        f"name: {json.dumps(name)}\nstatus: draft\ngoal: monetize\naudiences:\n{target}"
        "schedule:\n  on_schedule: {begin_date: '2027-01-15T09:00:00Z'}\n"
        "creatives:\n  - title: A\n    build_attributes: {push_message: Hello}\n"
    )


def audience_yaml(name: str) -> str:
    return (
        f"name: {json.dumps(name)}\ntarget_rules:\n  targeting_type: install_id\n"
        "  profile:\n    operator: and\n    criteria:\n"
        "      - {key: country, scope: org, operator: is one of, values: [US]}\n"
    )


def bench_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a measured reconciler process: as a user's shell has it.

    PYTHONDONTWRITEBYTECODE (set in some images and CI) is dropped: with it, and a venv
    installed without bytecode (uv's default), every run compiles pydantic and the rest
    again, which tripled `--help` and doubled validate in the figures (issue 29).
    """
    env = {**os.environ, **(extra or {})}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def cli(root: Path, *args: str, env: dict[str, str] | None = None
        ) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = bench_env({"LOCALYTICS_API_KEY": "sandbox", "LOCALYTICS_API_SECRET": "sandbox",
                     "NO_COLOR": "1", **(env or {})})
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "reconciler", *args], cwd=root, env=env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - start, proc


def seed_campaigns(server: Server, app_id: str, names: list[str], workers: int = 16) -> None:
    """Create live campaigns directly (not through reconciler), in parallel."""
    import concurrent.futures

    url = f"{server.api_url}/orgs/1/apps/{app_id}/push/campaigns"

    def make(chunk: list[str]) -> None:
        with httpx.Client(auth=("sandbox", "sandbox"), timeout=60) as c:
            for n in chunk:
                body = {
                    "name": n, "status": "draft", "goal": "monetize",
                    "audiences": {"campaign_type": "everyone"},
                    "schedule": {"on_schedule": {"begin_date": "2027-01-15T09:00:00Z"}},
                    "creatives": {"title": "A", "build_attributes": {"push_message": "Hello"}},
                }
                c.post(url, json=body).raise_for_status()

    chunks = [names[i::workers] for i in range(workers)]
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(make, chunks))


def journal_span(root: Path) -> float:
    """Seconds from the first to the last write recorded in the journal."""
    from datetime import datetime

    lines = (root / ".reconciler" / "journal.jsonl").read_text().splitlines()
    stamps = [datetime.fromisoformat(json.loads(line)["ts"]) for line in lines]
    return (max(stamps) - min(stamps)).total_seconds()


def table(rows: list[tuple[str, str, str, str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)
