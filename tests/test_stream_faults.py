"""Stream under faults: lost answers of `start` and `create`, 429s, bad credentials."""

from __future__ import annotations

from pathlib import Path

from tests.stream_repo import StreamRepo, segment, stream_campaign


def test_dropped_start_answers_never_send_twice(stream_repo: StreamRepo) -> None:
    repo = stream_repo
    repo.put("segment", "s", segment("S"))
    repo.put("campaign", "once", stream_campaign("Once", ["s"], send={"at": "now"}))
    repo.knobs(drop={"start": 2})  # start happens, its answer is lost (twice if retried)
    applied = repo.apply()
    assert applied.code == 0, applied.stdout + applied.stderr
    assert repo.starts() == {"rcl-once": 1}
    assert repo.campaign("rcl-once")["status"] != "draft"
    again = repo.apply()
    assert again.code == 0 and again.json["summary"]["applied"] == 0
    assert repo.starts() == {"rcl-once": 1}


def test_dropped_create_is_adopted_and_started_once(stream_repo: StreamRepo) -> None:
    repo = stream_repo
    repo.put("segment", "s", segment("S"))
    repo.put("campaign", "c", stream_campaign("C", ["s"], send={"at": "now"}))
    repo.knobs(drop={"create-campaign": 1, "create-segment": 1})
    applied = repo.apply()
    assert applied.code == 0, applied.stdout + applied.stderr
    assert repo.starts() == {"rcl-c": 1}
    assert repo.plan("--detailed-exitcode").code == 0


def test_rate_limited_apply_waits_for_reset(stream_repo: StreamRepo) -> None:
    repo = stream_repo
    for i in range(6):
        repo.put("segment", f"s{i}", segment(f"S{i}", target_ids=[f"u{i}"]))
    repo.knobs(rate_limit=2)
    applied = repo.apply()
    assert applied.code == 0, applied.stderr
    assert applied.json["summary"]["applied"] == 6
    assert repo.throttled() > 0


def test_wrong_secret_is_one_line_and_never_printed(stream_repo: StreamRepo) -> None:
    repo = stream_repo
    repo.secret = "a-wrong-secret-that-must-never-be-printed-42"
    repo.put("segment", "s", segment("S"))
    run = repo.plan()
    assert run.code == 1
    assert run.stderr.count("\n") == 1 and "401" in run.stderr
    assert "STREAM_API_SECRET" in run.stderr
    assert repo.secret not in run.stdout + run.stderr


def test_two_applies_at_once_with_a_short_lease_start_each_campaign_once(
    stream_repo: StreamRepo, tmp_path: Path
) -> None:
    """Two machines apply one Stream app at once, with a 6 s lease, under a rate limit
    (so an apply outlives a renewal period) and lost answers: every campaign is started
    once, whoever wins. The loser says who holds the lease; a holder whose renewal the
    rate limit delayed past the expiry stops writing and says so (never a double send)."""
    from tests.test_lease_held import lease_expiry, start_apply

    a = stream_repo
    b = StreamRepo(tmp_path / "b", a.api_url, 0, "", stream_key=a.stream_key)
    for repo in (a, b):
        lease_expiry(repo, 6)
        for i in range(4):
            repo.put("segment", f"s{i}", segment(f"S{i}", target_ids=[f"u{i}"]))
        for i in range(3):
            repo.put("campaign", f"c{i}", stream_campaign(f"C{i}", [f"s{i}"],
                                                          send={"at": "now"}))
    a.knobs(rate_limit=2, drop={"start": 1, "create-campaign": 1})
    procs = [start_apply(r, env={"STREAM_API_SECRET": r.secret}) for r in (a, b)]
    outcomes = [(p.communicate(timeout=300)[1], p.returncode) for p in procs]
    assert all(code == 0 or "holds the lease" in err or "error: stopped writing: " in err
               for err, code in outcomes), outcomes
    again = a.apply()  # whatever a refused or failed run left, the next one finishes
    assert again.code == 0, again.stderr
    assert a.starts() == {f"rcl-c{i}": 1 for i in range(3)}
    assert a.plan("--detailed-exitcode").code == 0
