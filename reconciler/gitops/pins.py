"""Pin pull requests: a copy of apply's pins into the spec files, proposed for review.

The record of what apply created (Smartech app push: `id:` and `pin:`) is the
env's ref refs/reconciler/state/<env> (reconciler.gitops.staterecord), written
before each send, and plan and apply read it. A CI checkout is thrown away
after the job, so in CI the pins apply wrote into spec files are also proposed
as one pull request per env, on branch `reconciler/pins-<env>` (opened or
updated with a new commit, never a force-push), so the files say what the
record says. It is a convenience only: refusing, closing or losing it loses
nothing, and only this repository's own bot pull request on that branch is
updated (a fork's branch of the same name is neither read nor edited).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.errors import GitHubError
from reconciler.gitops.gh import Runner, gh_json
from reconciler.gitops.issue import is_bot

Git = Callable[[list[str], Path], str]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false")


def branch(env: str) -> str:
    return f"reconciler/pins-{env}"


@dataclass(frozen=True)
class PinPr:
    number: int
    url: str


def open_pin_pr(env: str, runner: Runner) -> PinPr | None:
    """The open pin pull request of `env`: the bot's, from this repository, or None."""
    found = gh_json(runner, ["pr", "list", "--head", branch(env), "--state", "open",
                             "--json", "number,url,author,isCrossRepository",
                             "--limit", "10"]) or []
    for pr in sorted(found, key=lambda p: p.get("number", 0)):
        if pr.get("isCrossRepository") or not is_bot(pr.get("author")):
            continue
        return PinPr(int(pr["number"]), str(pr.get("url") or ""))
    return None


def run_git(args: list[str], cwd: Path) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        words = [a for i, a in enumerate(args) if a != "-c" and (i == 0 or args[i - 1] != "-c")]
        raise GitHubError(f"git {' '.join(words[:2])} failed: {detail}")
    return proc.stdout


# In CI the checkout keeps no credentials (persist-credentials: false): for a push,
# git asks gh, which holds GH_TOKEN, and nothing is written to .git/config.
GH_CREDENTIALS = ["-c", "credential.helper=", "-c", "credential.helper=!gh auth git-credential"]


def push(git: Git, cwd: Path, refspec: str) -> None:
    """`git push origin REFSPEC` with gh as the only credential source."""
    git([*GH_CREDENTIALS, "push", "--quiet", "origin", refspec], cwd)


def body(env: str, pins: Mapping[str, Mapping[str, Any]]) -> str:
    rows = "\n".join(f"| `{k}` | {pins[k].get('id', 'unknown')} |" for k in sorted(pins))
    return (f"## Campaign ids to pin: {env}\n\n"
            "apply created these campaigns; the platform cannot find them again. Their ids "
            f"are recorded in this repository's ref `refs/reconciler/state/{env}` before "
            "each send, and plan and apply read them there; merging this pull request copies "
            "them into the spec files. Closing it loses nothing.\n\n"
            f"| spec | id (this run) |\n|---|---|\n{rows}\n")


def propose(env: str, root: Path, pins: Mapping[str, tuple[str, Mapping[str, Any]]],
            runner: Runner, git: Git = run_git) -> PinPr:
    """Commit `pins` ({key: (spec path relative to root, values)}) onto the env's pin
    branch (on top of its open pull request, else of HEAD) and open or update the PR."""
    # here, not at the top: ruamel and the spec models are needed only to write a pin PR,
    # and every apply imports this module (issue 29)
    from reconciler.workspace.pins import pin_file

    existing = open_pin_pr(env, runner)
    top = Path(git(["rev-parse", "--show-toplevel"], root).strip())
    base = "HEAD"
    if existing is not None:
        git(["fetch", "origin", branch(env)], top)
        base = "FETCH_HEAD"
    with tempfile.TemporaryDirectory(prefix="reconciler-pins-") as tmp:
        work = Path(tmp) / "tree"
        git(["worktree", "add", "--detach", str(work), base], top)
        try:
            inside = root.resolve().relative_to(top.resolve())
            from reconciler.workspace.pins import pin_file  # ruamel, for this write only

            for _key, (rel, values) in pins.items():
                pin_file(work / inside / rel, values)
                git(["add", str(inside / rel)], work)
            git(["-c", "user.name=reconciler", "-c", "user.email=reconciler@users.noreply",
                 "commit", "-m", f"Pin campaign ids created by apply ({env})"], work)
            push(git, work, f"HEAD:refs/heads/{branch(env)}")
        finally:
            git(["worktree", "remove", "--force", str(work)], top)
    text = body(env, {k: v for k, (_p, v) in pins.items()})
    if existing is None:
        url = runner(["pr", "create", "--head", branch(env), "--title",
                      f"Pin campaign ids: {env}", "--body", text]).strip()
        tail = url.rsplit("/", 1)[-1]
        return PinPr(int(tail) if tail.isdigit() else 0, url)
    runner(["pr", "edit", str(existing.number), "--body", text])
    return existing


def working_tree_pins(root: Path, specs: list[Any], git: Git = run_git
                      ) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """Pins written into spec files but not committed: {key: (path, {id, pin})}.

    For `reconciler gitops pin-pr`, when apply's own proposal could not be made.
    """
    changed = set(git(["diff", "--name-only", "--relative", "HEAD", "--", "."], root).split())
    return {s.key: (s.path, {"id": s.pin_id, "pin": dict(s.pin_state)}) for s in specs
            if s.pin_state is not None and s.pin_id is not None and s.path in changed}
