"""It comes back to git (issue 31): an emergency stop comes back as the env's drift pull
request, titled as the stop with who and when, its body in words, its diff the stopped
state; merging it makes the next plan show no change, and the next apply clears the stop.

The drift job as GitHub runs it (action.yml's plan step, drift.yml's drift-pr step) on a
real git repo with a bare origin, the served sandbox and a fake `gh`
(tests.test_gitops_drift_pr). The stop is made as `reconciler stop` makes it: the
campaign back to draft through the sandbox's API, the entry written with StateRef.update.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.gitops.staterecord import StateRef
from tests.helpers import git
from tests.repo import SECRET
from tests.sandbox_fixtures import ServedSandbox
from tests.test_gitops_drift_pr import BRANCH, ENV, PLAN_STEP, DriftJob, changed_lines, step_of

SPEC = "campaigns/feature-launch.yaml"
NAME = "Wishlist feature launch"
STOP_YML = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "stop.yml"
STOP_STEP = step_of(STOP_YML, "stop", "Stop")
PROPOSE_STEP = step_of(STOP_YML, "stop", "Propose the stopped state as the drift pull request")
TITLE = (f"Emergency stop in {ENV}: {NAME} stopped by oncall-ana at 14:02 UTC on "
         "2026-12-07")


@pytest.fixture
def stopped(sandbox_factory: Callable[..., ServedSandbox], tmp_path: Path) -> DriftJob:
    job = DriftJob(sandbox_factory(api_secret=SECRET), tmp_path)
    applied = job.cli("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stderr
    job.edit(NAME, lambda d: d.update(status="draft"))  # the platform's stop
    entry = {"id": job.campaign_id(NAME), "kind": "campaign", "name": NAME,
             "at": "2026-12-07T14:02:09Z", "by": "oncall-ana",
             "commit": git(job.work, "rev-parse", "HEAD").strip(), "path": SPEC,
             "blob": git(job.work, "rev-parse", f"HEAD:{SPEC}").strip(), "state": "draft"}
    StateRef(job.work, ENV).update(
        lambda doc: doc.setdefault("stops", {}).update({"campaign:feature-launch": entry}),
        "stop campaign:feature-launch")
    return job


def test_the_stop_comes_back_as_a_pull_request_in_words(stopped: DriftJob) -> None:
    job = stopped
    run = job.drift()
    assert run.code == 0, run.log
    (pr,) = job.prs()
    assert pr["title"] == TITLE and pr["headRefName"] == BRANCH
    body = pr["body"]
    assert f"## Emergency stop in `{ENV}`: bring git in line" in body
    assert (f"- campaign `feature-launch` {NAME} (live id {job.campaign_id(NAME)}): stopped "
            "by an emergency stop at 14:02 UTC on 2026-12-07 by oncall-ana") in body
    assert "git then agrees with the platform" in body
    assert "**To send one again**" in body
    assert "Dashboard edits to adopt" not in body  # nothing else was edited
    assert job.pr_diff("--name-only").split() == [SPEC]
    assert changed_lines(job.pr_diff()) == ["-status: active", "+status: draft"]
    on_branch = git(job.origin, "show", f"{BRANCH}:{SPEC}")
    assert "# The one active campaign: goes live at each user's best time." in on_branch

    # merged: git agrees with the platform, and the next apply clears the stop
    git(job.work, "fetch", "-q", "origin", BRANCH)
    git(job.work, "merge", "-q", "--ff-only", "FETCH_HEAD")
    git(job.work, "push", "-q", "origin", "HEAD:refs/heads/main")
    assert job.cli("plan", "--detailed-exitcode").returncode == 0
    applied = job.cli("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stderr
    assert StateRef(job.work, ENV).read().stops == {}
    with job.api() as c:
        assert c.get(f"/push/campaigns/{job.campaign_id(NAME)}").json()["status"] == "draft"


def test_stop_yml_end_to_end(sandbox_factory: Callable[..., ServedSandbox],
                             tmp_path: Path) -> None:
    """stop.yml's own steps as GitHub runs them: `reconciler stop`, the action's plan step,
    the drift-pr step (skipped until the stop command, on another branch, is merged)."""
    pytest.importorskip("reconciler.cli.stop", reason="`reconciler stop` is not on this branch")
    job = DriftJob(sandbox_factory(api_secret=SECRET), tmp_path)
    assert job.cli("apply", "--auto-approve").returncode == 0
    creds = {"LOCALYTICS_API_KEY": job.served.api_key,
             "LOCALYTICS_API_SECRET": job.served.api_secret, "STREAM_API_SECRET": "",
             "SMARTECH_API_KEY": "", "AIRSHIP_MASTER_SECRET": "", "AIRSHIP_TOKEN": ""}
    stop = STOP_STEP["env"].keys() - {"GH_TOKEN"}
    env = {"ENV_NAME": ENV, "KEYS": "feature-launch", "ALL_LIVE": "false", "NO_COLOR": "1",
           "GITHUB_ACTOR": "oncall-ana", **creds}
    assert stop <= set(env), "a stop step variable the test does not set"
    stopped, _ = job.script(STOP_STEP["run"], env)
    assert stopped.code == 0, stopped.log
    with job.api() as c:
        assert c.get(f"/push/campaigns/{job.campaign_id(NAME)}").json()["status"] == "draft"
    sha = git(job.work, "rev-parse", "HEAD").strip()
    plan, out = job.script(PLAN_STEP["run"], {
        "INPUT_ENV": ENV, "INPUT_CONFIG": "reconciler.yaml", "GH_TOKEN": "token",
        "RECONCILER_TRUSTED_CONFIG": "", "FORK": "false", "COMMIT": sha, **creds})
    assert plan.code == 0 and out["exitcode"] == "2", plan.log
    proposed, _ = job.script(PROPOSE_STEP["run"], {
        "GH_TOKEN": "token", "GH_REPO": "acme/c", "ENV_NAME": ENV,
        "EXIT_CODE": out["exitcode"], "PLAN_DIR": out["dir"], "GITHUB_REF_NAME": "main",
        "GITHUB_SHA": sha, **creds})
    assert proposed.code == 0, proposed.log
    (pr,) = job.prs()
    assert pr["title"].startswith(f"Emergency stop in {ENV}: {NAME} stopped by ")
    assert changed_lines(job.pr_diff()) == ["-status: active", "+status: draft"]
