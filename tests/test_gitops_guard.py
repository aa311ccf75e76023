"""Apply in CI checks the commit and the GitHub environment before any write.

Driven through `reconciler gitops check-apply` with a fake `gh` on PATH that
answers the GitHub API from a JSON file: an old commit applied after a newer
one, a dispatch from another branch, and a renamed env whose GitHub
environment GitHub would create unprotected are all refused with one line.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from reconciler.gitops import guard
from tests.helpers import git, git_checkout, run_cli

OLD, NEW = "1" * 40, "2" * 40
REPO = "acme/campaigns"
PROTECTED = {"name": "production", "protection_rules": [{"id": 1, "type": "required_reviewers"}]}
UNPROTECTED = {"name": "prod", "protection_rules": []}

FAKE_GH = f"""#!{sys.executable}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_GH_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
answers = json.load(open(os.environ["FAKE_GH_API"]))
if args[0] == "api" and args[1] in answers:
    print(json.dumps(answers[args[1]]))
else:
    print("gh: Not Found (HTTP 404)", file=sys.stderr)
    sys.exit(1)
"""


def config(env: str, extra: str = "") -> str:
    return (f"envs:\n  {env}:\n    api_url: https://dashboard.localytics.invalid/api/v6\n"
            f"    org_id: 7\n    app_id: live\n{extra}")


class GitHub:
    """A repo folder, a fake gh and the API answers it gives."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        tmp.mkdir(exist_ok=True)
        self.answers: dict[str, object] = {
            f"repos/{REPO}/git/ref/heads/main": {"ref": "refs/heads/main",
                                                 "object": {"sha": NEW, "type": "commit"}},
            f"repos/{REPO}/environments/production": PROTECTED,
            f"repos/{REPO}/environments/prod": UNPROTECTED,
        }
        (tmp / "bin").mkdir()
        gh = tmp / "bin" / "gh"
        gh.write_text(FAKE_GH)
        gh.chmod(0o755)

    def check(self, env: str, cfg: str, sha: str = NEW, ref: str = "refs/heads/main") \
            -> tuple[int, str, str]:
        (self.tmp / "reconciler.yaml").write_text(cfg)
        (self.tmp / "api.json").write_text(json.dumps(self.answers))
        return run_cli(["gitops", "check-apply", "--env", env], cwd=self.tmp, env={
            "PATH": f"{self.tmp / 'bin'}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_REPOSITORY": REPO, "GITHUB_REF": ref, "GITHUB_SHA": sha,
            "FAKE_GH_API": str(self.tmp / "api.json"), "FAKE_GH_LOG": str(self.tmp / "gh.log"),
        })

    def calls(self) -> list[list[str]]:
        log = self.tmp / "gh.log"
        return [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture
def github(tmp_path: Path) -> GitHub:
    return GitHub(tmp_path)


def test_the_head_of_main_in_a_protected_environment_may_apply(github: GitHub) -> None:
    code, out, err = github.check("production", config("production"))
    assert code == 0, err
    assert out.splitlines() == [f"main is at {NEW[:12]}, this run's commit",
                                "GitHub environment 'production': protected by required_reviewers"]


def test_an_old_commit_applied_after_a_newer_one_is_refused(github: GitHub) -> None:
    code, out, err = github.check("production", config("production"), sha=OLD)
    assert code == 1 and out == ""
    (line,) = err.splitlines()  # not a git checkout here: nothing to compare, so refused
    assert line.startswith(f"error: this run is for commit {OLD[:12]}, but main is now at "
                           f"{NEW[:12]}, and what each applies could not be compared ("), line
    assert line.endswith(f"so it is refused (the run for {NEW[:12]} applies the current "
                         "state)"), line


def test_a_dispatch_from_another_branch_is_refused_without_asking_github(github: GitHub) -> None:
    code, _, err = github.check("production", config("production"), ref="refs/heads/feature")
    assert code == 1 and err.splitlines() == [
        "error: apply runs only on main, not refs/heads/feature: dispatch the workflow from main"]
    assert github.calls() == []


def test_a_renamed_env_is_refused_until_its_github_environment_is_named(github: GitHub) -> None:
    # `production` renamed to `prod`: GitHub made a `prod` environment with no rules.
    code, _, err = github.check("prod", config("prod"))
    (line,) = err.splitlines()
    assert code == 1 and line.startswith(
        "error: GitHub environment 'prod' has no required reviewers and no wait timer, so "
        "apply would run without approval"), line
    # Naming the protected environment in reconciler.yaml keeps the approval.
    named = config("prod", "    github_environment: {name: production}\n")
    code, out, err = github.check("prod", named)
    assert code == 0 and "'production': protected by required_reviewers" in out, err


def test_a_missing_environment_is_refused(github: GitHub) -> None:
    code, _, err = github.check("staging", config("staging"))
    assert code == 1 and err.splitlines() == [
        "error: GitHub environment 'staging' does not exist in acme/campaigns: create it with "
        "required reviewers (Settings → Environments)"]


def test_an_env_may_opt_out_of_protection_explicitly(github: GitHub) -> None:
    opted = config("staging", "    github_environment: {name: staging, "
                              "require_protection: false}\n")
    code, out, err = github.check("staging", opted)
    assert code == 0, err
    assert "protection not required (github_environment.require_protection: false)" in out
    assert [c[1] for c in github.calls()] == [f"repos/{REPO}/git/ref/heads/main"]


def test_envs_matrix_names_the_target_app_and_github_environment(tmp_path: Path) -> None:
    (tmp_path / "reconciler.yaml").write_text(
        "default_env: sandbox\nenvs:\n  sandbox: {api_url: sandbox, org_id: 1, app_id: demo}\n"
        + config("production").split("\n", 1)[1]
        + "  prod-copy:\n    api_url: https://other.invalid/api/v6\n    org_id: 7\n"
          "    app_id: live-eu\n    github_environment: {name: Production EU}\n")
    code, out, err = run_cli(["gitops", "envs", "--remote-only", "--matrix"], cwd=tmp_path)
    assert code == 0, err
    assert json.loads(out) == [
        {"env": "production", "target": "localytics-live-7", "github_environment": "production"},
        {"env": "prod-copy", "target": "localytics-live-eu-7",
         "github_environment": "Production EU"},
    ]


def test_an_invalid_config_fails_the_env_list_with_a_comment(tmp_path: Path) -> None:
    (tmp_path / "reconciler.yaml").write_text(config("production", "    prune: maybe\n"))
    code, out, err = run_cli(["gitops", "envs", "--comment-on-error", "out/comment.md"],
                             cwd=tmp_path)
    assert code == 1 and out == ""
    (line,) = err.splitlines()
    assert line.startswith("error: reconciler.yaml:6:5: envs.production.prune:"), line
    body = (tmp_path / "out" / "comment.md").read_text()
    assert "reconciler.yaml is invalid" in body and line in body


def test_head_check_reads_the_branch_through_the_api() -> None:
    calls: list[list[str]] = []

    def gh(args: list[str]) -> str:
        calls.append(args)
        return json.dumps({"object": {"sha": NEW}})

    assert guard.check_head(REPO, "release/v1", "refs/heads/release/v1", NEW, gh) == NEW
    assert calls == [["api", f"repos/{REPO}/git/ref/heads/release%2Fv1"]]


def test_an_environment_with_only_a_branch_policy_is_not_protected(github: GitHub) -> None:
    github.answers[f"repos/{REPO}/environments/prod"] = {
        "name": "prod", "protection_rules": [{"id": 3, "type": "branch_policy"}]}
    code, _, err = github.check("prod", config("prod"))
    (line,) = err.splitlines()
    assert code == 1 and line.startswith(
        "error: GitHub environment 'prod' has no required reviewers and no wait timer"), line
    github.answers[f"repos/{REPO}/environments/prod"] = {
        "name": "prod", "protection_rules": [{"id": 3, "type": "branch_policy"},
                                             {"id": 4, "type": "wait_timer", "wait_timer": 30}]}
    code, out, err = github.check("prod", config("prod"))
    assert code == 0 and "'prod': protected by wait_timer" in out, err


def test_a_newer_head_that_reads_the_same_specs_lets_an_older_run_apply(tmp_path: Path) -> None:
    work = git_checkout(tmp_path, {"reconciler.yaml": config("production"),
                                   "campaigns/a.yaml": "name: A\n", "README.md": "hi\n"})
    commit = ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam"]

    def sha() -> str:
        return git(work, "rev-parse", "HEAD").strip()

    run, github = sha(), GitHub(tmp_path / "gh")
    (work / "README.md").write_text("more\n")
    git(work, *commit, "readme only")
    github.answers[f"repos/{REPO}/git/ref/heads/main"] = {"object": {"sha": sha()}}
    git(work, "push", "-q", "origin", "main")
    git(work, "checkout", "-q", run)  # the run's checkout: its own commit only
    code, out, err = check_in(github, work, run)
    assert code == 0, err
    assert out.splitlines()[0] == (f"main is at {sha_of(work, 'main')[:12]}; this run's commit "
                                   f"{run[:12]} reads the same specs and config, so it applies "
                                   "the current state")
    git(work, "checkout", "-q", "main")
    (work / "campaigns" / "a.yaml").write_text("name: A2\n")
    git(work, *commit, "spec change")
    git(work, "push", "-q", "origin", "main")
    github.answers[f"repos/{REPO}/git/ref/heads/main"] = {"object": {"sha": sha()}}
    git(work, "checkout", "-q", run)
    code, out, err = check_in(github, work, run)
    assert code == 1 and out == ""
    assert err.splitlines() == [
        f"error: this run is for commit {run[:12]}, but main is now at "
        f"{sha_of(work, 'main')[:12]}, which changes what apply reads (campaigns): applying "
        "this commit would undo newer merges, so it is refused (the run for "
        f"{sha_of(work, 'main')[:12]} applies the current state)"]


def sha_of(work: Path, rev: str) -> str:
    return git(work, "rev-parse", rev).strip()


def check_in(github: GitHub, work: Path, sha: str) -> tuple[int, str, str]:
    (github.tmp / "api.json").write_text(json.dumps(github.answers))
    return run_cli(["gitops", "check-apply", "--env", "production"], cwd=work, env={
        "PATH": f"{github.tmp / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_REPOSITORY": REPO, "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": sha,
        "FAKE_GH_API": str(github.tmp / "api.json"),
        "FAKE_GH_LOG": str(github.tmp / "gh.log")})
