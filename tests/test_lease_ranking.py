"""The lease is ranked beside the record read and the plan's reads, never beside a write
(issue 29), on Smartech against the served sandbox and the real CLI.

Once our lease object is created, whether it ranks first (the lease listing) is decided
while apply reads the record and the live state; nothing is written before the answer.
A proxy in front of the sandbox holds that listing (tests/gating_proxy.py) and logs every
request in the order it arrives: the order shows the overlap, no clock is involved.
"""

from __future__ import annotations

import json
import signal
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from reconciler.apply.lease import lease_name
from reconciler.smartech.lease import lease_item
from tests.smartech_repo import SmartechRepo, email_campaign, push_campaign
from tests.test_lease_held import start_apply, until
from tests.test_lease_overlap import LoggingProxy

LIST = "POST /smartech/v4/campaign/list"  # the leases' listing (they are email drafts)
PLAN_READ = "POST /smartech/v4/audience/list"  # the plan's first reads: the panel's audiences
CREATES = ("POST /smartech/v4/campaign/create", "POST /smartech/campaign/create")


def held_ranking(server: Any, tmp_path: Path) -> tuple[LoggingProxy, SmartechRepo]:
    """A Smartech repo (an app push campaign, pinned in git, and an email) whose requests
    go through a proxy holding the first lease listing: the ranking's, asked after our
    lease's create was answered."""
    proxy = LoggingProxy(server.base_url, "/v4/campaign/list", "POST", count=1)
    repo = SmartechRepo(tmp_path / "repo", proxy.base_url + "/smartech", 0, "")
    repo.put("campaign", "promo", push_campaign("Promo"))
    repo.put("campaign", "news", email_campaign("News"))
    return proxy, repo


def apply_env(repo: SmartechRepo) -> dict[str, str]:
    return {"SMARTECH_API_KEY": repo.key}


def campaigns(server: Any, repo: SmartechRepo) -> list[str]:
    """The names of the account's campaigns, asked of the sandbox straight (not the proxy)."""
    r = httpx.get(f"{server.base_url}/smartech/_sandbox/campaigns",
                  params={"api_key": repo.key}, timeout=10)
    return [c["name"] for c in r.raise_for_status().json()]


def record_refs(repo: SmartechRepo) -> str:
    """The refs of the repo's origin: the env's record lives there once written."""
    return subprocess.run(["git", "ls-remote", str(repo.origin)], capture_output=True,
                          text=True, check=True).stdout


def _apply_while_ranking_is_held(proxy: Any, repo: Any) -> tuple[Any, str, str, list[str]]:
    """Apply with the lease's ranking listing held until the plan's first read came (an
    upper bound, not a wait): the ended process, its output, and the requests seen while
    the ranking was held."""
    return proxy.while_held(lambda: start_apply(repo, env=apply_env(repo)),
                            lambda: proxy.count(PLAN_READ) >= 1, "the lease's ranking")


def test_the_plans_reads_leave_while_the_ranking_listing_is_out(
    sandbox_server: Any, tmp_path: Path
) -> None:
    """With the ranking's listing held, the record is read and the plan's listings are
    asked; nothing is written until it is answered, then the apply ends well. Seen failing
    before: apply asked nothing while the ranking was out (read, plan in a row after it)."""
    proxy, repo = held_ranking(sandbox_server, tmp_path)
    first, out, err, seen_held = _apply_while_ranking_is_held(proxy, repo)
    assert seen_held[0] == "POST /smartech/v4/campaign/create"  # our lease, then its ranking
    assert seen_held.index(LIST) < seen_held.index(PLAN_READ)
    assert [r for r in seen_held if r in CREATES] == [CREATES[0]]  # only the lease's own
    assert first.returncode == 0, err
    assert [r["status"] for r in json.loads(out)["results"]] == ["applied"] * 2


def test_a_rival_seen_by_the_pending_ranking_refuses_with_nothing_written(
    sandbox_server: Any, tmp_path: Path
) -> None:
    """Another apply's lease (created before ours) is found by the ranking, answered only
    once the plan's reads began: refused as before, in one line naming the holder; no
    campaign created, no pin pushed to the record, our lease object deleted, theirs kept.
    Seen failing before: the plan's reads never began while the ranking was out."""
    proxy, repo = held_ranking(sandbox_server, tmp_path)
    now = datetime.now(UTC).replace(microsecond=0)
    theirs = lease_name("feedbeef", "bob@ci", now, now + timedelta(hours=1), pid=1)
    httpx.post(f"{sandbox_server.base_url}/smartech/v4/campaign/create",
               headers={"api-key": repo.key}, timeout=30,
               json={"campaign_details": [{**lease_item(theirs), "tags": ["reconciler-lease"]}]}
               ).raise_for_status()
    first, out, err, seen_held = _apply_while_ranking_is_held(proxy, repo)
    assert first.returncode == 1, err
    [line] = err.strip().splitlines()
    assert line.startswith("error: refusing: another apply holds the lease of this app: bob@ci")
    assert [r for r in proxy.seen if r in CREATES] == [CREATES[0]], proxy.seen  # the lease's
    assert campaigns(sandbox_server, repo) == [theirs]
    assert record_refs(repo) == ""


def test_a_signal_while_the_ranking_is_out_leaves_no_lease(
    sandbox_server: Any, tmp_path: Path
) -> None:
    """SIGTERM while the ranking's listing is held (the plan's reads under way): the run
    stops before writing, and our lease object, created already, is deleted."""
    proxy, repo = held_ranking(sandbox_server, tmp_path)
    try:
        first = start_apply(repo, env=apply_env(repo))
        assert proxy.held.wait(60), "the lease was never ranked"
        assert until(lambda: proxy.count(PLAN_READ) >= 1, 30), proxy.seen
        assert campaigns(sandbox_server, repo) != []  # our lease, created
        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=60)
    finally:
        proxy.release()
        proxy.stop()
    assert first.returncode == 1, err
    assert err.strip().splitlines() == [
        "error: apply stopped by SIGTERM before writing; nothing was changed, "
        "the lease released"]
    assert campaigns(sandbox_server, repo) == [] and record_refs(repo) == ""
