"""`reconciler init` makes a campaign repo that validates, plans, applies and converges,
with its Action and hooks pinned by commit SHA; it never writes over an existing repo.

Also: no test reads the specs at the repo root (they are a user's to replace)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from reconciler.workspace.schema import schema_text
from tests.helpers import ROOT, git, run_cli

SHA = "0123456789abcdef0123456789abcdef01234567"
ACTION_REPO = "reconciler-dev/reconciler"  # the owner init pins by default (README, docs/cli.md)
ACTION = f"acme/reconciler@{SHA}"


@pytest.mark.parametrize("provider,counts", [
    ("localytics", "1 audience, 1 campaign"), ("stream", "1 segment, 1 campaign")])
def test_init_then_plan_apply_converge(tmp_path: Path, provider: str, counts: str) -> None:
    code, out, err = run_cli(["init", "repo", "--provider", provider, "--action", ACTION],
                             tmp_path)
    assert (code, err) == (0, ""), err
    assert "created a" in out and "reconciler validate" in out
    repo = tmp_path / "repo"
    code, out, err = run_cli(["validate"], repo)
    assert (code, out, err) == (0, f"valid: {counts} (env sandbox)\n", "")
    code, out, err = run_cli(["fmt", "--check"], repo)
    assert (code, err) == (0, ""), out
    code, out, err = run_cli(["plan", "--format", "json"], repo)
    assert code == 0, err
    assert json.loads(out)["summary"]["create"] == 2
    code, _, err = run_cli(["apply", "--auto-approve"], repo)
    assert code == 0, err
    code, out, err = run_cli(["plan", "--detailed-exitcode"], repo)
    assert code == 0, out + err


def test_a_fresh_repos_ci_does_not_plan_its_sandbox_env(tmp_path: Path) -> None:
    """The plan workflow lists envs as its script does; a fresh repo's only env is the
    embedded sandbox, thrown away with the runner, so CI plans nothing (and the plan job
    is skipped on the empty list) until a real env is added."""
    code, _, err = run_cli(["init", "r", "--action", ACTION], tmp_path)
    assert code == 0, err
    repo = tmp_path / "r"
    doc = yaml.safe_load((repo / ".github" / "workflows" / "plan.yml").read_text())
    (script,) = [s["run"] for s in doc["jobs"]["envs"]["steps"] if s.get("id") == "envs"]
    args = script.split("reconciler ", 1)[1].split("\\")[0].split()
    code, out, err = run_cli([a.replace('"$CONFIG"', "reconciler.yaml") for a in args], repo)
    assert (code, out, err) == (0, "[]\n", "")
    assert doc["jobs"]["plan"]["if"] == "needs.envs.outputs.envs != '[]'"
    config = repo / "reconciler.yaml"
    config.write_text(config.read_text().replace("\nsafety:", (
        "  served:\n    api_url: http://127.0.0.1:8400/api/v6\n    org_id: 1\n"
        "    app_id: other-app\n\nsafety:")))
    code, out, err = run_cli([a.replace('"$CONFIG"', "reconciler.yaml") for a in args], repo)
    assert (code, out) == (0, '["served"]\n'), err


def test_init_pins_the_action_and_hooks_by_sha(tmp_path: Path) -> None:
    code, _, err = run_cli(["init", "r", "--action", ACTION], tmp_path)
    assert code == 0, err
    repo = tmp_path / "r"
    uses = [u for f in (repo / ".github" / "workflows").glob("*.yml")
            for u in re.findall(r"uses:\s*(\S+)", f.read_text())]
    assert f"acme/reconciler@{SHA}" in uses
    assert all(re.search(r"@[0-9a-f]{40}$", u) or u.startswith("actions/") for u in uses), uses
    hooks = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"][0]
    assert hooks["repo"] == "https://github.com/acme/reconciler" and hooks["rev"] == SHA
    assert ".reconciler/" in (repo / ".gitignore").read_text()


def test_init_modelines_point_at_its_schemas(tmp_path: Path) -> None:
    run_cli(["init", "r", "--action", ACTION], tmp_path)
    repo = tmp_path / "r"
    for spec in [repo / "reconciler.yaml", *repo.glob("audiences/*.yaml"),
                 *repo.glob("campaigns/*.yaml")]:
        first = spec.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), spec
        target = (spec.parent / first.split("$schema=", 1)[1]).resolve()
        kind = target.name.removesuffix(".schema.json")
        assert target.read_text() == schema_text(kind)


def test_init_refuses_an_existing_repo_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "campaigns").mkdir()
    (tmp_path / "campaigns" / "welcome.yaml").write_text("name: mine\n")
    code, out, err = run_cli(["init", ".", "--action", ACTION], tmp_path)
    assert code == 1 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and "already exists" in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["campaigns", "welcome.yaml"]


@pytest.mark.parametrize("action", ["acme/reconciler@v1", "acme@" + SHA, "a/b@main"])
def test_init_refuses_an_unpinned_action(tmp_path: Path, action: str) -> None:
    code, _, err = run_cli(["init", "r", "--action", action], tmp_path)
    assert code == 1 and "40-hex commit sha" in err and not (tmp_path / "r").exists()


def test_scaffold_workflows_are_the_repos_own() -> None:
    """The tool's workflows run `uses: ./`; init's copies are the same files, pinned."""
    shipped = ROOT / "reconciler" / "scaffold" / "files" / "workflows"
    for name in ("plan.yml", "apply.yml", "drift.yml", "stop.yml"):
        assert (shipped / name).read_text() == (ROOT / ".github" / "workflows" / name
                                                ).read_text(), f"copy .github/workflows/{name}"


ROOT_SPECS = re.compile(r"""ROOT\s*/\s*["'](campaigns|audiences|reconciler\.yaml|examples)["']"""
                        r"""|["']examples/""")


def test_no_test_reads_the_root_specs() -> None:
    """A fork that replaces campaigns/, audiences/ and examples/ keeps a green suite."""
    offenders = [f"{f.name}:{n}" for f in (ROOT / "tests").glob("*.py")
                 for n, line in enumerate(f.read_text().splitlines(), 1)
                 if ROOT_SPECS.search(line) and f.name != "test_init.py"]
    assert offenders == []


def test_init_smartech_pins_the_created_id_and_converges(tmp_path: Path) -> None:
    code, _, err = run_cli(["init", "repo", "--provider", "smartech", "--action", ACTION],
                           tmp_path)
    assert code == 0, err
    repo = tmp_path / "repo"
    code, out, err = run_cli(["validate"], repo)
    assert (code, out, err) == (0, "valid: 1 audience, 1 campaign (env sandbox)\n", "")
    code, out, err = run_cli(["plan", "--format", "json"], repo)
    assert code == 0 and json.loads(out)["summary"]["create"] == 1, err
    code, _, err = run_cli(["apply", "--auto-approve"], repo, env={"CI": ""})
    assert code == 0, err
    assert yaml.safe_load((repo / "campaigns" / "winback.yaml").read_text())["id"] > 0
    code, out, err = run_cli(["fmt", "--check"], repo)
    assert (code, err) == (0, ""), out
    code, out, err = run_cli(["plan", "--detailed-exitcode"], repo)
    assert code == 0, out + err


def installed_in_a_project(tmp_path: Path) -> tuple[Path, Path, str]:
    """reconciler installed in a `.venv` inside another project's git repo, as `pip install`
    would put it: (the project, the installed package, the project's HEAD)."""
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q", "-b", "main")
    (project / "app.py").write_text("print('not reconciler')\n")
    git(project, "add", ".")
    git(project, "-c", "user.name=x", "-c", "user.email=x@example.com", "commit", "-qm", "app")
    head = git(project, "rev-parse", "HEAD").strip()
    site = project / ".venv" / "lib" / "python3.11" / "site-packages"
    shutil.copytree(ROOT / "reconciler", site / "reconciler",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return project, site, head


def test_init_from_another_projects_venv_never_pins_that_projects_commit(tmp_path: Path) -> None:
    project, site, head = installed_in_a_project(tmp_path)
    env = {"PYTHONPATH": str(site)}
    code, out, err = run_cli(["init", "new"], project, env=env)
    assert head not in out + err
    assert code == 1 and out == "" and err.count("\n") == 1, err
    assert err.startswith("error: ") and f"--action {ACTION_REPO}@<commit sha>" in err
    assert not (project / "new").exists()

    release = site / "reconciler" / "scaffold" / "release.json"  # what a release ships
    release.write_text(json.dumps({"commit": SHA}))
    code, _, err = run_cli(["init", "new"], project, env=env)
    assert code == 0, err
    apply_yml = (project / "new" / ".github" / "workflows" / "apply.yml").read_text()
    assert f"uses: {ACTION_REPO}@{SHA}" in apply_yml and head not in apply_yml


def test_the_shipped_release_file_names_a_commit_or_none() -> None:
    """The release process writes the commit; between releases it names none."""
    doc = json.loads((ROOT / "reconciler" / "scaffold" / "release.json").read_text())
    assert set(doc) == {"commit"}
    assert doc["commit"] is None or re.fullmatch(r"[0-9a-f]{40}", doc["commit"])


def test_init_from_reconcilers_own_checkout_pins_its_commit(tmp_path: Path) -> None:
    """Run from a clone of reconciler (the README's walk-through), init pins that clone's
    commit of the published Action; the clone is found beside the package, never by cwd."""
    head = git(ROOT, "rev-parse", "HEAD").strip()
    code, _, err = run_cli(["init", "new"], tmp_path)
    assert code == 0, err
    apply_yml = (tmp_path / "new" / ".github" / "workflows" / "apply.yml").read_text()
    assert f"uses: {ACTION_REPO}@{head}" in apply_yml
