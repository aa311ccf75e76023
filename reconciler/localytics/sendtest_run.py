"""Send a campaign's selected creatives to test recipients, once per UTC day.

One batch per creative carries every recipient of it (one message each, with
its own labels), so a test costs one request per creative against the
customer_id rate limit. Messages already in today's record are skipped; a
batch the API refuses as a duplicate request_id counts as already sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from reconciler.localytics.push import (
    MAX_MESSAGES_PER_BATCH,
    CustomerIdBatch,
    CustomerMessage,
    PushClient,
)
from reconciler.localytics.sendtest_content import Content
from reconciler.sendtest.ledger import Ledger, Sent, batch_request_id, message_id

SENT = "sent"
ALREADY = "already sent today"
TEST_LABEL = "reconciler-test"


@dataclass(frozen=True)
class Outcome:
    letter: str
    recipient: str
    status: str  # SENT | ALREADY
    preview: str


@dataclass(frozen=True)
class SendJob:
    """Everything one send-test run sends: which campaign, which creatives, to whom."""

    env: str
    app_id: str
    key: str
    contents: tuple[Content, ...]
    recipients: tuple[str, ...]
    again: bool = False

    @property
    def campaign_key(self) -> str:
        """`rcl-test-<key>`, attributable to reconciler tests, in the Push API's documented
        alphabet `[A-Za-z0-9_.-]` (`^[\\w\\-.]+$`), ≤ 255 characters.

        A key already in that alphabet is used as it is; any other (a nested
        `promos/big sale`) is spelled with `.` for `/` and `_` for the rest, plus
        a hash of the key itself, so two campaigns never share a test key.
        """
        slug = re.sub(r"[^A-Za-z0-9_.-]", "_", self.key.replace("/", "."))
        if slug != self.key:
            slug = slug[:200] + "-" + hashlib.sha256(self.key.encode()).hexdigest()[:8]
        return ("rcl-test-" + slug)[:255]


@dataclass(frozen=True)
class _Pending:
    content: Content
    recipient: str
    base_id: str  # what today's record knows
    send_id: str  # base_id, or a new id under --again


async def send_tests(job: SendJob, client: PushClient, ledger: Ledger) -> list[Outcome]:
    """Send what today's record lacks (everything under --again); record what went out."""
    nonce = uuid.uuid4().hex if job.again else ""
    outcomes: dict[tuple[str, str], str] = {}
    batches: list[list[_Pending]] = []
    for content in job.contents:
        pending = []
        for recipient in job.recipients:
            args = (job.env, job.app_id, job.key, content.letter, content.fingerprint(),
                    recipient, ledger.day)
            base = message_id(*args)
            if not job.again and base in ledger:
                outcomes[(content.letter, recipient)] = ALREADY
                continue
            pending.append(_Pending(content, recipient, base, message_id(*args, nonce=nonce)))
        for i in range(0, len(pending), MAX_MESSAGES_PER_BATCH):
            batches.append(pending[i:i + MAX_MESSAGES_PER_BATCH])
    results = await asyncio.gather(*(_send(job, b, client) for b in batches),
                                   return_exceptions=True)
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    for batch, result in zip(batches, results, strict=True):
        if isinstance(result, BaseException):
            continue
        request_id, accepted = result
        ledger.add([
            Sent(day=ledger.day, id=p.base_id, env=job.env, app_id=job.app_id, key=job.key,
                 creative=p.content.letter, to=p.recipient, request_id=request_id, at=now)
            for p in batch
        ])
        for p in batch:
            outcomes[(p.content.letter, p.recipient)] = SENT if accepted else ALREADY
    failure = next((r for r in results if isinstance(r, BaseException)), None)
    if failure is not None:
        raise failure  # what did go out is recorded above
    return [
        Outcome(c.letter, r, outcomes[(c.letter, r)], c.preview)
        for c in job.contents for r in job.recipients
    ]


async def _send(job: SendJob, batch: list[_Pending], client: PushClient) -> tuple[str, bool]:
    request_id = batch_request_id(p.send_id for p in batch)
    wire = CustomerIdBatch(
        request_id=request_id,
        campaign_key=job.campaign_key,
        labels={"label1": TEST_LABEL},
        messages=tuple(
            CustomerMessage(
                customer_id=p.recipient, alert=p.content.alert, ios=p.content.ios,
                android=p.content.android,
                labels={"label2": p.send_id, "label3": f"creative {p.content.letter}"},
            )
            for p in batch
        ),
    )
    return request_id, await client.send(wire)
