"""`reconciler import` edge cases over real HTTP: file names, existing files, selection,
references to audiences left out, archived campaigns, fields the specs do not know."""

from __future__ import annotations

from typing import Any

import httpx

from tests.repo import Repo, audience, by_action, campaign


def _post(api: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = api.post(path, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _files(repo: Repo, kind: str) -> list[str]:
    return sorted(p.relative_to(repo.root / f"{kind}s").as_posix()
                  for p in (repo.root / f"{kind}s").rglob("*") if p.is_file())


def _all_noop(repo: Repo) -> dict[str, Any]:
    plan = repo.plan()
    assert plan.code == 0, plan.stderr
    assert {c["action"] for c in plan.json["changes"]} == {"noop"}, plan.json["changes"]
    return plan.json


def test_awkward_names_get_safe_unique_files(repo: Repo) -> None:
    names = ["Spring Sale", "spring-sale!", "a/b", "../../etc/passwd", "..", "!!!", "日本語",
             "Crème brûlée", "{{ vars.x }}"]
    (repo.root / "campaigns" / "notes.md").write_text("not a spec\n")
    (repo.root / "campaigns" / "spring-sale.yaml").mkdir()  # a path in the way is never reused
    with repo.api() as api:
        ids = {n: _post(api, "/push/campaigns", campaign(n))["id"] for n in names}
    run = repo.run("import", "--all")
    assert run.code == 0, run.stderr
    assert _files(repo, "campaign") == sorted([
        "notes.md", "spring-sale-2.yaml", "spring-sale-3.yaml", "a-b.yaml", "etc-passwd.yaml",
        f"campaign-{ids['..']}.yaml", f"campaign-{ids['!!!']}.yaml",
        f"campaign-{ids['日本語']}.yaml", "creme-brulee.yaml", "vars-x.yaml"])
    assert not (repo.root / "etc").exists() and not (repo.root.parent / "etc").exists()
    assert (repo.root / "campaigns" / "vars-x.yaml").stat().st_mode & 0o077 != 0  # not 0600
    text = (repo.root / "campaigns" / "vars-x.yaml").read_text()
    assert "{% raw %}{{ vars.x }}{% endraw %}" in text
    assert text.startswith("# yaml-language-server: $schema=../schemas/campaign.schema.json\n")
    assert "import: wrote 0 audiences, 9 campaigns" in run.stdout
    (repo.root / "campaigns" / "spring-sale.yaml").rmdir()
    _all_noop(repo)


def test_existing_file_is_untouched_without_update_and_merged_with_update(repo: Repo) -> None:
    with repo.api() as api:
        aud = _post(api, "/audiences", audience("Lapsed buyers"))
        live = _post(api, "/push/campaigns", campaign("Spring sale", [aud["id"]], creatives=2))
    repo.put("audience", "lapsed", audience("Lapsed buyers"))
    own = (
        "# yaml-language-server: $schema=../../schemas/campaign.schema.json\n"
        "# Spring sale: owned by CRM. Do not rename.\n"
        "name: Spring sale\n"
        "goal: monetize   # revenue\n"
        "status: draft\n"
        "audiences:\n"
        "  campaign_type: saved_audience\n"
        "  control_group_percent: 5\n"
        "  target_rules: {audience: [lapsed]}\n"
        "schedule:\n"
        "  on_schedule: {begin_date: \"2027-01-15T09:00:00Z\", starting_time_zone_id: 0}\n"
        "creatives:\n"
        "  - title: Variant A\n"
        "    percent: 50\n"
        "    build_attributes:\n"
        "      push_title: \"{{ 'Sale' }}\"   # templated on purpose\n"
        "      push_message: Hello 0\n"
        "  - title: Variant B\n"
        "    percent: 50\n"
        "    build_attributes: {push_title: Sale, push_message: Hello 1}\n"
    )
    path = repo.root / "campaigns" / "promos" / "spring.yaml"
    path.parent.mkdir()
    path.write_text(own)
    _all_noop(repo)

    run = repo.run("import", "--all")
    assert run.code == 0, run.stderr
    assert path.read_text() == own
    assert "exists campaigns/promos/spring.yaml" in run.stdout
    assert "2 existed (use --update)" in run.stdout
    assert _files(repo, "campaign") == ["promos/spring.yaml"]

    body = campaign("Spring sale", [aud["id"]], creatives=2, message="Now 30% off")
    with repo.api() as api:
        assert api.put(f"/push/campaigns/{live['id']}", json=body).status_code == 200
    assert repo.run("import", "--all", "--update", "--dry-run").stdout.count("would update campaigns") == 1
    assert path.read_text() == own
    run = repo.run("import", "--all", "--update")
    assert run.code == 0, run.stderr
    assert "updated campaigns/promos/spring.yaml" in run.stdout
    assert "updated 1; 1 up to date" in run.stdout
    expected = own.replace("Hello 0", "Now 30% off 0").replace("Hello 1", "Now 30% off 1")
    assert path.read_text() == expected  # comments, order, flow style, template all kept
    _all_noop(repo)


def test_dry_run_writes_nothing(repo: Repo) -> None:
    with repo.api() as api:
        _post(api, "/audiences", audience("VIPs"))
        _post(api, "/push/campaigns", campaign("Welcome"))
    run = repo.run("import", "--all", "--dry-run")
    assert run.code == 0, run.stderr
    assert "would write audiences/vips.yaml" in run.stdout
    assert "would write campaigns/welcome.yaml" in run.stdout
    assert "import (dry run): would write 1 audiences, 1 campaigns" in run.stdout
    assert _files(repo, "audience") == [] and _files(repo, "campaign") == []


def test_selection_by_name_id_and_kind(repo: Repo) -> None:
    with repo.api() as api:
        vip = _post(api, "/audiences", audience("VIPs"))
        _post(api, "/audiences", audience("Others", event="Open"))
        one = _post(api, "/push/campaigns", campaign("One"))
        _post(api, "/push/campaigns", campaign("Two"))
        _post(api, "/push/campaigns", campaign("One more"))
    run = repo.run("import", "--name", "One", "--id", str(vip["id"]))
    assert run.code == 0, run.stderr
    assert _files(repo, "campaign") == ["one.yaml"] and _files(repo, "audience") == ["vips.yaml"]
    run = repo.run("import", "--all", "--kind", "audience")
    assert "wrote 1 audiences, 0 campaigns; 1 existed" in run.stdout
    assert _files(repo, "campaign") == ["one.yaml"]
    missing = repo.run("import", "--name", "Three", "--id", "999999")
    assert missing.code == 1
    assert missing.stderr.strip() == ("error: no live campaigns or audiences match 'Three', "
                                      "999999 (names match exactly)")
    assert repo.run("import").code == 1
    assert repo.run("import", "--all", "--name", "One").code == 1
    assert repo.run("import", "--id", str(one["id"]), "--kind", "audience").code == 1


def test_audience_not_imported_stays_a_raw_id_with_its_name(repo: Repo) -> None:
    with repo.api() as api:
        aud = _post(api, "/audiences", audience("Lapsed buyers # EU"))
        _post(api, "/push/campaigns", campaign("Win back", [aud["id"]]))
    run = repo.run("import", "--all", "--kind", "campaign")
    assert run.code == 0, run.stderr
    text = (repo.root / "campaigns" / "win-back.yaml").read_text()
    assert f"      - {aud['id']}  # Lapsed buyers # EU (audience not imported)\n" in text
    plan = _all_noop(repo)
    assert plan["unmanaged"] == [{"kind": "audience", "live_id": aud["id"],
                                  "name": "Lapsed buyers # EU"}]
    # importing the audience later: a fresh campaign import now uses its key
    assert repo.run("import", "--all", "--kind", "audience").code == 0
    (repo.root / "campaigns" / "win-back.yaml").unlink()
    assert repo.run("import", "--all").code == 0
    text = (repo.root / "campaigns" / "win-back.yaml").read_text()
    assert "      - lapsed-buyers-eu\n" in text
    _all_noop(repo)


def test_archived_campaigns_skipped_unless_asked(repo: Repo) -> None:
    with repo.api() as api:
        old = _post(api, "/push/campaigns", campaign("Old promo"))
        _post(api, "/push/campaigns", campaign("Current"))
        assert api.put(f"/push/campaigns/{old['id']}/archive").status_code == 200
    run = repo.run("import", "--all")
    assert "import: wrote 0 audiences, 1 campaigns; skipped 1 archived" in run.stdout
    assert _files(repo, "campaign") == ["current.yaml"]
    assert repo.run("import", "--id", str(old["id"])).stdout.endswith("skipped 1 archived\n")
    run = repo.run("import", "--all", "--include-archived")
    assert run.code == 0, run.stderr
    assert _files(repo, "campaign") == ["current.yaml", "old-promo.yaml"]
    text = (repo.root / "campaigns" / "old-promo.yaml").read_text()
    assert f"# Archived in Localytics (id {old['id']})" in text and "\nid:" not in text
    assert by_action(repo.plan().json) == {"create": ["campaign:old-promo"],
                                           "noop": ["campaign:current"]}


def test_unknown_live_fields_are_dropped_with_a_warning(repo: Repo, sandbox_server) -> None:
    """An API that answers keys it does not document (the sandbox's `keep` knob)."""
    body = campaign("Tagged")
    body["tags"] = ["spring"]
    body["creatives"][0]["build_attributes"]["x_badge"] = 3
    sandbox_server.answers(unknown_keys="keep")  # server-wide: back to reject at once
    try:
        with repo.api() as api:
            _post(api, "/push/campaigns", body)
    finally:
        sandbox_server.answers(unknown_keys="reject")
    run = repo.run("import", "--all")
    assert run.code == 0, run.stderr
    assert "warning: campaigns/tagged.yaml: live field tags of campaign" in run.stderr
    assert "live field creatives[0].build_attributes.x_badge of campaign" in run.stderr
    text = (repo.root / "campaigns" / "tagged.yaml").read_text()
    assert "tags" not in text and "x_badge" not in text
    assert repo.run("validate").code == 0


def test_same_live_name_twice_imports_one_pinned(repo: Repo) -> None:
    with repo.api() as api:
        first = _post(api, "/push/campaigns", campaign("Twin"))
        second = _post(api, "/push/campaigns", campaign("Twin", message="Other"))
    run = repo.run("import", "--all")
    assert run.code == 1
    assert f"warning: campaign {second['id']} 'Twin' not imported" in run.stderr
    assert "1 not imported (see warnings)" in run.stdout
    assert f"\nid: {first['id']}\n" in (repo.root / "campaigns" / "twin.yaml").read_text()
    plan = _all_noop(repo)
    assert [u["live_id"] for u in plan["unmanaged"]] == [second["id"]]


def test_pin_ids_pins_every_new_file(repo: Repo) -> None:
    with repo.api() as api:
        live = _post(api, "/push/campaigns", campaign("Pinned"))
    assert repo.run("import", "--all", "--pin-ids").code == 0
    assert f"\nid: {live['id']}\n" in (repo.root / "campaigns" / "pinned.yaml").read_text()
    _all_noop(repo)


def test_existing_spec_with_a_templated_name_is_recognised(repo: Repo) -> None:
    with repo.api() as api:
        _post(api, "/push/campaigns", campaign("Acme welcome"))
    doc = campaign("{{ vars.store_name }} welcome")
    repo.put("campaign", "welcome-by-store", doc)
    run = repo.run("import", "--all", "--dry-run")
    assert run.code == 0, run.stderr
    assert "exists campaigns/welcome-by-store.yaml" in run.stdout
    assert "would write 0 audiences, 0 campaigns; 1 existed (use --update)" in run.stdout
