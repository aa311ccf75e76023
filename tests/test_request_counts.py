"""The exact requests a plan and an apply of a fixed workspace make, per platform (issue 29).

Plan time at the API's latency is requests x latency / concurrency plus the
client's own work; the second is guarded by the import and parse guards, the
first here. A change that adds a request per object (a second read, a verify
that is not needed) shows up as a changed count, with no clock involved. The
counts are the sandbox's own (its request counter, by route), and each
expectation is written as the sum the platform's protocol makes it, so a
deliberate change says which term it changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.repo import Repo, audience, campaign
from tests.sandbox_fixtures import ServedSandbox
from tests.smartech_repo import SmartechRepo, email_campaign, push_campaign
from tests.stream_repo import StreamRepo, segment, stream_campaign

AUDIENCES, CAMPAIGNS = 3, 5
LOCALYTICS = "/api/v6/orgs/{org_id}/apps/{app_id}"
LEASE = 1  # apply holds a lease object (created, then deleted) on platforms with one
PAGE_AND_GUARD = 2  # one listing page, and the empty page that proves the listing complete
# Taking the lease lists the leases once, after creating ours, to rank it: the create is
# named by this machine's clock, which its answer's Date checks (issue 29: no listing
# first only to read the platform's clock). Before each write wave the lease is renewed
# and confirmed (one renew, one listing): the lease is held, not just taken (issue 26).
LEASE_TAKE_LISTS = 1


def counted(server: ServedSandbox, step: Callable[[], Any]) -> dict[str, int]:
    """Requests by route (`METHOD /template`) that `step` made; admin calls excluded."""
    server.reset_stats()
    run = step()
    assert run.code == 0, run.stderr
    by_route: dict[str, int] = server.stats()["by_route"]
    return {route: n for route, n in sorted(by_route.items()) if n}


def test_localytics_plan_and_apply_requests(sandbox_server: ServedSandbox,
                                            repo: Repo) -> None:
    for i in range(AUDIENCES):
        repo.put("audience", f"a{i}", audience(f"Audience {i}"))
    for i in range(CAMPAIGNS):
        repo.put("campaign", f"c{i}", campaign(f"Campaign {i}", [f"a{i % AUDIENCES}"]))

    waves = 2  # audiences, then campaigns
    assert counted(sandbox_server, repo.apply) == {
        f"POST {LOCALYTICS}/audiences": AUDIENCES + LEASE,
        f"DELETE {LOCALYTICS}/audiences/{{audience_id}}": LEASE,
        f"GET {LOCALYTICS}/audiences": 1 + LEASE_TAKE_LISTS + waves,  # the plan's; the lease's
        f"PATCH {LOCALYTICS}/audiences/{{audience_id}}": waves,  # the lease renewed per wave
        f"GET {LOCALYTICS}/campaigns": PAGE_AND_GUARD,
        f"POST {LOCALYTICS}/push/campaigns": CAMPAIGNS,  # verified from the answer: no read
    }
    assert counted(sandbox_server, repo.plan) == {
        f"GET {LOCALYTICS}/audiences": 1,
        f"GET {LOCALYTICS}/campaigns": PAGE_AND_GUARD,
        f"GET {LOCALYTICS}/push/campaigns/{{campaign_id}}": CAMPAIGNS,  # details of the managed
    }


def test_stream_plan_and_apply_requests(sandbox_server: ServedSandbox,
                                        stream_repo: StreamRepo) -> None:
    for i in range(AUDIENCES):
        stream_repo.put("segment", f"s{i}", segment(f"Segment {i}"))
    for i in range(CAMPAIGNS):
        stream_repo.put("campaign", f"c{i}", stream_campaign(f"Campaign {i}",
                                                             [f"s{i % AUDIENCES}"]))
    waves = 2  # segments, then campaigns
    assert counted(sandbox_server, stream_repo.apply) == {
        "POST /stream/segments/query": 1,
        "POST /stream/campaigns/query": 1,
        "POST /stream/segments": AUDIENCES + LEASE,
        # each write read back (verify); the lease (a segment of a fixed id) read to take it
        # and to confirm it before each wave
        "GET /stream/segments/{sid}": AUDIENCES + LEASE_TAKE_LISTS + waves,
        "PUT /stream/segments/{sid}": waves,  # the lease renewed per wave
        "DELETE /stream/segments/{sid}": LEASE,
        "POST /stream/campaigns": CAMPAIGNS,
        "GET /stream/campaigns/{cid}": CAMPAIGNS,  # each write read back (verify)
    }
    assert counted(sandbox_server, stream_repo.plan) == {
        "POST /stream/segments/query": 1,
        "POST /stream/campaigns/query": 1,
        "GET /stream/segments/{sid}": AUDIENCES,  # a segment's filter is only in its detail
    }
    # with nothing to change: the first wave's confirmation began when the plan's last
    # read was answered (beside its own work), before the plan was known to have no change
    assert counted(sandbox_server, stream_repo.apply) == {
        "POST /stream/segments/query": 1,
        "POST /stream/campaigns/query": 1,
        "POST /stream/segments": LEASE,
        "GET /stream/segments/{sid}": AUDIENCES + LEASE_TAKE_LISTS + 1,
        "PUT /stream/segments/{sid}": 1,
        "DELETE /stream/segments/{sid}": LEASE,
    }


def test_smartech_plan_and_apply_requests(sandbox_server: ServedSandbox,
                                          smartech_repo: SmartechRepo) -> None:
    for i in range(CAMPAIGNS):
        make = email_campaign if i % 2 else push_campaign
        smartech_repo.put("campaign", f"c{i}", make(f"Campaign {i}"))
    emails = CAMPAIGNS // 2
    pushes = CAMPAIGNS - emails
    waves = 1  # campaigns (audiences are the panel's, read only)
    found_lease = 2  # the lease's detail, read by the listings that find it (rank, confirm)
    assert counted(sandbox_server, smartech_repo.apply) == {
        "POST /smartech/v4/audience/list": 2,
        "POST /smartech/v4/campaign/list": 1 + LEASE_TAKE_LISTS + waves,  # the plan's; the lease's
        "POST /smartech/v4/campaign/create": emails + LEASE,  # the lease is an email draft
        "POST /smartech/v4/campaign/update": waves,  # the lease renewed per wave
        "POST /smartech/v4/campaign/delete": LEASE,
        "POST /smartech/v4/campaign/get": emails + found_lease,  # each email write read back
        "POST /smartech/campaign/create": pushes,  # app push: the v1 API, pinned in git
    }
    assert counted(sandbox_server, smartech_repo.plan) == {
        "POST /smartech/v4/audience/list": 2,
        "POST /smartech/v4/campaign/list": 1,
        "POST /smartech/v4/campaign/get": emails,  # details of the managed email campaigns
    }
