"""The emergency stop of a Localytics push campaign (reconciler.platform.Stops).

The documented write that stops a campaign is the one that made it live: the full
PUT of `/push/campaigns/{id}`, with `status: draft` instead of `active` (the OpenAPI
documents `status` as active | draft). A draft sends nothing and can be made active
again by a later apply. Not used: DELETE, which the API refuses while a campaign is
active (403), and archive, which cannot be undone from the API. A sent or expired
campaign cannot be edited (422); it sends nothing more, so it is not live.

ASSUMED (doctor says so): that a PUT to draft also halts a send already in progress,
and not only the sends still to come.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reconciler.localytics.normalize import CAMPAIGN_FIELDS, SERVER_FIELDS
from reconciler.provider import LiveObject

if TYPE_CHECKING:
    from reconciler.localytics.client import LocalyticsClient

LIVE = ("active", "scheduled")  # listing statuses of a campaign that may still send
STOPPED = "draft"
ASSUMPTION = ("a push campaign stops when written back to status draft (the documented "
              "PUT), a send in progress included")


def stoppable(live: LiveObject) -> str | None:
    """None for a live campaign: any one can be written back to draft."""
    if live.status in LIVE:
        return None
    return (f"Localytics stops only an active or scheduled campaign; this one is "
            f"{live.status or 'in an unknown state'}")


def stop_body(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The campaign as it is, as the PUT takes it, with `status: draft`."""
    body = {k: raw[k] for k in CAMPAIGN_FIELDS if k in raw and k not in SERVER_FIELDS
            and raw[k] is not None}
    creatives = body.get("creatives")
    if isinstance(creatives, list) and len(creatives) == 1:
        body["creatives"] = creatives[0]  # DESIGN §2: one object for one creative
    return {**body, "status": STOPPED}


def stop_view(live: LiveObject) -> Mapping[str, Any]:
    """A full read is the payload the reach and schedule hooks take; a listing row
    (no target rules) gives the schedule's begin date only."""
    raw = live.raw or {}
    if live.body is not None:  # a full read keeps in `raw` only what `body` leaves out
        return {**raw, **live.body}
    begin = raw.get("begin_date")
    return {"schedule": {"begin_date": begin}} if begin else {}


class LocalyticsStop:
    """The `Stops` members of LocalyticsProvider (a mixin, so the provider stays one page)."""

    client: LocalyticsClient

    def stoppable(self, live: LiveObject) -> str | None:
        return stoppable(live)

    async def stop(self, live: LiveObject) -> None:
        # the PUT replaces the whole campaign: from a fresh read of it, as the API has it
        # (a LiveObject keeps a normalized body, and in `raw` only what that leaves out)
        raw = await self.client.get_campaign(int(live.id))
        if raw is not None:  # gone: nothing sends
            await self.client.stop_campaign(int(live.id), stop_body(raw))

    def is_stopped(self, live: LiveObject) -> bool:
        return live.status not in LIVE

    def stopped_state(self, live: LiveObject) -> str:
        return STOPPED

    def stop_view(self, live: LiveObject) -> Mapping[str, Any]:
        return stop_view(live)
