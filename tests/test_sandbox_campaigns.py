"""Push campaigns over real HTTP: create, read, replace, archive, delete, validation."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from tests.sandbox_helpers import api_client, audience_body, campaign_body, fields


@pytest.fixture
def client(sandbox_server, sandbox_app):
    with api_client(sandbox_server, sandbox_app) as c:
        yield c


def test_create_answers_params_with_server_fields(client: httpx.Client) -> None:
    r = client.post("/push/campaigns", json=campaign_body())
    assert r.status_code == 201
    body = r.json()
    assert isinstance(body["id"], int)
    assert body["name"] == "Spring sale"
    assert body["audiences"] == {"campaign_type": "everyone", "control_group_percent": 0}
    assert body["schedule"]["on_schedule"]["begin_date"] == "2026-12-01T09:00:00.000Z"
    [creative] = body["creatives"]
    assert creative["letter"] == "A" and isinstance(creative["id"], int)
    assert creative["percent"] == 100
    assert body["created_at"].endswith("Z") and body["updated_at"] == body["created_at"]
    assert client.get(f"/push/campaigns/{body['id']}").json() == body


def test_several_creatives_get_letters_and_percents_must_sum_to_100(client) -> None:
    creatives = [
        {"title": "A", "percent": 60, "build_attributes": {"push_message": "a"}},
        {"title": "B", "percent": 40, "build_attributes": {"push_title": "b"}},
    ]
    r = client.post("/push/campaigns", json=campaign_body(creatives=creatives))
    assert r.status_code == 201
    assert [(c["letter"], c["percent"]) for c in r.json()["creatives"]] == [("A", 60), ("B", 40)]
    assert len({c["id"] for c in r.json()["creatives"]}) == 2
    creatives[1]["percent"] = 30
    bad = client.post("/push/campaigns", json=campaign_body(creatives=creatives))
    assert bad.status_code == 422 and "creatives" in fields(bad)


def test_dates_are_answered_as_utc_instants(client) -> None:
    body = campaign_body(schedule={"recurring": {
        "begin_date": "2026-12-01T10:00:00+01:00", "end_date": "2027-01-01",
        "intervals": [{"interval": "weekly", "day_of_week": "monday"}, {"interval": "every day"}],
        "frequency_attributes": [{"name": "messages_per_days", "count": 1, "days": 7,
                                  "messages_atleast_days_apart": 1}],
    }})
    recurring = client.post("/push/campaigns", json=body).json()["schedule"]["recurring"]
    assert recurring["begin_date"] == "2026-12-01T09:00:00.000Z"
    assert recurring["end_date"] == "2027-01-01T00:00:00.000Z"
    assert [i["interval_start"] for i in recurring["intervals"]] == [recurring["begin_date"]] * 2
    optimized = campaign_body(schedule={"optimized": {"fallback_time": "2026-12-01T09:00:00Z"}})
    answer = client.post("/push/campaigns", json=optimized).json()
    assert answer["schedule"]["optimized"]["fallback_time"] == "2026-12-01T09:00:00.000Z"


def test_put_replaces_and_moves_updated_at(client) -> None:
    created = client.post("/push/campaigns", json=campaign_body()).json()
    replaced = campaign_body("Renamed", status="active", conversion_event={"event_name": "Buy"})
    r = client.put(f"/push/campaigns/{created['id']}", json=replaced)
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == created["id"] and body["name"] == "Renamed"
    assert body["conversion_event"] == {"event_name": "Buy"}
    assert body["created_at"] == created["created_at"]
    assert body["updated_at"] > created["updated_at"]
    assert body["creatives"][0]["id"] == created["creatives"][0]["id"]
    assert client.put("/push/campaigns/999999", json=replaced).status_code == 404


def test_delete_is_refused_while_active(client) -> None:
    active = client.post("/push/campaigns", json=campaign_body(status="active")).json()
    r = client.delete(f"/push/campaigns/{active['id']}")
    assert r.status_code == 403 and r.json()["error"]
    draft = client.post("/push/campaigns", json=campaign_body()).json()
    assert client.delete(f"/push/campaigns/{draft['id']}").status_code == 204
    assert client.get(f"/push/campaigns/{draft['id']}").status_code == 404
    assert client.delete(f"/push/campaigns/{draft['id']}").status_code == 404


def test_archive_hides_from_listing_and_forbids_edits(client) -> None:
    created = client.post("/push/campaigns", json=campaign_body()).json()
    r = client.put(f"/push/campaigns/{created['id']}/archive")
    assert r.status_code == 200
    listed = [c["id"] for c in client.get("/campaigns").json()["campaigns"]]
    archived = [c["id"] for c in client.get("/campaigns", params={"is_archived": 1})
                .json()["campaigns"]]
    assert created["id"] not in listed and created["id"] in archived
    assert client.put(f"/push/campaigns/{created['id']}", json=campaign_body()).status_code == 422
    assert client.get(f"/push/campaigns/{created['id']}").status_code == 200
    assert client.put("/push/campaigns/424242424/archive").status_code == 404


def test_saved_audience_must_exist_and_not_be_deleted(client) -> None:
    audience = client.post("/audiences", json=audience_body()).json()
    target = {"campaign_type": "saved_audience", "control_group_percent": 5,
              "target_rules": {"audience": [audience["id"]]}}
    ok = client.post("/push/campaigns", json=campaign_body(audiences=target))
    assert ok.status_code == 201
    assert ok.json()["audiences"] == target
    missing = dict(target, target_rules={"audience": [audience["id"], 1]})
    r = client.post("/push/campaigns", json=campaign_body(audiences=missing))
    assert r.status_code == 422 and fields(r) == ["audiences.target_rules.audience[1]"]
    client.put(f"/push/campaigns/{ok.json()['id']}/archive")
    assert client.delete(f"/audiences/{audience['id']}").status_code == 204
    gone = client.post("/push/campaigns", json=campaign_body(audiences=target))
    assert gone.status_code == 422


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"status": "live"}, "status"),
        ({"goal": "win"}, "goal"),
        ({"audiences": {"campaign_type": "saved_audience"}}, "audiences.target_rules"),
        ({"audiences": {"campaign_type": "everyone", "control_group_percent": 101}},
         "audiences.control_group_percent"),
        ({"audiences": {"campaign_type": "new_audience", "target_rules": {"profile": {}}}},
         "audiences.target_rules.targeting_type"),
        ({"schedule": {}}, "schedule"),
        ({"schedule": {"begin_immediately": {}, "optimized": {"fallback_time": "2026-01-01"}}},
         "schedule"),
        ({"schedule": {"on_schedule": {"begin_date": "2026-12-01T09:00:00Z",
                                       "starting_time_zone_id": 0, "push_throttle_num_msgs": 5}}},
         "schedule.on_schedule.push_throttle_num_msgs"),
        ({"schedule": {"on_schedule": {"begin_date": "soon"}}}, "schedule.on_schedule.begin_date"),
        ({"schedule": {"recurring": {"begin_date": "2026-12-01", "intervals": [
            {"interval": "monthly"}]}}}, "schedule.recurring.intervals[0].on_day"),
        ({"schedule": {"recurring": {"begin_date": "2026-12-01", "intervals": [
            {"interval": "every day"}], "frequency_attributes": [
            {"name": "messages_per_days", "count": 1}]}}},
         "schedule.recurring.frequency_attributes[0].days"),
        ({"creatives": {"build_attributes": {"push_subtitle": "x"}}},
         "creatives[0].build_attributes"),
        ({"creatives": []}, "creatives"),
        ({"creatives": "hello"}, "creatives"),
    ],
)
def test_validation_names_the_field(client, overrides, field) -> None:
    r = client.post("/push/campaigns", json=campaign_body(**overrides))
    assert r.status_code == 422, r.text
    assert field in fields(r), r.json()
    assert r.json()["error"] and "\n" not in r.json()["error"]


def test_missing_required_fields_are_all_reported(client) -> None:
    r = client.post("/push/campaigns", json={})
    assert r.status_code == 422
    assert set(fields(r)) >= {"name", "status", "goal", "audiences", "schedule", "creatives"}


def test_updated_at_parses_as_utc(client) -> None:
    body = client.post("/push/campaigns", json=campaign_body()).json()
    moment = datetime.fromisoformat(body["updated_at"].replace("Z", "+00:00"))
    assert moment.utcoffset().total_seconds() == 0
