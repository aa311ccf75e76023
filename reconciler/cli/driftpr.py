"""`reconciler gitops drift-pr`: the drift job's one decision, after its plan.

Exit 0 (no drift): the drift pull request, if one is open, is left as it is
(merging it would now push its values live as a change; a person decides),
and the job log says so; an open drift issue is closed. Exit 2 (drift): the
edited objects are proposed as the env's drift pull request
(reconciler.gitops.driftpr), which replaces the drift issue: an open one is
closed with a pointer to it. The issue remains for drift a pull request cannot
carry: only deleted or unmanaged objects, a platform import cannot read
(Smartech), or an import that changes no file. Objects whose spec changed on
main since the last commit applied in full (the env's record) are "merged, not
yet applied" (reconciler.gitops.pending): said so in the log, left out of the
pull request and the issue, never proposed as a dashboard edit to revert.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import click

from reconciler.config import LoadedConfig, load_config
from reconciler.errors import ConfigError
from reconciler.gitops import issue
from reconciler.gitops.comment import RunInfo, actions_run_url, plan_body
from reconciler.gitops.driftpr import Drift, Importer, Proposal, branch, find_prs, propose
from reconciler.gitops.gh import Runner
from reconciler.plan.model import Plan
from reconciler.provider import LiveId


def run(config_path: Path, env_name: str | None, exit_code: int, plan_file: Path,
        base: str, runner: Runner) -> list[str]:
    """The job log lines of one drift-pr step."""
    if exit_code not in (0, 2):
        raise ConfigError(f"plan exited {exit_code}: no drift verdict, the drift pull "
                          "request and issue are left alone")
    loaded = load_config(config_path, env_name)
    env = loaded.env_name
    if exit_code == 0:
        lines = [f"no drift in {env}: live matches main"]
        opened, _ = find_prs(env, runner)
        if opened is not None:
            lines.append(f"drift pull request #{opened.number} left open as it is: merging it "
                         "now would apply its values as a change; close it if that is not "
                         f"wanted ({opened.url})")
        closed = issue.sync(env, False, "", runner)
        if closed.verb == "closed":
            lines.append(f"drift issue #{closed.number} closed")
        return lines
    from reconciler.plan import planfile

    plan = planfile.load(plan_file)
    plan, held = _without_unapplied(loaded, plan)
    if held is not None:
        return held
    info = RunInfo(os.environ.get("GITHUB_SHA", ""), actions_run_url())
    from reconciler.platform import Imports, has
    from reconciler.registry import platform_of

    if not has(platform_of(loaded.env).provider_class(), Imports):
        proposal = Proposal("nothing")  # live objects this platform cannot write as specs
    else:
        proposal = propose(env, loaded.config_dir, plan, importer(config_path.name, env), runner,
                           lambda d, digest, files: _body(env, d, digest, files, plan, info),
                           base=base)
    return _report(env, proposal, plan, info, runner)


def _without_unapplied(loaded: LoadedConfig, plan: Plan) -> tuple[Plan, list[str] | None]:
    """The plan without what is merged, not yet applied; the log lines to stop with when
    nothing else is left (or every difference may be merged, not yet applied)."""
    from reconciler.errors import ReconcilerError
    from reconciler.gitops.pending import report, split, unapplied
    from reconciler.gitops.staterecord import StateRef

    try:
        pending = unapplied(loaded, StateRef(loaded.root, loaded.env_name).read().applied)
    except ReconcilerError as e:
        click.echo(f"warning: the last applied commit could not be read ({e}): every "
                   "difference is treated as drift", err=True)
        return plan, None
    if pending is None:
        return plan, None
    rest, covered = split(plan, pending)
    lines = report(loaded.env_name, pending, covered) if covered else []
    if pending.everything is not None or not rest.changes:
        return rest, lines + [f"no drift pull request for {loaded.env_name}: nothing else "
                              "differs" if pending.everything is None else
                              f"no drift pull request for {loaded.env_name} until it is "
                              "applied"]
    for line in lines:
        click.echo(line)
    return rest, None


def _body(env: str, drift: Drift, digest: str, files: list[str], plan: Plan,
          info: RunInfo) -> str:
    from reconciler.gitops.driftbody import body

    return body(env, drift, digest, files, plan, info)


def _report(env: str, proposal: Proposal, plan: Plan, info: RunInfo,
            runner: Runner) -> list[str]:
    pr = proposal.pr
    if pr is not None and proposal.verb in ("created", "updated", "unchanged"):
        what = {"created": "opened", "updated": "updated with a new commit",
                "unchanged": "already carries this drift; body refreshed"}[proposal.verb]
        lines = [f"drift in {env}: pull request #{pr.number} on {branch(env)} {what} "
                 f"({', '.join(proposal.files)}) {pr.url}"]
        note = (f"The dashboard edits are proposed in pull request #{pr.number}: merge it to "
                "adopt them, close it to restore the specs at the next apply.")
        closed = issue.close(env, note, runner)
        if closed.verb == "closed":
            lines.append(f"drift issue #{closed.number} closed: pull request #{pr.number} "
                         "carries the drift")
        return lines
    if pr is not None and proposal.verb == "rejected":
        return [f"drift in {env}: the same edits were proposed in #{pr.number}, which was "
                "closed unmerged; the next apply restores the specs (run the apply workflow "
                "to do it now)"]
    with tempfile.TemporaryDirectory(prefix="reconciler-drift-issue-") as tmp:
        text = Path(tmp) / "body.md"
        text.write_text(plan_body(plan, info), encoding="utf-8")
        action = issue.sync(env, True, str(text), runner)
    number = f" #{action.number}" if action.number else ""
    return [f"drift in {env} that no pull request can carry (deleted or unmanaged objects, "
            f"or nothing import can write): issue {action.verb}{number}"]


def importer(config_name: str, env_name: str) -> Importer:
    """`reconciler import --update --kind K --id …` of each kind's ids, in a checkout."""
    from reconciler.cli.importing import _run
    from reconciler.importer.run import Options
    from reconciler.importer.select import Selection

    def run_import(root: Path, ids: Mapping[str, list[LiveId]]) -> None:
        loaded = load_config(root / config_name, env_name)
        for kind, wanted in ids.items():
            selection = Selection(ids=tuple(wanted), kind=kind)  # type: ignore[arg-type]
            summary = asyncio.run(_run(loaded, selection, Options(update=True)))
            click.echo(summary.line())

    return run_import

