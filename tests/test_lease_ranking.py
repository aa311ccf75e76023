"""The lease is ranked before apply reads anything (issue 29), on Smartech against the
served sandbox and the real CLI.

Once our lease object is created, whether it ranks first (the lease listing) is decided
before apply reads the record or the live state: reads beside the ranking could predate
the last write of an apply that let go before the ranking was answered, and the plan
made from them would make that object again. A proxy in front of the sandbox holds that
listing (tests/gating_proxy.py) and logs every request in the order it arrives and is
answered: the order shows what waited, no clock is involved.
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
    """Apply with the lease's ranking listing held, let go at once: the ended process, its
    output, and the requests seen while the ranking was held."""
    return proxy.while_held(lambda: start_apply(repo, env=apply_env(repo)),
                            lambda: True, "the lease's ranking")


def test_a_rival_seen_by_the_pending_ranking_refuses_with_nothing_written(
    sandbox_server: Any, tmp_path: Path
) -> None:
    """Another apply's lease (created before ours) is found by the held ranking: refused
    in one line naming the holder; nothing of the plan read, no campaign created, no pin
    pushed to the record, our lease object deleted, theirs kept."""
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
    assert PLAN_READ not in proxy.seen
    assert campaigns(sandbox_server, repo) == [theirs]
    assert record_refs(repo) == ""


def test_a_signal_while_the_ranking_is_out_leaves_no_lease(
    sandbox_server: Any, tmp_path: Path
) -> None:
    """SIGTERM while the ranking's listing is held: the run stops before writing, and our
    lease object, created already, is deleted."""
    proxy, repo = held_ranking(sandbox_server, tmp_path)
    try:
        first = start_apply(repo, env=apply_env(repo))
        assert proxy.held.wait(60), "the lease was never ranked"
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


def test_an_apply_that_lets_go_while_our_ranking_is_out_is_not_made_twice(
    sandbox_server: Any, tmp_path: Path
) -> None:
    """Bob's apply holds the lease (created before ours) and is making its last write,
    campaign News, when ours starts. With our ranking's listing held, bob's News is made and
    bob lets go; then the ranking is answered, and it sees no lease but ours, rightly. What
    we planned from must have been read after that answer: a listing read before it
    predates News, and the plan made from it makes News a second time. Seen failing before
    (News made twice): the plan's listings were read while the ranking was out."""
    proxy, repo = held_ranking(sandbox_server, tmp_path)
    now = datetime.now(UTC).replace(microsecond=0)
    bobs = lease_name("feedbeef", "bob@ci", now, now + timedelta(hours=1), pid=1)
    api = f"{sandbox_server.base_url}/smartech/v4/campaign"
    made = httpx.post(f"{api}/create", headers={"api-key": repo.key}, timeout=30, json={
        "campaign_details": [{**lease_item(bobs), "tags": ["reconciler-lease"]}]})
    bobs_id = made.raise_for_status().json()["data"]["campaign_details"][0]["campaign_id"]
    try:
        ours = start_apply(repo, env=apply_env(repo))
        assert proxy.held.wait(60), "the lease was never ranked"
        # the window: our plan's campaign listing answered while the ranking is out (an
        # upper bound, not a wait: the listing must not come before the ranking's answer)
        until(lambda: proxy.answered.count(LIST) >= 1, 10)
        news = {**lease_item("News"), "tags": ["newsletter"]}  # bob's last write
        httpx.post(f"{api}/create", headers={"api-key": repo.key}, timeout=30,
                   json={"campaign_details": [news]}).raise_for_status()
        httpx.post(f"{api}/delete", headers={"api-key": repo.key}, timeout=30, json={
            "campaign_details": [{"campaign_id": bobs_id, "channel": "email"}]}
                   ).raise_for_status()  # bob lets go
    finally:
        proxy.release()
    out, err = ours.communicate(timeout=120)
    proxy.stop()
    assert ours.returncode == 0, err
    assert campaigns(sandbox_server, repo).count("News") == 1, (out, err)
    # nothing of the plan was answered before the ranking was: News was read
    assert PLAN_READ not in proxy.answered[:proxy.answered.index(LIST)], proxy.answered
    # and not only because Smartech refuses a second campaign of one name: no create of
    # News was asked (a platform that allows one name twice would have made it)
    news = [r for r in json.loads(out)["results"] if r["key"] == "news"]
    assert [r["action"] for r in news] != ["create"], news
