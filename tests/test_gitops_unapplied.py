"""No reviewed merge is left behind (issue 26), end to end.

A spec change is merged, then a README-only change, before the first apply run is
approved. The run for the spec change must still apply (what apply reads is the
same at both commits), the merged change must end up live, and the drift job,
run between the merge and the apply, must call it "merged, not yet applied"
rather than propose reverting it as a dashboard edit. Real git with a bare
origin, a served sandbox, action.yml's apply step and drift.yml's drift job as
GitHub runs them, and a stand-in `gh` (tests/test_gitops_drift_pr.py's, which
also answers the two API reads of check-apply here).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.gitops.staterecord import ref
from tests.helpers import git
from tests.repo import SECRET
from tests.sandbox_fixtures import ServedSandbox
from tests.test_gitops_drift_pr import ENV, FAKE_GH, ROOT, SPEC, DriftJob, Job, step_of

APPLY_STEP = step_of(ROOT / "action.yml", None, "apply")
API = '''
elif args[0] == "api" and args[1].endswith("/git/ref/heads/main"):
    print(json.dumps({"object": {"sha": os.environ["FAKE_GH_MAIN"]}}))
elif args[0] == "api" and "/environments/" in args[1]:
    print(json.dumps({"protection_rules": [{"type": "required_reviewers"}]}))
else:
    sys.exit("fake gh: unexpected'''
UNEXPECTED = '''
else:
    sys.exit("fake gh: unexpected'''
TITLE = "Come back soon"


@pytest.fixture
def drift_job(sandbox_factory: Callable[..., ServedSandbox], tmp_path: Path) -> DriftJob:
    """The drift test's repository, applied once, with a `gh` that also answers the API
    reads of check-apply (the head of main, the GitHub environment)."""
    made = DriftJob(sandbox_factory(api_secret=SECRET), tmp_path)
    assert UNEXPECTED in FAKE_GH
    (tmp_path / "fakebin" / "gh").write_text(FAKE_GH.replace(UNEXPECTED, API, 1))
    applied = made.cli("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stderr
    return made


def apply_job(job: DriftJob, sha: str, main: str) -> Job:
    """apply.yml's apply step for commit `sha` (checked out), while main is at `main`."""
    git(job.work, "checkout", "-q", sha)
    env = {"INPUT_ENV": ENV, "INPUT_CONFIG": "reconciler.yaml", "INPUT_BRANCH": "main",
           "RECONCILER_TRUSTED_CONFIG": "", "GH_TOKEN": "token", "NO_COLOR": "1",
           "LOCALYTICS_API_KEY": job.served.api_key,
           "LOCALYTICS_API_SECRET": job.served.api_secret, "STREAM_API_SECRET": "",
           "SMARTECH_API_KEY": "", "AIRSHIP_MASTER_SECRET": "", "AIRSHIP_TOKEN": "", "CI": "true", "GITHUB_REPOSITORY": "acme/c",
           "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": sha, "FAKE_GH_MAIN": main}
    assert set(APPLY_STEP["env"]) <= set(env), "an action input the test does not set"
    try:
        done, _ = job.script(APPLY_STEP["run"], env)
    finally:
        git(job.work, "checkout", "-q", "main")
    return done


def merge(job: DriftJob, message: str) -> str:
    git(job.work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", message)
    git(job.work, "push", "-q", "origin", "main")
    return git(job.work, "rev-parse", "HEAD").strip()


def live_titles(job: DriftJob) -> list[str]:
    cid = job.campaign_id("Win back lapsed buyers")
    with job.api() as c:
        doc = c.get(f"/push/campaigns/{cid}").json()
    return [item["build_attributes"]["push_title"] for item in doc["creatives"]]


def test_a_readme_merge_after_a_spec_merge_leaves_nothing_unapplied(
        drift_job: DriftJob) -> None:
    job = drift_job
    first = git(job.work, "rev-parse", "HEAD").strip()
    assert apply_job(job, first, first).code == 0  # records the applied commit
    assert json.loads(git(job.origin, "show", f"{ref(ENV)}:state.json"))["applied"]["commit"] \
        == first

    spec = job.work / SPEC
    spec.write_text(spec.read_text().replace("push_title: We miss you", f"push_title: {TITLE}"))
    reviewed = merge(job, "a reviewed spec change")
    (job.work / "README.md").write_text("# campaigns\n")
    git(job.work, "add", "README.md")
    head = merge(job, "README only")

    between = job.drift()
    assert between.code == 0, between.log
    assert "merged, not yet applied in production since" in between.log
    assert "campaign winback-lapsed-buyers" in between.log
    assert job.prs() == []  # no drift pull request reverting the reviewed change

    run = apply_job(job, reviewed, head)
    assert run.code == 0, run.log
    assert f"this run's commit {reviewed[:12]} reads the same specs and config" in run.log
    assert live_titles(job) == [TITLE, TITLE]

    after = job.drift()
    assert after.code == 0 and "no drift in production" in after.log, after.log
    assert job.prs() == []
    assert apply_job(job, head, head).code == 0  # the head's own run: nothing to change
    assert json.loads(git(job.origin, "show", f"{ref(ENV)}:state.json"))["applied"]["commit"] \
        == head
