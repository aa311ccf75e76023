"""Each spec file is parsed once and each template string rendered once per env (issue 29).

validate and plan spend most of their own time reading specs, so a second
parse or render of every file doubles it without any test noticing a time.
These count instead: a fresh process runs the real CLI on a copy of the
example repo (templates included; plan against the embedded sandbox) with
counting wrappers on the YAML composer and on `Renderer.render`, and no parse
cache (RECONCILER_NO_CACHE=1), so every file is read from its bytes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import FIXTURES, copy_tree, example_repo

_PROBE = """
import collections, importlib, json, sys
import yaml
parses, renders = collections.Counter(), collections.Counter()
compose = yaml.compose
def counting_compose(stream, *args, **kwargs):
    parses[stream if isinstance(stream, str) else repr(stream)] += 1
    return compose(stream, *args, **kwargs)
yaml.compose = counting_compose
for name in ("reconciler.workspace.templating", "reconciler.spec.templating"):
    try:
        templating = importlib.import_module(name)
        break
    except ImportError:
        continue
render = templating.Renderer.render
def counting_render(self, source):
    if self.is_template(source):
        renders[source] += 1
    return render(self, source)
templating.Renderer.render = counting_render
from reconciler.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as e:
    code = e.code
sys.stderr.write("\\nCOUNTS " + json.dumps([code, parses, renders]) + "\\n")
"""


def counts(repo: Path, *args: str, cache: bool = False) -> tuple[Counter[str], Counter[str]]:
    """(texts composed, template strings rendered) by a `reconciler ARGS` run in `repo`;
    with `cache`, the user's caches on (the parse cache, the validate memo)."""
    env = {**os.environ, "RECONCILER_NO_CACHE": "" if cache else "1", "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)
    head, _, tail = proc.stderr.rpartition("\nCOUNTS ")
    assert tail, proc.stderr
    code, parses, renders = json.loads(tail)
    assert code in (0, None), head
    return Counter(parses), Counter(renders)


def spec_files(repo: Path) -> dict[str, str]:
    return {str(p.relative_to(repo)): p.read_text(encoding="utf-8")
            for folder in ("audiences", "campaigns") for p in sorted((repo / folder).rglob("*.yaml"))}


def template_strings(texts: dict[str, str]) -> Counter[str]:
    """Every string value with a Jinja marker, as often as the files hold it."""
    found: Counter[str] = Counter()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, str) and any(m in node for m in ("{{", "{%", "{#")):
            found[node] += 1

    for text in texts.values():
        walk(yaml.safe_load(text))
    return found


@pytest.mark.parametrize("command", [["validate"], ["plan", "--format", "json"]],
                         ids=["validate", "plan"])
def test_each_spec_parsed_once_and_rendered_once(tmp_path: Path, command: list[str]) -> None:
    repo = example_repo(tmp_path / "repo")
    texts = spec_files(repo)
    templates = template_strings(texts)
    assert len(texts) >= 10 and sum(templates.values()) >= 5  # the guard has work to see

    parses, renders = counts(repo, *command)

    config = (repo / "reconciler.yaml").read_text(encoding="utf-8")
    assert {text: parses[text] for text in texts.values()} == {t: 1 for t in texts.values()}
    assert parses[config] == 1
    assert sum(parses.values()) == len(texts) + 1  # nothing else is composed
    assert renders == templates


def test_validate_of_an_unchanged_repo_composes_and_renders_nothing(tmp_path: Path) -> None:
    """The validate memo (reconciler.workspace.memo) replays a passing run for the same
    bytes: no spec is parsed or rendered, not even from the parse cache."""
    repo = example_repo(tmp_path / "repo")
    parses, renders = counts(repo, "validate", cache=True)
    assert sum(parses.values()) == len(spec_files(repo)) + 1 and renders  # it did the work
    assert counts(repo, "validate", cache=True) == (Counter(), Counter())
    spec = repo / "campaigns" / "weekly-digest.yaml"
    spec.write_text(spec.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    parses, renders = counts(repo, "validate", cache=True)
    # validated again: reconciler.yaml and the edited file are parsed, the other files
    # come from the parse cache, and every template is rendered
    config = (repo / "reconciler.yaml").read_text(encoding="utf-8")
    assert parses == Counter({spec.read_text(encoding="utf-8"): 1, config: 1})
    assert renders == template_strings(spec_files(repo))


@pytest.mark.parametrize("platform", ["smartech", "stream"])
@pytest.mark.parametrize("command", [["validate"], ["plan", "--format", "json"]],
                         ids=["validate", "plan"])
def test_each_spec_of_another_platform_is_parsed_once(tmp_path: Path, platform: str,
                                                      command: list[str]) -> None:
    """Smartech specs name the line of each top-level field (for plan errors): finding
    those lines for every spec composed each file a second time before any request;
    they are now found only when an error names one (`FieldLines`)."""
    repo = tmp_path / "repo"
    copy_tree(FIXTURES / platform, repo)
    texts = spec_files(repo)
    assert len(texts) >= 4

    parses, _ = counts(repo, *command)

    assert {text: parses[text] for text in texts.values()} == {t: 1 for t in texts.values()}
