"""One apply per app, anywhere (issue 16): the lease held in the platform itself."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reconciler.apply.lease import default_holder, lease_name
from reconciler.localytics.provider import LEASE_RULES
from tests.repo import Repo, campaign
from tests.stream_repo import StreamRepo, segment


def hold(repo: Repo, holder: str = "alice@laptop", *, age: timedelta = timedelta(minutes=3),
         ttl: timedelta = timedelta(hours=1), pid: int | None = None) -> int:
    """A lease as another apply would hold it (made straight on the sandbox)."""
    since = datetime.now(UTC).replace(microsecond=0) - age
    name = lease_name("0badcafe", holder, since, since + ttl, pid)
    with repo.api() as api:
        r = api.post("/audiences", json={"name": name, "target_rules": LEASE_RULES})
        r.raise_for_status()
        return int(r.json()["id"])


def leases(repo: Repo) -> list[dict[str, Any]]:
    return [a for a in repo.live_audiences() if a["name"].startswith("reconciler-lease")]


def test_a_held_lease_refuses_with_holder_and_age_and_writes_nothing(repo: Repo) -> None:
    repo.put("campaign", "c", campaign("C"))
    lease_id = hold(repo)
    run = repo.apply()
    assert run.code == 1, run.stderr
    [line] = run.stderr.strip().splitlines()
    assert line.startswith("error: refusing: another apply holds the lease of this app")
    assert "alice@laptop" in line and "started 3m" in line and "reconciler unlock" in line
    assert repo.live_campaigns() == []
    assert [a["id"] for a in leases(repo)] == [lease_id]  # ours was removed, theirs kept

    plan = repo.plan()  # a lease is never planned, pruned or shown as unmanaged
    assert plan.code == 0 and plan.json["unmanaged"] == []
    unlock = repo.run("unlock")
    assert unlock.code == 0 and "alice@laptop" in unlock.stdout
    assert leases(repo) == []
    assert repo.apply().code == 0
    assert [c["name"] for c in repo.live_campaigns()] == ["C"]
    assert leases(repo) == []  # released at the end


def test_an_expired_lease_is_ignored_and_cleared(repo: Repo) -> None:
    repo.put("campaign", "c", campaign("C"))
    hold(repo, age=timedelta(hours=2))
    assert repo.apply().code == 0
    assert leases(repo) == []


def test_a_lease_of_our_own_dead_process_is_cleared(repo: Repo) -> None:
    """kill -9 on this machine: same user, host and CI run, and its pid is gone."""
    repo.put("campaign", "c", campaign("C"))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    hold(repo, default_holder(), pid=int(dead.stdout))
    assert repo.apply().code == 0
    assert leases(repo) == []


def test_the_lease_is_released_when_apply_fails(repo: Repo) -> None:
    repo.env_extra = {"allow_go_live": False}
    repo.write_config()
    repo.put("campaign", "c", campaign("C", status="active"))
    run = repo.apply()
    assert run.code == 1 and "allow_go_live" in run.stderr
    assert leases(repo) == []


def test_prune_never_touches_a_lease(repo: Repo) -> None:
    repo.env_extra = {"prune": True}
    repo.write_config()
    repo.put("campaign", "c", campaign("C"))
    hold(repo, age=timedelta(0))
    plan = repo.plan()
    assert plan.code == 0
    assert [c["kind"] for c in plan.json["changes"]] == ["campaign"]


def test_two_working_copies_applying_at_once_make_no_duplicates(
    sandbox_server: Any, tmp_path: Path
) -> None:
    app = sandbox_server.new_app()
    copies = [Repo(tmp_path / name, sandbox_server.api_url, app.org_id, app.app_id,
                   sandbox_server.api_key, sandbox_server.api_secret) for name in ("a", "b")]
    for repo in copies:
        for i in range(100):
            repo.put("campaign", f"c{i:03}", campaign(f"C{i:03}"))
    env = _env(copies[0])
    procs = [subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--format", "json"],
        cwd=repo.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        stdin=subprocess.DEVNULL) for repo in copies]
    outcomes = [(p.communicate(timeout=600)[1], p.returncode) for p in procs]
    names = Counter(c["name"] for c in copies[0].live_campaigns())
    assert len(names) == 100 and set(names.values()) == {1}, "duplicates were created"
    assert all(code == 0 or "holds the lease" in err for err, code in outcomes), outcomes
    assert leases(copies[0]) == []


def _env(repo: Repo) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCALYTICS_")}
    env.update({"LOCALYTICS_API_KEY": repo.api_key, "LOCALYTICS_API_SECRET": repo.api_secret,
                "NO_COLOR": "1"})
    env.pop("GITHUB_STEP_SUMMARY", None)
    return env


def test_lease_wait_waits_for_the_holder(repo: Repo) -> None:
    repo.put("campaign", "c", campaign("C"))
    lease_id = hold(repo)
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--lease-wait", "120"],
        cwd=repo.root, env=_env(repo), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, stdin=subprocess.DEVNULL)
    time.sleep(2)  # let it find the lease held (if it is slower, it simply finds none)
    with repo.api() as api:
        api.delete(f"/audiences/{lease_id}").raise_for_status()  # the other apply ends
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert [c["name"] for c in repo.live_campaigns()] == ["C"]


def test_stream_lease_is_one_fixed_id_and_never_planned(stream_repo: StreamRepo) -> None:
    stream_repo.put("segment", "s", segment("S"))
    since = datetime.now(UTC).replace(microsecond=0)
    with stream_repo.stream() as c:
        c.post("/segments", json={"id": "reconciler-lease", "type": "user", "name": lease_name(
            "0badcafe", "bob@ci", since, since + timedelta(hours=1))}).raise_for_status()
    plan = stream_repo.plan()
    assert plan.code == 0 and plan.json["unmanaged"] == [], plan.stderr
    run = stream_repo.apply()
    assert run.code == 1 and "bob@ci" in run.stderr and len(run.stderr.splitlines()) == 1
    assert stream_repo.run("unlock").code == 0
    assert stream_repo.apply().code == 0
    with stream_repo.stream() as c:
        assert c.get("/segments/reconciler-lease").status_code == 404  # released
