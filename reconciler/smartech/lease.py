"""The apply lease on Smartech: an email draft that is never scheduled or sent.

Netcore's v4 email API is the only one with a list, so the lease is a v4 email
campaign left in `draft` (it has no audience, no content and no schedule, so
it can reach nobody), named like every apply lease and tagged LEASE_TAG. It
is told apart from a user's campaign by all three (draft state, lease name,
lease tag): a user's campaign named like a lease is never listed, so never
deleted. Campaign ids grow with creation (the v4 create answers the new id),
so the id is the rank. The renewal is a v4 update of the draft's name (only
drafts can be updated, which a lease always is). ASSUMED, as the rest of the
v4 email calls (docs/specs/smartech.md): a draft needs only a name and sender
details; a real account may refuse a sender it has not verified, and then
apply fails its first step with the platform's message rather than run
without a lease.

The tag is read with a v4 get, after the list: for our own lease (its id is
the create's answer) that get is asked alongside the list, not after it, so
taking the lease and confirming it before a wave cost one round trip less
each (issue 29); the rows of other leases, known only from the list, are read
in one get after it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from reconciler.errors import ApiError
from reconciler.provider import LeaseObject, is_lease_name
from reconciler.smartech.client import SmartechClient

LEASE_TAG = "reconciler-lease"  # 5-25 characters, as v4 tags must be
CHANNEL = "email"


def lease_item(name: str) -> dict[str, Any]:
    """The v4 body of a lease draft: a name and a sender (required), nothing to send."""
    return {"channel": CHANNEL, "campaign_name": name, "tags": [LEASE_TAG],
            "sender_details": {"sender_name": "reconciler apply lease",
                               "sender_email": "lease@reconciler.invalid"}}


def is_lease_row(row: dict[str, Any]) -> bool:
    """A lease by name and state (the list answers no tags; the get confirms the tag)."""
    return row.get("campaign_state") == "draft" and is_lease_name(
        str(row.get("campaign_name") or ""))


class SmartechLease:
    """HoldsLease for Smartech (mixed into SmartechProvider, which sets `_own_leases`)."""

    client: SmartechClient
    _own_leases: set[int]  # the ids of the leases this process created and has not deleted

    async def lease_create(self, name: str) -> LeaseObject:
        new_id = await self.client.create_campaign(lease_item(name))
        self._own_leases.add(new_id)
        return LeaseObject(new_id, name, (new_id,))

    async def lease_list(self) -> list[LeaseObject]:
        """Every lease the list shows (draft, lease name) whose get confirms the tag."""
        own = sorted(self._own_leases)
        listed, own_details = await asyncio.gather(self.client.list_campaigns(CHANNEL),
                                                   self._details(own))
        rows = [r for r in listed if is_lease_row(r)]
        others = [int(r["campaign_id"]) for r in rows if int(r["campaign_id"]) not in own]
        details = {**own_details, **await self._details(others)}
        out = []
        for row in rows:
            full = details.get(int(row["campaign_id"]))
            if full is not None and is_lease_row(full) and LEASE_TAG in (full.get("tags") or []):
                out.append(LeaseObject(int(full["campaign_id"]), str(full["campaign_name"]),
                                       (int(full["campaign_id"]),)))
        return out

    async def _details(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        """The v4 get of `ids` by id (a few: ours, or contenders', asked in one get)."""
        found = await self.client.get_campaigns(CHANNEL, ids) if ids else []
        return {int(c["campaign_id"]): c for c in found}

    async def lease_renew(self, lease_id: int | str, name: str) -> None:
        await self.client.update_campaign({"campaign_id": int(lease_id), **lease_item(name)},
                                          schedules=False)

    async def lease_delete(self, lease_id: int | str) -> None:
        try:
            await self.client.delete_campaign(CHANNEL, int(lease_id))
        except ApiError as e:
            if e.status != 404:
                raise
        self._own_leases.discard(int(lease_id))

    def platform_now(self) -> datetime | None:
        return self.client.clock.last
