""".github/workflows/stop.yml, the emergency brake from the Actions tab (issue 31).

actionlint, zizmor, SHA pins and minimal permissions are checked for every workflow
in tests/test_workflows.py (stop.yml included). Here: the dispatch inputs, that they
reach scripts only through env variables, the credentials and their environment,
and the steps' own scripts run with bash as GitHub runs them (a stand-in
`reconciler stop` on PATH records the arguments it was given; `reconciler gitops
envs` is the real one).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
STOP = ROOT / ".github" / "workflows" / "stop.yml"
DOC: Any = YAML(typ="safe").load(STOP.read_text(encoding="utf-8"))
BIN = Path(sys.executable).parent


def step(job: str, name: str) -> dict[str, Any]:
    return next(s for s in DOC["jobs"][job]["steps"] if name in (s.get("id"), s.get("name")))


def test_dispatched_with_env_keys_and_all_live() -> None:
    on = DOC[True] if True in DOC else DOC["on"]  # YAML 1.1 reads `on` as true
    assert set(on) == {"workflow_dispatch"}
    inputs = on["workflow_dispatch"]["inputs"]
    assert inputs["env"]["required"] is True
    assert inputs["keys"]["type"] == "string" and inputs["all-live"]["type"] == "boolean"


def test_inputs_reach_scripts_only_through_env_variables() -> None:
    for job in DOC["jobs"].values():
        for s in job["steps"]:
            assert "${{" not in str(s.get("run", "")), s.get("name") or s.get("id")


def test_stop_uses_the_apply_environments_credentials_then_proposes_the_pr() -> None:
    job = DOC["jobs"]["stop"]
    assert job["environment"] == "${{ needs.envs.outputs.environment }}"
    assert job["concurrency"]["cancel-in-progress"] is False
    secrets = set(re.findall(r"secrets\.([A-Z_]+)", str(job)))
    apply_doc = YAML(typ="safe").load((ROOT / ".github/workflows/apply.yml").read_text())
    assert secrets == set(re.findall(r"secrets\.([A-Z_]+)", str(apply_doc)))
    assert not re.findall(r"secrets\.", str(DOC["jobs"]["envs"]))
    names = [s.get("name") or s.get("id") or s.get("uses") for s in job["steps"]]
    assert names.index("Stop") < names.index("plan") < names.index(
        "Propose the stopped state as the drift pull request")
    stop_run = step("stop", "Stop")["run"].strip()
    assert stop_run.splitlines()[-1].startswith('reconciler stop --env "$ENV_NAME" --auto-approve')
    assert "$(" not in stop_run and "`" not in stop_run
    assert step("stop", "Propose the stopped state as the drift pull request")["run"].startswith(
        "reconciler gitops drift-pr ")
    shipped = ROOT / "reconciler" / "scaffold" / "files" / "workflows" / "stop.yml"
    assert shipped.read_text() == STOP.read_text()  # `reconciler init` writes it too


def bash(run: str, tmp: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str],
                                                             str]:
    out = tmp / "github_output"
    out.write_text("")
    full = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI"))}
    full.update({"PATH": f"{tmp / 'bin'}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}",
                 "GITHUB_OUTPUT": str(out), **env})
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", run],
                          cwd=tmp, env=full, capture_output=True, text=True, timeout=60)
    return proc, out.read_text()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "bin").mkdir()
    (tmp_path / "reconciler.yaml").write_text(
        "default_env: sandbox\nenvs:\n  sandbox: {api_url: sandbox, org_id: 1, app_id: a}\n"
        "  production: {api_url: 'https://dashboard.localytics.com/api/v6', org_id: 2,"
        " app_id: p, github_environment: {name: prod}}\n")
    return tmp_path


@pytest.mark.parametrize(("stop_envs", "chosen"), [
    ("", "prod"), ('{"production": "prod-emergency"}', "prod-emergency"),
    ('{"staging": "staging-emergency"}', "prod")])
def test_the_environment_is_the_applys_or_the_one_named_for_stops(
        repo: Path, stop_envs: str, chosen: str) -> None:
    proc, out = bash(step("envs", "env")["run"], repo, {
        "ENV_NAME": "production", "KEYS": "spring", "ALL_LIVE": "false",
        "STOP_ENVIRONMENTS": stop_envs})
    assert proc.returncode == 0, proc.stderr
    assert out == f"environment={chosen}\n"


@pytest.mark.parametrize(("keys", "all_live", "said"), [
    ("", "false", "give campaign keys, or tick all-live"),
    ("spring", "true", "give campaign keys or all-live, not both"),
])
def test_keys_or_all_live_exactly_one(repo: Path, keys: str, all_live: str, said: str) -> None:
    proc, out = bash(step("envs", "env")["run"], repo, {
        "ENV_NAME": "production", "KEYS": keys, "ALL_LIVE": all_live, "STOP_ENVIRONMENTS": ""})
    assert proc.returncode == 1 and said in proc.stdout and out == ""


def test_an_env_with_no_live_api_is_refused(repo: Path) -> None:
    proc, out = bash(step("envs", "env")["run"], repo, {
        "ENV_NAME": "sandbox", "KEYS": "x", "ALL_LIVE": "false", "STOP_ENVIRONMENTS": ""})
    assert proc.returncode == 1 and "talks to no live API" in proc.stdout and out == ""


def fake_reconciler(repo: Path) -> Path:
    argv = repo / "argv.json"
    (repo / "bin" / "reconciler").write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"json.dump(sys.argv[1:], open({str(argv)!r}, 'w'))\n")
    (repo / "bin" / "reconciler").chmod(0o755)
    return argv


@pytest.mark.parametrize(("keys", "all_live", "args"), [
    ("spring  promos/winter", "false", ["--", "spring", "promos/winter"]),
    ("--all-live $(touch pwned) ;x", "false", ["--", "--all-live", "$(touch", "pwned)", ";x"]),
    ("", "true", ["--all-live"]),
])
def test_the_stop_step_passes_keys_as_data(repo: Path, keys: str, all_live: str,
                                           args: list[str]) -> None:
    argv = fake_reconciler(repo)
    proc, _ = bash(step("stop", "Stop")["run"], repo, {
        "ENV_NAME": "production", "KEYS": keys, "ALL_LIVE": all_live})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(argv.read_text()) == ["stop", "--env", "production", "--auto-approve",
                                            *args]
    assert not (repo / "pwned").exists()
