"""`reconciler calendar`: sends per audience per day from the specs, days over the cap flagged."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler.cli.options import target_options

if TYPE_CHECKING:  # `reconciler --help` imports this module
    from reconciler.calendar.grid import Grid


@click.command()
@target_options
@click.option("--days", type=click.IntRange(1, 366), default=30, show_default=True,
              help="How many days to show.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First day (UTC, YYYY-MM-DD); default today.")
@click.option("--drafts", is_flag=True,
              help="Count draft campaigns too, as if they all went live.")
@click.option("--format", "fmt", type=click.Choice(["text", "html", "png"]), default="text",
              show_default=True, help="Output format.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write to FILE (required for png; text and html default to stdout).")
@click.option("--all-envs", is_flag=True,
              help="Every env and platform of the repo in one grid: messages per people group "
              "per day, flagged over safety.max_messages_per_day.")
def calendar(config_path: Path, env_name: str | None, days: int, start: datetime | None,
             drafts: bool, fmt: str, out: Path | None, all_envs: bool) -> None:
    """Expand every active campaign's schedule into sends per audience per day.

    Reads the specs only (what apply would leave live), no API. Days where an
    audience gets more than safety.max_pushes_per_day pushes are flagged. With
    --all-envs: every env's sends per people group (`people:` on audiences; an
    audience without it is its own group, labelled env/platform/key), each
    campaign of a shared specs folder counted once, days over
    safety.max_messages_per_day flagged.
    """
    from reconciler.calendar.grid import Sending, build
    from reconciler.cli.workflow import load
    from reconciler.platform import Sends
    from reconciler.registry import provider_class

    if out is not None:
        from reconciler.cli.outpaths import check_writable

        check_writable(out, config_path, "--out")
    if all_envs and env_name is None:
        from reconciler.config.loader import any_env

        env_name = any_env(config_path)  # every env is drawn; this one is read first
    loaded, workspace = load(config_path, env_name)
    now = datetime.now(UTC)
    first: date = start.date() if start else now.date()
    suffix = " (drafts counted)" if drafts else ""
    if all_envs:
        from reconciler.calendar.people import gather, people_grid

        folders = gather(loaded, first, days, now, drafts=drafts, current=workspace)
        grid = people_grid(folders, first, days, loaded.config.safety.max_messages_per_day)
        caption = f"Message calendar: all envs ({len(loaded.config.envs)})" + suffix
    else:
        cap = loaded.config.safety.max_pushes_per_day
        cls = provider_class(loaded.env.provider)
        sends: list[Sending] = cls.sendings(workspace.specs, first, days, now, drafts=drafts) \
            if isinstance(cls, Sends) else []
        grid = build(sends, first, days, cap)
        caption = f"Send calendar: env {loaded.env_name} ({loaded.env.provider})" + suffix
    _write(grid, caption, fmt, out)


def _write(grid: Grid, caption: str, fmt: str, out: Path | None) -> None:
    from reconciler.calendar.draw import heatmap_html, heatmap_svg, text_table
    from reconciler.preview.render import PreviewError, png

    if fmt == "png":
        if out is None:
            raise PreviewError("--format png needs --out FILE.png")
        out.write_bytes(png(heatmap_svg(grid, caption), scale=2))
    else:
        text = text_table(grid) if fmt == "text" else heatmap_html(grid, caption)
        if out is None:
            sys.stdout.write(text)
        else:
            out.write_text(text, encoding="utf-8")
    if out is not None:
        click.echo(str(out))
