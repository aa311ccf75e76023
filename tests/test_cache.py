"""The opt-in live cache: fewer requests, never a stale plan."""

from __future__ import annotations

from reconciler.workspace.cache import user_cache_dir
from tests.repo import Repo, campaign


def detail_reads(server) -> int:  # type: ignore[no-untyped-def]
    routes = server.stats()["by_route"]
    return sum(n for r, n in routes.items() if r.startswith("GET") and "{campaign_id}" in r)


def test_cached_replan_skips_unchanged_details_but_sees_live_edits(
    sandbox_factory, repo_on
) -> None:
    server = sandbox_factory()
    repo = repo_on(server)
    for i in range(6):
        repo.put("campaign", f"c{i}", campaign(f"C{i}"))
    assert repo.apply().code == 0

    server.reset_stats()
    assert repo.plan("--cache").code == 0
    assert detail_reads(server) == 6  # first cached plan fills the cache

    server.reset_stats()
    assert repo.plan("--cache", "--detailed-exitcode").code == 0
    assert detail_reads(server) == 0

    with repo.api() as api:  # an edit in the dashboard bumps updated_at
        cid = next(c["id"] for c in repo.live_campaigns() if c["name"] == "C3")
        body = api.get(f"/push/campaigns/{cid}").json()
        body["goal"] = "notify"
        api.put(f"/push/campaigns/{cid}", json=body).raise_for_status()
    server.reset_stats()
    run = repo.plan("--cache")
    changed = [c for c in run.json["changes"] if c["action"] != "noop"]
    assert [c["key"] for c in changed] == ["c3"]
    assert changed[0]["diff"] == [{"path": "goal", "before": "notify", "after": "monetize"}]
    assert detail_reads(server) == 1


def test_corrupt_or_foreign_cache_is_ignored_with_a_warning(repo: Repo) -> None:
    repo.put("campaign", "a", campaign("A"))
    assert repo.apply().code == 0
    assert repo.plan("--cache").code == 0
    [cache_file] = user_cache_dir(repo.root).glob("live-*.json")
    cache_file.write_text("{not json")
    run = repo.plan("--cache", "--detailed-exitcode")
    assert run.code == 0 and "ignoring live cache" in run.stderr
    cache_file.write_text('{"format": "reconciler-live-cache/1", "scope": {"app_id": "x"}, '
                          '"entries": {}}')
    run = repo.plan("--cache")
    assert run.code == 0 and "another target" in run.stderr


def test_env_setting_turns_the_cache_on(repo: Repo) -> None:
    repo.env_extra = {"cache": True}
    repo.write_config()
    repo.put("campaign", "a", campaign("A"))
    assert repo.apply().code == 0
    assert repo.plan().code == 0
    assert list(user_cache_dir(repo.root).glob("live-*.json"))
