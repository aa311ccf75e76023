"""A throwaway Netcore Smartech repo pointed at the served sandbox's /smartech APIs."""

from __future__ import annotations

import subprocess
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.repo import Repo, Run


def push_campaign(name: str, audience: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"channel": "apn", "name": name, "app_ids": ["acme-android"],
                           "template_id": "4021", "tags": ["promo"], **extra}
    if audience is not None:
        doc["send"] = {"audience": audience, "frequency_capping": True,
                       "personalization": {"store": "{{ vars.store_name }}"}}
    return doc


def email_campaign(name: str, audience: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "channel": "email", "name": name, "template_id": 877, "tags": ["newsletter"],
        "sender_details": {"sender_name": "Acme", "sender_email": "news@acme.example"},
        "subject_line": "Hello from {{ vars.store_name }}", **extra}
    if audience is not None:
        doc["send"] = {"audience": audience}
    return doc


@dataclass
class SmartechRepo(Repo):
    """`Repo` whose env is `provider: smartech`; each repo is its own account (API key)."""

    key: str = field(default_factory=lambda: f"sm-{uuid.uuid4().hex[:12]}")

    def __post_init__(self) -> None:
        """A git checkout with a bare `origin` beside it: app-push pins are recorded in
        the origin's ref refs/reconciler/state/<env> before each send."""
        super().__post_init__()
        self.origin = self.root.parent / f"{self.root.name}-origin.git"
        for args, cwd in ((["init", "-q", "--bare", str(self.origin)], self.root.parent),
                          (["init", "-q", "-b", "main"], self.root),
                          (["remote", "add", "origin", str(self.origin)], self.root)):
            subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)

    @property
    def base(self) -> str:
        return self.api_url

    def write_config(self) -> None:
        env = {"provider": "smartech", "api_url": self.base, "vars": {"store_name": "Acme"},
               **self.env_extra}
        doc: dict[str, Any] = {"default_env": "test", "envs": {"test": env}}
        if self.safety:
            doc["safety"] = self.safety
        self._dump(self.root / "reconciler.yaml", doc)

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Run:
        return super().run(*args, env={"SMARTECH_API_KEY": self.key, **(env or {})},
                           timeout=timeout)

    def _admin(self, method: str, path: str, **kwargs: Any) -> Any:
        r = httpx.request(method, f"{self.base}/_sandbox/{path}", timeout=10, **kwargs)
        return r.raise_for_status().json()

    def executions(self) -> list[dict[str, Any]]:
        return self._admin("GET", "executions", params={"api_key": self.key})  # type: ignore

    def campaigns(self) -> list[dict[str, Any]]:
        return self._admin("GET", "campaigns", params={"api_key": self.key})  # type: ignore

    def knobs(self, **knobs: Any) -> None:
        self._admin("POST", "config", json={"api_key": self.key, **knobs})

    def text(self, kind: str, key: str) -> str:
        return (self.root / f"{kind}s" / f"{key}.yaml").read_text(encoding="utf-8")
