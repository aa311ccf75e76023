"""What apply checks in CI before it may write: the commit, and the GitHub environment.

An apply run must apply what the current head of its branch says: a re-run of
an old run would otherwise apply an old commit over newer merges, and a manual
dispatch from another branch would apply that branch. What counts is what apply
reads (reconciler.yaml and every env's spec folders, compared by git tree id),
not the commit id: a run whose commit reads the same as the head goes on, so a
README-only merge after a spec change does not leave the reviewed change
unapplied. And it must run inside a GitHub environment that makes someone or
something wait (required reviewers or a wait timer; a branch policy alone only
says which branch may deploy), because a job that names a missing environment
makes GitHub create it, unprotected, on the spot: renaming an env would
otherwise move production applies out from behind approval without anyone
deciding so. Both questions go to the GitHub API through `gh`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from reconciler.config.models import EnvConfig
from reconciler.errors import GitHubError
from reconciler.gitops.gh import Runner, gh_json


@dataclass(frozen=True)
class GitHubEnvironment:
    """The GitHub environment an env's apply runs in, and whether it must be protected."""

    name: str
    require_protection: bool = True


def github_environment(env_name: str, env: EnvConfig) -> GitHubEnvironment:
    """From `github_environment:` in reconciler.yaml; by default named like the env."""
    declared = env.github_environment
    if declared is None:
        return GitHubEnvironment(env_name)
    return GitHubEnvironment(declared.name, declared.require_protection)


# (run's commit, head) -> the paths apply reads that differ; GitHubError: cannot compare
Differing = Callable[[str, str], list[str]]
HOLDING = ("required_reviewers", "wait_timer")  # rules that make an apply wait


def check_head(repo: str, branch: str, ref: str, sha: str, runner: Runner,
               differing: Differing | None = None) -> str:
    """Refuse unless this run is for `branch` and `sha` applies what that branch's head
    says right now (the same commit, or the same tree for every path apply reads)."""
    if ref != f"refs/heads/{branch}":
        raise GitHubError(f"apply runs only on {branch}, not {ref or 'an unknown ref'}: "
                          f"dispatch the workflow from {branch}")
    found = gh_json(runner, ["api", f"repos/{repo}/git/ref/heads/{quote(branch, safe='')}"])
    head = (found or {}).get("object", {}).get("sha", "") if isinstance(found, dict) else ""
    if not head:
        raise GitHubError(f"could not read the head of {branch} in {repo}")
    if head == sha:
        return head
    moved = f"this run is for commit {sha[:12]}, but {branch} is now at {head[:12]}"
    if differing is None:
        raise GitHubError(f"{moved}: applying it would undo newer merges, so it is refused "
                          f"(the run for {head[:12]} applies the current state)")
    try:
        paths = differing(sha, head)
    except GitHubError as e:
        raise GitHubError(f"{moved}, and what each applies could not be compared ({e}), so "
                          f"it is refused (the run for {head[:12]} applies the current "
                          "state)") from None
    if paths:
        shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        raise GitHubError(f"{moved}, which changes what apply reads ({shown}): applying this "
                          f"commit would undo newer merges, so it is refused (the run for "
                          f"{head[:12]} applies the current state)")
    return head


def check_environment(repo: str, wanted: GitHubEnvironment, runner: Runner) -> str:
    """Refuse unless the GitHub environment exists with protection rules (or opts out).

    Returns a one-line description of what was found, for the log.
    """
    if not wanted.require_protection:
        return (f"GitHub environment {wanted.name!r}: protection not required "
                "(github_environment.require_protection: false)")
    path = f"repos/{repo}/environments/{quote(wanted.name, safe='')}"
    try:
        found = gh_json(runner, ["api", path])
    except GitHubError as e:
        if "404" in str(e) or "Not Found" in str(e):
            found = None
        else:
            raise
    if not isinstance(found, dict):
        raise GitHubError(f"GitHub environment {wanted.name!r} does not exist in {repo}: "
                          "create it with required reviewers (Settings → Environments)")
    rules = [r.get("type", "?") for r in found.get("protection_rules") or []
             if isinstance(r, dict) and _holds(r)]
    if not rules:
        raise GitHubError(
            f"GitHub environment {wanted.name!r} has no required reviewers and no wait timer, "
            "so apply would run without approval (a branch policy alone does not count): "
            "add required reviewers to it (Settings → Environments), name the protected one "
            "in reconciler.yaml (github_environment: {name: ...}), or opt out with "
            "github_environment: {name: ..., require_protection: false}")
    return f"GitHub environment {wanted.name!r}: protected by {', '.join(rules)}"


def _holds(rule: dict[str, object]) -> bool:
    """A rule that makes an apply wait: required reviewers, or a wait timer above 0."""
    kind = rule.get("type")
    if kind == "wait_timer":
        timer = rule.get("wait_timer")
        return not isinstance(timer, int) or timer > 0
    return kind in HOLDING
