"""`reconciler import`: write live objects as spec files (adopt an existing app)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler.cli.options import target_options

if TYPE_CHECKING:
    from reconciler.config import LoadedConfig
    from reconciler.importer.run import Options, Summary
    from reconciler.importer.select import Selection
    from reconciler.platform import Adopter


@click.command("import")
@target_options
@click.option("--all", "all_", is_flag=True, help="Import every live object (of --kind).")
@click.option("--name", "names", multiple=True, metavar="NAME",
              help="Import the live object with exactly this name. Repeatable.")
@click.option("--id", "ids", multiple=True, metavar="ID",
              help="Import the live object with this id (Stream: e.g. rcl-welcome). Repeatable.")
@click.option("--kind", type=click.Choice(["campaign", "audience", "segment"]), default=None,
              help="Only this kind (default: both); on Stream, audience and segment are one.")
@click.option("--update", is_flag=True,
              help="Rewrite existing spec files where live differs, keeping comments.")
@click.option("--dry-run", is_flag=True, help="Write nothing; list what would be written.")
@click.option("--include-archived", is_flag=True, help="Also import archived campaigns.")
@click.option("--pin-ids", is_flag=True,
              help="Write `id:` into every new file (default: only where live names repeat).")
def import_cmd(config_path: Path, env_name: str | None, all_: bool, names: tuple[str, ...],
               ids: tuple[str, ...], kind: str | None, update: bool, dry_run: bool,
               include_archived: bool, pin_ids: bool) -> int:
    """Write live campaigns and audiences as spec files, so the next plan shows no changes."""
    import asyncio  # not at module level: `--help` imports this module

    from reconciler.config import load_config
    from reconciler.importer.run import Options
    from reconciler.importer.select import Selection
    from reconciler.registry import platform_of

    loaded = load_config(config_path, env_name)
    adopt = platform_of(loaded.env).adopt
    if adopt is not None:
        return asyncio.run(_adopt(adopt, loaded, names, all_, dry_run))
    folder_kind = "audience" if kind == "segment" else kind  # the files' folder decides
    selection = Selection(all=all_, names=names, ids=ids, kind=folder_kind,
                          include_archived=include_archived)
    options = Options(update=update, dry_run=dry_run, pin_ids=pin_ids)
    summary = asyncio.run(_run(loaded, selection, options))
    click.echo(summary.line())
    return 1 if summary.failed else 0


async def _run(loaded: LoadedConfig, selection: Selection, options: Options) -> Summary:
    from reconciler.calls import Caller
    from reconciler.cli.progress import progress
    from reconciler.cli.session import open_provider
    from reconciler.importer.run import Importer

    caller = Caller(concurrency=loaded.env.concurrency)
    async with open_provider(loaded, caller) as provider, progress() as report:
        importer = Importer(loaded, provider, options, echo=click.echo,
                            warn=lambda line: click.echo(line, err=True), progress=report)
        return await importer.run(selection)


async def _adopt(adopt: Adopter, loaded: LoadedConfig, names: tuple[str, ...], all_: bool,
                 dry_run: bool) -> int:
    """A platform whose live objects cannot become spec files adopts drafts instead
    (`Platform.adopt`)."""
    from reconciler.calls import Caller

    click.echo(await adopt(loaded, Caller(concurrency=loaded.env.concurrency), names, all_,
                           dry_run, click.echo))
    return 0
