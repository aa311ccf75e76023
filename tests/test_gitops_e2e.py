"""The workflows end to end: the action's own scripts, in the workflows' order, on a served sandbox.

The `run:` scripts of action.yml are executed as GitHub runs them (`bash -eo
pipefail`, inputs as environment variables, `$GITHUB_OUTPUT` and
`$GITHUB_STEP_SUMMARY` as files), followed by the `reconciler gitops` steps the
workflows add (labels, drift issue) with a fake `gh` on PATH that records what
it was asked. A pull request's life: plan with changes → comment and labels →
merge → apply → plan shows no changes → drift opens and closes an issue. Then
the cases that must not end in a stack trace: invalid specs, a failing API,
a fork.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from reconciler.gitops.comment import marker
from tests.repo import SECRET, Repo, audience, campaign

try:
    from reconciler.workspace import load_workspace  # noqa: F401
except ImportError:
    pytest.skip("reconciler.workspace.load_workspace (the spec loader) is not in this tree yet",
                allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent
ACTION = YAML(typ="safe").load((ROOT / "action.yml").read_text(encoding="utf-8"))


def workflow_run(name: str, job: str, step_id: str | None = None) -> str:
    """The `run:` script of one step (by id, else the last) of a workflow, as GitHub runs it."""
    path = ROOT / ".github" / "workflows" / f"{name}.yml"
    steps = YAML(typ="safe").load(path.read_text(encoding="utf-8"))["jobs"][job]["steps"]
    return next(s for s in steps if s.get("id") == step_id)["run"] if step_id else steps[-1]["run"]
BIN = Path(sys.executable).parent
COMMIT = "0123456789abcdef0123456789abcdef01234567"
ENV = "test"  # the env tests/repo.py writes

FAKE_GH = f"""#!{sys.executable}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_GH_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
state = os.environ["FAKE_GH_STATE"]
issues = json.load(open(state)) if os.path.exists(state) else []
bot = {{"login": "app/github-actions", "is_bot": True}}
if args[:2] == ["issue", "list"]:
    print(json.dumps([i for i in issues if i["state"] == "open"]))
elif args[:2] == ["issue", "create"]:
    body = open(args[args.index("--body-file") + 1]).read()
    issues.append({{"number": 11, "title": args[args.index("--title") + 1], "state": "open",
                    "body": body, "author": bot}})
    print("https://github.com/acme/campaigns/issues/11")
elif args[:2] == ["issue", "edit"]:
    body = open(args[args.index("--body-file") + 1]).read()
    issues = [dict(i, body=body) if str(i["number"]) == args[2] else i for i in issues]
elif args[0] == "api" and args[1].endswith("/git/ref/heads/main"):
    print(json.dumps({{"object": {{"sha": os.environ["FAKE_GH_MAIN"]}}}}))
elif args[0] == "api" and "/environments/" in args[1]:
    print(json.dumps({{"protection_rules": [{{"type": "required_reviewers"}}]}}))
elif args[:2] == ["issue", "close"]:
    issues = [dict(i, state="closed") if str(i["number"]) == args[2] else i for i in issues]
elif args[:2] == ["pr", "view"]:
    print(json.dumps({{"labels": [{{"name": n}} for n in os.environ.get("FAKE_GH_LABELS", "").split(",") if n]}}))
json.dump(issues, open(state, "w"))
"""


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Any:
    try:
        return request.getfixturevalue("sandbox_server")
    except pytest.FixtureLookupError:
        pytest.skip("the served-sandbox fixture `sandbox_server` (tests/sandbox_fixtures.py) "
                    "is not in this tree yet")


@dataclass
class Step:
    code: int
    outputs: dict[str, str]
    log: str


class Runner:
    """A GitHub runner in miniature: runs action.yml's scripts and gitops steps in a repo."""

    def __init__(self, repo: Repo, tmp: Path):
        if shutil.which("reconciler", path=str(BIN)) is None:
            pytest.skip("the `reconciler` script is not installed beside this Python")
        self.repo = repo
        self.summary = tmp / "step_summary.md"
        self.gh_log = tmp / "gh.jsonl"
        fake_bin = tmp / "fakebin"
        fake_bin.mkdir()
        (fake_bin / "gh").write_text(FAKE_GH)
        (fake_bin / "gh").chmod(0o755)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("LOCALYTICS_", "GITHUB_"))}
        self.env.update({
            "PATH": f"{fake_bin}{os.pathsep}{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "LOCALYTICS_API_KEY": repo.api_key, "LOCALYTICS_API_SECRET": repo.api_secret,
            "GITHUB_STEP_SUMMARY": str(self.summary), "FAKE_GH_LOG": str(self.gh_log),
            "FAKE_GH_STATE": str(tmp / "gh_state.json"), "NO_COLOR": "1",
            "FAKE_GH_MAIN": COMMIT, "GITHUB_REPOSITORY": "acme/campaigns",
            "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": COMMIT,
        })
        self.output_file = tmp / "github_output"

    def action(self, step_id: str, fork: bool = False, **env: str) -> Step:
        """Run the `run:` script of one action.yml step with its `env:` as GitHub sets it."""
        step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == step_id)
        inputs = {"INPUT_ENV": ENV, "INPUT_CONFIG": "reconciler.yaml", "INPUT_BRANCH": "main",
                  "RECONCILER_TRUSTED_CONFIG": "", "GH_TOKEN": "token",
                  "FORK": "true" if fork else "false", "COMMIT": COMMIT, "NO_COLOR": "1",
                  "LOCALYTICS_API_KEY": self.repo.api_key,
                  "LOCALYTICS_API_SECRET": self.repo.api_secret, "STREAM_API_SECRET": "",
                  "SMARTECH_API_KEY": "", "AIRSHIP_MASTER_SECRET": "", "AIRSHIP_TOKEN": ""}
        assert set(step["env"]) <= set(inputs), "a new input the test does not set"
        return self.script(step["run"], **{**inputs, **env})

    def script(self, run: str, **env: str) -> Step:
        """A `run:` script under GitHub's `bash -eo pipefail`, with its $GITHUB_OUTPUT read back."""
        self.output_file.write_text("")
        proc = self._run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", run],
                         {"GITHUB_OUTPUT": str(self.output_file), **env})
        lines = self.output_file.read_text().splitlines()
        return Step(proc.returncode, dict(line.split("=", 1) for line in lines),
                    proc.stdout + proc.stderr)

    def labels(self, current: str) -> Step:
        """plan.yml's labels step over the plan artifacts (downloaded into plans/)."""
        plans = self.repo.root / "plans"
        shutil.rmtree(plans, ignore_errors=True)
        shutil.copytree(self.repo.root / "reconciler-out" / ENV, plans / f"reconciler-plan-{ENV}")
        return self.script(workflow_run("plan", "labels"), PR="7", FAKE_GH_LABELS=current)

    def gh_calls(self) -> list[list[str]]:
        if not self.gh_log.exists():
            return []
        calls = [json.loads(line) for line in self.gh_log.read_text().splitlines()]
        self.gh_log.unlink()
        return calls

    def _run(self, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, cwd=self.repo.root, env={**self.env, **env}, text=True,
                              capture_output=True, timeout=180, stdin=subprocess.DEVNULL)


@pytest.fixture
def runner(served: Any, tmp_path: Path) -> Iterator[Runner]:
    app = served.new_app()
    repo = Repo(tmp_path / "repo", served.api_url, app.org_id, app.app_id,
                served.api_key, served.api_secret)
    yield Runner(repo, tmp_path)


def read(runner: Runner, name: str) -> str:
    return (runner.repo.root / "reconciler-out" / ENV / name).read_text(encoding="utf-8")


def test_pull_request_then_merge_then_drift(runner: Runner) -> None:
    repo = runner.repo
    repo.put("audience", "lapsed", audience("Lapsed buyers"))
    repo.put("campaign", "winback", campaign("Win them back", ["lapsed"]))
    repo.put("campaign", "launch", campaign("Feature launch", status="active"))

    # the envs jobs: plan, apply and drift all take the envs not on the embedded sandbox
    envs = runner.script(workflow_run("plan", "envs", "envs"), CONFIG="reconciler.yaml")
    assert envs.code == 0 and json.loads(envs.outputs["envs"]) == [ENV], envs.log
    for name in ("apply", "drift"):
        envs = runner.script(workflow_run(name, "envs", "envs"))
        assert envs.code == 0, envs.log
        (row,) = json.loads(envs.outputs["matrix"])
        assert row["env"] == ENV and row["github_environment"] == ENV, row

    # plan.yml: validate, plan (exit 2 = changes, not a failure), comment body, artifact files
    plan = runner.action("plan")
    assert plan.code == 0, plan.log
    assert plan.outputs == {"exitcode": "2", "changes": "true", "dir": f"reconciler-out/{ENV}",
                            "comment-file": f"reconciler-out/{ENV}/comment.md"}
    assert read(runner, "validate.log").startswith("valid: 1 audience, 2 campaigns")
    body = read(runner, "comment.md")
    assert body.startswith(marker(ENV) + "\n### reconciler plan: `test`")
    assert body.index("| create |") < body.index("live** and send") < body.index("<details>")
    assert "| 3 | 0 | 0 | 0 | 0 | 0 |" in body and "Feature launch" in body
    assert f"commit `{COMMIT[:12]}`" in body and len(body) < 65_536
    assert body in runner.summary.read_text()
    assert json.loads(read(runner, "plan.json"))["summary"]["create"] == 3
    # previews of the changed campaigns and the calendar travel in the plan artifact
    assert "<svg" in read(runner, "previews/winback.html")
    assert "Feature launch" in read(runner, "previews/launch.html")
    assert "<svg" in read(runner, "previews/calendar.html")
    assert "folder `previews/`" in runner.summary.read_text()

    # plan.yml labels job, over the downloaded artifacts
    labels = runner.labels(current="no-changes")
    assert labels.code == 0, labels.log
    calls = runner.gh_calls()
    assert ["pr", "edit", "7", "--add-label", "go-live", "--remove-label", "no-changes"] in calls

    # apply.yml after the merge: applied, reported in the job summary, journal kept
    applied = runner.action("apply")
    assert applied.code == 0, applied.log
    report = json.loads(read(runner, "apply.json"))
    assert report["summary"] == {"applied": 3, "failed": 0, "skipped": 0}
    assert "### reconciler apply: `test`" in runner.summary.read_text()
    entries = [json.loads(line) for line in read(runner, "journal.jsonl").splitlines()]
    # three results, and the go-live's verified draft journaled before it was activated
    assert sorted(e["status"] for e in entries) == ["applied", "applied", "applied", "draft"]

    # the next plan: no changes, exit 0, the comment says so and the label follows
    again = runner.action("plan")
    assert again.code == 0 and again.outputs["exitcode"] == "0", again.log
    body = read(runner, "comment.md")
    assert "| 0 | 0 | 0 | 0 | 3 | 0 |" in body and "reconciler plan: no changes" in body
    assert runner.labels(current="go-live").code == 0
    assert ["pr", "edit", "7", "--add-label", "no-changes", "--remove-label", "go-live"] \
        in runner.gh_calls()

    # the drift issue (drift.yml's drift pull request, which falls back to it, is driven
    # end to end in test_gitops_drift_pr): no drift leaves no issue; drift opens exactly
    # one, titled by env
    def drift() -> list[list[str]]:
        step = runner.action("plan")
        issue = runner.script('reconciler gitops drift-issue --env "$ENV_NAME" --exit-code '
                              '"$EXIT_CODE" --body-file "$BODY"', ENV_NAME=ENV,
                              EXIT_CODE=step.outputs["exitcode"],
                              BODY=step.outputs["comment-file"])
        assert issue.code == 0, issue.log
        return [c for c in runner.gh_calls() if c[1] != "list"]

    assert drift() == []
    repo.put("campaign", "winback", campaign("Win them back", ["lapsed"], message="Come back"))
    (created,) = drift()
    assert created[:4] == ["issue", "create", "--title", "Drift detected: test"]
    state = json.loads((runner.gh_log.parent / "gh_state.json").read_text())
    assert state[0]["body"].startswith("<!-- reconciler:drift env=test -->\n")
    (updated,) = drift()
    assert updated[:3] == ["issue", "edit", "11"]
    assert runner.action("apply").code == 0
    assert [c[0] for c in runner.gh_calls()] == ["api", "api"]  # head of main, environment
    (closed,) = drift()
    assert closed[:3] == ["issue", "close", "11"]


def test_invalid_specs_are_shown_in_the_comment_with_file_and_line(runner: Runner) -> None:
    runner.repo.put("campaign", "ok", campaign("Fine"))
    bad = campaign("Broken")
    bad["status"] = "sometimes"
    runner.repo.put("campaign", "promos/broken", bad)
    step = runner.action("plan")
    assert step.code == 0 and step.outputs["exitcode"] == "1", step.log
    body = read(runner, "comment.md")
    assert body.startswith(marker(ENV)) and "the specs are invalid" in body
    line = next(x for x in body.splitlines() if x.startswith("campaigns/promos/broken.yaml:"))
    assert line.split(":")[1].isdigit(), line
    assert not (runner.repo.root / "reconciler-out" / ENV / "plan.json").exists()
    assert "Traceback" not in body + step.log


def test_a_failing_api_gives_a_comment_not_a_stack_trace(runner: Runner) -> None:
    runner.repo.put("campaign", "ok", campaign("Fine"))
    step = runner.action("plan", LOCALYTICS_API_SECRET=SECRET)
    assert step.outputs["exitcode"] == "1", step.log
    body = read(runner, "comment.md")
    assert "the plan failed" in body and "error:" in body
    assert SECRET not in body + step.log and "Traceback" not in body + step.log


def test_an_old_run_of_apply_writes_nothing(runner: Runner) -> None:
    runner.repo.put("campaign", "ok", campaign("Fine"))
    step = runner.action("apply", FAKE_GH_MAIN="f" * 40)
    assert step.code == 1, step.log
    assert f"error: this run is for commit {COMMIT[:12]}, but main is now at ffffffffffff" \
        in step.log
    assert not (runner.repo.root / "reconciler-out" / ENV / "apply.json").exists()
    assert runner.repo.live_campaigns() == []


def test_a_fork_gets_a_notice_and_runs_nothing(runner: Runner) -> None:
    runner.repo.put("campaign", "ok", campaign("Fine"))
    step = runner.action("plan", fork=True, LOCALYTICS_API_KEY="", LOCALYTICS_API_SECRET="")
    assert step.code == 0 and step.outputs["exitcode"] == "0", step.log
    body = read(runner, "comment.md")
    assert body.startswith(marker(ENV)) and "comes from a fork" in body
    assert not (runner.repo.root / "reconciler-out" / ENV / "validate.log").exists()
