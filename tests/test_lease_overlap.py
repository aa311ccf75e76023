"""When the lease's confirmation before a wave may begin, on Stream against the served
sandbox and the CLI (issue 29).

A wave needs a confirmation (renew and list) that began after the previous wave's last
write was answered, and for the first wave, after the plan's last read: then it may run
beside the read-backs or the planning's own work instead of in a row before the wave.
These tests pin both edges with a proxy that holds one request (tests/gating_proxy.py)
and logs every request in the order it arrives; no clock is involved.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from reconciler.plan import planner
from reconciler.provider import LiveObject
from tests.gating_proxy import GatingProxy
from tests.stream_repo import StreamRepo, segment, stream_campaign
from tests.test_lease_held import start_apply, stopped_writing, unlocked, until

LEASE = "/stream/segments/reconciler-lease"


class LoggingProxy(GatingProxy):
    """A GatingProxy that also keeps `METHOD /path` of each request, as it arrives."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[str] = []
        self.answered: list[str] = []  # likewise, once its answer went back to the client

    def forward(self, h: BaseHTTPRequestHandler, method: str) -> None:
        with self._count_lock:
            self.seen.append(f"{method} {h.path.split('?')[0]}")
        super().forward(h, method)
        with self._count_lock:
            self.answered.append(f"{method} {h.path.split('?')[0]}")

    def count(self, request: str) -> int:
        with self._count_lock:
            return self.seen.count(request)

    def while_held(self, start: Callable[[], subprocess.Popen[str]],
                   arrived: Callable[[], bool], what: str
                   ) -> tuple[subprocess.Popen[str], str, str, list[str]]:
        """Run `start`'s process with this proxy's request held until `arrived` is true (an
        upper bound, not a wait), then let it go: the ended process, its output, and the
        requests seen while the request was held. `what`: the held request, in words."""
        try:
            process = start()
            assert self.held.wait(60), f"{what} never came"
            came = until(arrived, 30)
            seen_held = list(self.seen)
        finally:
            self.release()
        out, err = process.communicate(timeout=120)
        self.stop()
        assert came, seen_held
        return process, out, err, seen_held


def two_copies(server: Any, tmp_path: Path, api_url: str) -> tuple[StreamRepo, StreamRepo]:
    """One Stream app seen from two working copies: `a` through `api_url` (the proxy),
    `b` straight; each with one segment and two campaigns targeting it."""
    a = StreamRepo(tmp_path / "a", api_url + "/stream", 0, "")
    b = StreamRepo(tmp_path / "b", server.base_url + "/stream", 0, "", stream_key=a.stream_key)
    for repo in (a, b):
        repo.put("segment", "s", segment("S"))
        for i in range(2):
            repo.put("campaign", f"c{i}", stream_campaign(f"C{i}", ["s"]))
    return a, b


def read_back_held(server: Any, tmp_path: Path, read: str, request: str, times: int
                   ) -> list[str]:
    """Apply one segment and two campaigns with the read-back GET of `read` held: whether
    `request` came `times` times while it was held (an upper bound, not a wait), then the
    run's requests in order, once it ended well with every change applied."""
    proxy = LoggingProxy(server.base_url, read, "GET", count=1)

    def start() -> subprocess.Popen[str]:
        a, _b = two_copies(server, tmp_path, proxy.base_url)
        return start_apply(a, env={"STREAM_API_SECRET": a.secret})

    first, out, err, _held = proxy.while_held(
        start, lambda: proxy.count(request) == times, f"the read-back of {read}")
    assert first.returncode == 0, err
    assert [r["status"] for r in json.loads(out)["results"]] == ["applied"] * 3
    return proxy.seen


def test_the_next_waves_confirmation_begins_beside_the_read_backs(
    sandbox_server: Any, tmp_path: Path
) -> None:
    """The segment's read-back is held: its write was answered, so the campaign wave's
    confirmation (the lease's second renewal) begins while the read-back is still out.
    Seen failing before: the confirmation began only once every read-back was answered."""
    seen = read_back_held(sandbox_server, tmp_path, "/segments/rcl-s", f"PUT {LEASE}", 2)
    # every write of the segment wave came before the confirmation, every campaign after
    second = [i for i, r in enumerate(seen) if r == f"PUT {LEASE}"][1]
    assert "POST /stream/segments" in seen[:second]
    assert "POST /stream/campaigns" not in seen[:second]


def test_a_lease_removed_while_planning_stops_the_first_wave(
    sandbox_server: Any, tmp_path: Path
) -> None:
    """`unlock` from elsewhere while the plan's campaign listing is held: the first wave's
    confirmation begins after the plan's last read, so it finds the lease gone and nothing
    is written. Seen failing with that round begun as soon as the lease was taken (it
    answered before the unlock, and the segment wave was written)."""
    proxy = LoggingProxy(sandbox_server.base_url, "/campaigns/query", "POST", count=1)
    try:
        a, b = two_copies(sandbox_server, tmp_path, proxy.base_url)
        first = start_apply(a, env={"STREAM_API_SECRET": a.secret})
        assert proxy.held.wait(60), "the plan never listed the campaigns"
        unlocked(b)
    finally:
        proxy.release()
    out, err = stopped_writing(first, proxy)
    results = json.loads(out)["results"]
    assert [r["status"] for r in results] == ["skipped"] * 3, results
    creates = [r for r in proxy.seen if r in ("POST /stream/segments", "POST /stream/campaigns")]
    assert creates == ["POST /stream/segments"], proxy.seen  # the lease's own, nothing else
    with b.stream() as c:
        assert c.post("/segments/query", json={"filter": {}, "limit": 100}).json()["segments"] == []
        assert c.post("/campaigns/query", json={"filter": {}, "limit": 100}).json()["campaigns"] == []


def test_the_rounds_requests_leave_while_the_plan_compares_what_needs_no_read() -> None:
    """Nothing to read (every spec a create): the plan's reads are done at once, and the
    round begun then gets turns of the loop while the 200 specs are compared, so its
    requests (held a few turns by the gate and the spacing of starts) go out beside that
    work, not after it. Seen failing before the compare gave the loop a turn every 64
    specs (the round went out after the last comparison)."""
    events: list[str] = []
    started: list[asyncio.Future[None]] = []

    async def lease_round() -> None:
        for _ in range(5):  # the gate, the spacing of starts, the connection's lock
            await asyncio.sleep(0)
        events.append("round sent")

    def answered() -> None:
        events.append("reads done")
        started.append(asyncio.ensure_future(lease_round()))

    def ready(s: Any, obj: LiveObject | None) -> None:
        events.append(f"compared {s.ref}")

    pairs: dict[str, LiveObject | None] = {f"campaign:c{i:03}": None for i in range(200)}
    selected = {ref: SimpleNamespace(ref=ref) for ref in pairs}

    async def main() -> None:
        await planner._fill_bodies(SimpleNamespace(), pairs, selected,  # type: ignore[arg-type]
                                   None, ready, 16, answered=answered)
        await asyncio.gather(*started)

    asyncio.run(main())
    assert events[0] == "reads done"
    assert events.index("round sent") < events.index("compared campaign:c199")


def test_the_lease_is_released_beside_the_last_read_backs(
    sandbox_server: Any, tmp_path: Path
) -> None:
    """The last campaign's read-back is held: every write was answered, and nothing left
    needs the lease, so it is deleted while that read-back is out, not after it; and
    after the delete the lease is neither renewed nor listed again. Seen failing before
    (the delete came only at the end of the run)."""
    seen = read_back_held(sandbox_server, tmp_path, "/campaigns/rcl-c1", f"DELETE {LEASE}", 1)
    deleted = seen.index(f"DELETE {LEASE}")
    assert seen[:deleted].count("POST /stream/campaigns") == 2
    assert not any(r.endswith(LEASE) for r in seen[deleted + 1:]), seen
