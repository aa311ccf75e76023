"""`reconciler doctor` against served sandboxes: rows held or failed as the knobs say.

The answer knobs are server-wide, so every Localytics test here has its own
server. Each test drives the real CLI and reads the findings file it wrote.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler.doctor import PROBE_PREFIX
from tests.dropping_proxy import DroppingProxy
from tests.repo import Repo, audience, campaign
from tests.sandbox_fixtures import start_sandbox


def rows(stdout: str) -> dict[str, str]:
    """check id → held column ("yes", "NO", "skipped") of the printed table."""
    out = {}
    for line in stdout.splitlines():
        parts = [p.strip() for p in line.split(" | ")]
        if len(parts) == 4 and parts[0] != "check":
            out[parts[0]] = parts[2]
    return out


def findings(repo: Repo, env: str = "test") -> dict[str, Any]:
    return json.loads((repo.root / ".reconciler" / f"doctor-{env}.json").read_text())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """This module's own server: knobs are server-wide, so no other test may share it."""
    served = start_sandbox(tmp_path_factory.mktemp("doctor") / "sandbox.db")
    yield served
    served.stop()


@pytest.fixture
def bare(server, repo_on):
    """The module's server with default knobs, and a repo on a fresh, empty app of it."""
    server.answers(audience_key="audience", past_last_page="404", unknown_keys="reject")
    return server, repo_on(server)


@pytest.fixture
def served(bare):
    """`bare`, with one audience and one campaign applied."""
    server, repo = bare
    repo.put("audience", "buyers", audience("Buyers"))
    repo.put("campaign", "spring", campaign("Spring", audiences=["buyers"]))
    assert repo.apply().code == 0
    return server, repo


def no_probe_left(repo: Repo) -> bool:
    names = [c["name"] for archived in (False, True) for c in repo.live_campaigns(archived)]
    return not any(n.startswith(PROBE_PREFIX) for n in names)


def test_documented_forms_all_hold_and_write_leaves_no_probe(served) -> None:
    _server, repo = served
    run = repo.run("doctor", "--write")
    assert run.code == 0, run.stdout + run.stderr
    got = rows(run.stdout)
    assert got.pop("stop") == "skipped"  # ASSUMED: doctor never stops a real send
    assert set(got.values()) == {"yes"}, run.stdout
    for check in ("credentials", "campaign_paging", "past_last_page", "search",
                  "answered_audience_key", "probe_create", "probe_fields", "probe_deleted",
                  "probe_audience_key", "probe_unknown_keys"):
        assert got[check] == "yes"
    found = findings(repo)
    assert found["all_held"] is True and found["write"] is True
    assert found["choices"] == {"audience_key": "audience", "past_last_page": "404"}
    assert no_probe_left(repo)
    assert "note:" not in repo.run("plan").stdout  # a finding that changes nothing is silent


def test_read_only_by_default(served) -> None:
    server, repo = served
    server.reset_stats()
    run = repo.run("doctor")
    assert run.code == 0, run.stdout
    writes = [r for r in server.stats()["by_route"] if not r.startswith("GET ")]
    assert writes == [], writes
    assert not any(k.startswith("probe") for k in rows(run.stdout))


def test_plural_audience_answers_fail_their_rows_and_the_plan_uses_the_finding(served) -> None:
    server, repo = served
    server.answers(audience_key="audiences")
    run = repo.run("doctor", "--write")
    assert run.code == 1
    got = rows(run.stdout)
    assert got["answered_audience_key"] == "NO" and got["probe_audience_key"] == "NO"
    assert got["probe_fields"] == "yes" and got["probe_fields_plural"] == "yes"
    assert findings(repo)["choices"]["audience_key"] == "audiences"
    assert no_probe_left(repo)
    plan = repo.run("plan")
    assert plan.code == 0, plan.stderr
    assert ("note: using doctor finding: audience key 'audiences' "
            "(from .reconciler/doctor-test.json)") in plan.stdout
    repo.put("campaign", "autumn", campaign("Autumn", audiences=["buyers"]))
    assert repo.apply().code == 0
    written = [c for c in repo.live_campaigns() if c["name"] == "Autumn"]
    with repo.api() as api:
        body = api.get(f"/push/campaigns/{written[0]['id']}").json()
    assert body["audiences"]["target_rules"]["audiences"] == [repo.live_audiences()[0]["id"]]
    assert json.loads(repo.plan().stdout)["summary"]["update"] == 0


def test_reconciler_yaml_beats_the_finding(served) -> None:
    server, repo = served
    server.answers(audience_key="audiences")
    assert repo.run("doctor", "--write").code == 1
    repo.env_extra = {"audience_key": "audience"}
    repo.write_config()
    assert "doctor finding" not in repo.run("plan").stdout


def test_an_api_that_echoes_unknown_keys_fails_its_row(bare) -> None:
    server, repo = bare
    server.answers(unknown_keys="keep")
    run = repo.run("doctor", "--write")
    assert run.code == 1
    got = rows(run.stdout)
    assert got["probe_unknown_keys"] == "NO" and got["probe_fields"] == "yes"
    assert "kept and answered back" in run.stdout
    assert no_probe_left(repo)


def test_empty_page_past_the_last_fails_its_row(bare) -> None:
    server, repo = bare
    server.answers(past_last_page="empty")
    run = repo.run("doctor")
    assert run.code == 1
    got = rows(run.stdout)
    assert got["past_last_page"] == "NO" and got["campaign_paging"] == "yes"
    assert "empty 200" in run.stdout
    assert findings(repo)["choices"] == {"past_last_page": "empty"}


def test_refused_credentials_fail_without_showing_the_secret(bare) -> None:
    _server, repo = bare
    secret = "Zq8-doctor-distinctive-secret"
    run = repo.run("doctor", "--write", env={"LOCALYTICS_API_SECRET": secret})
    assert run.code == 1
    got = rows(run.stdout)
    assert got["credentials"] == "NO" and "yes" not in got.values()
    text = run.stdout + run.stderr + (repo.root / ".reconciler" / "doctor-test.json").read_text()
    assert secret not in text and "401" in text


def test_stream_doctor_writes_probes_and_deletes_them(stream_repo) -> None:
    run = stream_repo.run("doctor", "--write")
    assert run.code == 0, run.stdout + run.stderr
    got = rows(run.stdout)
    assert got["probe_segment"] == "yes" and got["probe_campaign"] == "yes"
    assert got["probe_deleted"] == "yes" and got["credentials"] == "yes"
    with stream_repo.stream() as c:
        left = c.post("/segments/query", json={"filter": {}, "limit": 100}).json()["segments"]
        campaigns = c.post("/campaigns/query", json={"filter": {}, "limit": 100}).json()
    assert not [s for s in left if s["id"].startswith(PROBE_PREFIX)]
    assert not [x for x in campaigns["campaigns"] if x["id"].startswith(PROBE_PREFIX)]
    assert findings(stream_repo)["provider"] == "stream"


@pytest.mark.parametrize(("after", "row", "held"), [(0, "probe_deleted", "yes"),
                                                    (1, "probe_unknown_keys", "skipped")])
def test_a_probe_whose_create_answer_was_lost_is_found_by_name_and_deleted(
        server, tmp_path, after: int, row: str, held: str) -> None:
    """The create is done and its answer lost (a proxy's 502): the probe exists all the same.
    Lost: the first probe's answer, or the unknown-key probe's (the second create)."""
    server.answers(audience_key="audience", past_last_page="404", unknown_keys="keep")
    proxy = DroppingProxy(server.base_url, "/push/campaigns", lambda body: body,
                          lose_creates=1, after=after)
    try:
        app = server.new_app()
        repo = Repo(tmp_path / "r", proxy.base_url + "/api/v6", app.org_id, app.app_id,
                    server.api_key, server.api_secret)
        run = repo.run("doctor", "--write")
    finally:
        proxy.stop()
    got = rows(run.stdout)
    assert got[row] == held, run.stdout
    assert run.code == (1 if after == 0 else 0)  # a failed create fails its row
    [found] = [c for c in findings(repo)["checks"] if c["id"] == row]
    assert "answer was lost; found by its name and deleted" in found["evidence"]
    direct = Repo(tmp_path / "d", server.api_url, app.org_id, app.app_id, server.api_key,
                  server.api_secret)
    assert no_probe_left(direct)


@pytest.mark.parametrize("route", ["create-segment", "create-campaign"])
def test_stream_probes_whose_create_answer_was_lost_are_deleted(stream_repo, route) -> None:
    stream_repo.knobs(drop={route: 1})  # created, then the answer is an HTML 502
    run = stream_repo.run("doctor", "--write")
    assert run.code == 1
    assert rows(run.stdout)["probe_deleted"] == "yes", run.stdout
    with stream_repo.stream() as c:
        left = c.post("/segments/query", json={"filter": {}, "limit": 100}).json()["segments"]
        campaigns = c.post("/campaigns/query", json={"filter": {}, "limit": 100}).json()
    assert not [s for s in left if s["id"].startswith(PROBE_PREFIX)]
    assert not [x for x in campaigns["campaigns"] if x["id"].startswith(PROBE_PREFIX)]


def test_stream_wrong_secret_fails_credentials(stream_repo) -> None:
    run = stream_repo.run("doctor", env={"STREAM_API_SECRET": "not-the-secret-xyz"})
    assert run.code == 1 and rows(run.stdout)["credentials"] == "NO"
    assert "not-the-secret-xyz" not in run.stdout + run.stderr


def test_smartech_doctor_reads_every_listing_and_adds_no_probe(smartech_repo) -> None:
    smartech_repo.write_config()
    run = smartech_repo.run("doctor", "--write")
    assert run.code == 0, run.stdout + run.stderr
    got = rows(run.stdout)
    assert got["credentials"] == "yes" and got["email_listing"] == "yes"
    assert got["list_listing"] == "yes" and got["segment_listing"] == "yes"
    assert got["unknown_id"] == "yes"
    # the sandbox, like Netcore's docs, answers the v4 list for email only
    assert got["app_push_listing"] == "yes"
    assert got["probe"] == "skipped"
    assert smartech_repo.executions() == []
    assert findings(smartech_repo)["provider"] == "smartech"



def test_stream_doctor_checks_that_a_cursor_continues_its_own_query(stream_repo) -> None:
    with stream_repo.stream() as c:
        for i in range(5):
            assert c.post("/segments", json={"id": f"s{i}", "type": "user"}).status_code == 201
    run = stream_repo.run("doctor")
    assert run.code == 0, run.stdout + run.stderr
    assert rows(run.stdout)["cursor_contract"] == "yes"
    assert "page 2 is the rest of page 1's query; next absent as it should be" in run.stdout
