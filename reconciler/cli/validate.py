"""`reconciler validate`: offline checks of reconciler.yaml and every spec file."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import target_options


@click.command()
@target_options
def validate(config_path: Path, env_name: str | None) -> None:
    """Check every spec offline; print all problems as path:line:col: message."""
    from reconciler.config import load_config
    from reconciler.workspace import load_workspace

    loaded = load_config(config_path, env_name)
    ws = load_workspace(loaded)
    from reconciler.registry import platform_of

    first = platform_of(loaded.env).kind("audience").kind
    n_aud, n_camp = len(ws.of_kind(first)), len(ws.of_kind("campaign"))
    click.echo(
        f"valid: {n_aud} {first}{'s' * (n_aud != 1)}, "
        f"{n_camp} campaign{'s' * (n_camp != 1)} (env {loaded.env_name})"
    )
