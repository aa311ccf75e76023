"""`reconciler apply` on a terminal asks first (DESIGN §6): the prompt is the last gate a
person sees, so the real CLI runs here on a pseudo-terminal and is answered by typing.

"n" writes nothing and says so; "y" applies; a plan that makes a
campaign go live says so in the question itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from tests.repo import Repo, campaign


def answer(repo: Repo, typed: str) -> subprocess.CompletedProcess[str]:
    """Run `reconciler apply` with a terminal as stdin and type `typed` into it."""
    env = cli_env(repo)
    main, terminal = os.openpty()
    try:
        os.write(main, typed.encode())  # waits in the terminal until the prompt reads it
        return subprocess.run([sys.executable, "-m", "reconciler", "apply"], cwd=repo.root,
                              env=env, stdin=terminal, capture_output=True, text=True,
                              timeout=120)
    finally:
        os.close(terminal)
        os.close(main)


def cli_env(repo: Repo) -> dict[str, str]:
    """The environment of a local (not CI) run with the repo's credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCALYTICS_")}
    env.update({"LOCALYTICS_API_KEY": repo.api_key, "LOCALYTICS_API_SECRET": repo.api_secret,
                "NO_COLOR": "1"})
    env.pop("CI", None)
    env.pop("GITHUB_STEP_SUMMARY", None)
    return env


def leases(repo: Repo) -> list[dict[str, Any]]:
    return [a for a in repo.live_audiences() if a["name"].startswith("reconciler-lease")]


def test_answering_no_writes_nothing_and_says_so(repo: Repo) -> None:
    repo.put("campaign", "c", campaign("Spring sale"))
    run = answer(repo, "n\n")
    assert run.returncode == 1, run.stderr
    assert "Spring sale" in run.stderr  # the plan is shown before the question
    assert "Apply these changes? [y/N]" in run.stderr
    assert run.stderr.strip().splitlines()[-1].endswith("error: apply cancelled; nothing was changed")
    assert repo.live_campaigns() == [] and leases(repo) == []


def test_answering_yes_applies(repo: Repo) -> None:
    repo.put("campaign", "c", campaign("Spring sale"))
    run = answer(repo, "y\n")
    assert run.returncode == 0, run.stderr
    assert [c["name"] for c in repo.live_campaigns()] == ["Spring sale"]


def test_a_go_live_is_named_in_the_question(repo: Repo) -> None:
    repo.put("campaign", "c", campaign("Launch", status="active"))
    run = answer(repo, "n\n")
    assert "1 campaign will GO LIVE to real users. Apply? [y/N]" in run.stderr, run.stderr
    assert run.returncode == 1 and repo.live_campaigns() == []


def test_a_prompt_left_open_holds_no_lease_and_a_stale_answer_writes_nothing(
    repo: Repo, tmp_path: Any
) -> None:
    """While the question waits nobody is blocked; another apply creates the campaign
    meanwhile, and the "y" typed afterwards is refused: the plan made under the lease
    differs from the one confirmed (no duplicate)."""
    import threading

    repo.put("campaign", "c", campaign("Spring sale"))
    env = cli_env(repo)
    main, terminal = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "reconciler", "apply"], cwd=repo.root,
                            env=env, stdin=terminal, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    asked = threading.Event()
    err = bytearray()

    def read() -> None:
        assert proc.stderr is not None
        while chunk := proc.stderr.read1(4096):  # type: ignore[attr-defined]
            err.extend(chunk)
            if b"Apply these changes?" in err:
                asked.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert asked.wait(120), err.decode()
        assert leases(repo) == []  # the open question blocks nobody
        other = Repo(tmp_path / "other", repo.api_url, repo.org_id, repo.app_id,
                     repo.api_key, repo.api_secret)
        other.put("campaign", "c", campaign("Spring sale"))
        assert other.apply().code == 0
        os.write(main, b"y\n")
        proc.wait(timeout=120)
        reader.join(30)
    finally:
        os.close(terminal)
        os.close(main)
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=60)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    last = err.decode().strip().splitlines()[-1].split("[y/N]: ")[-1]  # the answer's line
    assert proc.returncode == 1 and last.startswith(
        "error: the live state changed while the confirmation was open, nothing applied: "
        "campaign c ('Spring sale') now exists live"), last
    assert [c["name"] for c in repo.live_campaigns()] == ["Spring sale"]
    assert leases(repo) == []
