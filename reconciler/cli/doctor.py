"""`reconciler doctor`: are the provider's assumptions true of this env's API?"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler.cli.options import target_options

if TYPE_CHECKING:  # `reconciler --help` imports this module: no pydantic here (issue 29)
    from reconciler.config import LoadedConfig
    from reconciler.doctor import Check


@click.command()
@target_options
@click.option("--write", is_flag=True,
              help="Also create a draft probe (never active, never sent), read it back and "
                   "delete it.")
def doctor(config_path: Path, env_name: str | None, write: bool) -> int:
    """Check the provider's assumptions against the env's API; print a table.

    Read-only unless --write. Findings go to .reconciler/doctor-<env>.json, and
    later plans use the documented forms found there (saying so), unless
    reconciler.yaml sets them. Exit 0 when every assumption held, 1 otherwise.
    """
    from reconciler.config import load_config
    from reconciler.doctor import all_held, save_findings

    loaded = load_config(config_path, env_name)
    import asyncio  # not at module level: `--help` imports this module
    checks = asyncio.run(_run(loaded, write))
    path = save_findings(loaded.state_dir, loaded.env_name, loaded.env.provider, write, checks)
    _print(checks, loaded.env_name)
    try:
        shown = path.relative_to(Path.cwd())
    except ValueError:
        shown = path
    sys.stdout.write(f"findings written to {shown}\n")
    return 0 if all_held(checks) else 1


async def _run(loaded: LoadedConfig, write: bool) -> list[Check]:
    from reconciler.calls import Caller
    from reconciler.cli.session import open_provider
    from reconciler.platform import Doctors

    caller = Caller(concurrency=loaded.env.concurrency)
    async with open_provider(loaded, caller) as provider:
        return await provider.doctor_checks(write) if isinstance(provider, Doctors) else []


def _print(checks: Sequence[Check], env_name: str) -> None:
    from reconciler.render.safe import plain

    if not checks:
        sys.stdout.write(f"doctor: the provider of env {env_name!r} has no checks\n")
        return
    rows = [("check", "assumption", "held", "evidence")]
    rows += [(c.id, c.assumption, {True: "yes", False: "NO", None: "skipped"}[c.held],
              plain(c.evidence)) for c in checks]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        sys.stdout.write(" | ".join(r[i].ljust(widths[i]) for i in range(3)) + f" | {r[3]}\n")
    failed = sum(1 for c in checks if c.held is False)
    sys.stdout.write(f"\n{len(checks) - failed} of {len(checks)} held or skipped, "
                     f"{failed} failed\n")
