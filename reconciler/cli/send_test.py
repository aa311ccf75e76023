"""`reconciler send-test KEY`: see a campaign's message on a phone before it goes live.

Platform-neutral: the env's provider class gives the `TestSender`
(`Provider.test_sender`; Localytics: the Push API to customer ids, Stream: a
separate test campaign to user ids). Every input is checked before the first
request, so bad input never sends anything. A repeat the same UTC day is a
no-op, exit 0.
"""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.options import target_options


@click.command("send-test")
@click.argument("key")
@target_options
@click.option("--creative", "creatives", multiple=True, metavar="A|B|…|all",
              help="Creative letter to send (repeatable; default: all). Localytics only.")
@click.option("--to", "recipients", multiple=True, metavar="ID",
              help="Customer id (Localytics) or user id (Stream) to send to (repeatable; "
              "default: the env's test_recipients).")
@click.option("--again", is_flag=True,
              help="Send even when the same test already went out today.")
def send_test(key: str, config_path: Path, env_name: str | None, creatives: tuple[str, ...],
              recipients: tuple[str, ...], again: bool) -> int:
    """Send a campaign to test recipients only (Localytics: Push API; Stream: a test campaign)."""
    from reconciler.config import load_config
    from reconciler.errors import SendTestError
    from reconciler.platform import SendsTests
    from reconciler.registry import provider_class
    from reconciler.sendtest.core import TestRequest, campaign_of, recipients_of
    from reconciler.sendtest.ledger import utc_day
    from reconciler.workspace import load_workspace

    loaded = load_config(config_path, env_name)
    cls = provider_class(loaded.env.provider)
    if not isinstance(cls, SendsTests):
        raise SendTestError(f"send-test is not available for {loaded.env.provider} envs")
    sender = cls.test_sender()
    sender.precheck(loaded)
    workspace = load_workspace(loaded, use_cache=False)  # it sends: read the files, no cache
    spec = campaign_of(workspace, key)
    request = TestRequest(
        loaded=loaded, spec=spec, creatives=creatives,
        recipients=recipients_of(recipients, loaded.env.test_recipients, loaded.env_name,
                                 sender.recipient_noun),
        again=again, day=utc_day(),
    )
    prepared = sender.prepare(request)
    import asyncio  # not at module level: `--help` imports this module
    for line in asyncio.run(sender.send(request, prepared)):
        click.echo(line)
    return 0
