"""`reconciler validate`: offline checks of reconciler.yaml and every spec file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler.cli.options import target_options


def _warn(line: str) -> None:
    print(line, file=sys.stderr)


@click.command()
@target_options
def validate(config_path: Path, env_name: str | None) -> None:
    """Check every spec offline; print all problems as path:line:col: message."""
    from reconciler.workspace.memo import ValidateMemo

    memo = ValidateMemo.open(config_path, env_name)
    line = memo.replay(_warn) if memo is not None else None
    if line is not None:  # the inputs of a passing run, byte for byte
        click.echo(line)
        return
    from reconciler.config import load_config
    from reconciler.registry import platform_of
    from reconciler.workspace import load_workspace

    loaded = load_config(config_path, env_name)
    # memo=True: the specs this load makes are also kept for the plan that usually
    # follows (the plan's spec memo), which then starts its requests without loading.
    ws = load_workspace(loaded, _warn, walked=memo.walked if memo is not None else None,
                        memo=True)
    first = platform_of(loaded.env).kind("audience").kind
    n_aud, n_camp = len(ws.of_kind(first)), len(ws.of_kind("campaign"))
    line = (f"valid: {n_aud} {first}{'s' * (n_aud != 1)}, "
            f"{n_camp} campaign{'s' * (n_camp != 1)} (env {loaded.env_name})")
    click.echo(line)
    if memo is not None:
        memo.store(loaded, ws, line)
