"""A throwaway Airship repo pointed at the served sandbox's /airship API."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx

from reconciler.sandbox.airship.secret import SANDBOX_MASTER_SECRET
from tests.repo import Repo, Run

ACCEPT = "application/vnd.urbanairship+json; version=3"


def app_key() -> str:
    """A fresh project's app key: 22 word characters, as Airship's are."""
    return secrets.token_hex(11)


def airship_segment(name: str, criteria: Any = None) -> dict[str, Any]:
    return {"display_name": name, "criteria": criteria or {"tag": "vip"}}


def airship_schedule(name: str, segments: list[str], at: str = "2030-01-01T09:00:00Z",
                     **extra: Any) -> dict[str, Any]:
    return {"type": "schedule", "name": name, "segments": segments,
            "device_types": ["ios", "android"], "schedule": {"scheduled_time": at},
            "notification": {"alert": "Hello from Acme"}, **extra}


def airship_pipeline(name: str, **extra: Any) -> dict[str, Any]:
    return {"type": "pipeline", "name": name, "immediate_trigger": "first_open",
            "device_types": ["ios", "android"],
            "notification": {"alert": "Welcome to Acme"}, **extra}


@dataclass
class AirshipRepo(Repo):
    """`Repo` whose env is `provider: airship`; each repo is its own project (app key)."""

    key: str = field(default_factory=app_key)

    def write_config(self) -> None:
        env = {"provider": "airship", "api_url": self.api_url, "app_key": self.key,
               "vars": {"store_name": "Acme"}, **self.env_extra}
        doc: dict[str, Any] = {"default_env": "test", "envs": {"test": env}}
        if self.safety:
            doc["safety"] = self.safety
        self._dump(self.root / "reconciler.yaml", doc)

    def put(self, kind: str, key: str, doc: dict[str, Any]) -> Any:
        return super().put("audience" if kind == "segment" else kind, key, doc)

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Run:
        return super().run(*args, env={"AIRSHIP_MASTER_SECRET": SANDBOX_MASTER_SECRET,
                                       "AIRSHIP_TOKEN": "", **(env or {})}, timeout=timeout)

    def airship(self) -> httpx.Client:
        """Our own eyes on the sandbox, past reconciler."""
        return httpx.Client(base_url=self.api_url, auth=(self.key, SANDBOX_MASTER_SECRET),
                            headers={"Accept": ACCEPT}, timeout=30)
