"""What the conformance suite (tests/test_conformance.py) knows of each platform: how to
make a repo for it on a served sandbox, a small workspace that sets fields, and a field a
write can silently lose. A new platform adds one `Entry` to `ENTRIES`; nothing else in the
suite names a platform."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.sandbox.stream import SANDBOX_SECRET
from tests.dropping_proxy import drop_push_title
from tests.repo import Repo, audience, campaign
from tests.sandbox_fixtures import ServedSandbox
from tests.smartech_repo import SmartechRepo, email_campaign
from tests.stream_repo import StreamRepo, segment, stream_campaign


@dataclass(frozen=True)
class Entry:
    """One platform's part of the suite."""

    repo: Callable[[Path, ServedSandbox], Repo]  # a fresh account on the served sandbox
    api_path: str  # the platform's API under a served sandbox's base URL
    workspace: Callable[[Repo], None]  # specs that set nested fields, written into the repo
    drop_path: str  # a write to this path loses the field below
    drop: Callable[[Any], Any]
    dropped: str  # the field path verify-after-write must name
    secrets: Callable[[Repo], dict[str, str]]  # the credentials `repo.run` passes
    scheduled: Callable[[Repo], object]  # a campaign live from 2027-01-15T09:00Z (calendar)
    # send-test, for a platform having it: point the env at test recipients alice and bob;
    # then who the sandbox says got a message
    testers: Callable[[Repo, ServedSandbox], None] | None = None
    reached: Callable[[Repo, ServedSandbox], list[str]] | None = None
    # config only: two envs on two accounts (allowed), and two envs on one account (refused)
    envs: tuple[list[dict[str, Any]], list[dict[str, Any]]] = field(kw_only=True)
    # stop, for a platform having it: the status of the campaign named `name` as the
    # sandbox keeps it (past reconciler), and the status `reconciler stop` leaves
    status: Callable[[Repo, str], str] | None = field(default=None, kw_only=True)
    stopped: str = field(default="", kw_only=True)


def _localytics_repo(root: Path, server: ServedSandbox) -> Repo:
    app = server.new_app()
    return Repo(root, server.api_url, app.org_id, app.app_id, server.api_key, server.api_secret)


def _localytics_workspace(repo: Repo) -> None:
    repo.put("audience", "buyers", audience("Buyers"))
    repo.put("campaign", "cart-rescue", campaign("Cart rescue", audiences=["buyers"]))


def _stream_workspace(repo: Repo) -> None:
    repo.put("segment", "norway", segment("Users in Norway"))
    repo.put("campaign", "welcome", stream_campaign(
        "Nordic welcome", ["norway"], description="Greets every Nordic user",
        message_template={"text": "Hei {{ receiver.name }}!", "custom": {"topic": "welcome"}}))


def _drop_description(body: Any) -> Any:
    body = copy.deepcopy(body)
    body.pop("description", None)
    return body


def _smartech_workspace(repo: Repo) -> None:
    repo.put("campaign", "spring", email_campaign("Spring newsletter",
                                                  preheader="New arrivals this week"))


def _drop_preheader(body: Any) -> Any:
    body = copy.deepcopy(body)
    for item in body.get("campaign_details", []):
        item.get("content", item).pop("preheader", None)
        item.pop("preheader", None)
    return body


def _localytics_status(repo: Repo, name: str) -> str:
    return next(str(c["status"]) for c in repo.live_campaigns() if c["name"] == name)


def _stream_status(repo: Repo, name: str) -> str:
    assert isinstance(repo, StreamRepo)
    with repo.stream() as api:
        found = api.post("/campaigns/query", json={"filter": {}}).json()["campaigns"]
    return next(str(c["status"]) for c in found if c["name"] == name)


def _smartech_status(repo: Repo, name: str) -> str:
    assert isinstance(repo, SmartechRepo)
    return next(str(c["state"]) for c in repo.campaigns() if c["name"] == name)


def _testers(repo: Repo, **extra: Any) -> None:
    repo.env_extra = {"test_recipients": ["alice", "bob"], **extra}
    repo.write_config()


def _stream_reached(repo: Repo, server: ServedSandbox) -> list[str]:
    """The users of every campaign Stream started (a segment would reach anyone in it)."""
    assert isinstance(repo, StreamRepo)
    with repo.stream() as api:
        found = api.post("/campaigns/query", json={"filter": {}}).json()["campaigns"]
    started = [c for c in found if c["status"] != "draft"]
    assert all(not c["segment_ids"] for c in started), started
    return [user for c in started for user in c["user_ids"]]


ENTRIES: dict[str, Entry] = {
    "localytics": Entry(_localytics_repo, "/api/v6", _localytics_workspace,
                        "/push/campaigns", drop_push_title,
                        "creatives[0].build_attributes.push_title",
                        lambda r: {"LOCALYTICS_API_KEY": r.api_key,
                                   "LOCALYTICS_API_SECRET": r.api_secret},
                        lambda r: r.put("campaign", "live", {**campaign("Live"),
                                                             "status": "active"}),
                        lambda r, s: _testers(r, push_api_url=s.base_url),
                        lambda r, s: [p["target"] for p in s.pushes(r.app_id)], envs=(
        [{"api_url": "https://dashboard.localytics.com/api/v6", "org_id": 1, "app_id": "a"},
         {"api_url": "https://dashboard.localytics.com/api/v6", "org_id": 1, "app_id": "b"}],
        [{"api_url": "https://dashboard.localytics.com/api/v6", "org_id": 1, "app_id": "a"},
         {"api_url": "https://dashboard.localytics.com/api/v6/", "org_id": 1, "app_id": "a"}]),
        status=_localytics_status, stopped="draft"),
    "stream": Entry(lambda root, s: StreamRepo(root, s.base_url + "/stream", 0, ""), "/stream",
                    _stream_workspace, "/campaigns", _drop_description, "description",
                    lambda r: {"STREAM_API_SECRET": SANDBOX_SECRET},
                    lambda r: r.put("campaign", "live", stream_campaign(
                        "Live", ["norway"], send={"at": "2027-01-15T09:00:00Z"})),
                    lambda r, s: _testers(r), _stream_reached, envs=(
        [{"provider": "stream", "api_url": "https://chat.stream-io-api.com", "api_key": "k1"},
         {"provider": "stream", "api_url": "https://chat.stream-io-api.com", "api_key": "k2"}],
        [{"provider": "stream", "api_url": "https://chat.stream-io-api.com", "api_key": "k1"},
         {"provider": "stream", "api_url": "https://chat.stream-io-api.com/", "api_key": "k1"}]),
        status=_stream_status, stopped="stopped"),
    "smartech": Entry(lambda root, s: SmartechRepo(root, s.base_url + "/smartech", 0, ""),
                      "/smartech", _smartech_workspace, "/campaign", _drop_preheader,
                      "preheader", lambda r: {"SMARTECH_API_KEY": getattr(r, "key", "")},
                      lambda r: r.put("campaign", "live", email_campaign(
                          "Live", send={"audience": [{"type": "list", "id": 11}],
                                "at": "2027-01-15T09:00:00Z"})),
                      # Smartech names an account by its API key, a per-env secret (each
                      # GitHub environment holds its own SMARTECH_API_KEY): envs on one
                      # region host are two accounts. The embedded sandbox holds one.
                      envs=([{"provider": "smartech", "api_url": "https://api.netcoresmartech.com"},
                             {"provider": "smartech", "api_url": "https://api.netcoresmartech.com"}],
                            [{"provider": "smartech", "api_url": "sandbox"},
                             {"provider": "smartech", "api_url": "sandbox"}]),
                      status=_smartech_status, stopped="draft"),
}


def same_account(repo: Repo, root: Path) -> Repo:
    """Another checkout (another folder) on the same platform account."""
    return dataclasses.replace(repo, root=root)


def through(repo: Repo, base: str, entry: Entry, root: Path) -> Repo:
    """The same account reached through another server at `base` (a proxy, a hostile API)."""
    return dataclasses.replace(repo, root=root, api_url=base + entry.api_path)
