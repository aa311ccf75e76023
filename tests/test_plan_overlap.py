"""A plan's own work stays off the path of its requests (issue 29).

Plan time at the API's latency is requests x latency / concurrency plus whatever
the client does in series with its requests: start-up before the first, work
between a slot's answer and its next request, and the end after the last. Time
is not asserted (shared machines are noisy); what is guarded is the order of
events on the one event loop, and what a plan imports and leaves to do at exit.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from reconciler.calls import Caller
from reconciler.httpio import PlatformClock, json_or_none
from reconciler.plan import planner
from reconciler.provider import LiveObject
from tests.helpers import cli_modules
from tests.repo import Repo, audience, campaign


def test_a_read_lets_the_next_request_leave_before_its_answer_is_worked_on() -> None:
    """One slot, two reads: B's request leaves before A's answer is processed. Before,
    A's parsing and comparing ran first, in series with the latency, on every slot."""
    events: list[str] = []

    async def main() -> None:
        caller = Caller(concurrency=1)

        def request(name: str) -> Any:
            async def send() -> str:
                events.append(f"{name} sent")
                await asyncio.sleep(0)  # the answer comes back
                return name
            return send

        async def read(name: str) -> None:
            await caller.send(request(name), idempotent=True, read=True)
            events.append(f"{name} worked on")

        await asyncio.gather(read("A"), read("B"))

    asyncio.run(main())
    assert events == ["A sent", "B sent", "A worked on", "B worked on"]


def test_reads_leave_before_the_objects_complete_already_are_compared() -> None:
    """The audiences' listing has their bodies, the campaigns' needs a read each: the
    reads are sent first, and the 200 audience comparisons of the bench run while
    they are answered, not before the first request."""
    events: list[str] = []

    class Reads:
        async def get_live(self, kind: str, live_id: int) -> LiveObject:
            events.append(f"read {live_id} sent")
            await asyncio.sleep(0)
            return LiveObject(kind, live_id, f"c{live_id}", body={"name": f"c{live_id}"})

    def spec(ref: str) -> Any:
        return SimpleNamespace(ref=ref)

    audiences = {"audience:a": LiveObject("audience", 1, "a", body={"name": "a"})}
    campaigns: dict[str, LiveObject | None] = {
        "campaign:c": LiveObject("campaign", 2, "c"),  # listed without a body
        "campaign:new": None,  # no live object: compared at once
    }
    selected = {ref: spec(ref) for ref in [*audiences, *campaigns]}

    def ready(s: Any, obj: LiveObject | None) -> None:
        events.append(f"compared {s.ref}")

    async def main() -> None:
        await asyncio.gather(
            planner._fill_bodies(Reads(), dict(audiences), selected, None, ready, 4),  # type: ignore[arg-type]
            planner._fill_bodies(Reads(), campaigns, selected, None, ready, 4),  # type: ignore[arg-type]
        )

    asyncio.run(main())
    assert events[0] == "read 2 sent", events
    assert sorted(events[1:]) == ["compared audience:a", "compared campaign:c",
                                  "compared campaign:new"]
    assert campaigns["campaign:c"] is not None and campaigns["campaign:c"].body is not None


def test_a_plan_imports_no_optional_http_parts_and_no_diff_library_without_a_change(
        repo: Repo) -> None:
    """httpx's own command line (rich, pygments), httpcore's trio support, the pacer's
    aiolimiter (needed after a 429 only), deepdiff (needed for a difference only) and
    ruamel (writing a pin): 0.1 s of imports before the first request, where nothing
    overlaps them."""
    repo.put("audience", "a", audience("Audience A"))
    repo.put("campaign", "c", campaign("Campaign C", ["a"]))
    assert repo.apply("--auto-approve").code == 0
    env = {"LOCALYTICS_API_KEY": repo.api_key, "LOCALYTICS_API_SECRET": repo.api_secret,
           "CI": ""}
    modules, stdout, stderr, code = cli_modules(["plan", "--format", "json"], repo.root, env)
    assert code in (0, None), stderr
    assert "httpx" in modules and "reconciler.plan.planner" in modules  # it did plan
    roots = {m.split(".")[0] for m in modules}
    assert roots & {"trio", "rich", "pygments", "aiolimiter", "deepdiff", "ruamel"} == set()
    assert "httpx._main" not in modules
    assert '"action": "noop"' in stdout


def test_the_parts_refused_while_httpx_is_imported_are_allowed_again() -> None:
    """The refusal is for httpx's own import only: a later import of trio, as a test
    library's, finds it where it is installed."""
    probe = ("import importlib.util, sys\n"
             "from reconciler.httpboot import import_http\n"
             "import_http()\n"
             "assert 'trio' not in sys.modules and 'httpx._main' not in sys.modules\n"
             "import httpx\n"
             "assert httpx.AsyncClient\n"
             "if importlib.util.find_spec('trio') is not None:\n"
             "    import trio\n"
             "import httpx._main\n"
             "print('ok')\n")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60)
    assert proc.stdout.strip() == "ok", proc.stderr


def test_what_lives_at_exit_is_frozen_out_of_the_last_collection(tmp_path: Path) -> None:
    """The CLI freezes the objects alive at exit: the interpreter's final collection
    walked and freed a plan's whole heap after it had printed (0.15 s of CPU)."""
    probe = ("import atexit, gc\n"
             "import reconciler.cli.main\n"
             "atexit._run_exitfuncs()\n"
             "print(gc.get_freeze_count() > 0)\n")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert proc.stdout.strip() == "True", proc.stderr


def test_the_platform_clock_parses_each_date_once_and_follows_a_new_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import reconciler.httpio as httpio

    parsed: list[str] = []
    real = httpio.parsedate_to_datetime

    def counting(stamp: str) -> Any:
        parsed.append(stamp)
        return real(stamp)

    monkeypatch.setattr(httpio, "parsedate_to_datetime", counting)
    clock = PlatformClock(monotonic=lambda: 0.0)
    first, second = "Mon, 07 Dec 2026 04:00:00 GMT", "Mon, 07 Dec 2026 04:00:01 GMT"

    async def answers(*stamps: str) -> None:
        for stamp in stamps:
            await clock.record(httpx.Response(200, headers={"Date": stamp}))

    asyncio.run(answers(first, first, first))
    assert parsed == [first] and clock.last is not None and clock.last.second == 0
    asyncio.run(answers(second, "not a date", second))
    assert clock.last.second == 1  # an unreadable Date leaves the last one standing
    assert parsed == [first, second, "not a date"]


def test_a_shallow_answer_is_not_walked_and_a_deep_one_still_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import reconciler.httpio as httpio

    record = httpx.Response(200, json={"id": 1, "name": "x", "audiences": {"a": [1, 2]}})
    deep = httpx.Response(200, content=("[" * 70 + "]" * 70).encode())
    walked: list[object] = []
    real = httpio.too_deep
    monkeypatch.setattr(httpio, "too_deep", lambda data, limit: walked.append(data)
                        or real(data, limit))
    assert json_or_none(record) == {"id": 1, "name": "x", "audiences": {"a": [1, 2]}}
    assert walked == []
    assert json_or_none(deep) is None and len(walked) == 1
