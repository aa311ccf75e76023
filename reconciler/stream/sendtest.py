"""Stream send-test: the campaign's message, as a separate test campaign to test users only.

The test campaign has `user_ids` set to the recipients (never a segment) and a
deterministic id, `rcl--test-<key>-<hash>`: the hash covers the key, the
rendered message and channel settings, the recipients and the UTC day, so the
same test the same day is the same campaign. It is started at most once:
what decides is the live state, read first (the id exists and left `draft`:
already sent, nothing is called); the local record (`sent.jsonl`) is written
for people, never trusted. A draft left by an interrupted run is read back,
checked to reach only the recipients, and started; `start` itself is never
retried blindly (`StreamProvider.activate`). `channel_template` members are
left out: they would put other people in the test channels. Nor is the spec's
`channel_template.id` used: a fixed id (`general`) is a channel real users are
in, and even a per-receiver one (`hi-{{ receiver.id }}`) is a channel the real
campaign's other members share. The test gets a new channel per test user,
named for the test (`rcl-test-<hash>-{{ receiver.id }}`), created by the
campaign (`create_channels`).

Test campaigns are invisible to plan, prune and import: `list_live` skips the
`rcl--test-` prefix, which no spec's id can take (keys start with a letter,
digit or `_`; a pinned `id:` with it is a validate error).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reconciler.errors import ApiError, SendTestError, TransportError
from reconciler.render.safe import plain
from reconciler.sendtest.core import TestRequest, TestSender
from reconciler.stream.spec import MAX_ID, TEST_PREFIX

# what a test campaign does not take from the spec: its targets, go-live and identity
NOT_COPIED = ("segments", "segment_ids", "user_ids", "send", "id", "name", "description")
STARTED, ALREADY = "started", "already sent today"


MEMBER_FIELDS = ("members", "members_template")  # other people in each created channel
TEST_CHANNEL = "rcl-test-"  # + the test's hash + each test user's id: a channel no one else is in


@dataclass(frozen=True)
class TestCampaign:
    __test__ = False

    id: str
    body: dict[str, Any]  # the CreateCampaignRequest
    dropped: tuple[str, ...] = ()  # channel_template fields left out: they name other users
    channel: tuple[str, str] | None = None  # (the spec's channel id, the test's) when replaced


def test_campaign(request: TestRequest, nonce: str = "") -> TestCampaign:
    """The test campaign of `request`: its id and the body it is created with."""
    spec = request.spec
    content = {k: copy.deepcopy(v) for k, v in spec.body.items() if k not in NOT_COPIED}
    channel = content.get("channel_template")
    dropped: tuple[str, ...] = ()
    if isinstance(channel, dict):
        dropped = tuple(f for f in MEMBER_FIELDS if f in channel)
        content["channel_template"] = {k: v for k, v in channel.items() if k not in dropped}
    digest = hashlib.sha256(json.dumps(
        {"key": spec.key, "content": content, "to": sorted(request.recipients),
         "day": request.day, "nonce": nonce},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()[:12]
    slug = re.sub(r"[^A-Za-z0-9_.-]", "_", spec.key.replace("/", "--"))
    cid = f"{TEST_PREFIX}{slug[:MAX_ID - len(TEST_PREFIX) - 13]}-{digest}"
    replaced = _own_channel(content, digest)
    body = {**content, "id": cid, "name": f"send-test: {spec.name}",
            "description": f"reconciler send-test of {spec.key} on {request.day} "
                           f"({len(request.recipients)} test user(s))",
            "user_ids": list(request.recipients)}
    return TestCampaign(cid, body, dropped, replaced)


def _own_channel(content: dict[str, Any], digest: str) -> tuple[str, str] | None:
    """Point `content` at a new channel per test user instead of the spec's channel id:
    (the spec's id, the test's), or None when the spec names no channel id."""
    channel = content.get("channel_template")
    if not isinstance(channel, dict) or not channel.get("id"):
        return None
    fresh = f"{TEST_CHANNEL}{digest}-{{{{ receiver.id }}}}"
    content["channel_template"] = {**channel, "id": fresh}
    content["create_channels"] = True  # the test's channel does not exist yet
    return str(channel["id"]), fresh


class StreamTestSender(TestSender):
    recipient_noun = "USER_ID"

    def prepare(self, request: TestRequest) -> TestCampaign:
        from reconciler.stream.session import stream_credentials

        if any(c.strip().lower() != "all" for c in request.creatives):
            raise SendTestError("--creative is for Localytics: a Stream campaign has one "
                                "message")
        stream_credentials(request.loaded)
        return test_campaign(request, uuid.uuid4().hex if request.again else "")

    async def send(self, request: TestRequest, prepared: object) -> list[str]:
        from reconciler.calls import Caller
        from reconciler.registry import platform_of

        assert isinstance(prepared, TestCampaign)
        loaded = request.loaded
        opened = platform_of(loaded.env).open(loaded, Caller(concurrency=loaded.env.concurrency))
        async with opened as provider:
            status = await _start_once(provider, prepared, request.recipients)
        if status == STARTED:
            _record(request, prepared)
        return _report(request, prepared, status)


async def _start_once(provider: Any, test: TestCampaign, recipients: tuple[str, ...]) -> str:
    """STARTED, or ALREADY when the live campaign of that id has left draft."""
    client = provider.client
    live = await client.get_campaign(test.id)
    if live is not None and live.get("status") != "draft":
        return f"{ALREADY} ({live.get('status')})"
    if live is None:
        try:
            await client.create_campaign(test.body)
        except (ApiError, TransportError):  # a lost answer, or a run that raced us to it
            if await client.get_campaign(test.id) is None:
                raise
    stored = await client.get_campaign(test.id)
    if stored is None:
        raise SendTestError(f"test campaign {test.id} vanished after its create")
    if stored.get("status") != "draft":
        return f"{ALREADY} ({stored.get('status')})"
    if sorted(stored.get("user_ids") or []) != sorted(recipients) or stored.get("segment_ids"):
        raise SendTestError(f"test campaign {test.id} does not target exactly the test users "
                            "as Stream keeps it; not started (delete it, then run again)")
    draft = provider._campaign(stored)
    await provider.activate("campaign", draft, {"send": {"at": "now"}})
    return STARTED


def _record(request: TestRequest, test: TestCampaign) -> None:
    """A line in today's record: for people reading it; the API decides repeats."""
    from reconciler.sendtest.ledger import Ledger, Sent

    loaded = request.loaded
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    Ledger(loaded.state_dir / "sent.jsonl", request.day).add([Sent(
        day=request.day, id=test.id, env=loaded.env_name, app_id=loaded.env.app_id,
        key=request.spec.key, creative="", to=",".join(request.recipients),
        request_id=test.id, at=now)])


def _report(request: TestRequest, test: TestCampaign, status: str) -> list[str]:
    loaded, spec = request.loaded, request.spec
    text = str((spec.body.get("message_template") or {}).get("text") or "")
    to = ", ".join(plain(r) for r in request.recipients)
    state = "" if status == STARTED else ", " + status.split("(")[-1].rstrip(")")
    lines = [f"send-test campaign {plain(spec.key)} {plain(spec.name)!r} (env "
             f"{plain(loaded.env_name)}, app {plain(loaded.env.app_id)}, test campaign "
             f"{plain(test.id)}{plain(state)})",
             f"  {status.split(' (')[0]:<18} → {to}: {plain(text)}"]
    lines += [f"  left out: channel_template.{f} (other users would see the test)"
              for f in test.dropped]
    if test.channel is not None:
        lines.append(f"  channel: a new test channel {plain(test.channel[1])} per user, not "
                     f"channel_template.id {plain(test.channel[0])} (other users are in it)")
    if status == STARTED:
        lines.append(f"1 test campaign started for {len(request.recipients)} user(s); Stream "
                     "fills {{ receiver.* }} per user")
    else:
        lines.append("already sent today: nothing started; --again sends anyway")
    return lines
