"""Apply under injected faults: drops, errors, rate limits. Never a duplicate."""

from __future__ import annotations

import collections

from tests.repo import audience, campaign


def duplicates(names: list[str]) -> list[str]:
    return [n for n, k in collections.Counter(names).items() if k > 1]


def test_drops_and_errors_converge_without_duplicates(sandbox_factory, repo_on) -> None:
    server = sandbox_factory(drop_rate=0.3, error_rate=0.2, seed=7)
    repo = repo_on(server)
    for i in range(4):
        repo.put("audience", f"a{i}", audience(f"Audience {i}", event=f"E{i}"))
    for i in range(12):
        repo.put("campaign", f"c{i}", campaign(f"Campaign {i}", [f"a{i % 4}"]))
    codes = []
    for _ in range(6):
        run = repo.apply()
        codes.append(run.code)
        assert "Traceback" not in run.stderr
        names = [c["name"] for c in repo.live_campaigns()]
        assert duplicates(names) == []
        assert duplicates([a["name"] for a in repo.live_audiences()]) == []
        if run.code == 0 and repo.plan("--detailed-exitcode").code == 0:
            break
    assert repo.plan("--detailed-exitcode").code == 0, codes
    assert len(repo.live_campaigns()) == 12 and len(repo.live_audiences()) == 4


def test_rate_limited_apply_finishes_with_no_failure(sandbox_factory, repo_on) -> None:
    server = sandbox_factory(rate_limit=10, seed=1)
    repo = repo_on(server, env_extra={"concurrency": 8})
    repo.write_config()
    for i in range(30):
        repo.put("campaign", f"c{i}", campaign(f"Campaign {i}"))
    run = repo.apply()
    assert run.code == 0, run.stdout + run.stderr
    assert run.json["summary"] == {"applied": 30, "failed": 0, "skipped": 0}
    assert sorted(c["name"] for c in repo.live_campaigns()) == sorted(
        f"Campaign {i}" for i in range(30))
