"""The drift branch in real git (a bare origin in tmp) with a fake gh and a stand-in import:
a pull request closed unmerged is not proposed again for the same edit, a moved main
gives a merge commit (a fast forward whose diff against main is still the drift alone),
and an import that changes nothing proposes nothing."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from reconciler.gitops.driftpr import branch, marker, propose
from reconciler.plan.model import Action, Change, FieldChange, Plan
from tests.helpers import example_repo, git, git_checkout, run_cli

BOT = {"login": "app/github-actions", "is_bot": True}


class FakeGh:
    def __init__(self) -> None:
        self.prs: list[dict[str, Any]] = []
        self.calls: list[list[str]] = []

    def __call__(self, args: list[str]) -> str:
        self.calls.append(args)
        if args[:2] == ["pr", "list"]:
            return json.dumps(self.prs)
        if args[:2] == ["pr", "create"]:
            body = Path(args[args.index("--body-file") + 1]).read_text()
            self.prs.append({"number": 5, "url": "https://github.com/a/b/pull/5", "body": body,
                             "state": "OPEN", "author": BOT, "isCrossRepository": False})
            return "https://github.com/a/b/pull/5\n"
        if args[:2] == ["pr", "edit"]:
            self.prs[-1]["body"] = Path(args[args.index("--body-file") + 1]).read_text()
        return ""


def edit_to(text: str | None):  # noqa: ANN201 - a stand-in importer
    def run(root: Path, ids: Mapping[str, list[Any]]) -> None:
        assert dict(ids) == {"campaign": [5]}
        if text is not None:
            (root / "campaigns" / "p.yaml").write_text(text)
    return run


PLAN = Plan(env="prod", target={}, changes=[Change(
    kind="campaign", key="p", name="P", action=Action.UPDATE, live_id=5,
    diff=[FieldChange("message", "new", "old")])])


def body(_drift: Any, digest: str, _files: list[str]) -> str:
    return marker("prod", digest) + "\nbody\n"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    return git_checkout(tmp_path, {"campaigns/p.yaml": "# mine\nmessage: old\n",
                                   "campaigns/q.yaml": "message: q\n"})


def test_a_moved_main_gives_a_merge_commit_whose_diff_is_the_drift(checkout: Path) -> None:
    gh = FakeGh()
    made = propose("prod", checkout, PLAN, edit_to("# mine\nmessage: new\n"), gh, body)
    assert made.verb == "created" and made.files == ("campaigns/p.yaml",)
    first = git(checkout, "ls-remote", "origin", branch("prod")).split()[0]
    (checkout / "campaigns" / "q.yaml").write_text("message: q2\n")  # main moves on
    git(checkout, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "q2")
    git(checkout, "push", "-q", "origin", "main")
    again = propose("prod", checkout, PLAN, edit_to("# mine\nmessage: newer\n"), gh, body)
    assert again.verb == "updated" and len(gh.prs) == 1
    origin = checkout.parent / "origin.git"
    parents = git(origin, "rev-list", "--parents", "-n", "1", branch("prod")).split()[1:]
    assert parents == [first, git(checkout, "rev-parse", "HEAD").strip()]
    assert git(origin, "diff", "--name-only", f"main...{branch('prod')}").split() == \
        ["campaigns/p.yaml"]
    tip = git(origin, "rev-parse", branch("prod")).strip()
    same = propose("prod", checkout, PLAN, edit_to("# mine\nmessage: newer\n"), gh, body)
    assert same.verb == "unchanged" and ["pr", "edit", "5"] in [c[:3] for c in gh.calls]
    assert git(origin, "rev-parse", branch("prod")).strip() == tip  # no commit for no change


def test_an_edit_closed_unmerged_is_not_proposed_again(checkout: Path) -> None:
    gh = FakeGh()
    propose("prod", checkout, PLAN, edit_to("# mine\nmessage: new\n"), gh, body)
    gh.prs[0]["state"] = "CLOSED"
    head = git(checkout, "ls-remote", "origin", branch("prod")).split()[0]
    rejected = propose("prod", checkout, PLAN, edit_to("# mine\nmessage: new\n"), gh, body)
    assert rejected.verb == "rejected" and rejected.pr is not None and rejected.pr.number == 5
    assert git(checkout, "ls-remote", "origin", branch("prod")).split()[0] == head
    other = propose("prod", checkout, PLAN, edit_to("# mine\nmessage: other\n"), gh, body)
    assert other.verb == "created" and sum(c[:2] == ["pr", "create"] for c in gh.calls) == 2


def test_an_import_that_changes_nothing_proposes_nothing(checkout: Path) -> None:
    gh = FakeGh()
    assert propose("prod", checkout, PLAN, edit_to(None), gh, body).verb == "nothing"
    assert [c[:2] for c in gh.calls] == [["pr", "list"]]
    assert git(checkout, "ls-remote", "origin", branch("prod")) == ""
    assert git(checkout, "worktree", "list").count("\n") == 1  # the throw-away one is gone


FAKE_GH = """#!{python}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_GH_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
if args[:2] == ["issue", "create"]:
    print("https://github.com/a/b/issues/11")
elif args[1:2] == ["list"]:
    print("[]")
"""


def test_drift_no_pull_request_can_carry_opens_the_issue(tmp_path: Path) -> None:
    repo = example_repo(tmp_path / "repo")
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "gh").write_text(FAKE_GH.format(python=sys.executable))
    (fake / "gh").chmod(0o755)
    env = {"PATH": f"{fake}{os.pathsep}{os.environ['PATH']}",
           "FAKE_GH_LOG": str(tmp_path / "gh.jsonl")}
    # a fresh sandbox: every managed spec has no live object (as if deleted in the dashboard)
    code, _, err = run_cli(["plan", "--out", "plan.json", "--detailed-exitcode"], repo, env)
    assert code == 2, err
    code, out, err = run_cli(["gitops", "drift-pr", "--exit-code", "2", "--plan-file",
                              "plan.json"], repo, env)
    assert code == 0, err
    assert "that no pull request can carry" in out and "issue created #11" in out
    calls = [json.loads(x) for x in (tmp_path / "gh.jsonl").read_text().splitlines()]
    assert [c[:2] for c in calls] == [["issue", "list"], ["issue", "create"]]
    code, out, err = run_cli(["gitops", "drift-pr", "--exit-code", "1", "--plan-file",
                              "plan.json"], repo, env)
    assert code == 1 and out == "" and err.startswith("error: plan exited 1") \
        and err.count("\n") == 1


def test_the_body_escapes_spec_and_live_text_and_fits_githubs_limit() -> None:
    from reconciler.gitops.comment import RunInfo
    from reconciler.gitops.driftbody import RESTORE, body
    from reconciler.gitops.driftpr import drift_of

    hostile = "<img src=x onerror=alert(1)> @team [x](https://evil) | `tick` -->"
    changes = [Change(kind="campaign", key=f"k{i}|`x`", name=hostile, action=Action.UPDATE,
                      live_id=i, diff=[FieldChange("creatives[0].x|y", hostile, "b")])
               for i in range(400)]
    changes.append(Change(kind="campaign", key="gone", name=hostile, action=Action.CREATE))
    plan = Plan(env="prod", target={}, changes=changes)
    text = body("prod", drift_of(plan), "ab12", ["campaigns/a.yaml"], plan, RunInfo())
    assert len(text) < 65_536 and RESTORE in text
    assert "<img" not in text and "@team" not in text and "](https://evil)" not in text
    assert text.count("-->") == 1  # only the marker's own
    assert "… and 300 more objects" in text and "`gone`" in text
    row = next(line for line in text.splitlines() if line.startswith("| campaign "))
    assert row.count(" | ") == 3  # the pipes in key and path stay inside their cells
