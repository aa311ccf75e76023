"""What `reconciler --help`, usage errors and `validate` import (issue 29).

Speed slipped unseen once: `--help` came to import pydantic through one
module-level import and took 0.6 s instead of 0.09 s. Time is not asserted
(shared machines are noisy); the set of modules a command imports is, in a
fresh process running the real entry point. Modules are named by role, so the
guard survives moves: the heavy libraries by their top-level name, the
platforms by a dotted segment naming one (`reconciler.<platform>`, or wherever
a platform's package lives).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import cli_modules, example_repo

PLATFORMS = frozenset({"localytics", "stream", "smartech", "airship"})
# Libraries `--help` must not pay for: validation, HTTP, the sandbox server, YAML,
# templates and the event loop are all for commands that run.
NOT_FOR_HELP = frozenset({"pydantic", "pydantic_core", "httpx", "httpcore", "fastapi",
                          "starlette", "uvicorn", "yaml", "jinja2", "asyncio", "sqlalchemy"})
# validate reads files offline: no HTTP client, no server, no event loop.
NOT_FOR_VALIDATE = frozenset({"httpx", "httpcore", "fastapi", "starlette", "uvicorn",
                              "asyncio"})


def imported(args: list[str], cwd: Path) -> tuple[set[str], str, object]:
    """The modules a fresh process has after running `reconciler ARGS`, its stderr and its
    exit code."""
    modules, _, stderr, code = cli_modules(args, cwd)
    return modules, stderr, code


def heavy(modules: set[str], roots: frozenset[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in roots)


def platform_modules(modules: set[str], platforms: frozenset[str] = PLATFORMS) -> list[str]:
    """reconciler modules with a dotted segment naming a platform."""
    return sorted(m for m in modules
                  if m.startswith("reconciler.") and platforms & set(m.split(".")[1:]))


@pytest.mark.parametrize("args", [
    ["--help"],
    [],
    ["plna"],                            # a misspelled command: one error line
    ["plan", "--confg", "x.yaml"],       # a misspelled option of a real command
    ["validate", "--help"],
    ["--version"],
], ids=["help", "no-args", "bad-command", "bad-option", "validate-help", "version"])
def test_help_and_usage_errors_import_no_heavy_or_platform_module(tmp_path: Path,
                                                                   args: list[str]) -> None:
    modules, stderr, _ = imported(args, tmp_path)
    assert "reconciler.cli.main" in modules, stderr  # the probe did run the CLI
    assert heavy(modules, NOT_FOR_HELP) == []
    assert platform_modules(modules) == []
    assert sorted(m for m in modules if m.startswith("reconciler.config")) == []


def test_usage_error_is_still_one_line(tmp_path: Path) -> None:
    """The probe sees the real error handling: the lazy imports kept it one line."""
    _, stderr, code = imported(["plna"], tmp_path)
    assert code == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: reconciler: no such command"), stderr


def test_validate_imports_no_http_server_or_event_loop(tmp_path: Path) -> None:
    repo = example_repo(tmp_path / "repo")
    modules, stderr, code = imported(["validate"], repo)
    assert code == 0, stderr
    assert heavy(modules, NOT_FOR_VALIDATE) == []
    # nor the provider interface (1.4 % of a warm validate of 1,200 specs): a platform's
    # spec checks read the lease names from reconciler.workspace.workspace
    assert "reconciler.provider" not in modules
    # nor package metadata (email, zipfile, csv: 5 % of a cold validate), which pydantic's
    # plugin loader imports to find no plugins when they are off
    assert sorted(m for m in modules if m.startswith(("importlib.metadata", "email"))) == []


def test_pydantic_plugins_the_user_turns_on_are_still_looked_for(tmp_path: Path) -> None:
    """Only the CLI's own default (plugins off) skips pydantic's plugin loader: a user who
    sets PYDANTIC_DISABLE_PLUGINS to something else gets pydantic's loader, which reads
    the installed packages' entry points."""
    repo = example_repo(tmp_path / "repo")
    modules, _, stderr, code = cli_modules(["validate"], repo,
                                           env={"PYDANTIC_DISABLE_PLUGINS": "some-plugin"})
    assert code == 0, stderr
    assert "importlib.metadata" in modules


def test_validate_of_an_unchanged_repo_imports_what_help_does_and_no_more(
        tmp_path: Path) -> None:
    """The second validate of an unchanged repo replays the first's result (the validate
    memo, reconciler.workspace.memo): no pydantic, YAML, Jinja or platform module, only
    the few reconciler modules that walk the spec folders and hash the files."""
    repo = example_repo(tmp_path / "repo")
    first, _, stderr, code = cli_modules(["validate"], repo)
    assert code == 0 and "pydantic" in first, stderr  # the first run validated
    modules, stdout, stderr, code = cli_modules(["validate"], repo)
    assert code == 0 and stdout.startswith("valid: "), stderr
    assert heavy(modules, NOT_FOR_HELP) == []
    assert platform_modules(modules) == []
    help_modules, _, _, _ = cli_modules(["--help"], repo)
    assert sorted(m for m in modules - help_modules if m.startswith("reconciler")) == [
        "reconciler.config", "reconciler.config.find", "reconciler.config.trust",
        "reconciler.gitfind",
        "reconciler.lazyexports", "reconciler.workspace", "reconciler.workspace.cache",
        "reconciler.workspace.discover", "reconciler.workspace.memo",
        "reconciler.workspace.workspace"]


def test_validate_imports_only_its_own_platform(tmp_path: Path) -> None:
    """A Localytics repo imports no Stream or Smartech module: not their spec models,
    and not their env models either (reconciler.yaml's `envs:` union is built of the
    platforms the file names, `config_model(providers_in(...))`; each env model is a
    pydantic model built at import)."""
    repo = example_repo(tmp_path / "repo")
    modules, stderr, code = imported(["validate"], repo)
    assert code == 0, stderr
    assert platform_modules(modules, PLATFORMS - {"localytics"}) == []
    assert platform_modules(modules, frozenset({"localytics"}))  # the guard sees platforms
