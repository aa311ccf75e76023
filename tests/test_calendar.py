"""Schedule expansion against hand-computed dates, the day grid, the over-cap warnings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from reconciler.calendar.grid import EVERYONE, Sending, build
from reconciler.localytics.schedule import sends
from reconciler.localytics.sendings import over_cap
from reconciler.workspace.workspace import Spec
from tests.helpers import example_repo, run_cli

NOW = datetime(2027, 1, 10, 8, 30, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def days(schedule: dict[str, Any], start: str, end: str) -> list[str]:
    got = sends(schedule, date.fromisoformat(start), date.fromisoformat(end), NOW)
    return [t.strftime("%Y-%m-%d %H:%M") for t in got]


def recurring(*intervals: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"recurring": {"begin_date": "2027-01-01T09:00:00Z", "intervals": list(intervals),
                          **extra}}


def test_one_time_kinds() -> None:
    assert days({"begin_immediately": {}}, "2027-01-01", "2027-02-01") == ["2027-01-10 08:30"]
    assert days({"begin_immediately": {}}, "2027-01-11", "2027-02-01") == []
    on = {"on_schedule": {"begin_date": "2027-01-15T23:30:00-02:00"}}  # 01:30 UTC next day
    assert days(on, "2027-01-01", "2027-02-01") == ["2027-01-16 01:30"]
    assert days(on, "2027-01-17", "2027-02-01") == []
    opt = {"optimized": {"fallback_time": "2027-01-12T16:00:00Z"}}
    assert days(opt, "2027-01-01", "2027-01-13") == ["2027-01-12 16:00"]
    assert days(opt, "2027-01-01", "2027-01-12") == []  # the window's end is exclusive


def test_every_hour_day_and_other_day() -> None:
    hourly = days(recurring({"interval": "every hour"}), "2027-01-02", "2027-01-03")
    assert len(hourly) == 24 and hourly[0] == "2027-01-02 00:00" and hourly[-1].endswith("23:00")
    assert days(recurring({"interval": "every day"}), "2026-12-30", "2027-01-04") == [
        "2027-01-01 09:00", "2027-01-02 09:00", "2027-01-03 09:00"]
    assert days(recurring({"interval": "every other day"}), "2027-01-01", "2027-01-08") == [
        "2027-01-01 09:00", "2027-01-03 09:00", "2027-01-05 09:00", "2027-01-07 09:00"]


def test_weekly_starts_on_the_first_matching_day() -> None:
    # 2027-01-01 is a Friday: the first Monday is the 4th, the first Friday the 1st itself
    mondays = days(recurring({"interval": "weekly", "day_of_week": "monday"}),
                   "2027-01-01", "2027-01-31")
    assert mondays == ["2027-01-04 09:00", "2027-01-11 09:00", "2027-01-18 09:00",
                       "2027-01-25 09:00"]
    assert days(recurring({"interval": "weekly", "day_of_week": "friday"}),
                "2027-01-01", "2027-01-09") == ["2027-01-01 09:00", "2027-01-08 09:00"]


def test_monthly_on_day_31_falls_on_the_last_day_of_shorter_months() -> None:
    got = days(recurring({"interval": "monthly", "on_day": 31}), "2027-01-01", "2027-06-01")
    assert got == ["2027-01-31 09:00", "2027-02-28 09:00", "2027-03-31 09:00",
                   "2027-04-30 09:00", "2027-05-31 09:00"]


def test_leap_days() -> None:
    leap = {"recurring": {"begin_date": "2028-01-29T10:00:00Z",
                          "intervals": [{"interval": "monthly", "on_day": 29}]}}
    assert days(leap, "2028-01-01", "2028-04-01") == [
        "2028-01-29 10:00", "2028-02-29 10:00", "2028-03-29 10:00"]
    plain = {"recurring": {"begin_date": "2027-01-29T10:00:00Z",
                           "intervals": [{"interval": "monthly", "on_day": 29}]}}
    assert days(plain, "2027-02-01", "2027-03-01") == ["2027-02-28 10:00"]
    daily = {"recurring": {"begin_date": "2028-02-27T07:00:00Z",
                           "intervals": [{"interval": "every day"}]}}
    assert days(daily, "2028-02-28", "2028-03-02") == [
        "2028-02-28 07:00", "2028-02-29 07:00", "2028-03-01 07:00"]
    weekly = {"recurring": {"begin_date": "2028-02-01T07:00:00Z",
                            "intervals": [{"interval": "weekly", "day_of_week": "tuesday"}]}}
    assert "2028-02-29 07:00" in days(weekly, "2028-02-01", "2028-03-08")


def test_end_date_is_inclusive_and_intervals_combine() -> None:
    sched = recurring({"interval": "every day"}, {"interval": "weekly", "day_of_week": "monday"},
                      end_date="2027-01-04T09:00:00Z")
    assert days(sched, "2027-01-01", "2027-02-01") == [
        "2027-01-01 09:00", "2027-01-02 09:00", "2027-01-03 09:00", "2027-01-04 09:00"]


def test_frequency_caps_follow_one_user() -> None:
    total = recurring({"interval": "every day"},
                      frequency_attributes=[{"name": "total_message_ever", "count": 3}])
    # sends before the window count towards the total: only the 3rd falls inside
    assert days(total, "2027-01-03", "2027-02-01") == ["2027-01-03 09:00"]
    per_days = recurring({"interval": "every hour"}, frequency_attributes=[
        {"name": "messages_per_days", "days": 1, "count": 2, "messages_atleast_days_apart": 0}])
    assert days(per_days, "2027-01-01", "2027-01-03") == [
        "2027-01-01 09:00", "2027-01-01 10:00", "2027-01-02 09:00", "2027-01-02 10:00"]
    apart = recurring({"interval": "every day"}, frequency_attributes=[
        {"name": "messages_per_days", "days": 30, "count": 10, "messages_atleast_days_apart": 3}])
    assert days(apart, "2027-01-01", "2027-01-11") == [
        "2027-01-01 09:00", "2027-01-04 09:00", "2027-01-07 09:00", "2027-01-10 09:00"]


def daily(key: str, audiences: Any, status: str = "active") -> Spec:
    target: dict[str, Any] = {"campaign_type": "everyone"}
    if audiences != EVERYONE:
        target = {"campaign_type": "saved_audience", "target_rules": {"audience": audiences}}
    body = {"name": key.title(), "status": status, "audiences": target,
            "schedule": recurring({"interval": "every day"})}
    return Spec("campaign", key, f"campaigns/{key}.yaml", body)


def test_three_daily_campaigns_on_one_audience() -> None:
    specs = [daily("a", ["buyers"]), daily("b", ["buyers"]), daily("c", ["buyers", "vips"])]
    at_cap = over_cap(specs, specs, cap=3, now=NOW)
    assert at_cap == {}
    warned = over_cap(specs[:1], specs, cap=2, now=NOW)
    assert list(warned) == ["campaign:a"]
    (line,) = warned["campaign:a"]
    assert line.startswith("audience buyers would get 3 pushes on 2027-01-10 and 89 more day(s)")
    assert line.endswith("with b, c")


def test_everyone_overlaps_every_audience_and_drafts_do_not_count() -> None:
    specs = [daily("all", EVERYONE), daily("b", ["buyers"]), daily("c", ["buyers"]),
             daily("d", ["vips"]), daily("draft", ["buyers"], status="draft")]
    warned = over_cap(specs, specs, cap=2, now=NOW)
    assert set(warned) == {"campaign:all", "campaign:b", "campaign:c"}
    assert warned["campaign:all"] == [w for w in warned["campaign:all"] if "buyers" in w]
    assert "with b, c" in warned["campaign:all"][0]
    assert "with all, c" in warned["campaign:b"][0]
    sendings = [Sending("x", "X", frozenset({EVERYONE}), (at("2027-01-01T09:00:00"),)),
                Sending("y", "Y", frozenset({"vips"}), (at("2027-01-01T10:00:00"),))]
    grid = build(sendings, date(2027, 1, 1), 2, cap=1)
    assert grid.audiences == [EVERYONE, "vips"]
    assert grid.counts[EVERYONE][date(2027, 1, 1)] == 1
    assert [(o.audience, o.count, o.campaigns) for o in grid.overloads] == [
        ("vips", 2, ("x", "y"))]


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return example_repo(tmp_path_factory.mktemp("examples"))


def test_cli_table_html_and_png(examples: Path) -> None:
    args = ["calendar", "--start", "2027-01-01", "--days", "14", "--drafts"]
    code, out, err = run_cli(args, examples)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Sends per audience per day, 2027-01-01 to 2027-01-14")
    streak = next(line for line in lines if line.startswith("new:daily-streak-reminder"))
    assert lines[1].split()[:2] == ["live", "01"]  # a begin_immediately campaign: no day
    assert streak.split()[1:] == [".", ".", ".", ".", "1", "1", "1", "1", "1", "1", "1", "2", "2",
                                  "1", "1"]
    code, out, err = run_cli([*args, "--format", "html"], examples)
    assert code == 0 and "<svg" in out and "No audience goes over the cap" in out
    code, out, err = run_cli([*args, "--format", "png", "--out", "cal.png"], examples)
    assert code == 0 and (examples / "cal.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, _, err = run_cli(["calendar", "--format", "png"], examples)
    assert code == 1 and err.strip() == "error: --format png needs --out FILE.png"


def test_campaigns_begun_long_ago_still_send_in_the_window() -> None:
    old = {"recurring": {"begin_date": "2001-03-04T05:00:00Z",
                         "intervals": [{"interval": "every hour"},
                                       {"interval": "weekly", "day_of_week": "sunday"}]}}
    got = days(old, "2027-01-03", "2027-01-04")  # a Sunday
    assert len(got) == 24 and got[0] == "2027-01-03 00:00"
    capped = {"recurring": {**old["recurring"], "intervals": [{"interval": "every day"}],
                            "frequency_attributes": [{"name": "messages_per_days", "days": 7,
                                                      "count": 1,
                                                      "messages_atleast_days_apart": 0}]}}
    assert len(days(capped, "2027-01-01", "2027-01-29")) == 4
