"""`reconciler stop KEY…` / `--all-live`: the emergency brake."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import target_options


@click.command()
@target_options
@click.argument("keys", nargs=-1)
@click.option("--all-live", is_flag=True,
              help="Stop every live or scheduled campaign of the env, found from live state "
                   "alone (works when the specs do not load).")
@click.option("--auto-approve", is_flag=True, help="Stop without asking (CI).")
@click.option("--journal", "journal_path", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="Journal file (default .reconciler/journal.jsonl).")
def stop(config_path: Path, env_name: str | None, keys: tuple[str, ...], all_live: bool,
         auto_approve: bool, journal_path: Path | None) -> int:
    """Stop the campaigns KEY… (spec keys) now, or every live one with --all-live.

    Shows who each reaches and when it sends next, asks (unless --auto-approve), stops
    them in parallel, reads each back, and records the stop in the env's record so it
    stays stopped. Per campaign: stopped, was not live, or cannot be stopped (and why).
    Exit 1 when anything that should have stopped did not, or the stop was not recorded.
    """
    if keys and all_live:
        raise click.UsageError("name campaigns (KEY…) or pass --all-live, not both")
    if not keys and not all_live:
        raise click.UsageError("name the campaigns to stop (KEY…), or pass --all-live")
    if journal_path is not None:
        from reconciler.cli.outpaths import check_writable

        check_writable(journal_path, config_path, "--journal")
    import asyncio  # not at module level: `--help` imports this module

    from reconciler.cli.stopping import run_stop

    return asyncio.run(run_stop(config_path, env_name, keys, all_live=all_live,
                                auto_approve=auto_approve, journal_path=journal_path))
