"""`reconciler gitops …`: the small steps GitHub workflows run around plan and apply.

Thin: each subcommand parses, calls `reconciler.gitops`, prints. The
workflows and the composite action (action.yml) call these, so the YAML holds
no logic of its own.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from reconciler.cli.options import target_options

FILE = click.Path(path_type=Path, dir_okay=False)


@click.group()
def gitops() -> None:
    """Steps of the GitHub workflows: comment bodies, labels, drift issues, env lists."""


@gitops.command()
@click.option("--env", "env_name", default="", help="Env the comment is for (default: default_env).")
@click.option("--config", "config_path", type=FILE, default="reconciler.yaml", show_default=True)
@click.option("--fork", is_flag=True, help="The pull request comes from a fork: say the plan could not run.")
@click.option("--validate-exit", type=int, default=None, help="Exit code of `reconciler validate`.")
@click.option("--validate-log", type=FILE, default=None, help="Its captured output.")
@click.option("--plan-exit", type=int, default=None, help="Exit code of `reconciler plan`.")
@click.option("--plan-log", type=FILE, default=None, help="Its captured stderr.")
@click.option("--plan-file", type=FILE, default=None, help="The plan saved by `plan --out`.")
@click.option("--commit", default="", help="Commit planned (shown in the footer).")
@click.option("--run-url", default="", help="URL of the workflow run (linked in the footer).")
@click.option("--out", type=FILE, default=None, help="Write the body here instead of stdout.")
def comment(env_name: str, config_path: Path, fork: bool, validate_exit: int | None,
            validate_log: Path | None, plan_exit: int | None, plan_log: Path | None,
            plan_file: Path | None, commit: str, run_url: str, out: Path | None) -> None:
    """Build the pull-request comment of one env (keyed by a hidden per-env marker)."""
    from reconciler.gitops.comment import Outcome, RunInfo, actions_run_url, build, read_log

    body = build(
        env_name or _default_env(config_path),
        fork=fork,
        validate=Outcome(validate_exit, read_log(validate_log)),
        plan=Outcome(plan_exit, read_log(plan_log)),
        plan_file=plan_file if plan_file is not None and plan_file.is_file() else None,
        run=RunInfo(commit, run_url or actions_run_url()),
    )
    if out is None:
        click.echo(body, nl=False)
    else:
        from reconciler.cli.outpaths import check_writable

        check_writable(out, config_path, "--out")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(body, encoding="utf-8")


@gitops.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--pr", type=int, default=None,
              help="Pull request to label through `gh`; without it, only print the decision.")
def labels(paths: tuple[Path, ...], pr: int | None) -> None:
    """Decide go-live / removes / no-changes from every env's plan, and apply them to --pr.

    PATHS are plan files or folders searched for plan.json (downloaded artifacts).
    """
    from reconciler.gitops.gh import run_gh
    from reconciler.gitops.labels import decide, find_plans, read_plans, sync

    files = find_plans(list(paths))
    if not files:
        click.echo("no plan files found: labels left as they are")
        return
    change = decide(read_plans(files))
    if pr is not None:
        done = sync(pr, change, run_gh)
        click.echo(json.dumps({"wanted": change.to_json(), "changed": done.to_json()}))
    else:
        click.echo(json.dumps(change.to_json()))


@gitops.command("drift-issue")
@click.option("--env", "env_name", required=True, help="Env the scheduled plan ran for.")
@click.option("--exit-code", type=int, required=True,
              help="Exit code of `plan --detailed-exitcode`: 2 drift, 0 none.")
@click.option("--body-file", type=FILE, required=True, help="Issue body (the plan comment).")
def drift_issue(env_name: str, exit_code: int, body_file: Path) -> None:
    """Open or update the issue `Drift detected: ENV` on drift; close it when there is none."""
    from reconciler.errors import ConfigError
    from reconciler.gitops.gh import run_gh
    from reconciler.gitops.issue import sync, title

    if exit_code not in (0, 2):
        raise ConfigError(f"plan exited {exit_code}: no drift verdict, the issue is left alone")
    action = sync(env_name, exit_code == 2, str(body_file), run_gh)
    number = f" #{action.number}" if action.number else ""
    click.echo(f"{title(env_name)}: issue {action.verb}{number}")


@gitops.command("drift-pr")
@target_options
@click.option("--exit-code", type=int, required=True,
              help="Exit code of `plan --detailed-exitcode`: 2 drift, 0 none.")
@click.option("--plan-file", type=FILE, required=True, help="The plan saved by `plan --out`.")
@click.option("--base", default="main", show_default=True, help="Branch the pull request targets.")
def drift_pr(config_path: Path, env_name: str | None, exit_code: int, plan_file: Path,
             base: str) -> None:
    """Propose dashboard edits to managed objects as the env's drift pull request.

    On drift, `import --update` of exactly the edited objects goes onto branch
    `reconciler/drift-ENV` as one pull request per env (opened, or updated with a new
    commit), the plan in its body; deleted objects are listed, not deleted from git.
    The drift issue remains for drift no pull request can carry. Needs `gh` (GH_TOKEN),
    push access to origin, and the env's read credentials for the import.
    """
    from reconciler.cli.driftpr import run
    from reconciler.gitops.gh import run_gh

    for line in run(config_path, env_name, exit_code, plan_file, base, run_gh):
        click.echo(line)


@gitops.command()
@target_options
@click.option("--remote-only", is_flag=True,
              help="Leave out envs on the embedded sandbox (nothing to apply or drift there).")
@click.option("--matrix", is_flag=True,
              help="Objects {env, target, github_environment} instead of names: `target` names "
              "the app an env writes to (one concurrency group per app).")
@click.option("--comment-on-error", type=FILE, default=None,
              help="When reconciler.yaml is invalid, write a pull-request comment saying why "
              "here (then fail as usual).")
def envs(config_path: Path, env_name: str | None, remote_only: bool, matrix: bool,
         comment_on_error: Path | None) -> None:
    """The env names of reconciler.yaml as a JSON list (a workflow matrix); --env checks one."""
    from reconciler.config import load_config
    from reconciler.errors import ReconcilerError

    try:
        loaded = load_config(config_path, env_name)
    except ReconcilerError as e:
        if comment_on_error is not None:
            _config_comment(e, comment_on_error)
        raise
    names = [loaded.env_name] if env_name else list(loaded.config.envs)
    if remote_only:
        names = [n for n in names if not loaded.config.envs[n].is_sandbox]
    if not matrix:
        click.echo(json.dumps(names))
        return
    from reconciler.config.trust import target_key
    from reconciler.gitops.guard import github_environment

    rows = [{"env": n, "target": target_key(loaded.config.envs[n]),
             "github_environment": github_environment(n, loaded.config.envs[n]).name}
            for n in names]
    click.echo(json.dumps(rows))


@gitops.command("check-apply")
@target_options
@click.option("--branch", default="main", show_default=True,
              help="The only branch apply may run from; the run's commit must be its head.")
@click.option("--repo", envvar="GITHUB_REPOSITORY", required=True, help="owner/name.")
@click.option("--ref", envvar="GITHUB_REF", default="", help="The run's ref (GITHUB_REF).")
@click.option("--sha", envvar="GITHUB_SHA", required=True, help="The run's commit (GITHUB_SHA).")
def check_apply(config_path: Path, env_name: str | None, branch: str, repo: str, ref: str,
                sha: str) -> None:
    """Refuse (one line, exit 1) unless this CI run may apply: the run's commit reads, for
    reconciler.yaml and every env's spec folders, what the head of --branch reads now,
    and the env's GitHub environment has required reviewers or a wait timer."""
    from reconciler.config import load_config
    from reconciler.gitops.gh import run_gh
    from reconciler.gitops.guard import check_environment, check_head, github_environment
    from reconciler.gitops.trees import differing, read_paths, toplevel

    loaded = load_config(config_path, env_name)

    def compare(a: str, b: str) -> list[str]:
        top = toplevel(loaded)
        return differing(top, a, b, read_paths(loaded, top))

    head = check_head(repo, branch, ref, sha, run_gh, compare)
    found = check_environment(repo, github_environment(loaded.env_name, loaded.env), run_gh)
    if head == sha:
        click.echo(f"{branch} is at {head[:12]}, this run's commit")
    else:
        click.echo(f"{branch} is at {head[:12]}; this run's commit {sha[:12]} reads the same "
                   "specs and config, so it applies the current state")
    click.echo(found)


@gitops.command("pin-pr")
@target_options
def pin_pr(config_path: Path, env_name: str | None) -> None:
    """Propose the ids apply pinned into spec files as the env's pin pull request.

    apply does this itself in CI; run it by hand when that step failed. Takes the
    `id:`/`pin:` values of spec files changed since HEAD.
    """
    from reconciler.config import load_config
    from reconciler.gitops.gh import run_gh
    from reconciler.gitops.pins import propose, working_tree_pins
    from reconciler.workspace import load_workspace

    loaded = load_config(config_path, env_name)
    workspace = load_workspace(loaded)
    pins = working_tree_pins(loaded.root, list(workspace.specs))
    if not pins:
        click.echo("no uncommitted pins: nothing to propose")
        return
    pr = propose(loaded.env_name, loaded.root, pins, run_gh)
    click.echo(f"pins of {', '.join(sorted(pins))} proposed in pull request #{pr.number} {pr.url}")


@gitops.command()
@click.argument("report", type=FILE)
def annotate(report: Path) -> None:
    """Print `::error` lines for failed objects of an apply report (`apply --format json`)."""
    from reconciler.gitops.annotate import annotation_lines, read_report

    text = report.read_text(encoding="utf-8") if report.is_file() else ""
    doc = read_report(text)
    if doc is None:
        click.echo("::error title=reconciler apply::apply made no report; see the log above")
        return
    for line in annotation_lines(doc):
        click.echo(line)


def _default_env(config_path: Path) -> str:
    from reconciler.config import load_config
    from reconciler.errors import ReconcilerError

    try:
        return load_config(config_path).env_name
    except ReconcilerError:
        return "default"


def _config_comment(error: Exception, out: Path) -> None:
    from reconciler.errors import ReconcilerError
    from reconciler.gitops.comment import RunInfo, actions_run_url, failure_body

    lines = error.lines() if isinstance(error, ReconcilerError) else [str(error)]
    body = failure_body("reconciler.yaml", "config", "\n".join(lines),
                        RunInfo(os.environ.get("GITHUB_SHA", ""), actions_run_url()))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")
