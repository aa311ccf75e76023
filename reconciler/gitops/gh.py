"""Run the GitHub CLI (`gh`), which the hosted runners ship, with list arguments only."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

from reconciler.errors import GitHubError

# A runner takes gh's arguments and returns its stdout; tests pass a fake one.
Runner = Callable[[list[str]], str]


def run_gh(args: list[str]) -> str:
    try:
        proc = subprocess.run(["gh", *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise GitHubError("the GitHub CLI `gh` is not installed") from None
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise GitHubError(f"gh {' '.join(args[:2])} failed: {detail}")
    return proc.stdout


def gh_json(runner: Runner, args: list[str]) -> Any:
    out = runner(args)
    try:
        return json.loads(out or "null")
    except json.JSONDecodeError:
        raise GitHubError(f"gh {' '.join(args[:2])}: not JSON: {out[:200]!r}") from None
