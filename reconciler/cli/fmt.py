"""`reconciler fmt`: canonical key order and indentation; comments and blank lines kept."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import target_options


@click.command()
@target_options
@click.option("--check", is_flag=True, help="Change nothing; list files that would change, exit 1.")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def fmt(config_path: Path, env_name: str | None, check: bool, paths: tuple[Path, ...]) -> None:
    """Format spec files (default: reconciler.yaml and every spec file)."""
    from reconciler.workspace.fmt import run_fmt

    changed = run_fmt(config_path, list(paths), check=check, echo=click.echo)
    if check and changed:
        raise click.exceptions.Exit(1)
