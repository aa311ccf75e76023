"""The gitops steps the workflows call: comment bodies, labels, drift issues, annotations."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.gitops import annotate, comment, issue, labels
from reconciler.gitops.comment import LIMIT, Outcome, RunInfo, build, marker
from reconciler.plan import planfile
from reconciler.plan.model import Action, Change, FieldChange, Plan, Problem, Unmanaged

TARGET = {"api_url": "x", "org_id": 1, "app_id": "app"}
RUN = RunInfo("0123456789abcdef0123456789abcdef01234567",
              "https://github.com/acme/campaigns/actions/runs/42")


def plan_of(*changes: Change, env: str = "production") -> Plan:
    return Plan(env, TARGET, list(changes), [Unmanaged("campaign", 5, "Old promo")])


def big_plan(n: int) -> Plan:
    updates = [Change("campaign", f"c{i:04d}", f"Campaign {i}", Action.UPDATE, live_id=i,
                      diff=[FieldChange("creatives[0].build_attributes.push_message",
                                        "old " * 30, "new " * 30)]) for i in range(n)]
    return plan_of(
        Change("campaign", "launch", "Launch", Action.CREATE, go_live=True,
               reach={"user_count": 12400, "has_push": 9870}),
        *updates,
        Change("campaign", None, "Gone", Action.ARCHIVE, live_id=99999),
    )


# --- comment bodies -------------------------------------------------------

def test_plan_body_is_keyed_by_the_env_marker_and_shows_the_summary_first() -> None:
    body = comment.plan_body(big_plan(2), RUN)
    assert body.startswith("<!-- reconciler-plan:production -->\n### reconciler plan: ")
    assert body.index("| create | update |") < body.index("live** and") < body.index("<details>")
    assert body.count("<!-- reconciler-plan") == 1  # the renderer's generic marker is replaced
    assert "commit `0123456789ab`" in body
    assert '<a href="https://github.com/acme/campaigns/actions/runs/42">' in body


@pytest.mark.parametrize("n", [0, 50, 5000])
def test_every_body_fits_a_github_comment(n: int) -> None:
    body = comment.plan_body(big_plan(n), RUN)
    assert len(body) < LIMIT
    assert "Launch" in body and "Gone" in body and f"{n} to update" in body
    failed = comment.failure_body("production", "validate", "x.yaml:1:1: bad\n" * (n * 10), RUN)
    assert len(failed) < LIMIT


def test_thousands_of_go_lives_are_bounded_by_the_renderer_with_a_note() -> None:
    launches = [Change("campaign", f"l{i}", f"Launch {i}" + "!" * 50, Action.CREATE, go_live=True)
                for i in range(3000)]
    body = comment.plan_body(plan_of(*launches), RUN)
    assert len(body) < LIMIT
    assert body.startswith(marker("production")) and "| 3000 | 0 |" in body
    assert "Left out to fit the comment:" in body and " go-lives" in body
    assert "cut here to fit" not in body and body.rstrip().endswith("</sub>")


def test_the_last_resort_cut_keeps_details_closed() -> None:
    text = "".join(f"<details><summary>x</summary>\n\n{'y' * 80}\n\n</details>\n"
                   for _ in range(100))
    cut = comment.fit(text, 1000)
    assert len(cut) <= 1000 and "cut here to fit" in cut
    assert cut.count("<details>") == cut.count("</details>")


def test_markers_differ_per_env_and_cannot_close_the_html_comment() -> None:
    assert marker("production") != marker("staging")
    assert marker("a --> <b>") == "<!-- reconciler-plan:a_-___b_ -->"


def test_validation_failure_shows_file_line_in_a_code_block() -> None:
    log = "campaigns/spring.yaml:12:5: status: must be draft or active\n" \
          "audiences/x.yaml:3:1: name: field required\n"
    body = build("production", validate=Outcome(1, log), run=RUN)
    assert body.startswith(marker("production"))
    assert "the specs are invalid" in body
    assert "```text\ncampaigns/spring.yaml:12:5: status: must be draft or active\n" in body


def test_a_log_cannot_break_out_of_its_code_block() -> None:
    log = "```\n<img src=x onerror=alert(1)>\n\x1b[31mred\x1b[0m ````"
    block = comment.code_block(log, 10_000)
    fence = block.split("text", 1)[0]
    assert len(fence) == 5 and block.rstrip().endswith(fence)
    assert "\x1b" not in block and "red" in block


def test_a_long_log_is_cut_with_a_note() -> None:
    log = "\n".join(f"campaigns/c{i}.yaml:1:1: bad" for i in range(10_000))
    body = comment.failure_body("prod", "validate", log)
    assert len(body) < LIMIT
    assert "campaigns/c0.yaml:1:1" in body and "more line(s) left out" in body


def test_plan_failure_and_missing_plan_file(tmp_path: Path) -> None:
    body = build("prod", validate=Outcome(0, "valid"), plan=Outcome(1, "error: 401 bad key"))
    assert "the plan failed" in body and "error: 401 bad key" in body
    not_a_plan = tmp_path / "plan.json"
    not_a_plan.write_text("{}")
    body = build("prod", validate=Outcome(0), plan=Outcome(2), plan_file=not_a_plan)
    assert "the plan failed" in body and "not a saved plan" in body


def test_build_renders_a_saved_plan(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    planfile.save(big_plan(1), path)
    body = build("production", validate=Outcome(0), plan=Outcome(2), plan_file=path, run=RUN)
    assert body.startswith(marker("production")) and "c0000" in body
    assert "reconciler plan: changes" in body


def test_a_partial_plan_is_commented_whole_with_its_error_entry(tmp_path: Path) -> None:
    """`plan --out` exits 1 for an impossible change but saves the rest: the comment shows
    the error entry and the go-live next to it; a plan file without errors next to a failed
    run is an older file, and the failure is shown instead."""
    path = tmp_path / "plan.json"
    partial = big_plan(0)
    partial.errors = [Problem("campaign", "sent", "Sent", "campaigns/sent.yaml:1",
                              "campaign rcl-sent was started and cannot change")]
    planfile.save(partial, path)
    body = build("production", validate=Outcome(0), plan=Outcome(1, "log"), plan_file=path)
    assert "**1 change cannot be made**" in body and "`campaigns/sent.yaml:1`" in body
    assert "**campaign `launch`** Launch" in body and "nothing was planned" not in body
    assert "reconciler plan: partial, with errors" in body
    assert planfile.load(path).errors == partial.errors
    planfile.save(big_plan(0), path)
    body = build("production", validate=Outcome(0), plan=Outcome(1, "error: boom"),
                 plan_file=path)
    assert "the plan failed" in body and "error: boom" in body


def test_fork_body_says_the_plan_could_not_run() -> None:
    body = build("production", fork=True, validate=Outcome(1, "ignored"))
    assert body.startswith(marker("production"))
    assert "comes from a fork" in body and "reconciler validate" in body
    assert "Traceback" not in body


def test_footer_ignores_anything_but_a_sha_and_a_run_url() -> None:
    run = RunInfo("<script>", "javascript:alert(1)")
    body = comment.fork_body("p", run)
    assert "<script>" not in body and "javascript" not in body


def test_api_text_is_escaped_in_the_comment() -> None:
    hostile = "<img src=x> [x](http://evil) @team"
    body = comment.plan_body(plan_of(Change("campaign", "k", hostile, Action.CREATE)))
    assert "<img" not in body and "](http" not in body and "@team" not in body


# --- labels ---------------------------------------------------------------

def doc(*actions: str, go_live: bool = False) -> dict:
    return {"format_version": "1",
            "changes": [{"action": a, "go_live": go_live and a != "noop"} for a in actions]}


@pytest.mark.parametrize(("plans", "add"), [
    ([doc("noop", "noop")], ("no-changes",)),
    ([doc("create", go_live=True)], ("go-live",)),
    ([doc("archive", "update")], ("removes",)),
    ([doc("noop"), doc("delete", "create", go_live=True)], ("go-live", "removes")),
    ([doc("noop"), doc("update")], ()),
    ([], ()),
])
def test_labels_follow_the_union_of_every_env_plan(plans: list, add: tuple) -> None:
    change = labels.decide(plans)
    assert change.add == add
    assert set(change.remove) == set(labels.LABELS) - set(add)


class FakeGh:
    def __init__(self, answers: dict[str, str]):
        self.answers = answers
        self.calls: list[list[str]] = []

    def __call__(self, args: list[str]) -> str:
        self.calls.append(args)
        return self.answers.get(" ".join(args[:2]), "")


def test_label_sync_creates_adds_and_removes_only_what_differs() -> None:
    gh = FakeGh({"pr view": json.dumps({"labels": [{"name": "no-changes"}, {"name": "bug"}]})})
    done = labels.sync(7, labels.LabelChange(("go-live",), ("removes", "no-changes")), gh)
    assert done == labels.LabelChange(("go-live",), ("no-changes",))
    assert gh.calls[1][:3] == ["label", "create", "go-live"]
    assert gh.calls[2] == ["pr", "edit", "7", "--add-label", "go-live", "--remove-label",
                           "no-changes"]


def test_label_sync_does_nothing_when_labels_already_match() -> None:
    gh = FakeGh({"pr view": json.dumps({"labels": [{"name": "no-changes"}]})})
    labels.sync(7, labels.LabelChange(("no-changes",), ("go-live", "removes")), gh)
    assert len(gh.calls) == 1


# --- drift issue ----------------------------------------------------------

BOT_AUTHOR = {"login": "app/github-actions", "is_bot": True}
HUMAN = {"login": "mallory", "is_bot": False}


class FakeGhBodies(FakeGh):
    """Also keeps the text of every --body-file at the moment gh was called."""

    def __init__(self, answers: dict[str, str]):
        super().__init__(answers)
        self.bodies: list[str] = []

    def __call__(self, args: list[str]) -> str:
        if "--body-file" in args:
            self.bodies.append(Path(args[args.index("--body-file") + 1]).read_text())
        return super().__call__(args)


def issues_answer(*issues: tuple[int, str, str, dict]) -> str:
    return json.dumps([{"number": n, "title": t, "body": b, "author": a}
                       for n, t, b, a in issues])


def marked(env: str, text: str = "plan") -> str:
    return f"{issue.drift_marker(env)}\n{text}"


@pytest.fixture
def body(tmp_path: Path) -> str:
    path = tmp_path / "body.md"
    path.write_text("the plan\n")
    return str(path)


def test_a_decoy_issue_with_the_title_is_never_the_drift_issue(body: str) -> None:
    gh = FakeGhBodies({
        "issue list": issues_answer(
            (1, "Drift detected: production", marked("production"), HUMAN),  # decoy, copied marker
            (2, "Drift detected: production", "pay here", BOT_AUTHOR),  # bot, no marker
            (3, "Drift detected: production-eu", marked("production-eu"), BOT_AUTHOR)),
        "issue create": "https://github.com/acme/c/issues/9\n"})
    action = issue.sync("production", True, body, gh)
    assert action == issue.IssueAction("created", 9)
    assert gh.calls[1][:4] == ["issue", "create", "--title", "Drift detected: production"]
    assert gh.bodies == [marked("production", "the plan\n")]
    assert issue.sync("production", False, body, gh).verb == "none"  # decoys stay open


def test_drift_updates_the_bots_marked_issue_and_no_drift_closes_it(body: str) -> None:
    answer = issues_answer((4, "Renamed by someone", marked("production"), BOT_AUTHOR),
                           (2, "Drift detected: production", marked("production"), BOT_AUTHOR))
    gh = FakeGhBodies({"issue list": answer})
    assert issue.sync("production", True, body, gh) == issue.IssueAction("updated", 2)
    assert gh.calls[-1][:3] == ["issue", "edit", "2"]
    assert gh.bodies[-1].splitlines()[0] == issue.drift_marker("production")
    assert issue.sync("production", False, body, gh) == issue.IssueAction("closed", 2)
    assert gh.calls[-1][:3] == ["issue", "close", "2"]


def test_no_drift_and_no_issue_does_nothing(body: str) -> None:
    gh = FakeGh({"issue list": "[]"})
    assert issue.sync("production", False, body, gh).verb == "none"
    assert len(gh.calls) == 1


@pytest.mark.parametrize(("author", "bot"), [
    ({"login": "app/github-actions", "is_bot": True}, True),
    ({"login": "github-actions[bot]", "is_bot": True}, True),
    ({"login": "github-actions", "is_bot": False}, False),  # a user may take the name
    ({"login": "app/other-bot", "is_bot": True}, False),
    (None, False),
])
def test_only_the_workflow_bot_writes_drift_issues(author: object, bot: bool) -> None:
    assert issue.is_bot(author) is bot


# --- annotations ----------------------------------------------------------

def test_failed_and_skipped_objects_become_annotations() -> None:
    report = {"results": [
        {"kind": "audience", "key": "vip", "name": "VIPs", "action": "create",
         "status": "failed", "error": "HTTP 422: bad\nrule"},
        {"kind": "campaign", "key": "offer", "name": "Offer, 50%", "action": "create",
         "status": "skipped", "error": None},
        {"kind": "campaign", "key": "ok", "name": "Ok", "action": "update", "status": "applied"},
    ]}
    lines = annotate.annotation_lines(report)
    assert lines == [
        "::error title=failed%3A create audience vip::VIPs: HTTP 422: bad%0Arule",
        "::warning title=skipped%3A create campaign offer::Offer, 50%25: "
        "skipped: something it depends on failed",
    ]
    assert annotate.read_report("error: refused") is None


# --- the CLI group --------------------------------------------------------

def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reconciler", "gitops", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def test_cli_comment_labels_and_envs(tmp_path: Path) -> None:
    (tmp_path / "reconciler.yaml").write_text(
        "default_env: sandbox\nenvs:\n"
        "  sandbox: {api_url: sandbox, org_id: 1, app_id: demo}\n"
        "  production: {api_url: 'https://dashboard.localytics.com/api/v6', org_id: 2, "
        "app_id: live}\n")
    assert json.loads(cli("envs", cwd=tmp_path).stdout) == ["sandbox", "production"]
    assert json.loads(cli("envs", "--remote-only", cwd=tmp_path).stdout) == ["production"]

    (tmp_path / "validate.log").write_text("campaigns/a.yaml:2:3: bad\n")
    out = cli("comment", "--validate-exit", "1", "--validate-log", "validate.log", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(marker("sandbox")) and "campaigns/a.yaml:2:3: bad" in out.stdout

    planfile.save(big_plan(1), tmp_path / "plan.json")
    out = cli("labels", "plan.json", cwd=tmp_path)
    assert json.loads(out.stdout) == {"add": ["go-live", "removes"], "remove": ["no-changes"]}
    (tmp_path / "plans" / "reconciler-plan-x").mkdir(parents=True)
    assert cli("labels", "plans", cwd=tmp_path).stdout.startswith("no plan files found")
    (tmp_path / "plan.json").rename(tmp_path / "plans" / "reconciler-plan-x" / "plan.json")
    out = cli("labels", "plans", cwd=tmp_path)
    assert json.loads(out.stdout)["add"] == ["go-live", "removes"]
    bad = cli("drift-issue", "--env", "x", "--exit-code", "1", "--body-file", "b", cwd=tmp_path)
    assert bad.returncode == 1 and bad.stderr.startswith("error: plan exited 1")
    assert "Traceback" not in bad.stderr


def test_cli_annotate(tmp_path: Path) -> None:
    report = {"format_version": "1", "summary": {"applied": 0, "failed": 1, "skipped": 0},
              "results": [{"kind": "campaign", "key": "k", "name": "K", "action": "update",
                           "live_id": 3, "status": "failed", "error": "HTTP 403"}]}
    (tmp_path / "apply.json").write_text(json.dumps(report))
    out = cli("annotate", "apply.json", cwd=tmp_path)
    assert out.stdout == "::error title=failed%3A update campaign k::K: HTTP 403\n"
    refused = cli("annotate", "missing.json", cwd=tmp_path)
    assert refused.returncode == 0 and refused.stdout.startswith("::error title=reconciler apply::")
