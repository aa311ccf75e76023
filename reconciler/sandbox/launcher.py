"""Start `reconciler sandbox serve` as a subprocess and wait until it listens.

The test fixtures and the benchmark need a real served sandbox on a free
loopback port. Asking for port 0 and reading the machine-readable line `serve`
prints once it listens (`{"ready": {platform: url, ..., "admin_token"?}}`) avoids
both the race of picking a free port first and polling, and never parses the
human banner. Platforms are only keys here: `api_url` is the registry's default
platform's, `url(name)` any other's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reconciler.registry import DEFAULT

START_TIMEOUT = 30.0
FLAGS = ("latency_ms", "error_rate", "drop_rate", "rate_limit", "seed", "api_key", "api_secret",
         "admin_token")


@dataclass
class ServedProcess:
    """A running `reconciler sandbox serve` and the URL it announced."""

    api_url: str  # the default platform's, at the root of the main port
    process: subprocess.Popen[bytes] = field(repr=False)
    urls: dict[str, str] = field(default_factory=dict)  # every platform's, from the ready line
    admin_token: str | None = field(default=None, repr=False)  # what /_sandbox/ needs, if any

    @property
    def base_url(self) -> str:
        """The main port's root (where the default platform is mounted)."""
        return urlsplit(self.api_url)._replace(path="").geturl()

    def url(self, platform: str) -> str:
        """`platform`'s API URL: under its prefix, or the root of its `--port-for` port."""
        return self.urls[platform]

    def stop(self) -> None:
        """Terminate (SIGTERM, then SIGKILL after 10 s) and close the pipe."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_served(db: Path, **flags: Any) -> ServedProcess:
    """Serve a sandbox over `db` on 127.0.0.1 and a free port.

    `flags` are serve's options in Python spelling (`latency_ms=50`,
    `error_rate=0.1`, `seed=1`, `api_key=…`) plus `apps=[(org, app), …]` and
    `ports={platform: port}` (`--port-for`, 0 for a free one).
    The server's stderr goes to `db` with a `.log` suffix and is quoted if
    it fails to start.
    """
    unknown = set(flags) - set(FLAGS) - {"apps", "ports"}
    if unknown:
        raise TypeError(f"unknown sandbox flag(s): {', '.join(sorted(unknown))}")
    args = [sys.executable, "-m", "reconciler", "sandbox", "serve", "--host", "127.0.0.1",
            "--port", "0", "--db", str(db)]
    for name in FLAGS:
        if flags.get(name) is not None:
            args += ["--" + name.replace("_", "-"), str(flags[name])]
    for org_id, app_id in flags.get("apps", ()):
        args += ["--app", f"{org_id}:{app_id}"]
    for platform, port in flags.get("ports", {}).items():
        args += ["--port-for", f"{platform}={port}"]
    db.parent.mkdir(parents=True, exist_ok=True)
    log_path = db.with_suffix(".log")
    with log_path.open("wb") as log:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    ready = _ready(proc.stdout)
    if ready is None:
        ServedProcess(api_url="", process=proc).stop()
        errors = log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"sandbox did not start (no ready line)\n{errors}")
    token = ready.pop("admin_token", None)
    return ServedProcess(api_url=ready[DEFAULT], process=proc, urls=ready, admin_token=token)


def _ready(stdout: Any) -> dict[str, str] | None:
    """The ready line's map, read within START_TIMEOUT; None if serve ended or said nothing."""
    found: list[dict[str, str]] = []

    def read() -> None:
        for raw in iter(stdout.readline, b""):
            try:
                line = json.loads(raw)
            except ValueError:
                continue  # the human banner, or anything else before the ready line
            if isinstance(line, dict) and isinstance(line.get("ready"), dict):
                found.append(line["ready"])
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(START_TIMEOUT)
    return found[0] if found else None
