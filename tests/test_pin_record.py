"""Exactly once for Smartech app push, whatever happens to its pin pull request.

Real git (a bare `origin`, a fresh clone of main per CI run, as CI's checkout is
thrown away after each job), a stand-in `gh` on PATH that keeps pull requests in
a JSON file, and the served Smartech sandbox, which counts executions. The
record of a created campaign is the ref refs/reconciler/state/<env> of origin,
written before the execute; the pin pull request is only a copy, so refusing,
closing or shadowing it must not make the next apply send again (issue 26:
cases a, b, c, e), and a fork's pull request must not block a send (case d).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reconciler.gitops.staterecord import RecordError, StateRef, merged, ref
from tests.helpers import git, git_checkout
from tests.repo import Run
from tests.smartech_repo import SmartechRepo, email_campaign, push_campaign

ENV = "test"
BRANCH = f"reconciler/pins-{ENV}"
MALLORY = {"login": "mallory", "is_bot": False}
BOT = {"login": "app/github-actions", "is_bot": True}

FAKE_GH = f"""#!{sys.executable}
import json, os, sys
args = sys.argv[1:]
path = os.environ["FAKE_GH_STATE"]
state = json.load(open(path)) if os.path.exists(path) else {{"prs": []}}
def opt(name):
    return args[args.index(name) + 1]
if args[:2] == ["pr", "list"]:
    want = opt("--state").upper()
    print(json.dumps([p for p in state["prs"] if p["headRefName"] == opt("--head")
                      and want in ("ALL", p["state"])]))
elif args[:2] == ["pr", "create"]:
    if os.environ.get("FAKE_GH_REFUSE_CREATE"):
        sys.exit("pull request create failed: GraphQL: GitHub Actions is not permitted to "
                 "create or approve pull requests (createPullRequest)")
    number = 21 + len(state["prs"])
    state["prs"].append({{"number": number, "url": f"https://github.com/acme/c/pull/{{number}}",
                         "state": "OPEN", "headRefName": opt("--head"), "body": opt("--body"),
                         "author": {BOT!r}, "isCrossRepository": False}})
    print(f"https://github.com/acme/c/pull/{{number}}")
elif args[:2] == ["pr", "edit"]:
    for p in state["prs"]:
        if str(p["number"]) == args[2]:
            p["body"] = opt("--body")
else:
    sys.exit("fake gh: unexpected " + " ".join(args))
json.dump(state, open(path, "w"))
"""


class GitHub:
    """Origin (the SmartechRepo's bare repository), its pull requests, and CI runs."""

    def __init__(self, repo: SmartechRepo, tmp: Path):
        self.repo, self.tmp = repo, tmp
        self.state = tmp / "gh_state.json"
        bin_dir = tmp / "fakebin"
        bin_dir.mkdir()
        (bin_dir / "gh").write_text(FAKE_GH)
        (bin_dir / "gh").chmod(0o755)
        self.path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
        self.runs = 0

    def merge_specs(self) -> None:
        """The specs as written so far, committed and pushed to main."""
        (self.repo.root / ".gitignore").write_text(".reconciler/\n")
        git(self.repo.root, "add", ".")
        git(self.repo.root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "specs")
        git(self.repo.root, "push", "-q", "origin", "HEAD:refs/heads/main")

    def add_pr(self, **pr: Any) -> None:
        state = json.loads(self.state.read_text()) if self.state.exists() else {"prs": []}
        state["prs"].append({"number": 90 + len(state["prs"]), "url": "https://x/pull/9",
                             "state": "OPEN", "headRefName": BRANCH, "body": "",
                             "author": MALLORY, "isCrossRepository": True, **pr})
        self.state.write_text(json.dumps(state))

    def prs(self) -> list[dict[str, Any]]:
        return json.loads(self.state.read_text())["prs"] if self.state.exists() else []

    def close_prs(self) -> None:
        state = json.loads(self.state.read_text())
        for pr in state["prs"]:
            pr["state"] = "CLOSED"
        self.state.write_text(json.dumps(state))

    def apply(self, ci: bool = True, **env: str) -> Run:
        """`reconciler apply` in a fresh clone of main: a CI job, or a laptop (CI unset)."""
        return self.cli("apply", "--auto-approve", ci=ci, **env)

    def cli(self, *args: str, ci: bool = True, **env: str) -> Run:
        self.runs += 1
        clone = self.tmp / f"clone-{self.runs}"
        git(self.tmp, "clone", "-q", "-b", "main", str(self.repo.origin), str(clone))
        full = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_STEP_SUMMARY")}
        full.update({"SMARTECH_API_KEY": self.repo.key, "PATH": self.path, "NO_COLOR": "1",
                     "FAKE_GH_STATE": str(self.state), "GIT_CONFIG_NOSYSTEM": "1",
                     **({"CI": "true"} if ci else {}), **env})
        proc = subprocess.run([sys.executable, "-m", "reconciler", *args],
                              cwd=clone, env=full, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        return Run(proc.returncode, proc.stdout, proc.stderr)

    def executions(self) -> int:
        return len([r for r in self.repo.executions() if r["channel"] == "apn"])

    def log_pushes(self) -> Path:
        """From now on every `git push` the CLI runs is logged (a git wrapper on PATH): the
        file it is logged to."""
        log = self.tmp / "git_pushes.log"
        log.touch()
        wrapper = self.tmp / "fakebin" / "git"
        wrapper.write_text(f'#!/bin/sh\nfor a in "$@"; do [ "$a" = push ] && echo "$*" >> "{log}"'
                           f'; done\nexec {shutil.which("git")} "$@"\n')
        wrapper.chmod(0o755)
        return log

    def record_log(self) -> list[str]:
        """The subjects of the record's commits on origin, newest first."""
        return git(self.repo.origin, "log", "--format=%s", ref(ENV)).splitlines()


@pytest.fixture
def github(smartech_repo: SmartechRepo, tmp_path: Path) -> GitHub:
    smartech_repo.put("audience", "lapsed", {"type": "segment", "id": 13})
    smartech_repo.put("campaign", "push", push_campaign("Push", ["lapsed"]))
    made = GitHub(smartech_repo, tmp_path)
    made.merge_specs()
    return made


def test_a_refused_pin_pull_request_loses_nothing(github: GitHub) -> None:
    first = github.apply(FAKE_GH_REFUSE_CREATE="1")
    second = github.apply()
    assert github.executions() == 1
    assert "no pin pull request" in first.stderr and "nothing is lost" in first.stderr
    assert (first.code, second.code) == (0, 0), first.stderr + second.stderr
    assert github.prs() == []


def test_a_forks_pull_request_on_the_pin_branch_hides_nothing(github: GitHub) -> None:
    github.add_pr(body="fork")
    runs = [github.apply(), github.apply()]
    assert github.executions() == 1
    assert [r.code for r in runs] == [0, 0], runs[0].stderr + runs[1].stderr
    mine = [p for p in github.prs() if not p["isCrossRepository"]]
    assert len(mine) == 1 and github.prs()[0]["body"] == "fork"  # the fork's body untouched


def test_a_pin_pull_request_closed_unmerged_loses_nothing(github: GitHub) -> None:
    first = github.apply()
    assert [p["state"] for p in github.prs()] == ["OPEN"]
    github.close_prs()
    again = github.apply()
    assert github.executions() == 1
    assert (first.code, again.code) == (0, 0), first.stderr + again.stderr


def test_a_forks_marker_blocks_no_send(github: GitHub) -> None:
    github.add_pr(body="<!-- reconciler-pins: push -->")
    run = github.apply()
    assert github.executions() == 1
    assert run.code == 0, run.stderr


def test_a_laptop_apply_while_the_pin_pull_request_is_open_sends_nothing_again(
        github: GitHub) -> None:
    first = github.apply()
    assert [p["state"] for p in github.prs()] == ["OPEN"]
    laptop = github.apply(ci=False)
    assert github.executions() == 1
    assert (first.code, laptop.code) == (0, 0), first.stderr + laptop.stderr
    # plan reads the same record: a clone of main whose files pin nothing plans no change
    planned = github.cli("plan", "--detailed-exitcode", ci=False)
    assert planned.code == 0, planned.stdout + planned.stderr


def test_the_record_is_a_ref_of_origin_written_before_the_execute(github: GitHub) -> None:
    assert github.apply().code == 0
    origin = github.repo.origin
    log = git(origin, "log", "--format=%s", ref(ENV)).splitlines()
    # the draft's id with its send unknown, then the send done, then the applied commit
    assert len(log) == 3 and all("pin campaign:push" in line for line in log[1:])
    assert "applied" in log[0]
    first = json.loads(git(origin, "show", f"{ref(ENV)}~2:state.json"))
    last = json.loads(git(origin, "show", f"{ref(ENV)}:state.json"))
    pinned = last["pins"]["campaign:push"]
    assert first["pins"]["campaign:push"]["pin"]["executed"] == "unknown"
    assert pinned["id"] == first["pins"]["campaign:push"]["id"]
    assert pinned["pin"]["executed"] not in (False, "unknown")
    assert pinned["commit"] == git(origin, "rev-parse", "main").strip()
    assert last["applied"]["commit"] == pinned["commit"]  # a full success, in CI


def test_a_waves_app_pushes_are_recorded_in_two_writes(github: GitHub) -> None:
    """Ten app pushes: one record write for the ten drafts (before any send), one for the
    ten sends; one dry-run push checks the record can be written before the first create."""
    for i in range(9):
        github.repo.put("campaign", f"push{i}", push_campaign(f"Push {i}", ["lapsed"]))
    github.merge_specs()
    pushes = github.log_pushes()
    run = github.apply(ci=False)
    assert run.code == 0, run.stderr
    assert github.executions() == 10
    assert len(github.record_log()) == 2, github.record_log()
    before = json.loads(git(github.repo.origin, "show", f"{ref(ENV)}~1:state.json"))["pins"]
    after = json.loads(git(github.repo.origin, "show", f"{ref(ENV)}:state.json"))["pins"]
    assert len(before) == len(after) == 10
    assert {p["pin"]["executed"] for p in before.values()} == {"unknown"}
    assert all(after[r]["id"] == before[r]["id"] and after[r]["pin"]["executed"] != "unknown"
               for r in before)
    logged = pushes.read_text().splitlines()
    assert [("--dry-run" in line) for line in logged] == [True, False, False], "\n".join(logged)


def test_an_apply_that_writes_no_app_push_checks_and_writes_no_record(github: GitHub) -> None:
    assert github.apply(ci=False).code == 0
    written = github.record_log()
    github.repo.put("audience", "news", {"type": "list", "name": "Newsletter subscribers"})
    github.repo.put("campaign", "mail", email_campaign("Mail", ["news"]))
    github.merge_specs()
    pushes = github.log_pushes()
    run = github.apply(ci=False)
    assert run.code == 0, run.stderr
    assert [c.get("channel") for c in github.repo.executions()] == ["apn", "email"]
    assert pushes.read_text() == "" and github.record_log() == written


def test_a_refused_record_write_leaves_an_unsent_draft(github: GitHub) -> None:
    hook = github.repo.origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'refs/reconciler is protected' >&2\nexit 1\n")
    hook.chmod(0o755)
    run = github.apply()
    assert run.code == 1
    (line,) = [x for x in run.stderr.splitlines() if x.startswith(("failed:", "error:"))]
    assert "not sent" in line and "could not be recorded" in line, run.stderr
    assert github.executions() == 0
    assert len(github.repo.campaigns()) == 1  # the draft, never executed


def test_a_laptop_without_origin_refuses_only_the_app_push(smartech_repo: SmartechRepo) -> None:
    repo = smartech_repo
    subprocess.run(["git", "remote", "remove", "origin"], cwd=repo.root, check=True)
    repo.put("audience", "lapsed", {"type": "segment", "id": 13})
    repo.put("audience", "news", {"type": "list", "name": "Newsletter subscribers"})
    repo.put("campaign", "push", push_campaign("Push", ["lapsed"]))
    repo.put("campaign", "mail", email_campaign("Mail", ["news"]))
    run = repo.run("apply", "--auto-approve")
    assert run.code == 1
    (line,) = [x for x in run.stderr.splitlines() if x.startswith("failed:")]
    assert line.startswith("failed: campaign push: refused: what it creates could not be "
                           "recorded (cannot read the record refs/reconciler/state/test"), line
    assert [c.get("channel") for c in repo.executions()] == ["email"]
    assert [c.get("channel") for c in repo.campaigns()] == ["email"]  # no draft either


def test_a_lost_race_is_a_refused_push_and_other_sections_are_kept(tmp_path: Path) -> None:
    work = git_checkout(tmp_path, {"README.md": "x\n"})
    first, second = StateRef(work, "prod"), StateRef(work, "prod")
    first.update(lambda doc: doc.update(stop={"by": "ops"}), "a later record's section")
    assert second.read().doc["stop"] == {"by": "ops"}
    first.read()
    second.pin("campaign:a", {"id": 1, "pin": {"executed": False}})
    with pytest.raises(RecordError, match="was not written"):  # read before the write above
        first.pin("campaign:a", {"id": 2, "pin": {"executed": False}})
    kept = json.loads(git(tmp_path / "origin.git", "show", f"{ref('prod')}:state.json"))
    assert kept["pins"]["campaign:a"]["id"] == 1 and kept["stop"] == {"by": "ops"}


def test_the_record_wins_over_an_older_file_except_where_a_person_answers() -> None:
    sent = {"id": 7, "pin": {"digest": "d", "executed": "s1"}}
    # the file copied from an older pin pull request: the draft, not yet executed
    assert merged(7, {"digest": "d", "executed": False}, sent) == (7, sent["pin"])
    assert merged(5, {"digest": "c", "executed": False}, sent) == (7, sent["pin"])  # replaced
    doubt = {"id": 7, "pin": {"digest": "d", "executed": "unknown"}}
    assert merged(7, {"digest": "d", "executed": True}, doubt) == \
        (7, {"digest": "d", "executed": True})
    assert merged(None, None, doubt) == (7, doubt["pin"])
    lost = {"id": None, "pin": {"created": "unknown"}}
    assert merged(9, None, lost) == (9, None)  # a person found it in the panel


def test_a_record_that_is_not_json_is_refused_with_its_place(tmp_path: Path) -> None:
    work = git_checkout(tmp_path, {"state.json": "{not json\n"})
    git(work, "push", "-q", "origin", f"HEAD:{ref('prod')}")
    with pytest.raises(RecordError, match=r"^refs/reconciler/state/prod:state.json: not JSON"):
        StateRef(work, "prod").read()


def test_the_write_check_makes_no_commit_and_refuses_a_record_written_since(
        tmp_path: Path) -> None:
    """The check before the first create dry-runs a push of the record as read (where there
    is none yet, of the checkout's commit): it writes no object of its own (it made a
    commit each time: three git runs), and a record another apply wrote since the read is
    still refused before anything is created."""
    work = git_checkout(tmp_path, {"README.md": "x\n"})

    def objects() -> str:
        return git(work, "count-objects", "-v")

    mine, other = StateRef(work, "prod"), StateRef(work, "prod")
    before = objects()
    mine.check_writable()  # no record yet
    assert objects() == before
    other.pin("campaign:a", {"id": 1, "pin": {"executed": False}})
    mine.read()
    before = objects()
    mine.check_writable()
    assert objects() == before
    other.pin("campaign:b", {"id": 2, "pin": {"executed": False}})
    with pytest.raises(RecordError, match="cannot write the record"):
        mine.check_writable()
