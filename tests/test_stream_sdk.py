"""The official `stream-chat` SDK (sync `StreamChat` and async `StreamChatAsync`) against the
served Stream sandbox at the root of its own port (`serve --port-for stream=PORT`), as the real host.

Each scenario is written once and run with both clients (`aw` awaits what the async client
returns). The first group restates the expectations of the SDK's own integration tests
(stream_chat/tests/test_segment.py, test_campaign.py and their async twins); the rest cover
every other segment and campaign method, errors in Stream's body, and that a 400 leaves the
keep-alive connection usable. The SDK's `random_user` fixture upserts a user first; the
sandbox keeps no users (Stream does not check the sender's permissions), so a fresh id
stands in for it.
"""

from __future__ import annotations

import asyncio
import datetime
import inspect
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from stream_chat import StreamChat, StreamChatAsync
from stream_chat.base.exceptions import StreamAPIException
from stream_chat.types.base import SortOrder
from stream_chat.types.segment import SegmentType

from reconciler.sandbox.launcher import ServedProcess, start_served
from reconciler.sandbox.stream import SANDBOX_SECRET

Scenario = Callable[[Any], Awaitable[None]]


async def aw(value: Any) -> Any:
    """The async client returns coroutines, the sync one answers: one scenario serves both."""
    return await value if inspect.isawaitable(value) else value


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedProcess]:
    process = start_served(tmp_path_factory.mktemp("sdk") / "sandbox.db", ports={"stream": 0})
    try:
        yield process
    finally:
        process.stop()


def run_both(served: ServedProcess, scenario: Scenario) -> None:
    """Run `scenario` with the sync and the async client, each on a fresh app (API key)."""
    sync = StreamChat(f"sync-{uuid.uuid4().hex[:8]}", SANDBOX_SECRET, base_url=served.url("stream"))
    try:
        asyncio.run(scenario(sync))
    finally:
        sync.session.close()

    async def run_async() -> None:
        async with StreamChatAsync(f"async-{uuid.uuid4().hex[:8]}", SANDBOX_SECRET,
                                   base_url=served.url("stream")) as client:
            await scenario(client)

    asyncio.run(run_async())


def test_the_stream_port_serves_at_the_root_and_shares_the_app_with_slash_stream(
        served: ServedProcess) -> None:
    assert served.url("stream").startswith("http://127.0.0.1:") and "/stream" not in served.url("stream")
    root = StreamChat("shared", SANDBOX_SECRET, base_url=served.url("stream"))
    prefixed = StreamChat("shared", SANDBOX_SECRET, base_url=served.base_url + "/stream")
    try:
        root.create_segment(SegmentType.USER, segment_id="both")
        assert prefixed.get_segment("both")["segment"]["id"] == "both"
        with pytest.raises(StreamAPIException) as info:
            root.get("nothing/here")
        assert (info.value.status_code, info.value.error_code) == (404, 16)
    finally:
        root.session.close()
        prefixed.session.close()


# --- the SDK's own integration tests, restated --------------------------------------------

async def segment_crud(client: Any) -> None:
    segment = client.segment(SegmentType.USER, data={"name": "test_segment",
                                                      "description": "test_description"})
    created = await aw(segment.create())
    assert created.is_ok() and "id" in created["segment"] and "name" in created["segment"]
    received = await aw(segment.get())
    assert received.is_ok() and received["segment"]["name"] == created["segment"]["name"]
    updated = await aw(segment.update({"name": "updated_name",
                                       "description": "updated_description"}))
    assert updated.is_ok() and "id" in updated["segment"]
    assert updated["segment"]["name"] == "updated_name"
    assert updated["segment"]["description"] == "updated_description"
    assert (await aw(segment.delete())).is_ok()


async def segment_targets(client: Any) -> None:
    segment = client.segment(segment_type=SegmentType.USER)
    created = await aw(segment.create())
    assert created.is_ok() and "id" in created["segment"] and "name" in created["segment"]
    target_ids = [str(uuid.uuid4()) for _ in range(10)]  # as the SDK's test draws them
    assert (await aw(segment.add_targets(target_ids=target_ids))).is_ok()
    assert (await aw(segment.target_exists(target_id=target_ids[0]))).is_ok()
    first = await aw(segment.query_targets(options={"limit": 3}))
    assert first.is_ok() and "next" in first and len(first["targets"]) == 3
    second = await aw(segment.query_targets(
        filter_conditions={"target_id": {"$lte": "<user_id>"}},
        sort=[{"field": "target_id", "direction": SortOrder.DESC}],
        options={"limit": 3, "next": first["next"]}))
    assert second.is_ok() and "next" in second and len(second["targets"]) == 3
    # the cursor is bound to its query: the rest of the first one, whatever filter rides along
    assert [t["target_id"] for t in second["targets"]] == sorted(target_ids)[3:6]
    assert (await aw(segment.remove_targets(target_ids=target_ids))).is_ok()
    assert (await aw(segment.delete())).is_ok()


async def query_segments(client: Any) -> None:
    created = await aw(client.create_segment(segment_type=SegmentType.USER))
    segment_id = created["segment"]["id"]
    target_ids = [str(uuid.uuid4()) for _ in range(10)]
    assert (await aw(client.add_segment_targets(segment_id=segment_id,
                                                target_ids=target_ids))).is_ok()
    found = await aw(client.query_segments(
        filter_conditions={"id": {"$eq": segment_id}},
        sort=[{"field": "created_at", "direction": SortOrder.DESC}]))
    assert found.is_ok() and len(found["segments"]) == 1
    assert found["segments"][0]["size"] == 10
    assert (await aw(client.remove_segment_targets(segment_id=segment_id,
                                                   target_ids=target_ids))).is_ok()
    assert (await aw(client.delete_segment(segment_id=segment_id))).is_ok()


def template(segment_id: str, sender_id: str, name: str) -> dict[str, Any]:
    return {"message_template": {"text": "{Hello}"}, "segment_ids": [segment_id],
            "sender_id": sender_id, "name": name}


async def campaign_crud(client: Any) -> None:
    segment_id = (await aw(client.create_segment(segment_type=SegmentType.USER)))["segment"]["id"]
    sender_id = str(uuid.uuid4())
    campaign = client.campaign(data=template(segment_id, sender_id, "some name"))
    if isinstance(client, StreamChatAsync):  # its create(data=) replaces, sync's merges:
        created = await aw(campaign.create())  # the async SDK test sends no data here
        assert created.is_ok() and created["campaign"]["name"] == "some name"
    else:
        created = await aw(campaign.create(data={"name": "created name"}))
        assert created.is_ok() and created["campaign"]["name"] == "created name"
    received = await aw(campaign.get())
    assert received["campaign"]["name"] == created["campaign"]["name"]
    updated = await aw(campaign.update(template(segment_id, sender_id, "updated_name")))
    assert updated.is_ok() and updated["campaign"]["name"] == "updated_name"
    assert (await aw(campaign.delete())).is_ok()
    assert (await aw(client.delete_segment(segment_id=segment_id))).is_ok()


async def campaign_start_stop(client: Any) -> None:
    segment_id = (await aw(client.create_segment(segment_type=SegmentType.USER)))["segment"]["id"]
    sender_id = str(uuid.uuid4())
    assert (await aw(client.add_segment_targets(segment_id=segment_id,
                                                target_ids=[sender_id]))).is_ok()
    campaign = client.campaign(data=template(segment_id, sender_id, "some name"))
    created = await aw(campaign.create())
    assert created.is_ok() and "id" in created["campaign"] and "name" in created["campaign"]
    now = datetime.datetime.now(datetime.UTC)
    started = await aw(campaign.start(scheduled_for=now + datetime.timedelta(hours=1),
                                      stop_at=now + datetime.timedelta(hours=2)))
    assert started.is_ok() and started["campaign"]["status"] == "scheduled"
    stopped = await aw(campaign.stop())
    assert stopped.is_ok() and stopped["campaign"]["status"] == "stopped"
    assert "id" in stopped["campaign"] and "name" in stopped["campaign"]
    assert (await aw(campaign.delete())).is_ok()
    await aw(client.delete_segment(segment_id=segment_id))


async def query_campaigns(client: Any) -> None:
    segment_id = (await aw(client.create_segment(segment_type=SegmentType.USER)))["segment"]["id"]
    sender_id = str(uuid.uuid4())
    await aw(client.add_segment_targets(segment_id=segment_id, target_ids=[sender_id]))
    created = await aw(client.create_campaign(data=template(segment_id, sender_id, "some name")))
    campaign_id = created["campaign"]["id"]
    found = await aw(client.query_campaigns(
        filter_conditions={"id": {"$eq": campaign_id}},
        sort=[{"field": "created_at", "direction": SortOrder.DESC}], options={"limit": 10}))
    assert found.is_ok() and [c["id"] for c in found["campaigns"]] == [campaign_id]
    assert (await aw(client.delete_campaign(campaign_id=campaign_id))).is_ok()
    assert (await aw(client.delete_segment(segment_id=segment_id))).is_ok()


@pytest.mark.parametrize("scenario", [segment_crud, segment_targets, query_segments,
                                      campaign_crud, campaign_start_stop, query_campaigns])
def test_the_sdks_own_integration_expectations(served: ServedProcess, scenario: Scenario
                                               ) -> None:
    run_both(served, scenario)


# --- every other method ----------------------------------------------------------------------

async def every_client_method(client: Any) -> None:
    """The client-level methods the scenarios above leave out, with answers checked."""
    seg = await aw(client.create_segment(SegmentType.CHANNEL, segment_id="chan",
                                         data={"name": "Channels", "all_sender_channels": True}))
    assert seg["segment"]["type"] == "channel" and seg["segment"]["all_sender_channels"] is True
    got = await aw(client.get_segment("chan"))
    assert got["segment"]["size"] == 0 and got["segment"]["filter"] is None
    upd = await aw(client.update_segment("chan", {"description": "all of them"}))
    assert upd["segment"]["description"] == "all of them" and upd["segment"]["name"] == "Channels"
    users = await aw(client.create_segment(SegmentType.USER, segment_id="users"))
    await aw(client.add_segment_targets("users", ["u1", "u2", "u3"]))
    assert (await aw(client.segment_target_exists("users", "u2"))).is_ok()
    rows = await aw(client.query_segment_targets("users", {"target_id": {"$in": ["u1", "u3"]}}))
    assert [(t["target_id"], bool(t["created_at"])) for t in rows["targets"]] == [
        ("u1", True), ("u3", True)]
    camp = await aw(client.create_campaign("c1", {"message_template": {"text": "Hi"},
                                                  "sender_id": "bot", "user_ids": ["u1"]}))
    assert camp["campaign"]["id"] == "c1" and camp["campaign"]["users"][0]["id"] == "u1"
    assert (await aw(client.get_campaign("c1")))["campaign"]["status"] == "draft"
    put = await aw(client.update_campaign("c1", {"message_template": {"text": "Hello"},
                                                 "sender_id": "bot",
                                                 "segment_ids": [users["segment"]["id"]]}))
    assert put["campaign"]["segment_ids"] == ["users"] and put["campaign"]["user_ids"] == []
    assert (await aw(client.test_campaign("c1", ["u1"]))).is_ok()
    assert (await aw(client.start_campaign("c1")))["campaign"]["status"] in (
        "in_progress", "completed")
    httpx.post(f"{client.base_url}/_sandbox/config", timeout=10,  # Stream's sender finishes
               json={"api_key": client.api_key, "advance": 60}).raise_for_status()
    assert (await aw(client.get_campaign("c1")))["campaign"]["status"] == "completed"
    with pytest.raises(StreamAPIException) as info:
        await aw(client.stop_campaign("c1"))
    assert (info.value.status_code, info.value.error_code) == (400, 4)
    assert (await aw(client.query_campaigns({"segments": {"$in": ["users"]}})))["campaigns"]
    await aw(client.remove_segment_targets("users", ["u2"]))
    with pytest.raises(StreamAPIException) as info:
        await aw(client.segment_target_exists("users", "u2"))
    assert (info.value.status_code, info.value.error_code) == (404, 16)
    await aw(client.delete_campaign("c1"))
    await aw(client.delete_segment("chan"))
    assert (await aw(client.query_segments({}))).get("segments") == [
        (await aw(client.get_segment("users")))["segment"]]


def test_every_client_method(served: ServedProcess) -> None:
    run_both(served, every_client_method)


SCENARIOS = (segment_crud, segment_targets, query_segments, campaign_crud, campaign_start_stop,
             query_campaigns, every_client_method)


@pytest.mark.parametrize("cls", [StreamChat, StreamChatAsync])
def test_the_scenarios_call_every_segment_and_campaign_method(cls: type) -> None:
    """A method the SDK adds later fails this until a scenario calls it."""
    names = {n for n in dir(cls) if ("segment" in n or "campaign" in n) and not n.startswith("_")}
    source = "\n".join(inspect.getsource(s) for s in SCENARIOS)
    assert names and {n for n in names if f"{n}(" not in source} == set()
    for obj, methods in (("segment", ("create", "get", "update", "delete", "target_exists",
                                      "add_targets", "query_targets", "remove_targets")),
                         ("campaign", ("create", "get", "update", "delete", "start", "stop"))):
        assert all(f"{obj}.{m}(" in source for m in methods)


# --- errors -----------------------------------------------------------------------------------

async def bad_inputs(client: Any) -> None:
    """Malformed input is a 400 in Stream's body, and the next request on the connection works."""
    await aw(client.create_segment(SegmentType.USER, segment_id="s"))
    await aw(client.create_campaign("c", {"message_template": {"text": "x"}, "sender_id": "b"}))
    bad: list[Callable[[], Any]] = [
        lambda: client.start_campaign("c", scheduled_for="next tuesday"),
        lambda: client.start_campaign("c", stop_at="2026-13-45T99:00:00Z"),
        lambda: client.create_campaign("d", {"message_template": "hi", "sender_id": "b"}),
        lambda: client.query_segments(filter_conditions=[{"id": "s"}]),
        lambda: client.query_campaigns(filter_conditions={"id": {"$regex": "s"}}),
        lambda: client.query_segment_targets("s", sort=[{"field": "x", "direction": 1}]),
        lambda: client.query_campaigns(options={"next": "not-a-cursor"}),
        lambda: client.update_segment("s", {"name": 5}),
    ]
    for call in bad:
        with pytest.raises(StreamAPIException) as info:
            await aw(call())
        assert (info.value.status_code, info.value.error_code) == (400, 4), info.value
        assert (await aw(client.get_segment("s"))).is_ok()
    assert (await aw(client.get_campaign("c")))["campaign"]["status"] == "draft"


def test_malformed_input_is_a_400_in_streams_body(served: ServedProcess) -> None:
    run_both(served, bad_inputs)
