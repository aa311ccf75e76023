"""Localytics send-test: a campaign's creatives through the Push API to test customer ids.

Every input is checked before the first request (missing creative, no
push_api_url, no credentials), so bad input never sends anything. A repeat the
same UTC day is a no-op: the Push API does not de-duplicate customer_id batches,
so today's record (`sent.jsonl`, see reconciler.sendtest.ledger) decides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.sendtest.core import TestRequest, TestSender

if TYPE_CHECKING:
    from reconciler.config import LoadedConfig
    from reconciler.localytics.sendtest_run import Outcome, SendJob


class LocalyticsTestSender(TestSender):
    recipient_noun = "CUSTOMER_ID"

    def precheck(self, loaded: LoadedConfig) -> None:
        from reconciler.localytics.session import push_api_url

        push_api_url(loaded)

    def prepare(self, request: TestRequest) -> SendJob:
        from reconciler.localytics.sendtest_content import select
        from reconciler.localytics.sendtest_run import SendJob
        from reconciler.localytics.session import credentials

        loaded = request.loaded
        job = SendJob(
            env=loaded.env_name, app_id=loaded.env.app_id, key=request.spec.key,
            contents=tuple(select(request.spec, request.creatives)),
            recipients=request.recipients, again=request.again,
        )
        credentials(loaded)
        return job

    async def send(self, request: TestRequest, prepared: object) -> list[str]:
        from reconciler.calls import Caller
        from reconciler.localytics.sendtest_run import SendJob, send_tests
        from reconciler.localytics.session import open_push_client
        from reconciler.sendtest.ledger import Ledger

        assert isinstance(prepared, SendJob)
        loaded = request.loaded
        ledger = Ledger(loaded.state_dir / "sent.jsonl", request.day)
        caller = Caller(concurrency=loaded.env.concurrency)
        async with open_push_client(loaded, caller) as client:
            outcomes = await send_tests(prepared, client, ledger)
        return _report(prepared, request.spec.name, outcomes)


def _report(job: SendJob, name: str, outcomes: list[Outcome]) -> list[str]:
    from reconciler.localytics.sendtest_run import ALREADY, SENT
    from reconciler.render.safe import plain

    lines = [f"send-test campaign {plain(job.key)} {plain(name)!r} (env {plain(job.env)}, "
             f"app {plain(job.app_id)}, campaign_key {plain(job.campaign_key)})"]
    lines += [f"  {o.status:<18} {o.letter} → {plain(o.recipient)}: {plain(o.preview)}"
              for o in outcomes]
    sent = sum(1 for o in outcomes if o.status == SENT)
    already = sum(1 for o in outcomes if o.status == ALREADY)
    if sent == 0:
        lines.append(f"already sent today: nothing sent ({already} message(s)); "
                     "--again sends anyway")
    else:
        lines.append(f"{sent} sent, {already} already sent today")
    return lines
