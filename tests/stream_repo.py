"""A throwaway Stream Chat repo pointed at the served sandbox's /stream API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from reconciler.sandbox.stream import SANDBOX_SECRET
from reconciler.stream.client import server_token
from tests.repo import Repo, Run


def segment(name: str, **source: Any) -> dict[str, Any]:
    return {"type": "user", "name": name, **(source or {"filter": {"country": {"$eq": "NO"}}})}


def stream_campaign(name: str, segments: list[str], text: str = "Hi {{ receiver.name }}",
                    **extra: Any) -> dict[str, Any]:
    return {"name": name, "segments": segments, "sender_id": "bot",
            "message_template": {"text": text}, **extra}


@dataclass
class StreamRepo(Repo):
    """`Repo` whose env is `provider: stream`; each repo is its own Stream app (api key)."""

    secret: str = SANDBOX_SECRET
    stream_key: str = field(default_factory=lambda: f"key-{uuid.uuid4().hex[:12]}")

    def write_config(self) -> None:
        env = {"provider": "stream", "api_url": self.api_url, "api_key": self.stream_key,
               "vars": {"store_name": "Acme"}, **self.env_extra}
        self._dump(self.root / "reconciler.yaml", {"default_env": "test", "envs": {"test": env}})

    def put(self, kind: str, key: str, doc: dict[str, Any]) -> Any:
        return super().put("audience" if kind == "segment" else kind, key, doc)

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Run:
        return super().run(*args, env={"STREAM_API_SECRET": self.secret, **(env or {})},
                           timeout=timeout)

    def stream(self) -> httpx.Client:
        """Our own eyes on the sandbox, past reconciler."""
        return httpx.Client(base_url=self.api_url, params={"api_key": self.stream_key},
                            headers={"Authorization": server_token(SANDBOX_SECRET),
                                     "Stream-Auth-Type": "jwt"}, timeout=30)

    def campaign(self, cid: str) -> dict[str, Any]:
        with self.stream() as c:
            return c.get(f"/campaigns/{cid}").json()["campaign"]  # type: ignore[no-any-return]

    def knobs(self, **knobs: Any) -> None:
        httpx.post(f"{self.api_url}/_sandbox/config", json={"api_key": self.stream_key, **knobs},
                   timeout=10).raise_for_status()

    def throttled(self) -> int:
        r = httpx.get(f"{self.api_url}/_sandbox/throttled", params={"api_key": self.stream_key},
                      timeout=10)
        return int(r.raise_for_status().json()["429"])

    def starts(self) -> dict[str, int]:
        r = httpx.get(f"{self.api_url}/_sandbox/starts", params={"api_key": self.stream_key},
                      timeout=10)
        return r.raise_for_status().json()  # type: ignore[no-any-return]
