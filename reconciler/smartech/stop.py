"""The emergency stop on Netcore Smartech (reconciler.platform.Stops): what can stop.

- Email scheduled for later: updated back to `campaign_state: draft` with the v4
  update (the create's own field; ASSUMED that an update accepts it on a scheduled
  campaign, as doctor says), after which nothing goes out until a later apply
  schedules it again.
- Email sending now (`running`, `active`): Netcore documents a v4 suspend for it, but
  not its path, so reconciler does not call it: suspend it in the panel.
- App push: Netcore documents no stop, cancel or suspend once executed; the
  delivery was handed over when the execute was answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reconciler.provider import LiveObject
from reconciler.smartech import wire

if TYPE_CHECKING:
    from reconciler.smartech.client import SmartechClient

SCHEDULED = "scheduled"
STOPPED = "draft"
SENDING = frozenset({"running", "active"})
EXECUTED = "executed"  # an app push executed (from its pin in git)
ASSUMPTION = ("an email scheduled for later stops when updated back to campaign_state "
              "draft (v4 update); app push has no documented stop")


def stopped(live: LiveObject) -> bool:
    return live.status not in (SCHEDULED, EXECUTED, *SENDING)


def why_not(live: LiveObject) -> str | None:
    if live.status == SCHEDULED and (live.raw or {}).get("campaign_id") is not None:
        return None
    if live.status == EXECUTED:
        return ("Netcore Smartech documents no stop for an app push once executed; its "
                "delivery was handed over at execute (check its report in the panel)")
    if live.status in SENDING:
        return ("it is sending now, and Netcore Smartech documents a suspend for email "
                "without its path; suspend it in the Smartech panel")
    return f"Netcore Smartech cannot stop a campaign in state {live.status!r}"


def draft_item(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The v4 update item that takes a scheduled email back to draft, as it is otherwise."""
    payload = {**wire.email_body(raw), "send": None}
    return {**wire.email_item(payload, int(raw["campaign_id"])), "campaign_state": STOPPED}


def view(live: LiveObject) -> Mapping[str, Any]:
    """Who and when: an email's audiences and schedule time; an app push's send block."""
    if live.raw is not None and live.body is not None:
        at = wire.go_live(live.raw)[1] or "now"
        return {**wire.email_body(live.raw), "send": {"at": at}}
    send = (live.body or {}).get("send")
    return {"send": dict(send)} if isinstance(send, Mapping) else {}


class SmartechStop:
    """The `Stops` members of SmartechProvider (a mixin, so the provider stays one page)."""

    client: SmartechClient

    def stoppable(self, live: LiveObject) -> str | None:
        return why_not(live)

    async def stop(self, live: LiveObject) -> None:
        raw = live.raw if live.body is not None else await self.client.get_campaign(
            "email", int(live.id))
        if raw is not None:  # an update, sent as not idempotent (`schedules`): read back
            await self.client.update_campaign(draft_item(raw), schedules=True)

    def is_stopped(self, live: LiveObject) -> bool:
        return stopped(live)

    def stopped_state(self, live: LiveObject) -> str:
        return STOPPED

    def stop_view(self, live: LiveObject) -> Mapping[str, Any]:
        return view(live)
