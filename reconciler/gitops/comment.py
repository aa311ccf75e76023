"""The pull-request comment of one env: the plan, why there is none, or a fork notice.

Every body starts with a hidden marker naming the env, so a workflow finds
and updates its own comment and never posts a second one, and every body
stays under GitHub's 65,536-character limit (also the limit of an issue
body, so drift issues reuse it). The plan itself is the markdown renderer's
output; logs go in a fenced code block that no line can break out of.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from reconciler.plan.model import Plan
from reconciler.render.markdown import LIMIT, MARKER, render_markdown
from reconciler.render.safe import inert, md, plain

_ENV_SAFE = re.compile(r"[^A-Za-z0-9_.-]")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_SHA = re.compile(r"^[0-9a-f]{7,40}$")
_RUN_URL = re.compile(r"^https://[A-Za-z0-9.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/actions/runs/\d+$")
SLACK = 64  # room left under the limit for GitHub's own line-ending changes


@dataclass(frozen=True)
class RunInfo:
    """Where a body came from: the commit planned and the workflow run (both optional)."""

    commit: str = ""
    run_url: str = ""

    def footer(self, what: str) -> str:
        bits = [plain(what)]
        if _SHA.match(self.commit):
            bits.append(f"commit `{self.commit[:12]}`")
        if _RUN_URL.match(self.run_url):
            bits.append(f'<a href="{self.run_url}">workflow run</a>')
        return "\n<sub>" + " · ".join(bits) + "</sub>\n"


def actions_run_url() -> str:
    """The GitHub Actions run this job is, from the runner's variables; "" outside one."""
    server, repo, run_id = (os.environ.get(k, "") for k in
                            ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    return f"{server}/{repo}/actions/runs/{run_id}" if server and repo and run_id else ""


def marker(env: str) -> str:
    """The hidden line that keys one env's comment: `<!-- reconciler-plan:ENV -->`."""
    name = re.sub(r"-{2,}", "-", _ENV_SAFE.sub("_", env))[:100]
    return f"<!-- reconciler-plan:{name} -->"


def plan_body(plan: Plan, run: RunInfo = RunInfo(), limit: int = LIMIT) -> str:
    """The plan as rendered for pull requests, keyed by the env's marker."""
    head = marker(plan.env) + "\n"
    what = "reconciler plan: changes" if plan.has_changes else "reconciler plan: no changes"
    if plan.errors:  # a partial plan: the run failed, and apply refuses it
        what = "reconciler plan: partial, with errors"
    foot = run.footer(what)
    room = limit - len(head) - len(foot) - SLACK
    rendered = render_markdown(plan, limit=room).removeprefix(MARKER + "\n")
    return head + fit(rendered, room) + foot


CUT_NOTE = ("\n\n_The plan was cut here to fit GitHub's comment limit; the plan artifact "
            "and `reconciler plan` have all of it._\n")


def fit(text: str, room: int) -> str:
    """`text`, or its first lines and a note when even the renderer's must-keep parts are too long
    (thousands of go-live warnings or removals)."""
    if len(text) <= room:
        return text
    cut = text[: room - len(CUT_NOTE) - len("</details>\n")]
    cut = cut[: cut.rfind("\n") + 1]
    if cut.count("<details>") > cut.count("</details>"):
        cut += "</details>\n"
    return cut + CUT_NOTE


STAGES = {
    "validate": ("the specs are invalid",
                 "`reconciler validate` found these problems; fix them and push again:"),
    "plan": ("the plan failed",
             "`reconciler plan` stopped with this error; nothing was planned:"),
    "config": ("reconciler.yaml is invalid",
               "The pull request's `reconciler.yaml` could not be read, so no env was "
               "planned; fix it and push again:"),
}


def failure_body(env: str, stage: str, log: str, run: RunInfo = RunInfo(),
                 limit: int = LIMIT) -> str:
    """Why there is no plan, with the command's output (file:line and all) in a code block."""
    title, lead = STAGES[stage]
    head = (f"{marker(env)}\n### reconciler plan: `{md(env)}` — {title}\n\n"
            f"> [!CAUTION]\n> {lead}\n\n")
    foot = run.footer(f"reconciler {stage} failed")
    room = limit - len(head) - len(foot) - SLACK
    return head + code_block(log, room) + foot


def fork_body(env: str, run: RunInfo = RunInfo()) -> str:
    """A pull request from a fork gets no secrets, so no plan: say so plainly."""
    return (
        f"{marker(env)}\n### reconciler plan: `{md(env)}` — not run for this pull request\n\n"
        "> [!NOTE]\n"
        "> This pull request comes from a fork. GitHub does not give workflows of fork pull "
        "requests the repository's secrets, so the plan against the live API could not run "
        "here; nothing is wrong with your change because of this.\n\n"
        "- Check your specs offline before pushing: `reconciler validate` and "
        "`reconciler fmt --check`.\n"
        f"- A maintainer can get the plan by pushing this branch to the repository itself, "
        f"or by running `reconciler plan --env {md(env)}` locally.\n"
        + run.footer("reconciler plan skipped: fork pull request")
    )


def code_block(log: str, room: int) -> str:
    """`log` as a fenced block, cut to `room` characters with a note of what was left out."""
    lines = [inert(plain(_ANSI.sub("", line))) for line in log.rstrip().splitlines()
             ] or ["(no output)"]
    longest = max((len(run) for run in re.findall(r"`+", "\n".join(lines))), default=0)
    fence = "`" * max(3, longest + 1)
    kept: list[str] = []
    used = 2 * len(fence) + 100  # fences, newlines and the note below
    for line in lines:
        if used + len(line) + 1 > room:
            break
        kept.append(line)
        used += len(line) + 1
    note = ""
    if len(kept) < len(lines):
        note = f"\n_{len(lines) - len(kept)} more line(s) left out; see the job log._\n"
    return f"{fence}text\n" + "\n".join(kept) + f"\n{fence}\n" + note


def read_log(path: Path | None) -> str:
    if path is None or not path.is_file():
        return ""
    return path.read_text(encoding="utf-8", errors="replace")


@dataclass(frozen=True)
class Outcome:
    """What one command of the plan job did: its exit code and its captured output."""

    exit_code: int | None = None  # None: the command did not run
    log: str = ""

    @property
    def failed(self) -> bool:
        return self.exit_code is not None and self.exit_code not in (0, 2)


def build(env: str, *, fork: bool = False, validate: Outcome = Outcome(),
          plan: Outcome = Outcome(), plan_file: Path | None = None,
          run: RunInfo = RunInfo()) -> str:
    """The one body an env's comment gets, from what the job's commands did, in their order."""
    from reconciler.errors import ReconcilerError
    from reconciler.plan import planfile

    if fork:
        return fork_body(env, run)
    if validate.exit_code not in (None, 0):
        return failure_body(env, "validate", validate.log, run)
    if plan_file is None or (plan.failed and not plan_file.is_file()):
        return failure_body(env, "plan", plan.log or "(reconciler plan did not run)", run)
    try:
        loaded = planfile.load(plan_file)
    except ReconcilerError as e:
        return failure_body(env, "plan", "\n".join([*e.lines(), plan.log]), run)
    if plan.failed and not loaded.errors:  # failed for another reason: not this plan's file
        return failure_body(env, "plan", plan.log, run)
    return plan_body(loaded, run)
