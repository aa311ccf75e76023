"""The docs site builds with --strict, the README stays short, and no link dangles.

`mkdocs build --strict` (with the `validation:` settings in mkdocs.yml) fails on
a relative link or anchor that does not resolve and on a page left out of the
nav; the README is read on GitHub, outside MkDocs, so its relative links are
checked here. The CLI reference is generated from the click commands, so the
built page must hold every command `reconciler` has.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.cli.main import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
README_MAX_BYTES = 20 * 1024
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
OUTSIDE = ("../shared", "DESIGN §", "DESIGN.md", "@v1", "rev: v1")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict",
         "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_site_builds_strict_with_every_page(site: Path) -> None:
    pages = sorted(p.relative_to(ROOT / "docs") for p in (ROOT / "docs").rglob("*.md"))
    for page in pages:
        html = site / page.with_suffix("") / "index.html"
        if page.name == "index.md":
            html = site / page.parent / "index.html"
        assert html.is_file(), f"{page} was not built"


def test_cli_reference_is_generated_for_every_command(site: Path) -> None:
    html = (site / "cli" / "index.html").read_text(encoding="utf-8")
    for name in COMMANDS:
        assert f'id="reconciler-{name}"' in html, f"no generated reference for {name}"
    assert "--detailed-exitcode" in html  # options come from the click command itself


def test_readme_is_at_most_20_kb() -> None:
    assert README.stat().st_size <= README_MAX_BYTES, README.stat().st_size


def test_readme_relative_links_point_at_files() -> None:
    text = README.read_text(encoding="utf-8")
    targets = [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]
    assert targets, "the README links into docs/"
    missing = [t for t in targets
               if not t.startswith("#") and not (ROOT / t.split("#")[0]).exists()]
    assert missing == []


def test_readme_and_docs_point_only_inside_the_repository() -> None:
    files = [README, *sorted((ROOT / "docs").rglob("*.md"))]
    found = [(f.relative_to(ROOT).as_posix(), s) for f in files
             for s in OUTSIDE if s in f.read_text(encoding="utf-8")]
    assert found == []


def test_readme_gives_the_ci_command_and_venv_activation() -> None:
    ci = next(line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
              if line.startswith("make "))
    text = README.read_text(encoding="utf-8")
    assert ci in text
    assert ". .venv/bin/activate" in text


def test_the_config_page_has_every_key_with_an_example() -> None:
    """docs/config.md documents every key the config model accepts, each in a table row
    whose last cell is an example using that key."""
    from reconciler.workspace.schema import schema_text

    schema = json.loads(schema_text("config"))
    keys = set(schema["properties"])
    for definition in schema["$defs"].values():
        keys |= set(definition.get("properties", {}))
    rows = {m.group(1): m.group(2) for m in re.finditer(
        r"^\| `([a-z_]+)` \|.*\| `([^`]*)` \|$", (ROOT / "docs" / "config.md").read_text(),
        re.M)}
    keys.discard("name")  # github_environment's own keys, shown in its example
    keys.discard("require_protection")
    assert sorted(keys - set(rows)) == []
    for key, example in rows.items():
        assert example.startswith(f"{key}: "), (key, example)


def test_the_localytics_reference_examples_validate(tmp_path: Path) -> None:
    """Every yaml block of docs/specs/localytics.md is a whole spec file that validates
    where its first-line comment puts it."""
    from tests.helpers import make_repo, run_cli

    repo = make_repo(tmp_path)
    text = (ROOT / "docs" / "specs" / "localytics.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```yaml\n# ((?:audiences|campaigns)/[\w./-]+)\n(.*?)^```", text,
                        re.S | re.M)
    assert len(blocks) >= 4
    for path, body in blocks:
        (repo / path).write_text(body, encoding="utf-8")
    code, out, err = run_cli(["validate"], repo)
    assert (code, err) == (0, ""), err
    audiences, campaigns = (len(list((repo / k).rglob("*.yaml"))) for k in ("audiences",
                                                                              "campaigns"))
    assert out == f"valid: {audiences} audiences, {campaigns} campaigns (env sandbox)\n"


def test_help_docs_home_and_readme_name_every_platform() -> None:
    from tests.helpers import run_cli

    platforms = ("Localytics", "Stream Chat", "Netcore Smartech")
    texts = {"reconciler --help": run_cli(["--help"], ROOT)[1],
             "reconciler sandbox --help": run_cli(["sandbox", "--help"], ROOT)[1],
             "docs/index.md": (ROOT / "docs" / "index.md").read_text(encoding="utf-8"),
             "README.md": README.read_text(encoding="utf-8")}
    for where, text in texts.items():
        flat = " ".join(text.split())
        assert all(p in flat for p in platforms), where
