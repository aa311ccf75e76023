"""Drift comes back as a pull request, end to end: a served sandbox, a real git repo with a
bare origin, the drift job's own scripts (action.yml's plan step, then drift.yml's step)
and a fake `gh` that keeps pull requests and issues in a JSON file.

A dashboard user edits a campaign through the sandbox's HTTP API; the drift job opens
one pull request on `reconciler/drift-<env>` whose diff against main is exactly that
field; a second edit updates the same pull request with a new commit (a fast forward);
a campaign deleted in the dashboard is listed in the body and stays in git; once an
apply restores live, the pull request is left open and the log says so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from ruamel.yaml import YAML

from reconciler.gitops.driftbody import RESTORE
from reconciler.gitops.driftpr import branch, find_prs
from tests.helpers import example_repo, git, git_checkout
from tests.markdown_view import github_acts_on
from tests.repo import SECRET
from tests.sandbox_fixtures import ServedSandbox

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENV = "production"
BRANCH = branch(ENV)
SPEC = "campaigns/winback-lapsed-buyers.yaml"
YAML_SAFE = YAML(typ="safe")

FAKE_GH = f"""#!{sys.executable}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_GH_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
path = os.environ["FAKE_GH_STATE"]
state = json.load(open(path)) if os.path.exists(path) else {{"prs": [], "issues": []}}
bot = {{"login": "app/github-actions", "is_bot": True}}
def opt(name):
    return args[args.index(name) + 1]
if args[:2] == ["pr", "list"]:
    print(json.dumps([p for p in state["prs"] if p["headRefName"] == opt("--head")]))
elif args[:2] == ["pr", "create"]:
    number = 21 + len(state["prs"])
    state["prs"].append({{"number": number, "url": f"https://github.com/acme/c/pull/{{number}}",
                         "state": "OPEN", "headRefName": opt("--head"), "base": opt("--base"),
                         "title": opt("--title"), "body": open(opt("--body-file")).read(),
                         "author": bot, "isCrossRepository": False}})
    print(f"https://github.com/acme/c/pull/{{number}}")
elif args[:2] == ["pr", "edit"]:
    for p in state["prs"]:
        if str(p["number"]) == args[2]:
            p["body"] = open(opt("--body-file")).read()
elif args[:2] == ["issue", "list"]:
    print(json.dumps([i for i in state["issues"] if i["state"] == "open"]))
elif args[:2] == ["issue", "create"]:
    state["issues"].append({{"number": 11, "title": opt("--title"), "state": "open",
                            "body": open(opt("--body-file")).read(), "author": bot}})
    print("https://github.com/acme/c/issues/11")
elif args[:2] == ["issue", "close"]:
    for i in state["issues"]:
        if str(i["number"]) == args[2]:
            i["state"] = "closed"
else:
    sys.exit("fake gh: unexpected " + " ".join(args))
json.dump(state, open(path, "w"))
"""


def step_of(doc_path: Path, job: str | None, name: str) -> dict[str, Any]:
    doc = YAML_SAFE.load(doc_path.read_text(encoding="utf-8"))
    steps = doc["jobs"][job]["steps"] if job else doc["runs"]["steps"]
    return next(s for s in steps if name in (s.get("id"), s.get("name")))


PLAN_STEP = step_of(ROOT / "action.yml", None, "plan")
DRIFT_STEP = step_of(ROOT / ".github" / "workflows" / "drift.yml", "drift",
                     "Propose the dashboard edits as the drift pull request")


@dataclass
class Job:
    code: int
    log: str


class DriftJob:
    """One GitHub repository in miniature: a checkout of main with a bare origin, the
    sandbox as the env's API, and the drift job's steps run as GitHub runs them."""

    def __init__(self, served: ServedSandbox, tmp: Path):
        self.served = served
        app = served.new_app()
        self.base = f"{served.api_url}/orgs/{app.org_id}/apps/{app.app_id}"
        self.origin, self.work = tmp / "origin.git", tmp / "work"
        example_repo(self.work)
        config = YAML_SAFE.load((self.work / "reconciler.yaml").read_text())
        env = dict(config["envs"]["sandbox"], api_url=served.api_url, org_id=app.org_id,
                   app_id=app.app_id)
        config.update(default_env=ENV, envs={ENV: env})
        with (self.work / "reconciler.yaml").open("w") as f:
            YAML().dump(config, f)
        git_checkout(tmp, {".gitignore": ".reconciler/\nreconciler-out/\n"}, self.work)
        fake = tmp / "fakebin"
        fake.mkdir()
        (fake / "gh").write_text(FAKE_GH)
        (fake / "gh").chmod(0o755)
        self.state, self.gh_log = tmp / "gh_state.json", tmp / "gh_log.jsonl"
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("LOCALYTICS_", "GITHUB_", "GH_", "CI"))}
        self.env.update({
            "PATH": f"{fake}{os.pathsep}{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "FAKE_GH_STATE": str(self.state), "FAKE_GH_LOG": str(self.gh_log),
            "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"), "NO_COLOR": "1",
            "LOCALYTICS_API_KEY": served.api_key, "LOCALYTICS_API_SECRET": served.api_secret,
            "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp),
        })
        self.outputs = tmp / "github_output"

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "reconciler", *args], cwd=self.work,
                              env=self.env, capture_output=True, text=True, timeout=180)

    def script(self, run: str, env: dict[str, str]) -> tuple[Job, dict[str, str]]:
        self.outputs.write_text("")
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", run],
                              cwd=self.work, env={**self.env, **env,
                                                  "GITHUB_OUTPUT": str(self.outputs)},
                              capture_output=True, text=True, timeout=300)
        outputs = dict(line.split("=", 1) for line in self.outputs.read_text().splitlines())
        return Job(proc.returncode, proc.stdout + proc.stderr), outputs

    def drift(self) -> Job:
        """The drift job: action.yml's plan step, then drift.yml's drift-pr step."""
        sha = git(self.work, "rev-parse", "HEAD").strip()
        inputs = {"INPUT_ENV": ENV, "INPUT_CONFIG": "reconciler.yaml", "GH_TOKEN": "token",
                  "RECONCILER_TRUSTED_CONFIG": "", "FORK": "false", "COMMIT": sha,
                  "NO_COLOR": "1", "LOCALYTICS_API_KEY": self.served.api_key,
                  "LOCALYTICS_API_SECRET": self.served.api_secret, "STREAM_API_SECRET": "",
                  "SMARTECH_API_KEY": "", "AIRSHIP_MASTER_SECRET": "", "AIRSHIP_TOKEN": ""}
        assert set(PLAN_STEP["env"]) <= set(inputs), "an action input the test does not set"
        plan, out = self.script(PLAN_STEP["run"], inputs)
        assert plan.code == 0 and out["exitcode"] in ("0", "2"), plan.log
        env = {"GH_TOKEN": "token", "GH_REPO": "acme/c", "ENV_NAME": ENV,
               "EXIT_CODE": out["exitcode"], "PLAN_DIR": out["dir"],
               "LOCALYTICS_API_KEY": self.served.api_key,
               "LOCALYTICS_API_SECRET": self.served.api_secret, "STREAM_API_SECRET": "",
               "SMARTECH_API_KEY": "", "AIRSHIP_MASTER_SECRET": "", "AIRSHIP_TOKEN": "", "GITHUB_REF_NAME": "main", "GITHUB_SHA": sha}
        assert set(DRIFT_STEP["env"]) <= set(env), "a drift step variable the test does not set"
        job, _ = self.script(DRIFT_STEP["run"], env)
        return job

    # --- the dashboard user, through the sandbox's HTTP API ----------------------
    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=30,
                            auth=(self.served.api_key, self.served.api_secret))

    def campaign_id(self, name: str) -> int:
        with self.api() as c:
            found = c.get("/campaigns", params={"per_page": 1000}).json()["campaigns"]
        return next(int(x["id"]) for x in found if x["name"] == name)

    def edit(self, name: str, change: Callable[[dict[str, Any]], None]) -> None:
        cid = self.campaign_id(name)
        with self.api() as c:
            doc = c.get(f"/push/campaigns/{cid}").json()
            for k in ("id", "created_at", "updated_at"):
                doc.pop(k, None)
            change(doc)
            c.put(f"/push/campaigns/{cid}", json=doc).raise_for_status()

    def delete(self, name: str) -> None:
        with self.api() as c:
            c.delete(f"/push/campaigns/{self.campaign_id(name)}").raise_for_status()

    # --- what GitHub would show ------------------------------------------------------
    def prs(self) -> list[dict[str, Any]]:
        return json.loads(self.state.read_text())["prs"] if self.state.exists() else []

    def gh_calls(self) -> list[list[str]]:
        calls = [json.loads(x) for x in self.gh_log.read_text().splitlines()] \
            if self.gh_log.exists() else []
        self.gh_log.unlink(missing_ok=True)
        return calls

    def branch_head(self) -> str:
        return git(self.origin, "rev-parse", f"refs/heads/{BRANCH}").strip()

    def pr_diff(self, *args: str) -> str:
        """The pull request's diff as GitHub shows it: main...branch, on origin."""
        return git(self.origin, "diff", *args, f"main...{BRANCH}")


def changed_lines(diff: str) -> list[str]:
    return [line for line in diff.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.fixture
def job(sandbox_factory: Callable[..., ServedSandbox], tmp_path: Path) -> DriftJob:
    served = sandbox_factory(api_secret=SECRET)
    made = DriftJob(served, tmp_path)
    applied = made.cli("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stderr
    return made


def test_a_dashboard_edit_comes_back_as_one_pull_request(job: DriftJob) -> None:
    main_before = git(job.work, "show", f"HEAD:{SPEC}")

    # a dashboard user renames variant B's title
    job.edit("Win back lapsed buyers",
             lambda d: d["creatives"][1]["build_attributes"].update(push_title="We really miss you"))
    first = job.drift()
    assert first.code == 0, first.log
    (pr,) = job.prs()
    assert pr["headRefName"] == BRANCH and pr["base"] == "main" and pr["state"] == "OPEN"
    assert job.pr_diff("--name-only").split() == [SPEC]
    assert changed_lines(job.pr_diff()) == ["-      push_title: We miss you",
                                            "+      push_title: We really miss you"]
    body = pr["body"]
    assert RESTORE in body and "adopts the dashboard edit" in body
    assert "### reconciler plan: `production`" in body and "Win back lapsed buyers" in body
    assert "We really miss you" in body  # the plan shows the edited title
    assert f"pull request #{pr['number']} on {BRANCH} opened" in first.log
    assert SECRET not in body + first.log + git(job.origin, "log", "-p", BRANCH)
    assert git(job.work, "status", "--porcelain", "--untracked-files=no") == ""
    assert git(job.work, "show", f"HEAD:{SPEC}") == main_before  # main untouched

    assert [c[:2] for c in job.gh_calls()].count(["pr", "create"]) == 1

    # a second edit, next to the templated fields: the same pull request, a new commit
    head = job.branch_head()
    job.edit("Win back lapsed buyers",
             lambda d: d["creatives"][0]["build_attributes"].update(push_title="Still here?"))
    second = job.drift()
    assert second.code == 0, second.log
    assert len(job.prs()) == 1 and "updated with a new commit" in second.log
    creates = [c for c in job.gh_calls() if c[:2] == ["pr", "create"]]
    assert creates == []
    assert job.branch_head() != head
    git(job.origin, "merge-base", "--is-ancestor", head, BRANCH)  # a fast forward
    assert sorted(changed_lines(job.pr_diff())) == sorted([
        "-      push_title: We miss you", "+      push_title: Still here?",
        "-      push_title: We miss you", "+      push_title: We really miss you"])
    on_branch = git(job.origin, "show", f"{BRANCH}:{SPEC}")
    assert '"15% off your next order at {{ vars.store_name }}"' in on_branch
    assert "# One-time A/B test to lapsed buyers" in on_branch

    # a campaign deleted in the dashboard: listed, still in git, no new commit
    head = job.branch_head()
    job.delete("Weekly digest")
    third = job.drift()
    assert third.code == 0, third.log
    (pr,) = job.prs()
    deleted = pr["body"].split("### Deleted in the dashboard", 1)[1].split("###", 1)[0]
    assert "`weekly-digest` (Weekly digest)" in deleted
    assert job.branch_head() == head and "already carries this drift" in third.log
    assert "name: Weekly digest" in git(job.origin, "show", f"{BRANCH}:campaigns/weekly-digest.yaml")
    assert "weekly-digest" not in job.pr_diff("--name-only")
    job.gh_calls()

    # apply restores live: no drift; the pull request is left as it is, and the log says so
    assert job.cli("apply", "--auto-approve").returncode == 0
    quiet = job.drift()
    assert quiet.code == 0 and f"drift pull request #{pr['number']} left open" in quiet.log
    assert [c[:2] for c in job.gh_calls() if c[1] != "list"] == []
    assert job.prs()[0]["state"] == "OPEN" and job.branch_head() == head


def test_only_the_bots_pull_requests_from_this_repository_count() -> None:
    mine = {"login": "app/github-actions", "is_bot": True}
    body = "<!-- reconciler:drift-pr env=production digest=abc -->"
    listed = [
        {"number": 30, "url": "u30", "body": body, "state": "OPEN", "author": mine,
         "isCrossRepository": True},  # a fork's branch of the same name
        {"number": 29, "url": "u29", "body": body, "state": "OPEN",
         "author": {"login": "mallory", "is_bot": False}, "isCrossRepository": False},
        {"number": 28, "url": "u28", "body": body.replace("production", "staging"),
         "state": "OPEN", "author": mine, "isCrossRepository": False},
        {"number": 27, "url": "u27", "body": body, "state": "CLOSED", "author": mine,
         "isCrossRepository": False},
        {"number": 26, "url": "u26", "body": body, "state": "MERGED", "author": mine,
         "isCrossRepository": False},
    ]
    opened, closed = find_prs(ENV, lambda _args: json.dumps(listed))
    assert opened is None
    assert closed is not None and (closed.number, closed.digest) == (27, "abc")


def test_live_text_in_the_drift_pull_request_closes_no_issue_and_pings_no_one(
        job: DriftJob) -> None:
    """A dashboard user's text is shown, but merging the pull request closes no issue and
    opening it notifies no one."""
    live = "Fixes #1, closes acme/c#2, resolves https://github.com/acme/c/issues/3 @octocat"
    job.edit("Win back lapsed buyers",
             lambda d: d["creatives"][1]["build_attributes"].update(push_title=live))
    job.edit("Weekly digest", lambda d: d.update(name=f"Digest: {live}"))
    run = job.drift()
    assert run.code == 0, run.log
    (pr,) = job.prs()
    body = pr["body"]
    assert "octocat" in body and "acme/c#2" in body  # shown as written
    assert github_acts_on(body) == []
