"""Audiences over real HTTP: create, list, get with reach, patch, delete, recount."""

from __future__ import annotations

import copy

import pytest

from tests.sandbox_helpers import (
    BEHAVIOR_RULES,
    PROFILE_RULES,
    api_client,
    audience_body,
    campaign_body,
    fields,
)


@pytest.fixture
def client(sandbox_server, sandbox_app):
    with api_client(sandbox_server, sandbox_app) as c:
        yield c


def test_create_list_get(client) -> None:
    r = client.post("/audiences", json=audience_body("Lapsed", BEHAVIOR_RULES))
    assert r.status_code == 201
    created = r.json()
    assert set(created) == {"id", "name", "created_at", "target_rules", "segmentation_count"}
    assert created["target_rules"] == BEHAVIOR_RULES
    counts = created["segmentation_count"]
    assert 1000 <= counts["user_count"] <= 500_000
    assert 0 <= counts["has_push"] <= counts["user_count"]
    assert 0 <= counts["seen_last_thirty"] <= counts["user_count"]
    [listed] = client.get("/audiences").json()
    assert listed["id"] == created["id"] and listed["deleted_at"] is None
    assert listed["segmentation_count"]["updated_at"] and listed["updated_at"]
    one = client.get(f"/audiences/{created['id']}").json()
    assert one["segmentation_id"] == str(created["id"]) and "name" not in one
    assert one["user_count"] == counts["user_count"] and one["target_rules"] == BEHAVIOR_RULES


def test_counts_are_deterministic_from_rules(client) -> None:
    a = client.post("/audiences", json=audience_body("A")).json()["segmentation_count"]
    b = client.post("/audiences", json=audience_body("B")).json()["segmentation_count"]
    c = client.post("/audiences", json=audience_body("C", BEHAVIOR_RULES)).json()
    assert a == b and c["segmentation_count"] != a


def test_patch_name_or_rules(client) -> None:
    created = client.post("/audiences", json=audience_body()).json()
    r = client.patch(f"/audiences/{created['id']}", json={"name": "Renamed"})
    assert r.status_code == 200
    assert r.json()["name"] == "Renamed" and r.json()["target_rules"] == PROFILE_RULES
    r = client.patch(f"/audiences/{created['id']}", json={"target_rules": BEHAVIOR_RULES})
    assert r.json()["target_rules"] == BEHAVIOR_RULES and r.json()["name"] == "Renamed"
    assert r.json()["segmentation_count"] != created["segmentation_count"]
    assert client.patch(f"/audiences/{created['id']}", json={}).status_code == 422
    assert client.patch("/audiences/5", json={"name": "x"}).status_code == 404


def test_delete_is_soft_and_second_delete_is_422(client) -> None:
    created = client.post("/audiences", json=audience_body()).json()
    assert client.delete(f"/audiences/{created['id']}").status_code == 204
    assert client.get(f"/audiences/{created['id']}").status_code == 404
    assert client.get("/audiences").json() == []
    again = client.delete(f"/audiences/{created['id']}")
    assert again.status_code == 422 and again.json() == {"error": "Audience is already deleted"}
    assert client.patch(f"/audiences/{created['id']}", json={"name": "x"}).status_code == 404
    assert client.delete("/audiences/123456789").status_code == 404


def test_delete_refused_while_a_campaign_targets_it(client) -> None:
    audience = client.post("/audiences", json=audience_body()).json()
    target = {"campaign_type": "saved_audience", "target_rules": {"audience": [audience["id"]]}}
    campaign = client.post("/push/campaigns", json=campaign_body(audiences=target)).json()
    r = client.delete(f"/audiences/{audience['id']}")
    assert r.status_code == 422 and str(campaign["id"]) in r.json()["error"]
    client.put(f"/push/campaigns/{campaign['id']}/archive")
    assert client.delete(f"/audiences/{audience['id']}").status_code == 204


def test_segmentation_recount(client) -> None:
    created = client.post("/audiences", json=audience_body()).json()
    r = client.post(f"/audiences/{created['id']}/segmentation")
    assert r.status_code == 200
    body = r.json()
    assert body["segmentation_id"] == created["id"]
    assert body["user_count"] == created["segmentation_count"]["user_count"]
    assert body["last_calculated_on"].endswith("Z")
    assert client.post("/audiences/0/segmentation").status_code == 404


def _rules(**changes):
    rules = copy.deepcopy(BEHAVIOR_RULES)
    for path, value in changes.items():
        target = rules
        *parents, last = path.split("__")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return rules


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        (_rules(targeting_type="device"), "target_rules.targeting_type"),
        (_rules(targeting_type=None), "target_rules.targeting_type"),
        (_rules(behavior_profile_operator=None), "target_rules.behavior_profile_operator"),
        (_rules(behavior__days=0), "target_rules.behavior.days"),
        (_rules(behavior__behavior_rule_operator="xor"),
         "target_rules.behavior.behavior_rule_operator"),
        (_rules(behavior__rules__0__count_operator="most"),
         "target_rules.behavior.rules[0].count_operator"),
        (_rules(behavior__rules__0__count=None), "target_rules.behavior.rules[0].count"),
        (_rules(behavior__rules__0__conditions=None), "target_rules.behavior.rules[0].conditions"),
        (_rules(behavior__behavior_rule_operator="and_then"), "target_rules.behavior.rules"),
        (_rules(profile__criteria__0__scope="world"), "target_rules.profile.criteria[0].scope"),
        (_rules(profile__criteria__0__values=None), "target_rules.profile.criteria[0].values"),
        (_rules(profile__operator=None), "target_rules.profile.operator"),
        ({"targeting_type": "install_id"}, "target_rules"),
    ],
)
def test_definition_validation(client, rules, field) -> None:
    r = client.post("/audiences", json=audience_body(rules=rules))
    assert r.status_code == 422, r.text
    assert field in fields(r), r.json()


def test_and_then_with_two_rules_and_valueless_operator(client) -> None:
    rules = copy.deepcopy(BEHAVIOR_RULES)
    first = dict(rules["behavior"]["rules"][0], rule_type="event")
    rules["behavior"].update(behavior_rule_operator="and_then",
                             rules=[first, rules["behavior"]["rules"][0]])
    rules["profile"]["criteria"] = [{"key": "email", "scope": "app", "operator": "is defined"}]
    assert client.post("/audiences", json=audience_body(rules=rules)).status_code == 201


def test_name_required(client) -> None:
    r = client.post("/audiences", json={"target_rules": PROFILE_RULES})
    assert r.status_code == 422 and fields(r) == ["name"]


def test_and_then_first_rule_must_be_an_event(client) -> None:
    rules = copy.deepcopy(BEHAVIOR_RULES)
    rule = rules["behavior"]["rules"][0]
    rules["behavior"].update(behavior_rule_operator="and_then", rules=[rule, rule])
    r = client.post("/audiences", json=audience_body(rules=rules))
    assert r.status_code == 422 and "target_rules.behavior.rules[0]" in fields(r)
