"""`reconciler plan`: what apply would do, on stdout."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler.cli.options import target_options

if TYPE_CHECKING:
    from reconciler.plan.model import Plan


@click.command()
@target_options
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also save the plan to FILE for `reconciler apply FILE`.")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 0 when there are no changes, 2 when there are (1 on error).")
@click.option("--target", "targets", multiple=True, metavar="KEY",
              help="Plan only these specs (and the audiences they use). Repeatable.")
@click.option("--cache", "use_cache", is_flag=True,
              help="Reuse unchanged live details from the user cache (faster re-plans; off in CI).")
def plan(config_path: Path, env_name: str | None, fmt: str, out: Path | None,
         detailed_exitcode: bool, targets: tuple[str, ...], use_cache: bool) -> int:
    """Show what apply would change, object by object and field by field."""
    from reconciler.cli.workflow import compute_plan, print_plan

    if out is not None:
        from reconciler.cli.outpaths import check_writable

        check_writable(out, config_path, "--out")
    import asyncio  # not at module level: `--help` imports this module

    planned: list[Plan] = []

    async def run() -> None:
        # Not the run's return value: Python 3.11's asyncio.run formats the repr of its
        # result twice on the way out (CPython issue 112559), here the whole plan, which
        # at 10,000 objects was the peak of the run's memory (issue 29).
        planned.append(await compute_plan(config_path, env_name, targets, use_cache))

    asyncio.run(run())
    result = planned[0]
    if out is not None:
        from reconciler.plan import planfile

        planfile.save(result, out)
    print_plan(result, fmt)
    if result.errors:  # a partial plan: shown whole, but the run says it failed
        for problem in result.errors:
            click.echo(f"error: {problem.line}", err=True)
        return 1
    # a go-live held back by an emergency stop is a difference too: live is not what git says
    return 2 if detailed_exitcode and (result.has_changes or result.held) else 0
