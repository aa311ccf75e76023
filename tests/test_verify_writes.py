"""Verify every write (DESIGN §6) against an API that silently forgets a field.

A loopback proxy in front of the served sandbox drops a field from the JSON
body of writes, so the sandbox stores and answers the object without it: 2xx,
field gone. Apply must fail that change naming the field, report no success
for it, journal it, skip its dependents and exit 1; a go-live must stay a
draft. The real CLI runs against the proxy's URL as a user's env would.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.dropping_proxy import DroppingProxy, drop_push_title
from tests.repo import Repo, audience, campaign

LOST_TITLE = ("the API did not keep creatives[0].build_attributes.push_title "
              "(sent 'Sale', answered nothing)")


@pytest.fixture
def proxied(sandbox_server: Any, tmp_path: Any) -> Iterator[Callable[..., tuple[Repo, Repo]]]:
    """`proxied(path_part, drop)` → (repo through the proxy, the same app seen directly)."""
    proxies: list[DroppingProxy] = []

    def make(path_part: str, drop: Callable[[Any], Any]) -> tuple[Repo, Repo]:
        proxy = DroppingProxy(sandbox_server.base_url, path_part, drop)
        proxies.append(proxy)
        app = sandbox_server.new_app()
        through = Repo(tmp_path / "repo", proxy.base_url + "/api/v6", app.org_id, app.app_id)
        direct = Repo(tmp_path / "direct", sandbox_server.api_url, app.org_id, app.app_id)
        return through, direct

    yield make
    for proxy in proxies:
        proxy.stop()


def results_by_key(run: Any) -> dict[str, dict[str, Any]]:
    return {r["key"]: r for r in run.json["results"]}


def journal(repo: Repo) -> list[dict[str, Any]]:
    path = repo.root / ".reconciler" / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_dropped_field_fails_its_change_naming_the_field(proxied) -> None:
    repo, direct = proxied("/push/campaigns", drop_push_title)
    repo.put("audience", "buyers", audience("Buyers"))
    repo.put("campaign", "cart-rescue", campaign("Cart rescue", audiences=["buyers"]))

    run = repo.apply()
    assert run.code == 1, run.stderr
    results = results_by_key(run)
    assert results["buyers"]["status"] == "applied"
    assert results["cart-rescue"]["status"] == "failed"
    assert results["cart-rescue"]["error"] == LOST_TITLE
    assert run.json["summary"] == {"applied": 1, "failed": 1, "skipped": 0}
    entry = next(e for e in journal(repo) if e["key"] == "cart-rescue")
    assert entry["status"] == "failed" and entry["error"] == LOST_TITLE

    text = repo.run("apply", "--auto-approve")  # the object exists now: an update, same loss
    assert text.code == 1
    assert f"failed: campaign cart-rescue: {LOST_TITLE}" in text.stderr.splitlines()
    assert "Apply: 0 applied, 1 failed, 0 skipped" in text.stdout
    assert [c["name"] for c in direct.live_campaigns()] == ["Cart rescue"]


def test_a_go_live_whose_draft_lost_a_field_stays_a_draft(proxied) -> None:
    repo, direct = proxied("/push/campaigns", drop_push_title)
    repo.put("campaign", "launch", campaign("Launch", status="active"))

    run = repo.apply()
    assert run.code == 1, run.stderr
    result = results_by_key(run)["launch"]
    assert result["status"] == "failed"
    assert result["error"] == LOST_TITLE + "; left as a draft, not activated"
    assert [c["status"] for c in direct.live_campaigns()] == ["draft"]


def test_a_go_live_that_sticks_is_verified_then_activated(repo: Repo) -> None:
    repo.put("campaign", "launch", campaign("Launch", status="active"))
    run = repo.apply()
    assert run.code == 0, run.stderr
    assert [c["status"] for c in repo.live_campaigns()] == ["active"]
    entries = [e for e in journal(repo) if e["key"] == "launch"]
    assert [(e["status"], e["note"]) for e in entries] == [
        ("draft", "verified as a draft; activating"),
        ("applied", "verified as a draft, then activated"),
    ]
    assert entries[0]["live_id"] == entries[1]["live_id"]
    assert repo.plan().json["summary"]["create"] == 0


def drop_profile(body: Any) -> Any:
    (body.get("target_rules") or {}).pop("profile", None)
    return body


def test_a_dependent_of_an_audience_that_lost_a_field_is_skipped(proxied) -> None:
    repo, _ = proxied("/audiences", drop_profile)
    repo.put("audience", "buyers", audience("Buyers"))
    repo.put("campaign", "cart-rescue", campaign("Cart rescue", audiences=["buyers"]))

    run = repo.apply()
    assert run.code == 1
    results = results_by_key(run)
    assert results["buyers"]["status"] == "failed"
    assert results["buyers"]["error"].startswith("the API did not keep target_rules.profile ")
    assert results["cart-rescue"]["status"] == "skipped"
    assert "depends on audience:buyers" in results["cart-rescue"]["error"]


def drop_description(body: Any) -> Any:
    if isinstance(body, dict):
        body.pop("description", None)
    return body


def test_stream_campaign_that_lost_a_field_is_never_started(sandbox_server: Any,
                                                             tmp_path: Any) -> None:
    """Every provider gets verification and the two-phase start: Stream too."""
    from tests.stream_repo import StreamRepo, segment, stream_campaign

    proxy = DroppingProxy(sandbox_server.base_url, "/campaigns", drop_description)
    try:
        repo = StreamRepo(tmp_path / "stream", proxy.base_url + "/stream", 0, "")
        repo.put("segment", "norway", segment("Norway"))
        repo.put("campaign", "hello", stream_campaign("Hello", ["norway"], send={"at": "now"},
                                                      description="Spring"))
        run = repo.apply()
        assert run.code == 1, run.stderr
        result = results_by_key(run)["hello"]
        assert result["status"] == "failed"
        assert result["error"] == ("the API did not keep description (sent 'Spring', "
                                   "answered nothing); left as a draft, not activated")
        assert results_by_key(run)["norway"]["status"] == "applied"
        assert repo.starts() == {}
    finally:
        proxy.stop()


def test_the_message_names_the_first_lost_field_and_counts_the_rest() -> None:
    from reconciler.apply.verify import describe
    from reconciler.plan.model import FieldChange

    lost = [FieldChange("goal", "notify", "monetize"), FieldChange("name", None, "x" * 80),
            FieldChange("status", "draft", None)]
    assert describe(lost) == ("the API did not keep goal and 2 more field(s) "
                              "(sent 'monetize', answered 'notify')")
    assert describe(lost[1:2]) == ("the API did not keep name (sent '" + "x" * 58 + "…, "
                                   "answered nothing)")
