"""The plan's spec memo (reconciler.workspace.specmemo): a plan of an unchanged repo
parses, renders and validates no spec, and any edit of a spec file or of
reconciler.yaml shows in the plan as without it.

Counted, not timed: the probe of tests/test_parse_counts.py wraps the YAML composer
and the template renderer in the real CLI's process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from tests.helpers import example_repo
from tests.test_parse_counts import _PROBE, spec_files, template_strings


def plan(repo: Path, cache: bool = True) -> tuple[Any, Counter[str], Counter[str]]:
    """(the plan's JSON, texts composed, templates rendered) of `plan` in `repo`."""
    env = {**os.environ, "RECONCILER_NO_CACHE": "" if cache else "1", "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run([sys.executable, "-c", _PROBE, "plan", "--format", "json"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    head, _, tail = proc.stderr.rpartition("\nCOUNTS ")
    assert tail, proc.stderr
    code, parses, renders = json.loads(tail)
    assert code in (0, None), head
    return json.loads(proc.stdout), Counter(parses), Counter(renders)


def test_an_unchanged_repo_is_planned_without_loading_a_spec(tmp_path: Path) -> None:
    repo = example_repo(tmp_path / "repo")
    config = (repo / "reconciler.yaml").read_text(encoding="utf-8")
    first, parses, renders = plan(repo)
    assert sum(parses.values()) == len(spec_files(repo)) + 1 and renders  # it did the work
    again, parses, renders = plan(repo)
    assert parses == Counter({config: 1}) and renders == Counter()
    assert again == first == plan(repo, cache=False)[0]


def test_edits_of_a_spec_or_of_the_config_show_in_the_plan(tmp_path: Path) -> None:
    repo = example_repo(tmp_path / "repo")
    plan(repo)
    spec = repo / "campaigns" / "weekly-digest.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace(
        "New arrivals, restocks", "Fresh arrivals, restocks"), encoding="utf-8")
    edited, parses, renders = plan(repo)
    config = repo / "reconciler.yaml"
    assert parses == Counter({spec.read_text(encoding="utf-8"): 1,
                              config.read_text(encoding="utf-8"): 1})
    assert renders == template_strings(spec_files(repo))
    assert "Fresh arrivals, restocks" in json.dumps(edited)
    assert edited == plan(repo, cache=False)[0]

    config.write_text(config.read_text(encoding="utf-8").replace(
        "store_name: Acme Store", "store_name: Acme Outlet", 1), encoding="utf-8")
    edited, _, renders = plan(repo)
    assert renders and "This week at Acme Outlet" in json.dumps(edited)
    assert edited == plan(repo, cache=False)[0]


def test_a_spec_changed_before_the_memo_checks_it_is_not_kept(tmp_path: Path,
                                                              monkeypatch: Any) -> None:
    """A plan keeps its spec memo on a worker thread while it runs (cli/meanwhile.py): the
    specs are taken as JSON at once, and the job that checks and writes them later keeps
    nothing if a spec is then no longer what was loaded (specs are never changed; if one
    were, the memo would hold what no load of those files makes)."""
    from reconciler.config import load_config
    from reconciler.workspace import load_workspace
    from reconciler.workspace.specmemo import SpecMemo

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("RECONCILER_NO_CACHE", raising=False)
    repo = example_repo(tmp_path / "repo")
    loaded = load_config(repo / "reconciler.yaml")
    jobs: list[Any] = []
    workspace = load_workspace(loaded, warn=lambda _line: None, memo=True, later=jobs)
    assert len(jobs) == 1
    memo = SpecMemo(loaded)
    body = workspace.specs[0].body
    body["name"] = body["name"] + " (changed)"  # type: ignore[index]
    jobs[0]()
    assert not memo.path.exists()
    body["name"] = body["name"].removesuffix(" (changed)")  # type: ignore[index]
    jobs[0]()
    assert memo.path.exists()  # as loaded again: kept
