"""Stream under faults: lost answers of `start` and `create`, 429s, bad credentials."""

from __future__ import annotations

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
