"""Where reconciler.yaml is: found as git finds `.git`, and the error when it is not.

Free of YAML and pydantic, so `--config`'s default (every command's) and the
validate memo find the config without importing them (issue 29).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_CONFIG = "reconciler.yaml"  # the --config default of every command (cli/options.py)


def _searched(start: Path) -> tuple[Path | None, Path]:
    """The nearest reconciler.yaml in `start` or a folder above it, and the last folder
    looked in: the search stops at the top of a git repository (a folder holding `.git`),
    so a repository never picks up a config from outside it."""
    folder = start
    for folder in (start, *start.parents):
        if (folder / DEFAULT_CONFIG).is_file():
            return folder / DEFAULT_CONFIG, folder
        if (folder / ".git").exists():
            break
    return None, folder


def find_config(start: Path) -> Path:
    """The config a command without --config uses, found as git finds `.git`: in `start`
    or the nearest folder above it, so commands work from `campaigns/` too. Relative to
    `start` (plain `reconciler.yaml` when it is there); the default name when none is
    found, which `load_config` then reports with where it looked."""
    found, _ = _searched(start.resolve())
    return Path(os.path.relpath(found, start.resolve())) if found else Path(DEFAULT_CONFIG)


def config_not_found(path: Path) -> str:
    """The error for a config that is not there: where the search looked (no --config
    given) and how to start a repository, since a newcomer's first command may be here."""
    start = Path.cwd().resolve()
    if path != Path(DEFAULT_CONFIG):
        return (f"{path}: config file not found (check --config FILE; `reconciler init DIR` "
                "starts a new campaign repository)")
    _, top = _searched(start)
    where = (f"in {start}" if top == start
             else f"in {start} or a folder above it, up to {top}")
    return (f"no {DEFAULT_CONFIG} found {where}; run commands inside a campaign repository, "
            "pass --config FILE, or start one with `reconciler init DIR`")
