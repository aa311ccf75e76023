"""The official `stream-chat` SDK's own segment and campaign integration tests, as calls
against the served Stream sandbox, 10 runs (seeds) of all of them; plus the cursor contract
those tests rely on, and a channel template Stream forbids.

The call sequences and assertions are those of `stream_chat/tests/test_segment.py` and
`test_campaign.py` (GetStream/stream-chat-python), rewritten here: the SDK draws its target
and user ids from `uuid4`, and about half of such draws once made `test_segment_targets` fail
(its second page sends the first page's `next` with another filter and sort, and expects the
rest of the first query: 3 targets and a `next`). Each seed here draws the ids from its own
RNG, so a failing run is reproducible.
"""

from __future__ import annotations

import datetime
import random
import uuid
from collections.abc import Callable, Iterator

import pytest
from stream_chat import StreamChat
from stream_chat.base.exceptions import StreamAPIException
from stream_chat.types.base import SortOrder
from stream_chat.types.segment import SegmentType

from reconciler.sandbox.launcher import ServedProcess, start_served
from reconciler.sandbox.stream import SANDBOX_SECRET

RUNS = range(10)
NewId = Callable[[], str]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedProcess]:
    process = start_served(tmp_path_factory.mktemp("sdkruns") / "sandbox.db", ports={"stream": 0})
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def client(served: ServedProcess) -> Iterator[StreamChat]:
    sdk = StreamChat(f"runs-{uuid.uuid4().hex[:8]}", SANDBOX_SECRET, base_url=served.url("stream"))
    try:
        yield sdk
    finally:
        sdk.session.close()


def seeded_ids(seed: int) -> NewId:
    rng = random.Random(seed)
    return lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))


def segment_crud(client: StreamChat) -> None:
    segment = client.segment(SegmentType.USER, data={"name": "test_segment",
                                                      "description": "test_description"})
    created = segment.create()
    assert created.is_ok() and "id" in created["segment"] and "name" in created["segment"]
    received = segment.get()
    assert received.is_ok() and received["segment"]["name"] == created["segment"]["name"]
    updated = segment.update({"name": "updated_name", "description": "updated_description"})
    assert updated.is_ok() and updated["segment"]["name"] == "updated_name"
    assert updated["segment"]["description"] == "updated_description"
    assert segment.delete().is_ok()


def segment_targets(client: StreamChat, new_id: NewId) -> None:
    segment = client.segment(segment_type=SegmentType.USER)
    created = segment.create()
    assert created.is_ok() and "id" in created["segment"] and "name" in created["segment"]
    target_ids = [new_id() for _ in range(10)]
    assert segment.add_targets(target_ids=target_ids).is_ok()
    assert segment.target_exists(target_id=target_ids[0]).is_ok()
    first = segment.query_targets(options={"limit": 3})
    assert first.is_ok() and "next" in first and len(first["targets"]) == 3
    second = segment.query_targets(
        filter_conditions={"target_id": {"$lte": "<user_id>"}},
        sort=[{"field": "target_id", "direction": SortOrder.DESC}],
        options={"limit": 3, "next": first["next"]})
    assert second.is_ok() and "next" in second and len(second["targets"]) == 3
    assert segment.remove_targets(target_ids=target_ids).is_ok()
    assert segment.delete().is_ok()


def query_segments(client: StreamChat, new_id: NewId) -> None:
    created = client.create_segment(segment_type=SegmentType.USER)
    segment_id = created["segment"]["id"]
    target_ids = [new_id() for _ in range(10)]
    assert client.add_segment_targets(segment_id=segment_id, target_ids=target_ids).is_ok()
    found = client.query_segments(filter_conditions={"id": {"$eq": segment_id}},
                                  sort=[{"field": "created_at", "direction": SortOrder.DESC}])
    assert found.is_ok() and len(found["segments"]) == 1
    assert client.remove_segment_targets(segment_id=segment_id, target_ids=target_ids).is_ok()
    assert client.delete_segment(segment_id=segment_id).is_ok()


def template(segment_id: str, sender_id: str) -> dict[str, object]:
    return {"message_template": {"text": "{Hello}"}, "segment_ids": [segment_id],
            "sender_id": sender_id, "name": "some name"}


def campaign_crud(client: StreamChat, new_id: NewId) -> None:
    segment_id = client.create_segment(segment_type=SegmentType.USER)["segment"]["id"]
    sender_id = new_id()  # the SDK's random_user; the sandbox keeps no users
    campaign = client.campaign(data=template(segment_id, sender_id))
    created = campaign.create(data={"name": "created name"})
    assert created.is_ok() and created["campaign"]["name"] == "created name"
    received = campaign.get()
    assert received.is_ok() and received["campaign"]["name"] == created["campaign"]["name"]
    updated = campaign.update({**template(segment_id, sender_id), "name": "updated_name"})
    assert updated.is_ok() and updated["campaign"]["name"] == "updated_name"
    assert campaign.delete().is_ok()
    assert client.delete_segment(segment_id=segment_id).is_ok()


def campaign_start_stop(client: StreamChat, new_id: NewId) -> None:
    segment_id = client.create_segment(segment_type=SegmentType.USER)["segment"]["id"]
    sender_id = new_id()
    assert client.add_segment_targets(segment_id=segment_id, target_ids=[sender_id]).is_ok()
    campaign = client.campaign(data=template(segment_id, sender_id))
    created = campaign.create()
    assert created.is_ok() and "id" in created["campaign"] and "name" in created["campaign"]
    one_hour_later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    started = campaign.start(scheduled_for=one_hour_later)
    assert started.is_ok() and "id" in started["campaign"] and "name" in started["campaign"]
    stopped = campaign.stop()
    assert stopped.is_ok() and "id" in stopped["campaign"] and "name" in stopped["campaign"]
    assert campaign.delete().is_ok()
    client.delete_segment(segment_id=segment_id)


def query_campaigns(client: StreamChat, new_id: NewId) -> None:
    segment_id = client.create_segment(segment_type=SegmentType.USER)["segment"]["id"]
    sender_id = new_id()
    assert client.add_segment_targets(segment_id=segment_id, target_ids=[sender_id]).is_ok()
    created = client.create_campaign(data=template(segment_id, sender_id))
    campaign_id = created["campaign"]["id"]
    found = client.query_campaigns(filter_conditions={"id": {"$eq": campaign_id}},
                                   sort=[{"field": "created_at", "direction": SortOrder.DESC}],
                                   options={"limit": 10})
    assert found.is_ok() and len(found["campaigns"]) == 1
    assert found["campaigns"][0]["id"] == campaign_id
    assert client.delete_campaign(campaign_id=campaign_id).is_ok()
    assert client.delete_segment(segment_id=segment_id).is_ok()


@pytest.mark.parametrize("seed", RUNS)
def test_the_sdks_segment_and_campaign_integration_tests_pass(client: StreamChat, seed: int
                                                              ) -> None:
    new_id = seeded_ids(seed)
    segment_crud(client)
    segment_targets(client, new_id)
    query_segments(client, new_id)
    campaign_crud(client, new_id)
    campaign_start_stop(client, new_id)
    query_campaigns(client, new_id)


# --- the cursor contract the SDK's test relies on ------------------------------------------

def test_a_two_page_walk_is_the_rest_of_the_same_query_and_the_last_page_has_no_next(
        client: StreamChat) -> None:
    targets = [f"u{i:02d}" for i in range(7)]
    client.create_segment(SegmentType.USER, segment_id="walk")
    client.add_segment_targets("walk", targets)
    first = client.query_segment_targets("walk", {"target_id": {"$gte": "u02"}},
                                         options={"limit": 3})
    assert [t["target_id"] for t in first["targets"]] == targets[2:5] and "next" in first
    rest = client.query_segment_targets("walk", {"target_id": {"$lte": "u00"}},
                                        [{"field": "target_id", "direction": -1}],
                                        options={"limit": 3, "next": first["next"]})
    assert [t["target_id"] for t in rest["targets"]] == targets[5:]  # the first query's rest
    assert "next" not in rest and "prev" in rest
    back = client.query_segment_targets("walk", options={"limit": 3, "prev": rest["prev"]})
    assert [t["target_id"] for t in back["targets"]] == targets[2:5]
    exact = client.query_segment_targets("walk", options={"limit": 7})
    assert len(exact["targets"]) == 7 and "next" not in exact  # a full last page: no next


def test_a_cursor_of_another_query_is_refused(client: StreamChat) -> None:
    for sid in ("one", "two"):
        client.create_segment(SegmentType.USER, segment_id=sid)
        client.add_segment_targets(sid, ["a", "b", "c"])
    first = client.query_segment_targets("one", options={"limit": 1})
    with pytest.raises(StreamAPIException) as info:
        client.query_segment_targets("two", options={"limit": 1, "next": first["next"]})
    assert (info.value.status_code, info.value.error_code) == (400, 4)


def test_members_with_members_template_is_refused_in_streams_error_shape(
        client: StreamChat) -> None:
    channel = {"type": "messaging", "members": ["a"], "members_template": [{"user_id": "b"}]}
    with pytest.raises(StreamAPIException) as info:
        client.create_campaign("both", {"message_template": {"text": "x"}, "sender_id": "s",
                                        "create_channels": True, "channel_template": channel})
    assert (info.value.status_code, info.value.error_code) == (400, 4)
    assert "members_template" in info.value.error_message
    for one in ({"members": ["a"]}, {"members_template": [{"user_id": "b"}]}):
        created = client.create_campaign(f"one-{len(one)}-{next(iter(one))}", {
            "message_template": {"text": "x"}, "sender_id": "s", "create_channels": True,
            "channel_template": {"type": "messaging", **one}})
        assert created.is_ok()
