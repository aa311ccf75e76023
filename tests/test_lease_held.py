"""A lease that is held, not just taken (issue 26), against a served sandbox and the CLI.

Clocks are the test's: the sandbox's `Date` (the platform time apply judges
leases by) is frozen and moved through `/_sandbox/date`, a second machine's
wall clock is moved by tests/skewed_clock.py, and a run is stopped inside
planning by a proxy that holds its campaign listing (tests/gating_proxy.py).
Sandbox latency only makes two applies overlap; nothing waits on a sleep.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.apply.lease import LEASE_MARKER, lease_name, parse
from reconciler.config.models import LEASE_SECONDS_MAX
from reconciler.localytics.provider import LEASE_RULES
from reconciler.provider import LeaseObject
from tests.gating_proxy import GatingProxy
from tests.repo import Repo, audience, campaign
from tests.test_lease import hold, leases

HERE = Path(__file__).parent


def copies(server: Any, tmp_path: Path, count: int, *, expiry: int | None = None,
           concurrency: int = 2, api_url: str | None = None) -> list[Repo]:
    """Two working copies of one app (as on two machines), each with the same `count`
    campaign specs; `expiry` sets `lease.expiry_seconds`."""
    app = server.new_app()
    repos = []
    for name in ("a", "b"):
        repo = Repo(tmp_path / name, api_url or server.api_url, app.org_id, app.app_id,
                    server.api_key, server.api_secret, env_extra={"concurrency": concurrency})
        if expiry is not None:
            lease_expiry(repo, expiry)
        for i in range(count):
            repo.put("campaign", f"c{i:03}", campaign(f"C{i:03}"))
        repos.append(repo)
    return repos


def lease_expiry(repo: Repo, seconds: int) -> None:
    """Set `lease.expiry_seconds` in the repo's reconciler.yaml."""
    with (repo.root / "reconciler.yaml").open("a", encoding="utf-8") as f:
        f.write(f"lease:\n  expiry_seconds: {seconds}\n")


def start_apply(repo: Repo, *prefix: str, env: dict[str, str] | None = None
                ) -> subprocess.Popen[str]:
    extra = env or {}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCALYTICS_", "CI"))}
    env.update({"LOCALYTICS_API_KEY": repo.api_key, "LOCALYTICS_API_SECRET": repo.api_secret,
                "NO_COLOR": "1", **extra})
    env.pop("GITHUB_STEP_SUMMARY", None)
    cmd = list(prefix) or [sys.executable, "-m", "reconciler"]
    return subprocess.Popen([*cmd, "apply", "--auto-approve", "--format", "json"],
                            cwd=repo.root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)

def unlocked(repo: Any) -> None:
    """`reconciler unlock` from `repo`, which must remove the apply lease."""
    unlock = repo.run("unlock")
    assert unlock.code == 0 and "removed the apply lease" in unlock.stdout, unlock.stderr


def stopped_writing(first: subprocess.Popen[str], proxy: Any) -> tuple[str, str]:
    """The apply `first`'s output, once it ended saying it stopped writing (exit 1)."""
    out, err = first.communicate(timeout=120)
    proxy.stop()
    assert first.returncode == 1, err
    assert err.strip().splitlines()[-1].startswith("error: stopped writing: ")
    return out, err



def until(condition: Callable[[], bool], seconds: float = 60) -> bool:
    """Whether `condition` came true within `seconds` (an upper bound, never a wait for time
    to pass: it returns as soon as the condition holds)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def set_date(server: Any, **body: Any) -> datetime:
    """Freeze or move the sandbox's Date clock; the platform time it now tells (the real
    time once `now=None` frees it)."""
    r = httpx.post(server.base_url + "/_sandbox/date", json=body, timeout=30)
    r.raise_for_status()
    frozen = r.json()["now"]
    return datetime.fromisoformat(frozen) if frozen else datetime.now(UTC)


def lease_until(repo: Repo) -> datetime | None:
    held = [parse(LeaseObject(a["id"], a["name"], (a["id"],))) for a in leases(repo)]
    return max((le.until for le in held if le is not None), default=None)


def duplicates(repo: Repo) -> dict[str, int]:
    return {n: k for n, k in Counter(c["name"] for c in repo.live_campaigns()).items() if k > 1}


def outlive_the_expiry(server: Any, proxy: GatingProxy, first: subprocess.Popen[str],
                       second: Repo, held_until: Callable[[], datetime | None]) -> None:
    """With one create of `first` stalled by `proxy`, move the platform's clock 2 s at a
    time, three times (twice a 3 s expiry), each time letting the holder renew (it does
    every second; without renewal its expiry stays put); then apply `second`, which must
    be refused. The stalled create then lands and `first` ends well."""
    try:
        assert proxy.held.wait(60), "the first apply never created"
        set_date(server, now=datetime.now(UTC).replace(microsecond=0).isoformat())
        for _ in range(3):
            now = set_date(server, advance_seconds=2)
            until(lambda t=now: (held_until() or t) >= t + timedelta(seconds=2), 10)
        refused = second.apply()
        assert first.poll() is None, "the first apply ended before the second started"
    finally:
        proxy.release()
        try:
            _, err = first.communicate(timeout=120)
        finally:  # only now: the real time is a jump ahead of the frozen one
            set_date(server, now=None)
            proxy.stop()
    assert refused.code == 1 and "another apply holds the lease" in refused.stderr, refused.stderr
    assert first.returncode == 0, err


def test_an_apply_that_outlives_the_expiry_renews_its_lease_and_nobody_duplicates(
    sandbox_server: Any, tmp_path: Path
) -> None:
    """Expiry 3 s. One create of the first apply is stalled (as by a rate limit) while
    the platform's time moves twice past the expiry; a second apply started then must
    be refused, and once the stalled create lands every campaign exists once."""
    proxy = GatingProxy(sandbox_server.base_url, "/campaigns", "POST", count=1)
    a, b = copies(sandbox_server, tmp_path, 10, expiry=3, api_url=proxy.base_url + "/api/v6")
    b.api_url = sandbox_server.api_url
    b.write_config()  # the second apply talks to the platform straight
    lease_expiry(b, 3)
    outlive_the_expiry(sandbox_server, proxy, start_apply(a), b, lambda: lease_until(b))
    assert duplicates(b) == {} and len(b.live_campaigns()) == 10  # b reads the platform straight
    assert leases(b) == []


def test_a_second_machine_whose_clock_runs_an_hour_ahead_does_not_take_over(
    sandbox_server: Any, tmp_path: Path
) -> None:
    proxy = GatingProxy(sandbox_server.base_url, "/campaigns", "POST", count=1)
    try:
        a, b = copies(sandbox_server, tmp_path, 10, api_url=proxy.base_url + "/api/v6")
        b.api_url = sandbox_server.api_url
        b.write_config()
        first = start_apply(a)
        assert proxy.held.wait(60), "the first apply never created"
        ahead = start_apply(b, sys.executable, str(HERE / "skewed_clock.py"), "3600")
        _, ahead_err = ahead.communicate(timeout=120)
        assert first.poll() is None, "the first apply ended before the second started"
    finally:
        proxy.release()
    _, err = first.communicate(timeout=120)
    proxy.stop()
    assert ahead.returncode == 1 and "another apply holds the lease" in ahead_err, ahead_err
    assert first.returncode == 0, err
    assert duplicates(b) == {} and len(b.live_campaigns()) == 10


def test_a_machine_whose_clock_is_an_hour_off_takes_the_lease_by_the_platforms(
    sandbox_server: Any, tmp_path: Path
) -> None:
    """Before the platform has answered, the lease is named by this machine's clock; here
    that clock runs an hour ahead, so the create's answer disagrees: that lease is deleted
    unused, the lease taken again by the platform's time, and the apply goes on. A lease
    left named an hour ahead would block every other apply for an hour too long."""
    a, _b = copies(sandbox_server, tmp_path, 3)
    done = start_apply(a, sys.executable, str(HERE / "skewed_clock.py"), "3600")
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    assert json.loads(out)["summary"] == {"applied": 3, "failed": 0, "skipped": 0}
    assert leases(a) == [] and duplicates(a) == {}
    assert sorted(r["name"] for r in a.live_campaigns()) == ["C000", "C001", "C002"]


def test_a_lost_lease_stops_the_writes_that_follow(sandbox_server: Any, tmp_path: Path
                                                 ) -> None:
    """The lease is removed (`unlock` from elsewhere) while the audience wave is stalled:
    the campaign wave is not written, each reported not applied, one line, exit 1."""
    # POST /audiences: the lease first, then the spec's audience (held)
    proxy = GatingProxy(sandbox_server.base_url, "/audiences", "POST", count=1, skip=1)
    try:
        a, b = copies(sandbox_server, tmp_path, 4, expiry=3, api_url=proxy.base_url + "/api/v6")
        b.api_url = sandbox_server.api_url
        b.write_config()
        for repo in (a, b):
            repo.put("audience", "buyers", audience("Buyers"))
            for i in range(4):
                repo.put("campaign", f"c{i:03}", campaign(f"C{i:03}", audiences=["buyers"]))
        first = start_apply(a)
        assert proxy.held.wait(60), "the first apply never created its audience"
        unlocked(b)
    finally:
        proxy.release()
    out, err = stopped_writing(first, proxy)
    assert err.strip().splitlines()[-1].endswith(
        "; 4 changes not applied (run apply again once the other apply is done)")
    skipped = [r for r in json.loads(out)["results"] if r["status"] == "skipped"]
    assert [r["kind"] for r in skipped] == ["campaign"] * 4
    assert all(r["error"].startswith("not applied: ") for r in skipped), skipped
    assert b.live_campaigns() == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_while_planning_releases_the_lease(
    sig: signal.Signals, sandbox_server: Any, tmp_path: Path
) -> None:
    proxy = GatingProxy(sandbox_server.base_url, "/campaigns")
    try:
        a, b = copies(sandbox_server, tmp_path, 3, api_url=proxy.base_url + "/api/v6")
        b.api_url = sandbox_server.api_url
        b.write_config()  # the next apply, and the test's looks, go to the platform straight
        proc = start_apply(a)
        assert proxy.held.wait(60), "apply never listed campaigns"  # it holds its lease now
        assert leases(b) != []
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        proxy.release()
        proxy.stop()
    assert proc.returncode == 1, (proc.returncode, err)
    assert err.strip().splitlines() == [
        f"error: apply stopped by {sig.name} before writing; nothing was changed, "
        "the lease released"]
    assert leases(b) == [] and b.live_campaigns() == []
    assert b.apply().code == 0  # the next apply proceeds at once
    assert len(b.live_campaigns()) == 3


_USER_RULES = {"targeting_type": "customer_id", "behavior": {
    "days": 7, "behavior_rule_operator": "and", "rules": [{
        "rule_type": "event", "event_name": "Purchase", "count": 1,
        "count_operator": "atleast", "conditions": {"operator": "and", "filters": []}}]}}


@pytest.mark.parametrize("when", [None, "2026-02-31T10:00:00Z", "2026-13-01T10:00:00Z",
                                  "0000-01-01T00:00:00Z"])
def test_an_audience_named_like_a_lease_that_is_none_is_left_alone_and_blocks_nothing(
    repo: Repo, when: str | None
) -> None:
    """None: a user's audience (its own rules) named like a lease that expired hours ago
    is never deleted. A time: anyone with the platform's API can name an audience in the
    lease's format with an impossible date; that is no lease (`lease_name` never writes
    one), and apply takes its own and writes, with no traceback."""
    if when is None:
        since = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
        name = lease_name("0badcafe", "alice@laptop", since, since + timedelta(hours=1), pid=1)
    else:
        name = f"{LEASE_MARKER} 0badcafe mallory@forged 1 {when} {when}"
    rules = _USER_RULES if when is None else LEASE_RULES
    with repo.api() as api:
        r = api.post("/audiences", json={"name": name, "target_rules": rules})
        r.raise_for_status()
        theirs = r.json()["id"]
    repo.put("campaign", "c", campaign("C"))
    run = repo.apply()
    assert run.code == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert [c["name"] for c in repo.live_campaigns()] == ["C"]
    assert [a["id"] for a in leases(repo)] == [theirs]  # ours released, theirs left


def test_a_forged_lease_stops_blocking_after_the_longest_lease_time(
    sandbox_server: Any, repo: Repo
) -> None:
    """Ten years ahead is more than any apply writes: it blocks nothing. One claiming the
    longest documented time blocks until the platform's clock passes it."""
    repo.put("campaign", "c", campaign("C"))
    start = set_date(sandbox_server, now=datetime.now(UTC).replace(microsecond=0).isoformat())
    try:
        hold(repo, "mallory@forged", age=timedelta(0), ttl=timedelta(days=3650))
        run = repo.apply()
        assert run.code == 0, run.stderr
        assert leases(repo) == []  # a lease that claims too much is cleared like an expired one

        repo.put("campaign", "d", campaign("D"))
        since = start
        name = lease_name("0badcafe", "mallory@forged", since,
                          since + timedelta(seconds=LEASE_SECONDS_MAX), pid=1)
        with repo.api() as api:
            api.post("/audiences", json={"name": name, "target_rules": LEASE_RULES}
                     ).raise_for_status()
        blocked = repo.apply()
        assert blocked.code == 1 and "mallory@forged" in blocked.stderr, blocked.stderr
        set_date(sandbox_server, advance_seconds=LEASE_SECONDS_MAX)
        run = repo.apply()
        assert run.code == 0, run.stderr
        assert sorted(c["name"] for c in repo.live_campaigns()) == ["C", "D"]
    finally:
        set_date(sandbox_server, now=None)


def test_stream_an_apply_that_outlives_the_expiry_keeps_its_lease_and_sends_once(
    sandbox_server: Any, tmp_path: Path
) -> None:
    """The same on Stream (the lease is the segment of a fixed id, renewed by a PUT of
    its name): a campaign create stalled, the platform's clock moved twice past a 3 s
    expiry, a second apply refused; every campaign exists and is started once."""
    from tests.stream_repo import StreamRepo, segment, stream_campaign

    proxy = GatingProxy(sandbox_server.base_url, "/campaigns", "POST", count=1)
    a = StreamRepo(tmp_path / "a", proxy.base_url + "/stream", 0, "")
    b = StreamRepo(tmp_path / "b", sandbox_server.base_url + "/stream", 0, "",
                   stream_key=a.stream_key)
    for repo in (a, b):
        lease_expiry(repo, 3)
        repo.put("segment", "s", segment("S"))
        for i in range(3):
            repo.put("campaign", f"c{i}", stream_campaign(f"C{i}", ["s"], send={"at": "now"}))

    def stream_until() -> datetime | None:
        with b.stream() as c:
            r = c.get("/segments/reconciler-lease")
        lease = parse(LeaseObject("x", r.json()["segment"]["name"], (0,))) if (
            r.status_code == 200) else None
        return lease.until if lease else None

    first = start_apply(a, env={"STREAM_API_SECRET": a.secret})
    outlive_the_expiry(sandbox_server, proxy, first, b, stream_until)
    assert b.starts() == {f"rcl-c{i}": 1 for i in range(3)}
    assert [b.campaign(f"rcl-c{i}")["name"] for i in range(3)] == ["C0", "C1", "C2"]


def test_smartech_lease_is_a_tagged_email_draft_held_and_released(smartech_repo: Any) -> None:
    """Smartech's lease is a v4 email draft with the lease tag: a held one refuses (one
    line naming its holder), is never planned, `unlock` clears it, apply releases its
    own; a user's draft named like an expired lease (without the tag) is never touched."""
    from reconciler.smartech.lease import lease_item
    from tests.smartech_repo import email_campaign

    repo = smartech_repo
    repo.put("campaign", "news", email_campaign("News"))
    now = datetime.now(UTC).replace(microsecond=0)

    def create(name: str, tags: list[str]) -> None:
        httpx.post(f"{repo.base}/v4/campaign/create", headers={"api-key": repo.key},
                   json={"campaign_details": [{**lease_item(name), "tags": tags}]},
                   timeout=30).raise_for_status()

    users = lease_name("0badcafe", "old@laptop", now - timedelta(hours=3),
                       now - timedelta(hours=2), pid=1)
    create(users, ["promo-draft"])
    create(lease_name("feedbeef", "bob@ci", now, now + timedelta(hours=1), pid=1),
           ["reconciler-lease"])
    plan = repo.plan()
    assert plan.code == 0, plan.stderr
    run = repo.apply()
    assert run.code == 1 and len(run.stderr.splitlines()) == 1, run.stderr
    assert "another apply holds the lease of this app: bob@ci" in run.stderr
    unlock = repo.run("unlock")
    assert unlock.code == 0 and "bob@ci" in unlock.stdout, unlock.stderr
    run = repo.apply()
    assert run.code == 0, run.stderr
    assert sorted(c["name"] for c in repo.campaigns()) == sorted(["News", users])
