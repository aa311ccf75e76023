"""Airship send-test: a campaign's push, sent now through `/api/push` to named users only.

Each recipient is a named user (`alice`), or a channel (`channel:<id>`); the
push's audience is exactly that one recipient, never the spec's segments or a
pipeline's trigger. Airship's push API has no idempotency key and nothing to
read back, so today's record (`sent.jsonl`, reconciler.sendtest.ledger)
decides repeats: the same push to the same recipient on the same UTC day is
sent once (`--again` sends anyway). Every input is checked first
(credentials, recipients), so bad input never sends anything.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reconciler.errors import SendTestError
from reconciler.render.safe import plain
from reconciler.sendtest.core import TestRequest, TestSender
from reconciler.sendtest.ledger import Ledger, Sent, message_id

SENT, ALREADY = "sent", "already sent today"
CHANNEL = "channel:"


@dataclass(frozen=True)
class TestPush:
    __test__ = False

    recipient: str
    id: str  # the ledger's id of this push to this recipient today
    body: dict[str, Any]


def audience(recipient: str) -> dict[str, str]:
    if recipient.startswith(CHANNEL):
        return {"channel": recipient[len(CHANNEL):]}
    return {"named_user": recipient}


def test_pushes(request: TestRequest, nonce: str = "") -> list[TestPush]:
    spec, loaded = request.spec, request.loaded
    content = {"device_types": spec.body["device_types"],
               "notification": spec.body["notification"]}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return [TestPush(r, message_id(loaded.env_name, loaded.env.app_id, spec.key, "", text, r,
                                   request.day, nonce),
                     {"audience": audience(r), **content}) for r in request.recipients]


class AirshipTestSender(TestSender):
    recipient_noun = "NAMED_USER"

    def prepare(self, request: TestRequest) -> list[TestPush]:
        from reconciler.airship.session import airship_credentials

        if any(c.strip().lower() != "all" for c in request.creatives):
            raise SendTestError("--creative is for Localytics: an Airship campaign has one push")
        for r in request.recipients:
            if r.startswith(CHANNEL) and len(r) == len(CHANNEL):
                raise SendTestError(f"--to {r!r}: give the channel id after {CHANNEL}")
        airship_credentials(request.loaded)
        return test_pushes(request, uuid.uuid4().hex if request.again else "")

    async def send(self, request: TestRequest, prepared: object) -> list[str]:
        from reconciler.calls import Caller
        from reconciler.registry import platform_of

        assert isinstance(prepared, list)
        loaded = request.loaded
        ledger = Ledger(loaded.state_dir / "sent.jsonl", request.day)
        statuses = []
        opened = platform_of(loaded.env).open(loaded, Caller(concurrency=loaded.env.concurrency))
        async with opened as provider:
            for push in prepared:
                if push.id in ledger:
                    statuses.append(ALREADY)
                    continue
                await provider.client.push(push.body)  # type: ignore[attr-defined]
                ledger.add([Sent(day=request.day, id=push.id, env=loaded.env_name,
                                 app_id=loaded.env.app_id, key=request.spec.key, creative="",
                                 to=push.recipient, request_id=push.id,
                                 at=datetime.now(UTC).isoformat(timespec="seconds"))])
                statuses.append(SENT)
        return _report(request, prepared, statuses)


def _report(request: TestRequest, pushes: list[TestPush], statuses: list[str]) -> list[str]:
    spec, loaded = request.spec, request.loaded
    alert = str((spec.body.get("notification") or {}).get("alert") or "")
    lines = [f"send-test campaign {plain(spec.key)} {plain(spec.name)!r} (env "
             f"{plain(loaded.env_name)}, app {plain(loaded.env.app_id)})"]
    lines += [f"  {s:<18} → {plain(p.recipient)}: {plain(alert)}"
              for p, s in zip(pushes, statuses, strict=True)]
    sent = statuses.count(SENT)
    lines.append(f"{sent} test push(es) sent" if sent else
                 "already sent today: nothing sent; --again sends anyway")
    return lines
