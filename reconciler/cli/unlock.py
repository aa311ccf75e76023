"""`reconciler unlock`: remove the apply lease an interrupted apply left on the app.

A lease expires by itself (`lease.expiry_seconds` after its last renewal); this clears it now,
for a run known to be dead (a killed CI job, a closed laptop). It deletes
only the reserved lease objects, which never reach users.
"""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import target_options


@click.command()
@target_options
def unlock(config_path: Path, env_name: str | None) -> None:
    """Delete the env's apply lease (left by an apply that died); prints what was held."""
    import asyncio  # not at module level: `--help` imports this module

    asyncio.run(_unlock(config_path, env_name))


async def _unlock(config_path: Path, env_name: str | None) -> None:
    from reconciler.apply.lease import Lease, clear_leases, platform_time
    from reconciler.calls import Caller
    from reconciler.cli.session import open_provider
    from reconciler.config import load_config
    from reconciler.platform import HoldsLease
    from reconciler.render.safe import plain

    loaded = load_config(config_path, env_name)
    async with open_provider(loaded, Caller(concurrency=1)) as provider:
        if not isinstance(provider, HoldsLease):
            click.echo(f"env {loaded.env_name!r}: this platform keeps no apply lease; "
                       "nothing to unlock")
            return
        cleared = await clear_leases(provider)
        now = platform_time(provider)
    for lease in cleared:
        held = lease.describe(now) if isinstance(lease, Lease) else f"object id {lease.id}"
        click.echo(plain(f"removed the apply lease held by {held}"))
    if not cleared:
        click.echo(f"no apply lease on env {loaded.env_name!r}")
