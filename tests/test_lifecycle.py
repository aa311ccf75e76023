"""Plan and apply over real HTTP: the life of a spec from create to prune."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from tests.repo import Repo, audience, by_action, campaign

PLAN_SCHEMA = json.loads((Path(__file__).parent / "plan_schema.json").read_text())


def test_create_then_noop_then_update(repo: Repo) -> None:
    repo.put("audience", "lapsed", audience("Lapsed buyers"))
    repo.put("campaign", "spring", campaign("Spring sale", ["lapsed"], creatives=2))
    repo.put("campaign", "promos/welcome", campaign("Welcome"))

    first = repo.plan()
    assert first.code == 0, first.stderr
    plan = first.json
    jsonschema.validate(plan, PLAN_SCHEMA)
    assert plan["format_version"] == "1"
    assert [c["action"] for c in plan["changes"]] == ["create"] * 3
    assert [c["kind"] for c in plan["changes"]] == ["audience", "campaign", "campaign"]
    spring = next(c for c in plan["changes"] if c["key"] == "spring")
    assert spring["depends_on"] == ["audience:lapsed"]

    applied = repo.apply()
    assert applied.code == 0, applied.stderr
    report = applied.json
    assert report["summary"] == {"applied": 3, "failed": 0, "skipped": 0}
    ids = {r["key"]: r["live_id"] for r in report["results"]}
    assert all(isinstance(i, int) for i in ids.values())

    again = repo.plan("--detailed-exitcode")
    assert again.code == 0, again.stdout + again.stderr
    assert by_action(again.json) == {"noop": ["audience:lapsed", "campaign:promos/welcome",
                                              "campaign:spring"]}

    edited = campaign("Spring sale", ["lapsed"], creatives=2, message="Now 30% off")
    repo.put("campaign", "spring", edited)
    changed = repo.plan("--detailed-exitcode")
    assert changed.code == 2
    jsonschema.validate(changed.json, PLAN_SCHEMA)
    spring = next(c for c in changed.json["changes"] if c["key"] == "spring")
    assert spring["action"] == "update"
    assert spring["live_id"] == ids["spring"]
    assert {d["path"] for d in spring["diff"]} == {
        "creatives[0].build_attributes.push_message", "creatives[1].build_attributes.push_message"}
    assert spring["diff"][0]["after"].startswith("Now 30% off")

    assert repo.apply().code == 0
    assert repo.plan("--detailed-exitcode").code == 0


def test_campaign_targets_audience_created_in_same_run(repo: Repo) -> None:
    repo.put("audience", "vip", audience("VIPs", country="CA"))
    repo.put("campaign", "vip-offer", campaign("VIP offer", ["vip"]))
    assert repo.apply().code == 0
    live = {a["name"]: a["id"] for a in repo.live_audiences()}
    with repo.api() as api:
        cid = next(c["id"] for c in repo.live_campaigns() if c["name"] == "VIP offer")
        body = api.get(f"/push/campaigns/{cid}").json()
    assert body["audiences"]["target_rules"]["audience"] == [live["VIPs"]]


def test_removed_spec_becomes_unmanaged_and_is_never_touched(repo: Repo) -> None:
    repo.put("campaign", "old", campaign("Old promo"))
    repo.put("campaign", "keep", campaign("Keep me"))
    assert repo.apply().code == 0
    repo.remove("campaign", "old")
    plan = repo.plan().json
    assert plan["summary"]["unmanaged"] == 1
    assert plan["unmanaged"][0]["name"] == "Old promo"
    assert all(c["key"] != "old" for c in plan["changes"])
    assert repo.apply().code == 0
    assert "Old promo" in {c["name"] for c in repo.live_campaigns()}


def test_prune_archives_in_scope_campaigns_and_deletes_untargeted_audiences(repo: Repo) -> None:
    repo.put("audience", "used", audience("[git] used"))
    repo.put("audience", "unused", audience("[git] unused", event="Open"))
    repo.put("campaign", "a", campaign("[git] a", ["used"]))
    repo.put("campaign", "b", campaign("[git] b"))
    repo.put("audience", "keeper", audience("[git] keeper", event="Share"))
    repo.put("campaign", "c", campaign("Dashboard-made"))
    assert repo.apply().code == 0
    repo.env_extra = {"prune": True, "prune_match": "[git] *"}
    repo.write_config()
    used_id = next(a["id"] for a in repo.live_audiences() if a["name"] == "[git] used")
    repo.put("campaign", "a", campaign("[git] a", [used_id]))  # raw id: audience unmanaged
    for key in ("unused", "used"):
        repo.remove("audience", key)
    repo.remove("campaign", "b")
    repo.remove("campaign", "c")
    plan = repo.plan().json
    actions = {(c["kind"], c["name"]): c["action"] for c in plan["changes"]}
    assert actions[("campaign", "[git] b")] == "archive"
    assert actions[("audience", "[git] unused")] == "delete"
    assert ("audience", "[git] used") not in actions  # still targeted by campaign a
    assert {u["name"] for u in plan["unmanaged"]} >= {"Dashboard-made", "[git] used"}
    order = [c["action"] for c in plan["changes"]]
    assert order.index("archive") < order.index("delete")
    assert repo.apply().code == 0
    assert "[git] b" not in {c["name"] for c in repo.live_campaigns()}
    assert "[git] b" in {c["name"] for c in repo.live_campaigns(archived=True)}
    assert {a["name"] for a in repo.live_audiences()} == {"[git] used", "[git] keeper"}


def test_prune_refused_when_a_kind_has_no_specs(repo: Repo) -> None:
    repo.put("campaign", "a", campaign("A"))
    assert repo.apply().code == 0
    repo.remove("campaign", "a")
    repo.put("audience", "x", audience("X"))
    repo.env_extra = {"prune": True}
    repo.write_config()
    plan = repo.run("plan")
    assert plan.code == 0 and "apply will refuse" in plan.stdout
    refused = repo.apply()
    assert refused.code == 1 and "no campaign specs" in refused.stderr
    assert "A" in {c["name"] for c in repo.live_campaigns()}
    assert repo.apply("--force").code == 0
    assert "A" not in {c["name"] for c in repo.live_campaigns()}


def test_duplicate_live_names_fail_naming_both_ids(repo: Repo) -> None:
    with repo.api() as api:
        made = [api.post("/push/campaigns", json=campaign("Twin")).json()["id"] for _ in range(2)]
    repo.put("campaign", "twin", campaign("Twin"))
    run = repo.plan()
    assert run.code == 1
    assert "campaigns/twin.yaml" in run.stderr
    assert all(str(i) in run.stderr for i in made) and "id:" in run.stderr
    assert "Traceback" not in run.stderr

    pinned = campaign("Twin")
    pinned["id"] = made[1]
    repo.put("campaign", "twin", pinned)
    plan = repo.plan().json
    assert plan["changes"][0]["live_id"] == made[1]
    assert plan["unmanaged"] == [{"kind": "campaign", "live_id": made[0], "name": "Twin"}]


def test_rename_through_pinned_id(repo: Repo) -> None:
    repo.put("campaign", "promo", campaign("Old name"))
    live_id = repo.apply().json["results"][0]["live_id"]
    renamed = campaign("New name")
    renamed["id"] = live_id
    repo.put("campaign", "promo", renamed)
    change = repo.plan().json["changes"][0]
    assert change["action"] == "update" and change["live_id"] == live_id
    assert change["diff"] == [{"path": "name", "before": "Old name", "after": "New name"}]
    assert repo.apply().code == 0
    assert [c["name"] for c in repo.live_campaigns()] == ["New name"]


def test_ignore_changes_keeps_dashboard_edits(repo: Repo) -> None:
    repo.put("campaign", "promo", campaign("Promo", message="From git"))
    live_id = repo.apply().json["results"][0]["live_id"]
    with repo.api() as api:
        body = api.get(f"/push/campaigns/{live_id}").json()
        body["creatives"][0]["build_attributes"]["push_message"] = "Edited in dashboard"
        body["goal"] = "notify"
        assert api.put(f"/push/campaigns/{live_id}", json=body).status_code == 200
    spec = campaign("Promo", message="From git")
    spec["ignore_changes"] = ["creatives[*].build_attributes.push_message"]
    repo.put("campaign", "promo", spec)
    change = repo.plan().json["changes"][0]
    assert [d["path"] for d in change["diff"]] == ["goal"]
    assert repo.apply().code == 0
    with repo.api() as api:
        after = api.get(f"/push/campaigns/{live_id}").json()
    assert after["goal"] == "monetize"
    assert after["creatives"][0]["build_attributes"]["push_message"] == "Edited in dashboard"


def test_go_live_is_flagged_with_reach(repo: Repo) -> None:
    repo.put("audience", "lapsed", audience("Lapsed"))
    repo.put("campaign", "sale", campaign("Sale", ["lapsed"]))
    repo.put("campaign", "all", campaign("All users", status="active"))
    assert repo.apply().code == 0
    plan = repo.plan().json
    assert all(c["action"] == "noop" for c in plan["changes"])

    repo.put("campaign", "sale", campaign("Sale", ["lapsed"], status="active"))
    plan = repo.plan().json
    sale = next(c for c in plan["changes"] if c["key"] == "sale")
    assert sale["go_live"] is True
    reach = sale["reach"]
    assert reach["user_count"] > 0 and reach["has_push"] <= reach["user_count"]
    text = repo.run("plan").stdout
    assert "GOES LIVE" in text and "send-test sale" in text
    markdown = repo.run("plan", "--format", "markdown").stdout
    assert "1 change goes live" in markdown and "Sale" in markdown


def test_edit_of_a_live_campaign_is_warned(repo: Repo) -> None:
    repo.put("campaign", "live", campaign("Live one", status="active"))
    first = repo.plan().json["changes"][0]
    assert first["go_live"] is True and first["reach"] == {"everyone": True}
    assert repo.apply().code == 0
    repo.put("campaign", "live", campaign("Live one", status="active", message="Changed"))
    change = repo.plan().json["changes"][0]
    assert change["go_live"] is False
    assert any("edits a live campaign" in w for w in change["warnings"])


def test_target_limits_plan_to_spec_and_its_audiences(repo: Repo) -> None:
    repo.put("audience", "a1", audience("A1"))
    repo.put("audience", "a2", audience("A2", event="Open"))
    repo.put("campaign", "c1", campaign("C1", ["a1"]))
    repo.put("campaign", "c2", campaign("C2", ["a2"]))
    plan = repo.plan("--target", "c1").json
    assert [f"{c['kind']}:{c['key']}" for c in plan["changes"]] == ["audience:a1", "campaign:c1"]
    assert repo.apply().code == 0
    scoped = repo.plan("--target", "campaign:c2").json
    assert [c["key"] for c in scoped["changes"]] == ["a2", "c2"]
    assert scoped["unmanaged"] == []  # other specs' objects are managed, not unmanaged
    bad = repo.plan("--target", "nope")
    assert bad.code == 1 and "nope" in bad.stderr


def test_saved_plan_applies_once_and_refuses_when_stale(repo: Repo) -> None:
    repo.put("campaign", "one", campaign("One"))
    assert repo.apply().code == 0
    repo.put("campaign", "one", campaign("One", message="v2"))
    repo.put("campaign", "two", campaign("Two"))
    assert repo.run("plan", "--out", "plan.json").code == 0
    saved = json.loads((repo.root / "plan.json").read_text())
    assert saved["summary"]["create"] == 1 and saved["summary"]["update"] == 1

    with repo.api() as api:  # someone edits "One" in the dashboard meanwhile
        cid = next(c["id"] for c in repo.live_campaigns() if c["name"] == "One")
        body = api.get(f"/push/campaigns/{cid}").json()
        body["goal"] = "notify"
        api.put(f"/push/campaigns/{cid}", json=body).raise_for_status()
    before = repo.live_campaigns()
    stale = repo.apply("plan.json")
    assert stale.code == 1 and "stale" in stale.stderr and "goal" in stale.stderr
    assert repo.live_campaigns() == before  # zero writes

    assert repo.run("plan", "--out", "plan.json").code == 0
    assert repo.apply("plan.json").code == 0
    twice = repo.apply("plan.json")
    assert twice.code == 1 and "stale" in twice.stderr
    assert sorted(c["name"] for c in repo.live_campaigns()) == ["One", "Two"]


def test_saved_plan_refused_after_spec_edit_or_hand_edit(repo: Repo) -> None:
    repo.put("campaign", "one", campaign("One"))
    assert repo.run("plan", "--out", "plan.json").code == 0
    doc = json.loads((repo.root / "plan.json").read_text())
    doc["changes"][0]["name"] = "Tampered"
    (repo.root / "tampered.json").write_text(json.dumps(doc))
    tampered = repo.apply("tampered.json")
    assert tampered.code == 1 and "checksum" in tampered.stderr
    repo.put("campaign", "one", campaign("One", message="edited after plan"))
    edited = repo.apply("plan.json")
    assert edited.code == 1 and "changed since the plan" in edited.stderr
    assert repo.live_campaigns() == []
