"""`reconciler apply [FILE]`: carry out a plan, safely."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import target_options


@click.command()
@target_options
@click.argument("plan_file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--auto-approve", is_flag=True, help="Apply without asking (CI).")
@click.option("--force", is_flag=True,
              help="Apply even over safety thresholds or a prune of an empty kind.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Report format.")
@click.option("--journal", "journal_path", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="Journal file (default .reconciler/journal.jsonl).")
@click.option("--lease-wait", type=click.FloatRange(0, 3600), default=0, show_default=True,
              metavar="SECONDS",
              help="Wait this long for another apply of the same app to release its lease.")
def apply(config_path: Path, env_name: str | None, plan_file: Path | None, auto_approve: bool,
          force: bool, fmt: str, journal_path: Path | None, lease_wait: float) -> int:
    """Plan (or read PLAN_FILE), check it is safe, then apply it in dependency order."""
    from reconciler.cli.applying import run_apply

    if journal_path is not None:
        from reconciler.cli.outpaths import check_writable

        check_writable(journal_path, config_path, "--journal")
    import asyncio  # not at module level: `--help` imports this module
    return asyncio.run(run_apply(
        config_path, env_name, plan_file, auto_approve=auto_approve, force=force, fmt=fmt,
        journal_path=journal_path, lease_wait=lease_wait,
    ))
