"""One calendar across channels: Provider.sendings for every platform, `people:` groups,
safety.max_messages_per_day across envs (plans and `calendar --all-envs`), `specs:`."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from reconciler.calendar.grid import EVERYONE
from reconciler.config import load_config
from reconciler.registry import provider_class
from reconciler.stream.client import server_token
from reconciler.workspace import load_workspace
from tests.helpers import run_cli
from tests.people_repo import DAY, people_repo

GROUP_LINE = "people:buyers would get 3 messages on"


@pytest.fixture
def calm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECONCILER_NO_CACHE", "1")


def expand(root: Path, env: str) -> dict[str, Any]:
    loaded = load_config(root / "reconciler.yaml", env)
    ws = load_workspace(loaded)
    now = datetime.combine(DAY, time(), UTC)
    assert all("people" not in s.body for s in ws.specs)  # reconciler-only, never a payload
    got = provider_class(loaded.env.provider).sendings(ws.specs, DAY, 2, now)
    return {s.key: (sorted(s.audiences), [t.isoformat() for t in s.times]) for s in got}


def test_every_platform_expands_its_specs_without_an_api(tmp_path: Path, calm: None) -> None:
    root = people_repo(tmp_path)
    assert expand(root, "staging") == {"digest": (["buyers"], [f"{DAY}T09:00:00+00:00"])}
    assert expand(root, "chat") == {"nudge": (["buyers-chat"], [f"{DAY}T12:00:00+00:00"])}
    assert expand(root, "push") == {"now": (["lapsed"], []),  # as soon as live: no day
                                    "winback": (["lapsed"], [f"{DAY}T15:00:00+00:00"])}
    draft = root / "chat" / "campaigns" / "draft.yaml"  # no send: block, no start
    draft.write_text(draft.read_text() + f"send:\n  at: '{DAY}T08:00:00Z'\n")
    assert expand(root, "chat")["draft"] == ([EVERYONE], [f"{DAY}T08:00:00+00:00"])


def test_all_envs_counts_a_shared_folder_once_and_flags_the_group(tmp_path: Path) -> None:
    root = people_repo(tmp_path)
    args = ["calendar", "--all-envs", "--start", DAY.isoformat(), "--days", "2"]
    code, out, err = run_cli(args, root)
    assert code == 0, err
    table = out.split("\n\n")[0].splitlines()[2:]
    rows = {line.split()[0]: line.split()[1:] for line in table}
    assert rows["people:buyers"] == ["1", "3!", "."]  # live, then days; staging+production
    # count once
    assert list(rows) == ["people:buyers"]  # every audience here names the group
    assert out.splitlines()[0].endswith("cap 2 a day (safety.max_messages_per_day)")
    assert (f"  {DAY} people:buyers: 4 messages (digest (localytics, envs staging, "  # by time
            "production), nudge (stream, env chat), winback (smartech, env push); going live "
            "that day: now (smartech, env push))") in out.splitlines()
    code, page, err = run_cli([*args, "--format", "html"], root)
    assert code == 0, err
    assert f'class="cell over" data-audience="people:buyers" data-day="{DAY}"' in page
    assert "<h2>Over the cap</h2>" in page and "nudge (stream, env chat)" in page
    code, single, err = run_cli(["calendar", "--env", "chat", "--start", DAY.isoformat(),
                                 "--days", "2"], root)
    assert code == 0 and single.splitlines()[2].split()[:2] == ["buyers-chat", "1"], single


def test_unset_cap_flags_nothing_and_a_broken_env_stops_the_calendar(tmp_path: Path) -> None:
    root = people_repo(tmp_path)
    config = root / "reconciler.yaml"
    config.write_text(config.read_text().replace("max_messages_per_day: 2",
                                                 "max_pushes_per_day: 3"))
    code, out, err = run_cli(["calendar", "--all-envs", "--start", DAY.isoformat()], root)
    assert code == 0 and "no cap set (safety.max_messages_per_day)" in out.splitlines()[0]
    assert "No people group goes over the cap." in out
    (root / "push" / "audiences" / "lapsed.yaml").write_text("type: segment\nid: 13\n"
                                                            "people: two words\n")
    code, out, err = run_cli(["calendar", "--all-envs"], root)
    assert code == 1 and err.startswith("push/audiences/lapsed.yaml:3:1: people: people group 'two words' is not a name"), err


def test_specs_folder_must_exist_and_stay_inside(tmp_path: Path) -> None:
    root = people_repo(tmp_path)
    config = root / "reconciler.yaml"
    text = config.read_text()
    config.write_text(text.replace("specs: chat", "specs: chats"))
    code, _, err = run_cli(["validate"], root)
    assert code == 1 and "specs folder 'chats' not found" in err and err.count("\n") == 1
    config.write_text(text.replace("specs: chat", "specs: ../chat"))
    code, _, err = run_cli(["validate"], root)
    assert code == 1 and "relative path inside the repository" in err, err


def stream_live(url: str, key: str, path: str) -> dict[str, Any]:
    import httpx

    from reconciler.sandbox.stream import SANDBOX_SECRET

    r = httpx.get(f"{url}{path}", params={"api_key": key}, timeout=30,
                  headers={"Authorization": server_token(SANDBOX_SECRET),
                           "Stream-Auth-Type": "jwt"})
    return r.raise_for_status().json()  # type: ignore[no-any-return]


def test_plans_warn_across_envs_and_read_the_env_specs_folder(tmp_path: Path,
                                                               sandbox_server: Any) -> None:
    from reconciler.sandbox.stream import SANDBOX_SECRET

    a, b = sandbox_server.new_app(), sandbox_server.new_app()
    root = people_repo(tmp_path, sandbox_server.api_url, sandbox_server.base_url + "/stream",
                       ((a.org_id, a.app_id), (b.org_id, b.app_id)))
    env = {"STREAM_API_SECRET": SANDBOX_SECRET, "LOCALYTICS_API_KEY": sandbox_server.api_key,
           "LOCALYTICS_API_SECRET": sandbox_server.api_secret, "RECONCILER_NO_CACHE": "1"}
    code, out, err = run_cli(["plan", "--env", "chat", "--format", "json"], root, env)
    assert code == 0, err
    plan = json.loads(out)
    assert {(c["kind"], c["key"]) for c in plan["changes"]} == {
        ("segment", "buyers-chat"), ("segment", "all"), ("campaign", "nudge"),
        ("campaign", "draft")}  # chat/ only: the root's Localytics specs are not this env's
    assert "people" not in json.dumps([c["diff"] for c in plan["changes"]])
    (nudge,) = [c for c in plan["changes"] if c["key"] == "nudge"]
    (line,) = [w for w in nudge["warnings"] if w.startswith(GROUP_LINE)]
    assert line == (f"{GROUP_LINE} {DAY} (safety.max_messages_per_day 2), with digest "
                    "(localytics, envs staging, production), winback (smartech, env push)")
    code, out, err = run_cli(["plan", "--env", "production", "--format", "json"], root, env)
    assert code == 0, err
    changes = json.loads(out)["changes"]
    assert "people" not in json.dumps([c["diff"] for c in changes])
    (digest,) = [c for c in changes if c["key"] == "digest"]
    assert [w for w in digest["warnings"] if w.startswith("people:")] == [
        f"{GROUP_LINE} {DAY} (safety.max_messages_per_day 2), with nudge (stream, env chat), "
        "winback (smartech, env push)"]
    code, out, err = run_cli(["apply", "--env", "chat", "--auto-approve"], root, env)
    assert code == 0, err
    key = yaml_key(root)
    segment = stream_live(sandbox_server.base_url + "/stream", key, "/segments/rcl-buyers-chat")
    assert segment["segment"]["name"] == "Chat buyers" and "people" not in json.dumps(segment)
    code, out, err = run_cli(["plan", "--env", "chat"], root, env)  # unchanged: a plan note
    assert code == 0, err
    assert f"note: campaign nudge: {GROUP_LINE} {DAY}" in out


def yaml_key(root: Path) -> str:
    return str(load_config(root / "reconciler.yaml", "chat").env.api_key)


def test_fmt_formats_every_env_folder_by_its_platform(tmp_path: Path) -> None:
    root = people_repo(tmp_path)
    (root / "push" / "audiences" / "lapsed.yaml").write_text(
        "people: buyers\nid: 13\ntype: segment\n")
    code, out, err = run_cli(["fmt"], root)  # yaml.safe_dump's order is not the models'
    assert code == 0, err
    assert "reformatted push/audiences/lapsed.yaml" in out.splitlines()
    assert (root / "push" / "audiences" / "lapsed.yaml").read_text() == (
        "type: segment\nid: 13\npeople: buyers\n")  # Smartech's model order
    code, out, err = run_cli(["fmt", "--check"], root)
    assert (code, out) == (0, "")
    code, _, err = run_cli(["calendar", "--out", "chat/campaigns/cal.txt"], root)
    assert code == 1 and "inside the spec folder campaigns/" in err


def test_the_verdict_does_not_depend_on_the_start_day(tmp_path: Path) -> None:
    """A send "as soon as it goes live" (`at: now`) has no day: it is shown in its own
    `live` column and every day is checked with it added, so starting the window a day
    earlier flags the same group-day with the same count (it used to land on the first
    day shown: 4 messages with --start DAY, 3 with --start DAY-1)."""
    root = people_repo(tmp_path)
    verdicts = []
    for start in (DAY, DAY - timedelta(days=1)):
        code, out, err = run_cli(["calendar", "--all-envs", "--start", start.isoformat(),
                                  "--days", "3"], root)
        assert code == 0, err
        verdicts.append(out.split("over the cap:\n", 1)[-1].splitlines())
        assert out.splitlines()[1].split()[0] == "live"
    assert verdicts[0] == verdicts[1]
    assert verdicts[0] == [f"  {DAY} people:buyers: 4 messages (digest (localytics, envs "
                           "staging, production), nudge (stream, env chat), winback (smartech, "
                           "env push); going live that day: now (smartech, env push))"]


def test_the_png_lists_the_campaigns_behind_each_flagged_cell(tmp_path: Path) -> None:
    """The PNG is drawn from the SVG: its flagged cells' campaigns are text lines in it,
    as the HTML page lists them (hover titles do not survive into a PNG)."""
    from reconciler.calendar.draw import heatmap_svg
    from reconciler.calendar.people import gather, people_grid

    root = people_repo(tmp_path)
    loaded = load_config(root / "reconciler.yaml", "staging")
    now = datetime.combine(DAY, time(), UTC)
    grid = people_grid(gather(loaded, DAY, 3, now), DAY, 3, 2)
    svg = heatmap_svg(grid, "caption")
    lines = re.findall(r'<text class="overload"[^>]*>([^<]*)</text>', svg)
    assert lines == [f"{DAY} people:buyers: 4 messages (digest (localytics, envs staging, "
                     "production), nudge (stream, env chat), winback (smartech, env push); "
                     "going live that day: now (smartech, env push))"]
    assert 'data-day="live" data-count="1"' in svg
