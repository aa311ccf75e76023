"""Pin pull requests (a copy of the env's record into spec files, in CI): one PR per env,
updated on its branch. Real git (a bare origin in tmp), fake gh. That the record, not
the pull request, decides what is created again: tests/test_pin_record.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reconciler.gitops.pins import branch, propose
from tests.helpers import git, git_checkout


class FakeGh:
    """Records calls; keeps the one pull request `pr create` made."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.pr: dict[str, Any] | None = None

    def __call__(self, args: list[str]) -> str:
        self.calls.append(args)
        if args[:2] == ["pr", "list"]:
            return json.dumps([self.pr] if self.pr else [])
        if args[:2] == ["pr", "create"]:
            body = args[args.index("--body") + 1]
            self.pr = {"number": 7, "url": "https://github.com/acme/c/pull/7", "body": body,
                       "author": {"login": "app/github-actions", "is_bot": True},
                       "isCrossRepository": False}
            return self.pr["url"] + "\n"
        if args[:2] == ["pr", "edit"]:
            assert self.pr is not None
            self.pr["body"] = args[args.index("--body") + 1]
        return ""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    return git_checkout(tmp_path, {f"campaigns/{key}.yaml": f"# keep me\nchannel: apn\nname: {key}\n"
                                   for key in ("p", "q")})


def test_one_pull_request_per_env_collects_pins_on_its_branch(checkout: Path) -> None:
    gh = FakeGh()
    first = propose("prod", checkout, {"p": ("campaigns/p.yaml", {"id": 5})}, gh)
    assert first.number == 7
    second = propose("prod", checkout, {"q": ("campaigns/q.yaml", {"id": 6})}, gh)
    assert second.number == 7
    assert sum(c[:2] == ["pr", "create"] for c in gh.calls) == 1
    git(checkout, "fetch", "-q", "origin")
    shown = {k: git(checkout, "show", f"origin/{branch('prod')}:campaigns/{k}.yaml")
             for k in "pq"}
    assert "# keep me" in shown["p"] and "id: 5" in shown["p"] and "id: 6" in shown["q"]
    assert "id:" not in (checkout / "campaigns" / "p.yaml").read_text()  # checkout untouched


def test_pin_pr_command_proposes_uncommitted_pins(checkout: Path, tmp_path: Path) -> None:
    (checkout / "reconciler.yaml").write_text(
        "envs:\n  prod:\n    provider: smartech\n    api_url: sandbox\n")
    (checkout / "campaigns" / "p.yaml").write_text(
        "channel: apn\nname: p\napp_ids: [a]\ntemplate_id: '1'\nid: 44\n"
        "pin: {digest: \"ab\", executed: false}\n")
    (checkout / "campaigns" / "q.yaml").unlink()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(f"#!{sys.executable}\nimport sys\n"
                                "print('[]' if sys.argv[1:3] == ['pr', 'list'] else "
                                "'https://github.com/acme/c/pull/3')\n")
    (bin_dir / "gh").chmod(0o755)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "RECONCILER_NO_CACHE": "1"}
    run = subprocess.run([sys.executable, "-m", "reconciler", "gitops", "pin-pr"], cwd=checkout,
                         env={**os.environ, **env}, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "pins of p proposed in pull request #3" in run.stdout
    git(checkout, "fetch", "-q", "origin")
    assert "id: 44" in git(checkout, "show", f"origin/{branch('prod')}:campaigns/p.yaml")
