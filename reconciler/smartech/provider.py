"""Netcore Smartech as a `Provider`: read-only audience references, then campaigns.

Identity without a state file:
- email (v4): the exact, unique campaign name, found through the v4 list/get;
  every campaign reconciler creates carries the managed tag.
- app push: Netcore documents no list or get, so identity lives in git. Apply
  pins the created id and digests of what it created and executed into the
  spec file (`id:`, `pin:`); `git_live` rebuilds the live side from them.

Writes: a draft is created, changed drafts are updated (email) or replaced
(app push: a new draft, the old one abandoned unexecuted), and a `send:` block
executes (app push) or schedules (email) once. An ambiguous execute is never
retried blindly: email reads the campaign state first (send_once); app push,
with nothing to read, is recorded as `executed: unknown` and refused until a
person checks the panel.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from reconciler.calendar.grid import Sending
from reconciler.calls import send_once
from reconciler.config import EnvConfig, SafetyConfig
from reconciler.describe import Context
from reconciler.doctor import Check
from reconciler.errors import ApiError, PartialWrite, PlanError, ReconcilerError, TransportError
from reconciler.plan.model import Words
from reconciler.plan.paths import plain_copy
from reconciler.provider import KindInfo, LintItem, LiveObject, Provider
from reconciler.smartech import wire
from reconciler.smartech.client import SmartechClient
from reconciler.smartech.lease import SmartechLease, is_lease_row
from reconciler.smartech.spec import MANAGED_TAG, audience_ref_id
from reconciler.smartech.stop import SmartechStop
from reconciler.workspace.workspace import Spec

if TYPE_CHECKING:
    from reconciler.preview.render import Picture

AUDIENCE, CAMPAIGN = "audience", "campaign"
AUDIENCE_TYPES = ("list", "segment")
EXECUTE_ATTEMPTS = 3
LIVE_STATES = frozenset({"scheduled", "running", "active"})


class SmartechProvider(SmartechLease, SmartechStop, Provider):
    kinds = (KindInfo(AUDIENCE, removal="delete"), KindInfo(CAMPAIGN, removal="delete"))
    reach_kind = AUDIENCE
    platform = "smartech"

    @classmethod
    def preview(cls, spec: Spec, env: EnvConfig, which: str) -> Picture:
        from reconciler.smartech.preview import picture

        return picture(spec, which)

    def __init__(self, client: SmartechClient):
        self.client = client
        self._pinned: dict[int | str, LiveObject] = {}  # app push objects rebuilt from git
        self._own_leases: set[int] = set()  # SmartechLease: the leases this process made

    async def aclose(self) -> None:
        await self.client.aclose()

    # --- identity and rules ----------------------------------------------
    def read_only(self, kind: str) -> bool:
        return kind == AUDIENCE

    def identity_in_git(self, spec: Spec) -> bool:
        return spec.kind == CAMPAIGN and spec.body.get("channel") == "apn"

    def git_live(self, spec: Spec) -> LiveObject | None:
        if not self.identity_in_git(spec):
            return None
        pin = dict(spec.pin_state or {})
        if spec.pin_id is None:
            if pin.get("created") == "unknown":
                raise PlanError(
                    f"{spec.at('pin')}: a create of app push campaign {spec.name!r} got no "
                    "answer, so it may exist: find it in the Smartech panel; if it exists add "
                    "`id: <its id>` to this file, else delete the `pin:` block")
            return None
        desired = wire.comparable_campaign(self.payload(spec, {}))
        executed = pin.get("executed", False)
        if executed == "unknown":
            raise PlanError(
                f"{spec.at('pin')}: the execute of app push campaign {spec.pin_id} got no "
                "answer, so it may have been delivered: check its report in the Smartech "
                "panel, then set `executed: true` (it went out) or `executed: false` (it did "
                "not) in the pin block")
        created = pin.get("digest") or desired["campaign"]
        body = ({k: v for k, v in desired.items() if k != "send"}
                if created == desired["campaign"] else {"campaign": created})
        if executed is True or (executed and executed == wire.send_digest(desired.get("send"))):
            body["send"] = desired.get("send") or "executed"
        elif executed:
            body["send"] = executed  # another send block went out: shown as its digest
        live = LiveObject(kind=CAMPAIGN, id=int(spec.pin_id), name=spec.name, body=body,
                          status="executed" if "send" in body else "draft")
        self._pinned[live.id] = live
        return live

    def pin(self, spec: Spec, live: LiveObject) -> dict[str, Any] | None:
        if not self.identity_in_git(spec) or live.body is None:
            return None
        sent = live.body.get("send")
        return {"id": live.id, "pin": {"digest": live.body["campaign"], "executed":
                                       wire.send_digest(sent) if isinstance(sent, dict)
                                       else sent or False}}

    def pin_in_doubt(self, spec: Spec, draft: LiveObject) -> dict[str, Any] | None:
        """Recorded before an execute: should its answer be lost, the next plan asks
        instead of executing again."""
        pin = self.pin(spec, draft)
        return {**pin, "pin": {**pin["pin"], "executed": "unknown"}} if pin else None

    def held_back(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        """App push is created as a draft first; its id is recorded, then it is executed."""
        if kind == CAMPAIGN and payload.get("channel") == "apn" and payload.get("send"):
            return {**payload, "send": None}
        return None

    async def activate(self, kind: str, draft: LiveObject, payload: Mapping[str, Any]
                       ) -> LiveObject:
        if payload.get("channel") == "apn":
            return await self._push_send(int(draft.id), payload)
        return await super().activate(kind, draft, payload)

    def immutable(self, live: LiveObject) -> str | None:
        if live.kind == CAMPAIGN and live.status not in (None, "draft"):
            return (f"campaign {live.id} was executed (state {live.status}) and cannot change: "
                    "Smartech sends a campaign once; to send again, use a new campaign key "
                    "(a new file under campaigns/)")
        return None

    def replaces(self, kind: str, live: LiveObject, payload: Mapping[str, Any]) -> bool:
        """App push has no update: a changed definition is a new draft (the old one is
        abandoned, never executed)."""
        return (kind == CAMPAIGN and payload.get("channel") == "apn"
                and (live.body or {}).get("campaign") != wire.create_digest(payload))

    def removable(self, live: LiveObject) -> bool:
        """Prune deletes only email drafts reconciler made; never anything executed."""
        tags = (live.raw or {}).get("tags") or []
        return live.kind == CAMPAIGN and live.status == "draft" and MANAGED_TAG in tags

    # --- reads -----------------------------------------------------------
    async def list_live(self, kind: str) -> list[LiveObject]:
        if kind == AUDIENCE:  # lists and segments asked together: one round trip, not two
            found = await asyncio.gather(*(self.client.list_audiences(t) for t in AUDIENCE_TYPES))
            return [_audience(t, r) for t, rows in zip(AUDIENCE_TYPES, found, strict=True)
                    for r in rows]
        return [self._email(r, full=False) for r in await self.client.list_campaigns("email")
                if not is_lease_row(r)]  # apply leases are never planned, pruned or imported

    async def get_live(self, kind: str, live_id: int | str) -> LiveObject | None:
        if kind == AUDIENCE:
            return next((o for o in await self.list_live(AUDIENCE) if o.id == live_id), None)
        if live_id in self._pinned:
            return self._pinned[live_id]
        raw = await self.client.get_campaign("email", int(live_id))
        return self._email(raw) if raw is not None else None

    async def find_by_name(self, kind: str, name: str) -> list[LiveObject]:
        return [o for o in await self.list_live(kind) if o.name == name]

    async def find_created(self, kind: str, payload: Mapping[str, Any]) -> list[LiveObject]:
        if payload.get("channel") == "apn":
            raise _unanswered_create(payload)
        found = await self.find_by_name(kind, str(payload["name"]))
        out = []
        for o in found:
            full = await self.get_live(CAMPAIGN, o.id)
            if full is not None and MANAGED_TAG in ((full.raw or {}).get("tags") or []):
                out.append(full)
        if len(out) == 1:  # adopted: finish what create would have done (the go-live)
            return [await self._email_send(int(out[0].id), payload, created=True)]
        return out

    async def doctor_checks(self, write: bool) -> list[Check]:
        from reconciler.smartech.doctor import smartech_checks

        return await smartech_checks(self, write)

    async def lists_app_push(self) -> bool:
        """For `doctor`: whether this account's v4 list answers app-push campaigns.

        The docs describe v4 list/get for email only. If the list does answer
        `channel: ["apn"]`, app push could be found by name instead of git pins.
        """
        try:
            rows = await self.client.list_campaigns("apn")
        except ApiError as e:
            if e.status in (400, 404, 422):
                return False
            raise
        return all(str(r.get("channel", "apn")) == "apn" for r in rows)

    # --- writes ----------------------------------------------------------
    async def create(self, kind: str, payload: Mapping[str, Any]) -> LiveObject:
        if kind == AUDIENCE:
            raise ReconcilerError("audiences are panel lists and segments: never created")
        if payload["channel"] == "apn":
            try:
                cid = await self.client.create_push(wire.push_create_body(payload))
            except (ApiError, TransportError) as e:
                if e.ambiguous:  # nothing to look it up by: never sent again
                    raise _unanswered_create(payload, e) from None
                raise
            return await self._push_send(cid, payload)
        cid = await self.client.create_campaign(wire.email_item(payload))
        return await self._email_send(cid, payload, created=True)

    async def update(self, kind: str, live_id: int | str, payload: Mapping[str, Any]
                     ) -> LiveObject:
        if kind == AUDIENCE:
            raise ReconcilerError("audiences are panel lists and segments: never updated")
        cid = int(live_id)
        if payload["channel"] == "apn":
            current = self._pinned.get(cid)
            if current is None or self.replaces(kind, current, payload):
                return await self.create(kind, payload)  # a new draft; the old is abandoned
            return await self._push_send(cid, payload)
        await self.client.update_campaign(wire.email_item(payload, cid), schedules=False)
        return await self._email_send(cid, payload, created=False)

    async def remove(self, kind: str, live_id: int | str) -> None:
        if kind == AUDIENCE:
            raise ReconcilerError("audiences are panel lists and segments: never deleted")
        await self.client.delete_campaign("email", int(live_id))

    async def _push_send(self, cid: int, payload: Mapping[str, Any]) -> LiveObject:
        """Execute once, if the spec says so. Nothing can be read back: an ambiguous
        answer is recorded as `executed: unknown`, never retried."""
        body = wire.comparable_campaign({**payload, "send": None})
        draft = LiveObject(kind=CAMPAIGN, id=cid, name=str(payload["name"]), body=body,
                           status="draft")
        send = payload.get("send")
        if not send:
            return draft
        pin: dict[str, Any] = {"id": cid, "pin": {"digest": body["campaign"]}}
        try:
            await self.client.execute_push(wire.push_execute_body(cid, payload))
        except (ApiError, TransportError) as e:
            state: Any = "unknown" if e.ambiguous else False
            raise PartialWrite(f"campaign {cid} created; execute failed: {e}", live_id=cid,
                               pin={**pin, "pin": {**pin["pin"], "executed": state}},
                               request=wire.push_execute_body(cid, payload)) from None
        executed = {**body, "send": dict(send)}
        return LiveObject(kind=CAMPAIGN, id=cid, name=draft.name, body=executed,
                          status="executed")

    async def _email_send(self, cid: int, payload: Mapping[str, Any], *, created: bool
                          ) -> LiveObject:
        """Schedule (the email go-live) once: after an ambiguous failure the state is read
        first, and a campaign that left draft is never scheduled again. Without a send the
        write is done: the campaign is read back by the executor's verify (`stored`: no
        body here), so the apply may count it answered before that read (issue 29)."""
        if not payload.get("send"):
            return LiveObject(kind=CAMPAIGN, id=cid, name=str(payload["name"]), status="draft")

        async def schedule() -> LiveObject:
            await self.client.update_campaign(wire.email_item(payload, cid, schedule=True),
                                              schedules=True)
            return await self._read_email(cid)

        async def happened() -> LiveObject | None:
            live = await self._read_email(cid)
            return live if live.status != "draft" else None

        try:
            return await send_once(schedule, happened, EXECUTE_ATTEMPTS)
        except (ApiError, TransportError) as e:
            if not created:
                raise
            raise PartialWrite(f"campaign {cid} created; scheduling failed: {e}",
                               live_id=cid) from None

    async def _read_email(self, cid: int) -> LiveObject:
        raw = await self.client.get_campaign("email", cid)
        if raw is None:
            raise ReconcilerError(f"campaign {cid} is not in the v4 get answer right after "
                                  "writing it")
        return self._email(raw)

    # --- translation -----------------------------------------------------
    def payload(self, spec: Spec, ids: Mapping[str, int | str]) -> dict[str, Any]:
        body = plain_copy(dict(spec.body))
        if spec.kind == AUDIENCE:
            return body
        body["tags"] = [*body.get("tags", []), MANAGED_TAG]
        send = body.get("send")
        if send:
            pairs: list[Any] = []
            for ref in send["audience"]:
                live = audience_ref_id(ref) or ids.get(f"audience:{ref}", f"<audience:{ref}>")
                kind, _, num = str(live).partition(":")
                pairs.append((kind, int(num)) if num.isdigit() else str(live))
            body["send_audience"] = pairs
        return body

    def comparable(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        if kind == AUDIENCE:
            return {"type": payload.get("type"), "name": payload.get("name")}
        return wire.comparable_campaign(payload)

    def goes_live(self, kind: str, before: LiveObject | None, payload: Mapping[str, Any]) -> bool:
        if kind != CAMPAIGN or not payload.get("send"):
            return False
        return before is None or before.status in (None, "draft")

    def is_live(self, live: LiveObject) -> bool:
        return live.kind == CAMPAIGN and live.status in LIVE_STATES

    def reach(self, payload: Mapping[str, Any], audiences: Mapping[Any, LiveObject]
              ) -> dict[str, Any] | None:
        pairs = payload.get("send_audience") or []
        ids = [p if isinstance(p, str) else f"{p[0]}:{p[1]}" for p in pairs]
        sizes = [(audiences[i].reach or {}).get("user_count") if i in audiences else None
                 for i in ids]
        if not ids or any(s is None for s in sizes):
            return None
        return {"user_count": sum(int(s) for s in sizes if s is not None)}

    def show_value(self, kind: str, path: str, value: Any, payload: Mapping[str, Any]
                   ) -> str | None:
        from reconciler.smartech.words import show_value

        return show_value(kind, path, value, payload)

    def describe(self, kind: str, payload: Mapping[str, Any], context: Context) -> Words:
        from reconciler.smartech.words import describe_campaign

        return describe_campaign(payload, context) if kind == CAMPAIGN else ()

    def schedule(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        from reconciler.smartech.words import schedule

        return schedule(payload) if kind == CAMPAIGN else None

    @classmethod
    def sendings(cls, specs: Sequence[Spec], start: date, days: int, now: datetime, *,
                 drafts: bool = False) -> list[Sending]:
        """Executes to come, per audience (see reconciler.smartech.lint)."""
        from reconciler.smartech.lint import sendings

        return sendings(specs, start, days, now, drafts=drafts)

    def lint(self, items: Sequence[LintItem], every: Sequence[Spec], env: EnvConfig,
             safety: SafetyConfig) -> dict[str, list[str]]:
        from reconciler.smartech.lint import lint

        return lint([i.spec for i in items], every, safety.max_pushes_per_day)

    def _email(self, raw: Mapping[str, Any], full: bool = True) -> LiveObject:
        body = wire.comparable_campaign(wire.email_body(raw)) if full else None
        return LiveObject(kind=CAMPAIGN, id=int(raw["campaign_id"]),
                          name=str(raw.get("campaign_name") or ""),
                          updated_at=raw.get("updated_at"), body=body, raw=raw,
                          status=wire.go_live(raw)[0])


def _unanswered_create(payload: Mapping[str, Any], cause: Exception | None = None
                       ) -> PartialWrite:
    why = f" ({cause})" if cause else ""
    return PartialWrite(
        f"app push create of {payload['name']!r} got no answer{why} and cannot be looked "
        "up (no list API): not retried; the request is journaled and the spec is refused "
        "until you pin its id or confirm it does not exist",
        # a replaced draft's old id no longer stands for the spec
        pin={"id": None, "pin": {"created": "unknown"}}, request=wire.push_create_body(payload))


def _audience(audience_type: str, raw: Mapping[str, Any]) -> LiveObject:
    count = raw.get("audience_count")
    name = str(raw.get("audience_name") or "")
    return LiveObject(kind=AUDIENCE, id=f"{audience_type}:{raw['audience_id']}", name=name,
                      body={"type": audience_type, "name": name}, raw=raw,
                      reach={"user_count": count} if isinstance(count, int) else None)


__all__ = ["SmartechProvider"]
