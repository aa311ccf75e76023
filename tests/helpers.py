"""Helpers shared by the test modules: run the real CLI, build throw-away repos."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INVALID_SPECS = Path(__file__).resolve().parent / "invalid_specs"
# The tests' own copy of the example repo: the specs at the root are a user's to replace.
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run_cli(args: list[str], cwd: Path | str, env: dict[str, str] | None = None,
            timeout: float = 120) -> tuple[int, str, str]:
    """Run `python -m reconciler ARGS` in `cwd` as a real process: (exit code, stdout, stderr).

    `env` entries are added to (and override) the current environment.
    """
    full_env = {**os.environ, **(env or {})}
    full_env.pop("COLUMNS", None)
    # cache bytecode even where the image disables it: every test starts a process
    full_env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout,
    )
    return proc.returncode, proc.stdout, proc.stderr


_MODULES_PROBE = """
import json, sys
from reconciler.cli.main import main
code = 0
try:
    main(sys.argv[1:])
except SystemExit as e:
    code = e.code
sys.stderr.write("\\nMODULES " + json.dumps([code, sorted(sys.modules)]) + "\\n")
"""


def cli_modules(args: list[str], cwd: Path, env: dict[str, str] | None = None
                ) -> tuple[set[str], str, str, object]:
    """Run the real CLI's `main(ARGS)` in a fresh process: the modules it had imported by
    the end, its stdout, its stderr and its exit code. `env` entries override the
    environment; bytecode is cached as a user's Python does."""
    full = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    full.update(env or {})
    proc = subprocess.run([sys.executable, "-c", _MODULES_PROBE, *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=120)
    head, _, tail = proc.stderr.rpartition("\nMODULES ")
    assert tail, f"the probe printed no module list; stderr:\n{proc.stderr}"
    code, modules = json.loads(tail)
    return set(modules), proc.stdout, head, code


def copy_tree(src: Path, dst: Path) -> None:
    """Copy src's files over dst (symlinks copied as links)."""
    shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)


def make_repo(dst: Path, *overlays: Path) -> Path:
    """A minimal valid repo (tests/invalid_specs/_base) in dst, with overlays copied on top."""
    copy_tree(INVALID_SPECS / "_base", dst)
    for overlay in overlays:
        copy_tree(overlay, dst)
    return dst


def example_repo(dst: Path) -> Path:
    """A copy of the tests' example repo (tests/fixtures/example), never the root's specs."""
    copy_tree(FIXTURES / "example", dst)
    return dst


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` and return its stdout (raises on failure)."""
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


def git_checkout(tmp: Path, files: dict[str, str] | None = None, work: Path | None = None) -> Path:
    """A checkout of `main` (tmp/work, or `work` as it is) with `files` written and committed,
    and a bare origin (tmp/origin.git) that main is pushed to: what CI's checkout sees."""
    origin, work = tmp / "origin.git", work or tmp / "work"
    git(tmp, "init", "-q", "--bare", str(origin))
    git(tmp, "init", "-q", "-b", "main", str(work))
    for rel, text in (files or {}).items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_text(text)
    git(work, "add", ".")
    git(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "specs")
    git(work, "remote", "add", "origin", str(origin))
    git(work, "push", "-q", "origin", "main")
    return work
