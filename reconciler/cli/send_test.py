"""`reconciler send-test KEY`: see a campaign's push on a phone before it goes live.

Every input is checked before the first request (unknown key, missing
creative, no recipients, no push_api_url, no credentials), so bad input
never sends anything. A repeat the same UTC day is a no-op, exit 0.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler.cli.options import target_options

if TYPE_CHECKING:
    from reconciler.sendtest.run import Outcome, SendJob
    from reconciler.spec import Spec, Workspace


@click.command("send-test")
@click.argument("key")
@target_options
@click.option("--creative", "creatives", multiple=True, metavar="A|B|…|all",
              help="Creative letter to send (repeatable; default: all).")
@click.option("--to", "recipients", multiple=True, metavar="CUSTOMER_ID",
              help="Customer id to send to (repeatable; default: the env's test_recipients).")
@click.option("--again", is_flag=True,
              help="Send even when the same test already went out today.")
def send_test(key: str, config_path: Path, env_name: str | None, creatives: tuple[str, ...],
              recipients: tuple[str, ...], again: bool) -> int:
    """Send a campaign's creatives to test customer ids through the Push API."""
    from reconciler.calls import Caller
    from reconciler.cli.session import credentials, open_push_client, push_api_url
    from reconciler.config import load_config
    from reconciler.sendtest.content import select
    from reconciler.sendtest.ledger import Ledger, utc_day
    from reconciler.sendtest.run import SendJob, send_tests
    from reconciler.spec import load_workspace

    loaded = load_config(config_path, env_name)
    push_api_url(loaded)
    workspace = load_workspace(loaded, use_cache=False)  # it sends: read the files, no cache
    spec = _campaign(workspace, key)
    job = SendJob(
        env=loaded.env_name, app_id=loaded.env.app_id, key=spec.key,
        contents=tuple(select(spec, creatives)),
        recipients=_recipients(recipients, loaded.env.test_recipients, loaded.env_name),
        again=again,
    )
    credentials(loaded)
    ledger = Ledger(loaded.state_dir / "sent.jsonl", utc_day())

    async def run() -> list[Outcome]:
        caller = Caller(concurrency=loaded.env.concurrency)
        async with open_push_client(loaded, caller) as client:
            return await send_tests(job, client, ledger)

    outcomes = asyncio.run(run())
    _report(job, spec.name, outcomes)
    return 0


def _campaign(workspace: Workspace, key: str) -> Spec:
    from reconciler.errors import SendTestError
    from reconciler.source.problems import suggest

    spec = workspace.get(f"campaign:{key}")
    if spec is not None:
        return spec
    if workspace.get(f"audience:{key}") is not None:
        raise SendTestError(f"{key!r} is an audience; send-test takes a campaign key")
    keys = [s.key for s in workspace.of_kind("campaign")]
    raise SendTestError(f"unknown campaign key {key!r}: no file campaigns/{key}.yaml"
                        f"{suggest(key, keys)}")


def _recipients(given: tuple[str, ...], configured: list[str], env: str) -> tuple[str, ...]:
    from reconciler.errors import SendTestError

    for r in given:
        if not r or r != r.strip():
            raise SendTestError(f"--to {r!r}: a customer id must be non-empty, without "
                                "leading or trailing blanks")
    chosen = list(given) or list(configured)
    if not chosen:
        raise SendTestError(f"no recipients: pass --to CUSTOMER_ID or set test_recipients "
                            f"in env {env!r} of reconciler.yaml")
    return tuple(dict.fromkeys(chosen))


def _report(job: SendJob, name: str, outcomes: list[Outcome]) -> None:
    from reconciler.render.safe import plain
    from reconciler.sendtest.run import ALREADY, SENT

    click.echo(f"send-test campaign {plain(job.key)} {plain(name)!r} (env {plain(job.env)}, "
               f"app {plain(job.app_id)}, campaign_key {plain(job.campaign_key)})")
    for o in outcomes:
        click.echo(f"  {o.status:<18} {o.letter} → {plain(o.recipient)}: {plain(o.preview)}")
    sent = sum(1 for o in outcomes if o.status == SENT)
    already = sum(1 for o in outcomes if o.status == ALREADY)
    if sent == 0:
        click.echo(f"already sent today: nothing sent ({already} message(s)); "
                   "--again sends anyway")
    else:
        click.echo(f"{sent} sent, {already} already sent today")
