"""Stream Chat through the same plan and apply, over real HTTP to the served sandbox."""

from __future__ import annotations

import time

from tests.repo import by_action
from tests.stream_repo import StreamRepo, segment, stream_campaign


def test_create_noop_update_drift_send_then_immutable(stream_repo: StreamRepo) -> None:
    repo = stream_repo
    repo.put("segment", "norway", segment("Norway"))
    repo.put("campaign", "hello", stream_campaign("Hello", ["norway"],
                                                  text="Hi {{ receiver.name }} from {{ vars.store_name }}"))
    first = repo.plan()
    assert first.code == 0, first.stderr
    assert by_action(first.json) == {"create": ["segment:norway", "campaign:hello"]}
    hello = first.json["changes"][1]
    assert hello["depends_on"] == ["segment:norway"] and hello["go_live"] is False

    applied = repo.apply()
    assert applied.code == 0, applied.stderr
    assert {r["live_id"] for r in applied.json["results"]} == {"rcl-norway", "rcl-hello"}
    live = repo.campaign("rcl-hello")
    assert live["status"] == "draft"
    assert live["message_template"]["text"] == "Hi {{ receiver.name }} from Acme"  # verbatim
    assert live["segment_ids"] == ["rcl-norway"]

    assert repo.plan("--detailed-exitcode").code == 0  # noop

    repo.put("campaign", "hello", stream_campaign("Hello", ["norway"], text="Hej {{ receiver.name }}"))
    edited = repo.plan("--detailed-exitcode")
    assert edited.code == 2
    change = edited.json["changes"][1]
    assert change["action"] == "update" and change["live_id"] == "rcl-hello"
    assert [d["path"] for d in change["diff"]] == ["message_template.text"]
    assert repo.apply().code == 0
    assert repo.campaign("rcl-hello")["message_template"]["text"] == "Hej {{ receiver.name }}"

    with repo.stream() as api:  # drift: someone edits the draft by hand
        body = {**stream_campaign("Hello", []), "segment_ids": ["rcl-norway"],
                "message_template": {"text": "edited by hand"}}
        del body["segments"]
        assert api.put("/campaigns/rcl-hello", json=body).status_code < 300
    drift = repo.plan("--detailed-exitcode")
    assert drift.code == 2
    assert drift.json["changes"][1]["diff"][0]["before"] == "edited by hand"

    repo.put("campaign", "hello", stream_campaign("Hello", ["norway"], text="Hej {{ receiver.name }}",
                                                  send={"at": "now"}))
    going = repo.plan("--detailed-exitcode")
    assert going.code == 2
    hello = going.json["changes"][1]
    assert hello["go_live"] is True
    assert hello["reach"]["user_count"] > 0  # the segment's size
    text = repo.run("plan").stdout
    assert "GOES LIVE campaign hello" in text

    sent = repo.apply()
    assert sent.code == 0, sent.stderr
    assert repo.starts() == {"rcl-hello": 1}
    assert repo.campaign("rcl-hello")["status"] in ("scheduled", "in_progress", "completed")
    assert repo.plan("--detailed-exitcode").code == 0  # sent and unchanged: nothing to do

    repo.put("campaign", "hello", stream_campaign("Hello", ["norway"], text="Again!",
                                                  send={"at": "now"}))
    frozen = repo.plan()
    assert frozen.code == 1
    (error,) = frozen.json["errors"]  # one error entry; the rest of the plan is there
    assert error["path"].startswith("campaigns/hello.yaml:")
    assert "create a new campaign key" in error["message"]
    assert repo.apply().code == 1
    assert repo.starts() == {"rcl-hello": 1}


def test_segment_type_change_is_a_replace_and_targets_sync_in_batches(
        stream_repo: StreamRepo) -> None:
    repo = stream_repo
    many = [f"user-{i:03d}" for i in range(250)]
    repo.put("segment", "list", segment("Listed", target_ids=many))
    assert repo.apply().code == 0
    with repo.stream() as api:
        assert api.get("/segments/rcl-list").json()["segment"]["size"] == 250
    assert repo.plan("--detailed-exitcode").code == 0

    kept = many[200:] + ["newcomer"]  # 200 removals: two deletetargets calls of ≤100
    repo.put("segment", "list", segment("Listed", target_ids=kept))
    plan = repo.plan().json["changes"][0]
    assert plan["action"] == "update" and plan["warnings"] == []
    assert repo.apply().code == 0
    with repo.stream() as api:
        rows = api.post("/segments/rcl-list/targets/query", json={"limit": 1000}).json()
    assert [r["target_id"] for r in rows["targets"]] == sorted(kept)

    repo.put("segment", "list", {"type": "user", "name": "Listed", "all_users": True})
    replace = repo.plan().json["changes"][0]
    assert replace["action"] == "update"
    assert any(w.startswith("replace:") for w in replace["warnings"])
    assert repo.apply().code == 0
    with repo.stream() as api:
        assert api.get("/segments/rcl-list").json()["segment"]["all_users"] is True
    assert repo.plan("--detailed-exitcode").code == 0


def test_removing_specs_never_deletes_a_sent_campaign(stream_repo: StreamRepo) -> None:
    repo = stream_repo
    repo.env_extra = {"prune": True}
    repo.write_config()
    repo.put("segment", "s", segment("S"))
    repo.put("campaign", "sent", stream_campaign("Sent", ["s"], send={"at": "now"}))
    repo.put("campaign", "draft", stream_campaign("Draft", ["s"]))
    repo.put("campaign", "keep", stream_campaign("Keep", ["s"]))
    assert repo.apply().code == 0
    repo.remove("campaign", "sent")
    repo.remove("campaign", "draft")
    plan = repo.plan().json
    assert by_action(plan).get("delete") == ["campaign:rcl-draft"]
    assert [u["live_id"] for u in plan["unmanaged"]] == ["rcl-sent"]
    assert repo.apply().code == 0
    assert repo.campaign("rcl-sent")["status"] != "draft"


def test_scheduled_send_and_status_transitions(stream_repo: StreamRepo) -> None:
    repo = stream_repo
    repo.put("segment", "s", segment("S", all_users=True))
    later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    repo.put("campaign", "c", stream_campaign("C", ["s"], send={"at": later}))
    assert repo.apply().code == 0
    live = repo.campaign("rcl-c")
    assert live["status"] == "scheduled" and live["scheduled_for"].startswith(later[:16])
    with repo.stream() as api:
        assert api.post("/campaigns/rcl-c/stop", json={}).json()["campaign"]["status"] == "stopped"
        again = api.post("/campaigns/rcl-c/start", json={})
    assert again.status_code == 400 and again.json()["unrecoverable"] is True


def test_same_names_are_not_identity_even_for_saved_plans(stream_repo: StreamRepo) -> None:
    repo = stream_repo
    with repo.stream() as api:  # someone else's segment, with the name our spec uses
        api.post("/segments", json={"id": "theirs", "type": "user", "name": "Shared",
                                    "all_users": True}).raise_for_status()
    repo.put("segment", "ours", segment("Shared"))
    saved = repo.root / "plan.json"
    planned = repo.run("plan", "--out", str(saved), "--format", "json")
    assert by_action(planned.json) == {"create": ["segment:ours"]}
    assert [u["live_id"] for u in planned.json["unmanaged"]] == ["theirs"]
    applied = repo.run("apply", str(saved), "--auto-approve", "--format", "json")
    assert applied.code == 0, applied.stderr
    assert repo.apply().json["summary"]["applied"] == 0


def test_removing_a_description_and_switching_filter_to_targets_stick(
        stream_repo: StreamRepo) -> None:
    """An update used to send only fields with values: removals reported "applied", changed
    nothing, and every later plan showed the same update."""
    repo = stream_repo
    norway = {"country": {"$eq": "NO"}}
    repo.put("segment", "vip", segment("VIP", filter=norway, description="Big spenders"))
    assert repo.apply().code == 0

    repo.put("segment", "vip", segment("VIP", filter=norway))  # description removed
    change = repo.plan().json["changes"][0]
    assert change["action"] == "update" and change["warnings"] == []
    assert repo.apply().code == 0
    with repo.stream() as api:
        live = api.get("/segments/rcl-vip").json()["segment"]
    assert live["description"] == "" and live["filter"] == norway
    assert repo.plan("--detailed-exitcode").code == 0

    repo.put("segment", "vip", segment("VIP", target_ids=["u1", "u2"]))  # filter -> targets
    change = repo.plan().json["changes"][0]
    assert any(w.startswith("replace:") for w in change["warnings"])
    assert repo.apply().code == 0
    with repo.stream() as api:
        live = api.get("/segments/rcl-vip").json()["segment"]
        rows = api.post("/segments/rcl-vip/targets/query", json={}).json()["targets"]
    assert live["filter"] is None and [r["target_id"] for r in rows] == ["u1", "u2"]
    assert repo.plan("--detailed-exitcode").code == 0
