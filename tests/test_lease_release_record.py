"""When apply may release the lease on a platform that records pins in git (Smartech), on
the served sandbox through the CLI (issue 29).

The lease must be held until everything the next apply needs is durable: every write
answered and the last wave's pins pushed to the env's record. The read-backs need no
lease, so the release runs beside them, as it does on Stream (tests/test_lease_overlap.py):
the last email's read-back is held by a proxy, and the delete must come while it is out,
with the app push's pin already on origin. A read-back that then sees another hand's
edit still fails its change. No clock is involved: the proxy holds one request.
"""

from __future__ import annotations

import json
import subprocess
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx

from reconciler.gitops.staterecord import ref
from tests.gating_proxy import GatingProxy
from tests.smartech_repo import SmartechRepo, email_campaign, push_campaign
from tests.test_lease_held import start_apply, until

CREATE, GET, DELETE = ("POST /smartech/v4/campaign/create", "POST /smartech/v4/campaign/get",
                       "POST /smartech/v4/campaign/delete")


class ReadBackProxy(GatingProxy):
    """Holds the first v4 get after the second v4 create: the lease is the first create,
    the email campaign the second, so that get is the email's read-back (the wave's lease
    round was answered before the wave began). Keeps `METHOD /path` of every request."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream, "/v4/campaign/get", "POST")
        self.seen: list[str] = []

    def forward(self, h: BaseHTTPRequestHandler, method: str) -> None:
        request = f"{method} {h.path.split('?')[0]}"
        with self._count_lock:
            hold = request == GET and self.seen.count(CREATE) >= 2 and GET not in \
                self.seen[self.seen.index(CREATE, self.seen.index(CREATE) + 1):]
            self.seen.append(request)
        if hold:
            self.held.set()
            self._open.wait(120)
        super(GatingProxy, self).forward(h, method)

    def count(self, request: str) -> int:
        with self._count_lock:
            return self.seen.count(request)


def recorded(repo: SmartechRepo) -> dict[str, Any]:
    """The pins of the env's record on origin (empty when there is no record yet)."""
    shown = subprocess.run(["git", "show", f"{ref('test')}:state.json"], cwd=repo.origin,
                           capture_output=True, text=True)
    return json.loads(shown.stdout)["pins"] if shown.returncode == 0 else {}


def apply_with_read_back_held(server: Any, tmp_path: Path, meanwhile: Any = None
                              ) -> tuple[subprocess.Popen[str], ReadBackProxy, bool, dict[str, Any]]:
    """Apply one app push and one email with the email's read-back held; whether the lease
    was deleted while it was held, and the record's pins at that moment; `meanwhile(repo)`
    runs then, before the read-back is let through."""
    proxy = ReadBackProxy(server.base_url)
    repo = SmartechRepo(tmp_path / "a", proxy.base_url + "/smartech", 0, "")
    repo.put("campaign", "push", push_campaign("Push"))
    repo.put("campaign", "news", email_campaign("News"))
    try:
        first = start_apply(repo, env={"SMARTECH_API_KEY": repo.key})
        assert proxy.held.wait(60), "the email was never read back"
        released = until(lambda: proxy.count(DELETE) == 1, 30)
        pins = recorded(repo)
        if released and meanwhile is not None:
            meanwhile(server.base_url + "/smartech", repo.key)
    finally:
        proxy.release()
    return first, proxy, released, pins


def test_the_lease_is_released_beside_the_last_read_back_once_the_pins_are_recorded(
    sandbox_server: Any, tmp_path: Path
) -> None:
    """The delete comes while the email's read-back is out, after the app push's pin was
    pushed to the record; nothing touches the lease after it. Seen failing before (with
    pins to record, the delete came only after the last read-back)."""
    first, proxy, released, pins = apply_with_read_back_held(sandbox_server, tmp_path)
    out, err = first.communicate(timeout=120)
    proxy.stop()
    assert released, "\n".join(proxy.seen)
    assert first.returncode == 0, err
    assert [r["status"] for r in json.loads(out)["results"]] == ["applied"] * 2
    assert "campaign:push" in pins, pins  # durable before the lease was let go
    # the held read-back (logged as it arrived), then the delete, and nothing after it
    assert proxy.seen[-2:] == [GET, DELETE], proxy.seen
    assert "POST /smartech/campaign/create" in proxy.seen


def test_an_edit_made_after_the_early_release_still_fails_the_read_back(
    sandbox_server: Any, tmp_path: Path
) -> None:
    """Once the lease is let go another hand may write: here it renames the email while
    its read-back is held. The read-back sees it and the change fails (not kept), as it
    would have under the lease."""
    def edit(base: str, key: str) -> None:
        rows = httpx.get(f"{base}/_sandbox/campaigns", params={"api_key": key},
                         timeout=30).raise_for_status().json()
        news = next(r for r in rows if r["name"] == "News")
        item = {**news["body"], "campaign_id": news["id"], "content_details": {
            **news["body"]["content_details"], "subject_line": "Edited elsewhere"}}
        httpx.post(f"{base}/v4/campaign/update", headers={"api-key": key}, timeout=30,
                   json={"campaign_details": [item]}).raise_for_status()

    first, proxy, released, _pins = apply_with_read_back_held(sandbox_server, tmp_path, edit)
    out, err = first.communicate(timeout=120)
    proxy.stop()
    assert released, "\n".join(proxy.seen)
    assert first.returncode != 0, err
    status = {r["key"]: r for r in json.loads(out)["results"]}
    assert status["push"]["status"] == "applied", status
    assert status["news"]["status"] == "failed", status
    assert status["news"]["error"].startswith("the API did not keep subject_line"), status
