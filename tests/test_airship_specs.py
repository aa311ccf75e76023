"""Airship spec files and env config checked offline, through the real CLI: each bad
input is one located `error:` line and exit 1, before any request (the env points at a
closed port: a request would be a different error)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from reconciler.airship.client import AirshipClient
from reconciler.airship.lint import lint_campaign
from reconciler.airship.sendings import times
from reconciler.calls import Caller
from reconciler.errors import TransportError
from tests.airship_repo import airship_pipeline, airship_schedule, airship_segment
from tests.helpers import FIXTURES, run_cli

CLOSED = "http://127.0.0.1:9/airship"  # the discard port: nothing listens


def repo(tmp_path: Path, files: dict[str, Any], **env: Any) -> Path:
    config = {"envs": {"e": {"provider": "airship", "api_url": CLOSED,
                             "app_key": "k" * 22, **env}}}
    (tmp_path / "reconciler.yaml").write_text(yaml.safe_dump(config))
    for name, body in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(body, sort_keys=False))
    return tmp_path


def validate(root: Path) -> tuple[int, str]:
    code, out, err = run_cli(["validate"], root, env={"AIRSHIP_MASTER_SECRET": "s3cret-master"})
    return code, out + err


@pytest.mark.parametrize(("criteria", "says"), [
    ({"and": [{"tag": "vip"}, {"location": {"id": "x"}}]}, "location selectors are dashboard-built"),
    ({"AND": [{"tag": "vip"}]}, "write 'AND' in lowercase"),
    ({"or": []}, "or takes a list of 1 to 10 selectors"),
    ({"tag": "x" * 128}, "a tag is text of 1 to 127 characters"),
    ({"tag_class": "autogroup"}, "tag_class is retired"),
    ({"colour": "red"}, "unknown selector 'colour'"),
])
def test_unsupported_criteria_are_one_located_error(tmp_path: Path, criteria: Any,
                                                    says: str) -> None:
    code, out = validate(repo(tmp_path, {"audiences/vip.yaml": airship_segment("VIP", criteria)}))
    assert code == 1, out
    [line] = [x for x in out.splitlines() if x.strip()]
    assert line.startswith("audiences/vip.yaml:") and says in line, out


def test_a_location_selector_is_refused_at_its_line(tmp_path: Path) -> None:
    root = repo(tmp_path, {})
    (root / "audiences").mkdir()
    (root / "audiences" / "vip.yaml").write_text(
        "display_name: VIP\ncriteria:\n  and:\n    - tag: vip\n    - location:\n"
        "        id: x\n")
    code, out = validate(root)
    assert code == 1 and out.startswith("audiences/vip.yaml:5:7: location selectors"), out


@pytest.mark.parametrize(("campaign", "says"), [
    ({**airship_schedule("S", ["vip"]), "segments": None}, "a schedule needs segments"),
    ({**airship_schedule("S", ["vip"]), "enabled": True}, "a schedule has no enabled"),
    ({**airship_pipeline("P"), "segments": ["vip"]}, "segments is not a field of a pipeline"),
    (airship_pipeline("P", immediate_trigger="region_entered"), "location triggers"),
    (airship_pipeline("P", notification={"ios": {"alert": "hi"}}),
     "android is in device_types but has no alert"),
    (airship_pipeline("P", device_types=["ios"], notification={
        "alert": "a", "android": {"title": "t"}}), "notification.android needs android"),
    (airship_schedule("S", ["vip"], schedule={"scheduled_time": "2030-01-01T09:00:00Z",
                                              "best_time": {"send_date": "2030-01-01"}}),
     "give exactly one of scheduled_time, local_scheduled_time and best_time"),
    (airship_pipeline("P", constraint=[{"rate": {"pushes": 1, "days": 91}}]), "90"),
])
def test_campaign_rules_are_one_error(tmp_path: Path, campaign: dict[str, Any],
                                      says: str) -> None:
    campaign = {k: v for k, v in campaign.items() if v is not None}
    root = repo(tmp_path, {"audiences/vip.yaml": airship_segment("VIP"),
                           "campaigns/c.yaml": campaign})
    code, out = validate(root)
    assert code == 1 and says in out and "campaigns/c.yaml:" in out, out


def test_the_example_validates(tmp_path: Path) -> None:
    # the tests' copy of examples/airship (the root's examples are a user's to replace)
    code, out, err = run_cli(["validate", "--config", "airship/reconciler.yaml"], FIXTURES)
    assert code == 0 and "valid: 2 segments, 3 campaigns" in out, out + err


@pytest.mark.parametrize(("env", "says"), [
    ({"api_url": "https://go.example.com"}, "a region's base URL"),
    ({"master_secret": "x"}, "takes no master_secret"),
    ({"app_key": None}, "needs app_key"),
    ({"app_key": "short"}, "app_key"),
])
def test_env_mistakes_are_refused(tmp_path: Path, env: dict[str, Any], says: str) -> None:
    root = repo(tmp_path, {}, **env)
    if env.get("app_key", "") is None:
        text = yaml.safe_load((root / "reconciler.yaml").read_text())
        del text["envs"]["e"]["app_key"]
        (root / "reconciler.yaml").write_text(yaml.safe_dump(text))
    code, out = validate(root)
    assert code == 1 and says in out, out
    assert "s3cret-master" not in out


def test_without_a_secret_the_plan_names_the_variables(tmp_path: Path) -> None:
    root = repo(tmp_path, {"audiences/vip.yaml": airship_segment("VIP")})
    code, out, err = run_cli(["plan"], root, env={"AIRSHIP_MASTER_SECRET": "",
                                                  "AIRSHIP_TOKEN": ""})
    assert code == 1
    assert err.strip() == "error: env 'e' needs its secret: set AIRSHIP_MASTER_SECRET (or " \
        "AIRSHIP_TOKEN)", err


def test_a_page_link_to_another_host_is_refused() -> None:
    """The credentials never follow `next_page` off the env's base URL."""
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"segments": [{"id": "a", "display_name": "A"}],
                                         "next_page": "https://evil.example/api/segments"})

    async def listing() -> None:
        client = AirshipClient("https://go.urbanairship.com", app_key="k" * 22, secret="s",
                               caller=Caller(), transport=httpx.MockTransport(answer))
        try:
            await client.list_segments()
        finally:
            await client.aclose()

    import asyncio

    with pytest.raises(TransportError, match="leaves https://go.urbanairship.com"):
        asyncio.run(listing())


def test_recurring_schedules_expand_by_their_cadence() -> None:
    end = datetime(2027, 3, 1, tzinfo=UTC)
    weekly = {"scheduled_time": "2027-01-15T09:00:00Z", "recurring": {
        "cadence": {"type": "weekly", "count": 2, "days_of_week": ["monday", "friday"]},
        "end_time": "2027-02-20T00:00:00Z"}}
    assert [t.date().isoformat() for t in times(weekly, end)] == [
        "2027-01-15", "2027-01-25", "2027-01-29", "2027-02-08", "2027-02-12"]
    monthly = {"scheduled_time": "2027-01-31T09:00:00Z",
               "recurring": {"cadence": {"type": "monthly"}}}
    assert [t.month for t in times(monthly, datetime(2027, 6, 1, tzinfo=UTC))] == [1, 3, 5]


def test_lint_flags_oversized_payloads_and_past_times() -> None:
    now = datetime(2027, 1, 1, tzinfo=UTC)
    big = airship_schedule("S", ["vip"], at="2026-12-01T00:00:00Z",
                           notification={"alert": "x" * 5000})
    warnings = lint_campaign(big, now)
    assert any("ios notification is 5,012 bytes" in w for w in warnings), warnings
    assert any("android notification" in w for w in warnings), warnings
    assert any("one-time send time has passed" in w for w in warnings), warnings
    assert lint_campaign(airship_schedule("S", ["vip"]), now) == []
    # a device-local time has passed only once the last time zone (UTC-12) is past it
    local = airship_schedule("S", ["vip"], schedule={"local_scheduled_time": "2026-12-31T20:00:00"})
    assert lint_campaign(local, datetime(2027, 1, 1, 9, 59, tzinfo=UTC)) == []
    assert lint_campaign(local, datetime(2027, 1, 1, 10, 0, tzinfo=UTC)) != []


def test_next_page_is_followed_to_the_end_under_the_base_path() -> None:
    """Relative and absolute page links both stay under the served sandbox's prefix."""
    pages = {"/airship/api/segments": ("/airship/api/segments?start=b", ["a"]),
             "/airship/api/segments?start=b": ("http://127.0.0.1:8400/airship/api/segments"
                                               "?start=c", ["b"]),
             "/airship/api/segments?start=c": (None, ["c"])}
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        target = request.url.raw_path.decode().replace("limit=200", "").rstrip("?&")
        seen.append(target)
        link, names = pages[target]
        return httpx.Response(200, json={"segments": [{"id": n, "display_name": n}
                                                      for n in names],
                                         **({"next_page": link} if link else {})})

    async def listing() -> list[dict[str, Any]]:
        client = AirshipClient("http://127.0.0.1:8400/airship", app_key="k" * 22, secret="s",
                               caller=Caller(), transport=httpx.MockTransport(answer))
        try:
            return await client.list_segments()
        finally:
            await client.aclose()

    import asyncio

    assert [r["id"] for r in asyncio.run(listing())] == ["a", "b", "c"]
    assert seen == list(pages)
