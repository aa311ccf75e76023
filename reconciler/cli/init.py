"""`reconciler init`: scaffold a new campaign repository."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import LazyChoice
from reconciler.registry import DEFAULT, names


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--provider", type=LazyChoice(names), default=DEFAULT,
              show_default=True, help="The platform of the first env.")
@click.option("--action", "action_text", metavar="OWNER/REPO@SHA", default=None,
              help="The reconciler Action the workflows pin (default: reconciler-dev/reconciler "
                   "at this release's commit).")
def init(directory: Path, provider: str, action_text: str | None) -> None:
    """Create reconciler.yaml, one audience, one campaign, workflows, pre-commit and schemas."""
    from reconciler.scaffold.create import default_action, parse_action, write_repo

    action = parse_action(action_text) if action_text else default_action()
    written = write_repo(directory, provider, action)
    click.echo(f"created a {provider} campaign repo in {directory} ({len(written)} files)")
    click.echo(f"next: cd {directory} && reconciler validate && reconciler plan")
