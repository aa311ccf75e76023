"""Options every command shares: --config and --env."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def target_options(fn: F) -> F:
    """Add `--config FILE` (default ./reconciler.yaml) and `--env NAME`."""
    fn = click.option(
        "--env", "env_name", metavar="NAME", default=None,
        help="Environment from reconciler.yaml (default: default_env).",
    )(fn)
    fn = click.option(
        "--config", "config_path", metavar="FILE", default=None, callback=_config_path,
        type=click.Path(path_type=Path, dir_okay=False),
        help="Path of reconciler.yaml; spec folders are beside it (default: reconciler.yaml "
             "here or in the nearest folder above, as git finds its repository).",
    )(fn)
    return fn


def _config_path(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path:
    """--config as given, else the nearest reconciler.yaml at or above the current folder."""
    from reconciler.config.find import find_config

    return value if value is not None else find_config(Path.cwd())


class LazyChoice(click.Choice[str]):
    """A click.Choice whose values are read on first use (from the platform registry),
    so loading a command for `reconciler --help` imports no platform."""

    def __init__(self, choices: Callable[[], tuple[str, ...]]) -> None:
        self._load = choices
        self.case_sensitive = True

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        return self._load()

    @choices.setter
    def choices(self, value: tuple[str, ...]) -> None:
        raise AttributeError("LazyChoice reads its choices from its loader")
