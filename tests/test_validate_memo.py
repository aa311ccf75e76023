"""The validate memo (reconciler.workspace.memo): replays a passing run for the same
inputs, byte for byte, and validates again when any input changed (issue 29).

Each test drives the real CLI in a fresh process on a copy of the example repo,
with the session's private user cache (tests/conftest.py). A probe reports
whether the run validated (imported the spec validation module) or replayed
the memo; the output says what the user sees. Nothing cached may
beat the files: every input a result depends on is changed here once and must
make the next run validate again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.workspace.cache import user_cache_dir
from reconciler.workspace.memo import MEMO_FILE
from tests.helpers import ROOT, cli_modules, example_repo


class Run:
    """One `reconciler validate` in a fresh process: did it validate (import the spec
    validation module) or replay the memo, and what did it print."""

    def __init__(self, repo: Path, args: tuple[str, ...], env: dict[str, str]) -> None:
        self.modules, self.stdout, self.stderr, self.code = cli_modules(
            ["validate", *args], repo, {"NO_COLOR": "1", **env})
        self.validated = "reconciler.workspace.validate" in self.modules
        self.roots = {m.split(".")[0] for m in self.modules}


def validate(repo: Path, *args: str, env: dict[str, str] | None = None,
             pythonpath: Path | None = None) -> Run:
    extra = {"RECONCILER_NO_CACHE": "", **(env or {})}  # "" is off, as unset
    if pythonpath is not None:
        extra["PYTHONPATH"] = str(pythonpath)
    return Run(repo, args, extra)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return example_repo(tmp_path / "repo")


def warmed(repo: Path, *args: str, **kw: object) -> Run:
    """A first (validating) run and a second (replaying) one; the second returned."""
    first = validate(repo, *args, **kw)  # type: ignore[arg-type]
    assert first.code == 0 and first.validated, first.stderr
    second = validate(repo, *args, **kw)  # type: ignore[arg-type]
    assert second.code == 0 and not second.validated, second.stderr
    assert (second.stdout, second.stderr) == (first.stdout, first.stderr)
    return second


def test_unchanged_repo_replays_without_yaml_jinja_or_pydantic(repo: Path) -> None:
    second = warmed(repo)
    assert second.stdout.startswith("valid: ")
    assert {"pydantic", "pydantic_core", "yaml", "jinja2"} & set(second.roots) == set()
    memo = user_cache_dir(repo) / MEMO_FILE
    assert memo.is_file() and not memo.resolve().is_relative_to(repo.resolve())


def test_changed_spec_bytes_validate_again_even_with_the_old_mtime(repo: Path) -> None:
    warmed(repo)
    spec = repo / "campaigns" / "cart-reminder.yaml"
    before = spec.stat()
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace("goal:", "goaI:", 1), encoding="utf-8")  # l -> I
    os.utime(spec, ns=(before.st_atime_ns, before.st_mtime_ns))  # same size, same mtime
    assert spec.stat().st_size == before.st_size
    run = validate(repo)
    assert run.validated and run.code == 1
    assert "cart-reminder.yaml" in run.stderr and "goaI" in run.stderr


def test_a_failing_run_is_never_replayed(repo: Path) -> None:
    spec = repo / "campaigns" / "cart-reminder.yaml"
    spec.write_text(spec.read_text(encoding="utf-8") + "bogus_field: 1\n", encoding="utf-8")
    for _ in range(2):
        run = validate(repo)
        assert run.validated and run.code == 1 and "bogus_field" in run.stderr


def test_changed_vars_validate_again(repo: Path) -> None:
    warmed(repo)
    config = repo / "reconciler.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "      store_name: Acme Store\n", ""), encoding="utf-8")
    run = validate(repo)
    assert run.validated and run.code == 1 and "store_name" in run.stderr


def test_another_env_or_config_file_has_its_own_entry(repo: Path) -> None:
    config = repo / "reconciler.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "\nsafety:", "\n  staging:\n    api_url: sandbox\n    org_id: 1\n    app_id: other\n"
        "    vars: {deep_link_scheme: x, store_name: Y}\n\nsafety:", 1), encoding="utf-8")
    warmed(repo)
    run = validate(repo, "--env", "staging")
    assert run.validated and run.code == 0 and "(env staging)" in run.stdout
    shutil.copy(config, repo / "other.yaml")
    run = validate(repo, "--config", "other.yaml")
    assert run.validated and run.code == 0


def test_a_new_symlink_out_of_the_repo_is_reported_not_replayed(repo: Path,
                                                               tmp_path: Path) -> None:
    warmed(repo)
    spec = repo / "campaigns" / "weekly-digest.yaml"
    outside = tmp_path / "outside.yaml"
    outside.write_bytes(spec.read_bytes())  # the same bytes, now from outside
    spec.unlink()
    spec.symlink_to(outside)
    run = validate(repo)
    assert run.validated and run.code == 1 and "symlink points outside" in run.stderr


def test_warnings_of_the_walk_are_current_on_a_replay(repo: Path) -> None:
    warmed(repo)
    (repo / "campaigns" / "draft.yml").write_text("name: x\n", encoding="utf-8")
    run = validate(repo)
    assert run.code == 0 and not run.validated  # specs unchanged: replayed
    assert "draft.yml: ignored, spec files end in .yaml" in run.stderr


def test_never_in_ci_nor_when_turned_off(repo: Path) -> None:
    for env in ({"CI": "1"}, {"RECONCILER_NO_CACHE": "1"}):
        validate(repo, env=env)
        assert validate(repo, env=env).validated


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A copy of the reconciler package on its own PYTHONPATH: code a test may change."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "reconciler", site / "reconciler",
                    ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run(
        [sys.executable, "-c", "import reconciler; print(reconciler.__file__)"], cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)}, capture_output=True, text=True, check=True)
    assert Path(proc.stdout.strip()).is_relative_to(site)  # the copy is what runs
    return site


@pytest.mark.parametrize("edit", [
    ("localytics/campaign.py", "\n# a model's source changed\n"),
    ("__init__.py", '\n__version__ = "0.1.0.post1"\n'),
], ids=["model-source", "version"])
def test_changed_code_validates_again(repo: Path, package_copy: Path,
                                      edit: tuple[str, str]) -> None:
    warmed(repo, pythonpath=package_copy)
    rel, addition = edit
    source = package_copy / "reconciler" / rel
    source.write_text(source.read_text(encoding="utf-8") + addition, encoding="utf-8")
    run = validate(repo, pythonpath=package_copy)
    assert run.validated and run.code == 0
