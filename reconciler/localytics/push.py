"""The transactional Push API (`POST {push_api_url}/v2/push/{app_id}`), for test sends.

Only `target_type: customer_id` exists here, by construction: `CustomerIdBatch`
writes that target type itself and `CustomerMessage` takes one customer id
string, so no caller can build a broadcast, audience or profile batch — a test
send must never reach real users. `PushClient.send` accepts nothing else.

What the API guarantees (its OpenAPI): a batch is queued (202) or refused; a
`request_id` repeated within 24 h is refused (400) only for non-customer_id
target types, so for customer_id batches the caller must remember what it
sent. Rate limits are per target type; customer_id allows 1000 batches per
second, and one batch may carry many messages, each with its own labels.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from aiolimiter import AsyncLimiter

from reconciler.calls import Caller
from reconciler.errors import ApiError
from reconciler.httpboot import tls_verify
from reconciler.httpio import send
from reconciler.localytics.http import raise_for_status

CUSTOMER_ID = "customer_id"
CUSTOMER_ID_RATE = (1000, 1.0)  # batches per second, as documented
MAX_MESSAGES_PER_BATCH = 500  # the API names no cap; keep each request modest
LABEL_KEYS = frozenset(f"label{i}" for i in range(1, 11))
# The Push docs' `^[\w\-.]+$`, read as ASCII: a campaign key any account accepts.
CAMPAIGN_KEY = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Alert:
    """What the notification shows; the API requires `body` in the object form."""

    body: str
    title: str | None = None
    subtitle: str | None = None

    def to_json(self) -> dict[str, str]:
        out = {"body": self.body}
        if self.title is not None:
            out["title"] = self.title
        if self.subtitle is not None:
            out["subtitle"] = self.subtitle
        return out


def _labels(labels: Mapping[str, str], where: str) -> dict[str, str]:
    bad = [k for k, v in labels.items() if k not in LABEL_KEYS or not isinstance(v, str)]
    if bad or len(labels) > 10:
        raise ValueError(f"{where}: labels are label1..label10 with string values")
    return dict(labels)


@dataclass(frozen=True)
class CustomerMessage:
    """One push to one customer id, with its own labels (merged over the batch's)."""

    customer_id: str
    alert: Alert
    ios: Mapping[str, Any] = field(default_factory=dict)
    android: Mapping[str, Any] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.alert.body.strip():
            raise ValueError("a push needs a non-empty alert body")
        # A list, an int (audience id), a dict (profile) or None (broadcast) is refused here.
        if not isinstance(self.customer_id, str) or not self.customer_id.strip():
            raise ValueError(f"a test push goes to one customer id string, "
                             f"not {self.customer_id!r}")
        _labels(self.labels, "message")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"target": self.customer_id, "alert": self.alert.to_json()}
        if self.ios:
            out["ios"] = dict(self.ios)
        if self.android:
            out["android"] = dict(self.android)
        if self.labels:
            out["labels"] = dict(self.labels)
        return out


@dataclass(frozen=True)
class CustomerIdBatch:
    """A BatchRequest whose target type is customer_id and nothing else."""

    request_id: str
    campaign_key: str
    messages: tuple[CustomerMessage, ...]
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.messages or len(self.messages) > MAX_MESSAGES_PER_BATCH:
            raise ValueError(f"a batch holds 1 to {MAX_MESSAGES_PER_BATCH} messages")
        if not all(isinstance(m, CustomerMessage) for m in self.messages):
            raise ValueError("a batch holds only customer id messages")
        if not self.request_id or len(self.request_id) > 255:
            raise ValueError("request_id must be 1 to 255 characters")
        if not CAMPAIGN_KEY.fullmatch(self.campaign_key) or len(self.campaign_key) > 255:
            raise ValueError("campaign_key must be 1 to 255 characters of A-Z a-z 0-9 _ . -")
        _labels(self.labels, "batch")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "request_id": self.request_id,
            "campaign_key": self.campaign_key,
            "target_type": CUSTOMER_ID,
            "messages": [m.to_json() for m in self.messages],
        }
        if self.labels:
            out["labels"] = dict(self.labels)
        return out


class PushClient:
    """Sends customer_id batches through the `Caller` (retries, pacing, concurrency)."""

    def __init__(
        self,
        push_api_url: str,
        app_id: str,
        *,
        auth: tuple[str, str],
        caller: Caller,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.url = f"{push_api_url.rstrip('/')}/v2/push/{quote(app_id, safe='')}"
        self._http = httpx.AsyncClient(
            auth=httpx.BasicAuth(*auth), timeout=timeout, transport=transport,
            verify=tls_verify(push_api_url),
            headers={"Accept": "application/json", "User-Agent": "reconciler"},
        )
        self._caller = caller
        self._limiter = AsyncLimiter(*CUSTOMER_ID_RATE)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, batch: CustomerIdBatch) -> bool:
        """Queue `batch`: True when accepted, False when the API refuses it as a
        duplicate request_id (an earlier send of the same batch went through).

        Retried on 429/5xx and transport errors. A retry after an ambiguous
        failure may deliver a test push twice, and only to the tester's own
        customer ids: the API de-duplicates customer_id batches by nothing.
        """
        if not isinstance(batch, CustomerIdBatch):
            raise TypeError("PushClient sends customer_id batches only")
        body = batch.to_json()
        try:
            await self._caller.send(lambda: self._post(body), idempotent=True)
        except ApiError as e:
            if e.status == 400 and _is_duplicate(e):
                return False
            raise
        return True

    async def _post(self, body: dict[str, Any]) -> None:
        where = f"POST {self.url}"
        await self._limiter.acquire()
        response = await send(self._http, "POST", self.url, where=where, json=body)
        raise_for_status(where, response)


def _is_duplicate(error: ApiError) -> bool:
    text = str(error.body.get("error", "")) if isinstance(error.body, dict) else str(error)
    text = text.lower()
    return "duplicate" in text and "request_id" in text
