"""The body of a drift pull request: what changed in the dashboard, what merging and
closing each do, what the pull request cannot carry, and the drift plan itself.

Names, keys and paths come from spec files and the live API, both untrusted, so
every one goes through `md` (as in the plan comment); the plan is the plan
comment's own markdown. The whole body stays under GitHub's 65,536 characters:
the lists are capped and the plan is fitted into what is left.
"""

from __future__ import annotations

from reconciler.gitops.comment import SLACK, RunInfo, plan_body
from reconciler.gitops.driftpr import Drift, marker
from reconciler.plan.model import Change, Plan
from reconciler.render.markdown import LIMIT
from reconciler.render.safe import code, md

ADOPT = ("**Merging** this pull request adopts the dashboard edit: the spec files then say "
         "what live says, and the next plan shows no changes.")
RESTORE = ("**Closing** it keeps the specs as they are: the next apply restores the spec, "
           "overwriting the dashboard edit.")
SHOWN = 100  # rows per list; the plan below has every object


def _cell(text: object) -> str:
    """A code span inside a table cell: `|` ends a cell even in code, so it is escaped."""
    return code(text).replace("|", "\\|")


def body(env: str, drift: Drift, digest: str, files: list[str], plan: Plan,
         run: RunInfo, limit: int = LIMIT) -> str:
    edits = ("" if not drift.edited else
             f"## Dashboard edits to adopt: {code(env)}\n\n"
             "The scheduled drift check found managed objects edited in the dashboard since "
             "main was last applied. This pull request writes their live values into their "
             "spec files (`reconciler import --update` of exactly these objects; comments and "
             "`{{ vars.… }}` templates that still render to the live text are kept).\n\n"
             f"- {ADOPT}\n- {RESTORE}\n\n" + _edited(drift.edited))
    head = (f"{marker(env, digest)}\n" + _stopped(env, drift.stopped) + edits
            + _files(files) + _missing(drift.missing)
            + _extra(drift.extra)
            + "### The drift plan\n\nWhat the next apply does with the specs on main, "
            "that is, if this pull request is closed (live → spec):\n\n")
    foot = ("\n---\n<sub>The drift job owns branch and body: each run rewrites the branch "
            "to main plus the drift it finds, in a new commit. Adjust the specs in a pull "
            "request of your own.</sub>\n")
    room = limit - len(head) - len(foot) - SLACK
    plan_md = plan_body(plan, run, limit=room)
    plan_md = plan_md.split("\n", 1)[1] if plan_md.startswith("<!--") else plan_md
    return head + plan_md + foot


def _stopped(env: str, changes: list[Change]) -> str:
    """The emergency stop in words: what was stopped, when, by whom, what merging means."""
    if not changes:
        return ""
    rows = [f"- {md(c.kind)} {code(c.key)} {md(c.name)} (live id {md(c.live_id)}): "
            f"{md(str((c.stop or {}).get('message', '')).split(';')[0])}\n" for c in changes]
    return (f"## Emergency stop in {code(env)}: bring git in line\n\n"
            "These campaigns were stopped on the platform by `reconciler stop` and are "
            "stopped now; their spec files on main still say they send:\n\n"
            + _rows(rows, "campaigns") + "\n"
            "- **Merging** this pull request writes their stopped state into their spec "
            "files (`reconciler import --update` of exactly these campaigns; comments "
            "kept): git then agrees with the platform, and the next plan shows no change "
            "for them.\n"
            "- **Closing** it changes nothing on the platform: apply keeps holding them back "
            "while their spec files are unchanged since the stop.\n"
            "- **To send one again**, once the cause is fixed: change its spec file (for "
            "example set it live again) in a pull request of your own and merge it; that "
            "reviewed change is what sends it again.\n\n")


def _rows(items: list[str], what: str) -> str:
    shown = items[:SHOWN]
    more = f"- … and {len(items) - SHOWN} more {what} (see the plan)\n" if len(items) > SHOWN else ""
    return "".join(shown) + more


def _edited(changes: list[Change]) -> str:
    rows = [f"| {md(c.kind)} {_cell(c.key)} | {md(c.name)} | {md(c.live_id)} | "
            + ", ".join(_cell(p) for p in sorted({d.path for d in c.diff})[:20]) + " |\n"
            for c in changes]
    return ("| edited object | name | live id | fields |\n|---|---|---|---|\n"
            + _rows(rows, "objects") + "\n")


def _files(files: list[str]) -> str:
    return "Files changed: " + ", ".join(code(f) for f in files[:SHOWN]) + \
        (f" and {len(files) - SHOWN} more" if len(files) > SHOWN else "") + ".\n\n"


def _missing(changes: list[Change]) -> str:
    if not changes:
        return ""
    rows = [f"- {md(c.kind)} {code(c.key)} ({md(c.name)})\n" for c in changes]
    return ("### Deleted in the dashboard (kept in git)\n\n"
            "These specs have no live object: deleted in the dashboard, or never applied. "
            "Their files stay in git, so the next apply creates them again; to adopt a "
            "deletion, delete the file in a pull request of your own.\n\n"
            + _rows(rows, "specs") + "\n")


def _extra(changes: list[Change]) -> str:
    if not changes:
        return ""
    rows = [f"- {md(c.kind)} {md(c.live_id)} ({md(c.name)}): {md(c.action.value)}\n"
            for c in changes]
    return ("### Live but in no spec\n\nThe next apply removes these (prune is on); import "
            "them with `reconciler import --id N` in a pull request of your own to keep "
            "them.\n\n" + _rows(rows, "objects") + "\n")
