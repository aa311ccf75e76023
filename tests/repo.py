"""A throwaway campaign repo pointed at a served sandbox, driven through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from ruamel.yaml import YAML

SECRET = "s3cr3t-do-not-print-7f1c"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError:
            raise AssertionError(f"exit {self.code}, no JSON; stderr:\n{self.stderr}") from None


def audience(name: str, event: str = "Purchase", country: str = "US") -> dict[str, Any]:
    return {
        "name": name,
        "target_rules": {
            "targeting_type": "install_id",
            "behavior_profile_operator": "and",
            "behavior": {
                "days": 30,
                "behavior_rule_operator": "and",
                "rules": [{
                    "rule_type": "event", "event_name": event, "count": 1,
                    "count_operator": "atleast", "conditions": {"operator": "and", "filters": []},
                }],
            },
            "profile": {
                "operator": "and",
                "criteria": [{"key": "country", "scope": "org", "operator": "is one of",
                              "values": [country]}],
            },
        },
    }


def campaign(name: str, audiences: list[Any] | None = None, status: str = "draft",
             message: str = "Hello", creatives: int = 1) -> dict[str, Any]:
    target: dict[str, Any] = {"campaign_type": "everyone"}
    if audiences is not None:
        target = {"campaign_type": "saved_audience", "control_group_percent": 5,
                  "target_rules": {"audience": audiences}}
    items = [{"title": f"Variant {chr(65 + i)}",
              "build_attributes": {"push_title": "Sale", "push_message": f"{message} {i}"}}
             for i in range(creatives)]
    if creatives > 1:
        share = 100 // creatives
        for i, item in enumerate(items):
            item["percent"] = share + (100 - share * creatives if i == 0 else 0)
    return {
        "name": name, "status": status, "goal": "monetize",
        "audiences": target,
        "schedule": {"on_schedule": {"begin_date": "2027-01-15T09:00:00Z",
                                     "starting_time_zone_id": 0}},
        "creatives": items,
    }


@dataclass
class Repo:
    root: Path
    api_url: str
    org_id: int
    app_id: str
    api_key: str = "sandbox"
    api_secret: str = "sandbox"
    env_extra: dict[str, Any] = field(default_factory=dict)
    safety: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        (self.root / "audiences").mkdir(parents=True, exist_ok=True)
        (self.root / "campaigns").mkdir(parents=True, exist_ok=True)
        self.write_config()

    def write_config(self) -> None:
        env = {"api_url": self.api_url, "org_id": self.org_id, "app_id": self.app_id,
               "vars": {"store_name": "Acme"}, **self.env_extra}
        doc: dict[str, Any] = {"default_env": "test", "envs": {"test": env}}
        if self.safety:
            doc["safety"] = self.safety
        self._dump(self.root / "reconciler.yaml", doc)

    def put(self, kind: str, key: str, doc: dict[str, Any]) -> Path:
        path = self.root / f"{kind}s" / f"{key}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        self._dump(path, doc)
        return path

    def remove(self, kind: str, key: str) -> None:
        (self.root / f"{kind}s" / f"{key}.yaml").unlink()

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Run:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("LOCALYTICS_")}
        full_env.update({"LOCALYTICS_API_KEY": self.api_key,
                         "LOCALYTICS_API_SECRET": self.api_secret, "NO_COLOR": "1"})
        full_env.pop("GITHUB_STEP_SUMMARY", None)
        full_env.pop("CI", None)  # apply proposes pin pull requests in CI
        full_env.update(env or {})
        proc = subprocess.run(
            [sys.executable, "-m", "reconciler", *args], cwd=self.root, env=full_env,
            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
        )
        return Run(proc.returncode, proc.stdout, proc.stderr)

    def plan(self, *args: str) -> Run:
        return self.run("plan", "--format", "json", *args)

    def apply(self, *args: str) -> Run:
        return self.run("apply", "--auto-approve", "--format", "json", *args)

    # --- direct looks at the sandbox, bypassing reconciler ---------------
    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.api_url}/orgs/{self.org_id}/apps/{self.app_id}",
            auth=(self.api_key, self.api_secret), timeout=30,
        )

    def live_campaigns(self, archived: bool = False) -> list[dict[str, Any]]:
        params = {"per_page": 1000, "is_archived": int(archived)}
        return self._inspect("/campaigns", params)["campaigns"]

    def live_audiences(self) -> list[dict[str, Any]]:
        return self._inspect("/audiences")

    def _inspect(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET past the sandbox's injected faults: the test's own eyes must not fail."""
        with self.api() as c:
            for _ in range(50):
                r = c.get(path, params=params)
                if r.status_code < 500 and r.status_code != 429:
                    r.raise_for_status()
                    return r.json()
                time.sleep(0.1)
        raise AssertionError(f"sandbox kept failing GET {path}")

    @staticmethod
    def _dump(path: Path, doc: Any) -> None:
        yaml = YAML()
        yaml.default_flow_style = False
        with path.open("w", encoding="utf-8") as f:
            yaml.dump(doc, f)


def committed(repo: Repo) -> Repo:
    """The repo as a checkout of main with a bare origin it is pushed to (the home of the
    env's record, refs/reconciler/state/<env>), its files committed."""
    def git(cwd: Path, *args: str) -> None:
        subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)

    if not (repo.root / ".git").exists():
        origin = repo.root.parent / f"{repo.root.name}-origin.git"
        git(repo.root.parent, "init", "-q", "--bare", str(origin))
        git(repo.root, "init", "-q", "-b", "main")
        git(repo.root, "remote", "add", "origin", str(origin))
    git(repo.root, "add", ".")
    git(repo.root, "-c", "user.name=Ada", "-c", "user.email=a@a", "commit", "-qm", "specs")
    git(repo.root, "push", "-q", "origin", "main")
    return repo


def by_action(plan: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in plan["changes"]:
        out.setdefault(c["action"], []).append(f"{c['kind']}:{c['key'] or c['live_id']}")
    return out
