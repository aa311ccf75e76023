"""`reconciler send-test` on Stream: a test campaign to test users, started at most once a day.

The real CLI against the served sandbox's /stream API; the official `stream-chat`
SDK reads the test campaign back, as a person checking the dashboard would.
"""

from __future__ import annotations

from typing import Any

import pytest
from stream_chat import StreamChat

from reconciler.sandbox.stream import SANDBOX_SECRET
from tests.stream_repo import StreamRepo, segment, stream_campaign


def on_stream(repo: StreamRepo, **extra: Any) -> StreamRepo:
    repo.env_extra = {"test_recipients": ["alice", "bob"], **extra}
    repo.write_config()
    repo.put("segment", "norway", segment("Norway"))
    repo.put("campaign", "hello", stream_campaign(
        "Hello", ["norway"], text="Hi {{ receiver.name }} from {{ vars.store_name }}",
        send={"at": "now"}))
    return repo


def campaigns(repo: StreamRepo) -> list[dict[str, Any]]:
    with repo.stream() as api:
        return api.post("/campaigns/query", json={"filter": {}}).json()[  # type: ignore[no-any-return]
            "campaigns"]


def test_twice_the_same_day_is_one_campaign_started_once(stream_repo: StreamRepo) -> None:
    repo = on_stream(stream_repo)
    first = repo.run("send-test", "hello")
    assert first.code == 0, first.stderr
    [test] = campaigns(repo)
    cid = test["id"]
    assert cid.startswith("rcl--test-hello-") and cid in first.stdout
    assert "started            → alice, bob: Hi {{ receiver.name }} from Acme" in first.stdout
    assert test["user_ids"] == ["alice", "bob"] and test["segment_ids"] == []
    assert test["message_template"]["text"] == "Hi {{ receiver.name }} from Acme"
    assert test["status"] != "draft"

    repo.knobs(advance=60)  # Stream's sender finishes: the app's clock, not the machine's speed
    again = repo.run("send-test", "hello")
    assert again.code == 0, again.stderr
    assert f"test campaign {cid}, completed)" in again.stdout
    assert again.stdout.endswith("already sent today: nothing started; --again sends anyway\n")
    assert repo.starts() == {cid: 1}
    assert [c["id"] for c in campaigns(repo)] == [cid]

    # the official SDK reads it back as Stream keeps it
    sdk = StreamChat(repo.stream_key, SANDBOX_SECRET, base_url=repo.api_url)
    try:
        read = sdk.get_campaign(cid)["campaign"]
    finally:
        sdk.session.close()
    assert read["user_ids"] == ["alice", "bob"] and not read["segment_ids"]
    assert read["sender_id"] == "bot" and read["name"] == "send-test: Hello"

    # plan neither creates, adopts nor prunes it: it is not there for plan at all
    repo.env_extra["prune"] = True
    repo.write_config()
    plan = repo.plan()
    assert plan.code == 0, plan.stderr
    assert cid not in plan.stdout
    assert all(c.get("live_id") != cid for c in plan.json["changes"])
    applied = repo.apply()
    assert applied.code == 0, applied.stderr
    assert cid in {c["id"] for c in campaigns(repo)}
    assert repo.starts()[cid] == 1


def test_new_content_or_other_users_is_a_new_test_campaign(stream_repo: StreamRepo) -> None:
    repo = on_stream(stream_repo)
    assert repo.run("send-test", "hello").code == 0
    repo.put("campaign", "hello", stream_campaign("Hello", ["norway"], text="Hej {{ receiver.name }}"))
    edited = repo.run("send-test", "hello")
    assert edited.code == 0, edited.stderr
    assert "started" in edited.stdout
    carol = repo.run("send-test", "hello", "--to", "carol")
    assert carol.code == 0 and "→ carol:" in carol.stdout
    forced = repo.run("send-test", "hello", "--to", "carol", "--again")
    assert forced.code == 0 and "started" in forced.stdout
    found = {c["id"]: c for c in campaigns(repo)}
    assert len(found) == 4 and set(repo.starts().values()) == {1}
    texts = sorted(c["message_template"]["text"] for c in found.values())
    assert texts == ["Hej {{ receiver.name }}"] * 3 + ["Hi {{ receiver.name }} from Acme"]
    assert sorted(tuple(c["user_ids"]) for c in found.values()) == [
        ("alice", "bob"), ("alice", "bob"), ("carol",), ("carol",)]


def test_channel_members_stay_out_of_a_test(stream_repo: StreamRepo) -> None:
    repo = on_stream(stream_repo)
    repo.put("campaign", "hello", stream_campaign(
        "Hello", ["norway"], create_channels=True,
        channel_template={"type": "messaging", "id": "hi-{{ receiver.id }}",
                          "members": ["support-agent"]}))
    run = repo.run("send-test", "hello")
    assert run.code == 0, run.stderr
    assert "left out: channel_template.members (other users would see the test)" in run.stdout
    [test] = campaigns(repo)
    assert set(test["channel_template"]) == {"type", "id"}
    assert test["create_channels"] is True and test["user_ids"] == ["alice", "bob"]


@pytest.mark.parametrize(("create", "channel"), [
    (None, {"type": "messaging", "id": "general"}),  # an existing channel of real users
    (True, {"type": "messaging", "id": "hi-{{ receiver.id }}"}),  # each receiver's own
])
def test_a_test_never_posts_into_a_channel_the_spec_names(
        stream_repo: StreamRepo, create: bool | None, channel: dict[str, Any]) -> None:
    repo = on_stream(stream_repo)
    repo.put("campaign", "hello", stream_campaign("Hello", ["norway"], create_channels=create,
                                                  channel_template=channel))
    run = repo.run("send-test", "hello")
    assert run.code == 0, run.stderr
    [test] = campaigns(repo)
    fresh = test["channel_template"]["id"]
    assert fresh != channel["id"] and fresh.endswith("-{{ receiver.id }}")
    assert fresh.startswith("rcl-test-" + test["id"].rsplit("-", 1)[1])  # named for the test
    assert test["channel_template"]["type"] == "messaging" and test["create_channels"] is True
    assert (f"  channel: a new test channel {fresh} per user, not channel_template.id "
            f"{channel['id']} (other users are in it)") in run.stdout

    again = repo.run("send-test", "hello", "--again")  # a new test: a new channel too
    assert again.code == 0, again.stderr
    ids = {c["channel_template"]["id"] for c in campaigns(repo)}
    assert len(ids) == 2 and channel["id"] not in ids


def test_a_lost_start_answer_is_read_back_not_started_again(stream_repo: StreamRepo) -> None:
    repo = on_stream(stream_repo)
    repo.knobs(drop={"start": 1})  # start is performed, then its answer is lost
    run = repo.run("send-test", "hello")
    assert run.code == 0, run.stderr
    assert set(repo.starts().values()) == {1}


def test_a_lost_create_answer_is_found_by_its_id(stream_repo: StreamRepo) -> None:
    repo = on_stream(stream_repo)
    repo.knobs(drop={"create-campaign": 1})
    run = repo.run("send-test", "hello")
    assert run.code == 0, run.stderr
    assert len(campaigns(repo)) == 1 and set(repo.starts().values()) == {1}


DEAD = "http://127.0.0.1:9"  # nothing listens: any call would end in a connection error


@pytest.mark.parametrize(("extra", "args", "message"), [
    ({"test_recipients": []}, (), "error: no recipients: pass --to USER_ID or set "
                                  "test_recipients in env 'test'"),
    ({}, ("--creative", "B"), "error: --creative is for Localytics"),
    ({}, ("--to", " x"), "error: --to ' x': a user id must be non-empty"),
    ({}, ("--env", "test"), "error: env 'test' needs its secret: set STREAM_API_SECRET"),
])
def test_bad_input_is_one_line_and_no_call(stream_repo: StreamRepo, extra: dict[str, Any],
                                           args: tuple[str, ...], message: str) -> None:
    repo = stream_repo
    repo.api_url = DEAD
    on_stream(repo, **extra)
    env = {"STREAM_API_SECRET": ""} if "--env" in args else {}
    run = repo.run("send-test", "hello", *args, env=env)
    assert run.code == 1
    assert run.stderr.startswith(message) and len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr


def test_good_input_on_the_dead_url_does_call(stream_repo: StreamRepo) -> None:
    """What makes 'no call' above mean something: a call there fails differently."""
    repo = stream_repo
    repo.api_url = DEAD
    run = on_stream(repo).run("send-test", "hello")
    assert run.code == 1 and "127.0.0.1:9" in run.stderr and "recipients" not in run.stderr


def test_a_pinned_id_cannot_take_the_test_prefix(stream_repo: StreamRepo) -> None:
    repo = on_stream(stream_repo)
    repo.put("campaign", "hello", stream_campaign("Hello", ["norway"], id="rcl--test-x"))
    run = repo.run("validate")
    assert run.code == 1 and "are send-test campaigns" in run.stderr
