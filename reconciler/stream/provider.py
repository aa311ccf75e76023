"""Stream Chat as a `Provider`: segments, then the campaigns that target them.

Identity: names are not unique on Stream, so every object gets the id
`rcl-<key>` on create (or the spec's pinned `id`), and a spec matches the
object of that id. Segments are declarative: a change of `type` or of the
segment's source (filter, an `all_*` flag, explicit targets) deletes and
re-creates it, because UpdateSegmentRequest can neither change `type`/`all_*`
nor remove a filter (a null there means "leave as is"); explicit
`target_ids` are synced with addtargets/deletetargets. An update sends `name`
and `description` always, `""` for "none": Stream clears a string sent empty
and answers it as `""`, while leaving out a field would keep the old value. Campaigns are replaced by PUT only while
`draft`; a `send:` block starts them once; after that they are immutable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from reconciler.calendar.grid import Sending
from reconciler.calls import send_once
from reconciler.describe import Context
from reconciler.errors import ApiError, ReconcilerError
from reconciler.plan.model import Words
from reconciler.plan.paths import plain_copy
from reconciler.provider import (
    LEASE_MARKER,
    ImportRefs,
    KindInfo,
    LeaseObject,
    LiveObject,
    Provider,
    SpecDocument,
)
from reconciler.stream.client import StreamClient
from reconciler.stream.normalize import SENT, comparable_campaign, comparable_segment
from reconciler.stream.spec import is_test_id, stream_id
from reconciler.workspace.workspace import Spec

if TYPE_CHECKING:
    from reconciler.config import EnvConfig
    from reconciler.doctor import Check
    from reconciler.preview.render import Picture
    from reconciler.sendtest.core import TestSender

SEGMENT, CAMPAIGN = "segment", "campaign"
SOURCES = ("filter", "all_users", "all_sender_channels")  # else: explicit target_ids
START_ATTEMPTS = 3
LIVE = ("scheduled", "in_progress")  # what sends, and all that `stop` accepts
LEASE_ID = LEASE_MARKER  # not rcl-<key>: no spec's default id can take it


class StreamProvider(Provider):
    kinds = (KindInfo(SEGMENT, removal="delete"), KindInfo(CAMPAIGN, removal="delete"))
    reach_kind = SEGMENT
    platform = "stream"

    def __init__(self, client: StreamClient):
        self.client = client

    @classmethod
    def test_sender(cls) -> TestSender:
        from reconciler.stream.sendtest import StreamTestSender

        return StreamTestSender()

    @classmethod
    def preview(cls, spec: Spec, env: EnvConfig, which: str) -> Picture:
        from reconciler.stream.preview import picture

        return picture(spec, env, which)

    async def aclose(self) -> None:
        await self.client.aclose()

    # --- identity and rules ----------------------------------------------
    def default_id(self, spec: Spec) -> str:
        return stream_id(spec.key)

    def immutable(self, live: LiveObject) -> str | None:
        if live.kind == CAMPAIGN and live.status in SENT:
            return (f"campaign {live.id} was started (status {live.status}) and cannot change: "
                    "Stream sends a campaign only once; to send again, create a new campaign "
                    "key (a new file under campaigns/)")
        return None

    def replaces(self, kind: str, live: LiveObject, payload: Mapping[str, Any]) -> bool:
        return kind == SEGMENT and _fixed(live.body or {}) != _fixed(payload)

    def removable(self, live: LiveObject) -> bool:
        return not (live.kind == CAMPAIGN and live.status in SENT)

    # --- verify after write, two-phase start -----------------------------
    async def stored(self, kind: str, written: LiveObject, sent: Mapping[str, Any]
                     ) -> LiveObject | None:
        """Always read back: a segment write is several calls (targets are synced after
        the create or update answered), so no single answer shows what is kept."""
        return await self.get_live(kind, written.id)

    def held_back(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        """The campaign without its `send` block: created or replaced as a draft,
        verified, and only then started by `activate`."""
        if kind != CAMPAIGN or not isinstance(payload.get("send"), Mapping):
            return None
        return {k: v for k, v in payload.items() if k != "send"}

    async def activate(self, kind: str, draft: LiveObject, payload: Mapping[str, Any]
                       ) -> LiveObject:
        """Start the verified draft once (see `_start`)."""
        return await self._start(str(draft.id), payload["send"])

    # --- reads -----------------------------------------------------------
    async def list_live(self, kind: str) -> list[LiveObject]:
        if kind == SEGMENT:
            return [self._segment(r, None, full=False) for r in await self.client.query_segments()
                    if not _is_lease(r)]
        return [self._campaign(r) for r in await self.client.query_campaigns()
                if not is_test_id(r.get("id"))]

    async def get_live(self, kind: str, live_id: int | str) -> LiveObject | None:
        if kind == SEGMENT:
            raw = await self.client.get_segment(str(live_id))
            if raw is None:
                return None
            targets = await self.client.segment_targets(str(live_id)) if _explicit(raw) else []
            return self._segment(raw, targets)
        raw = await self.client.get_campaign(str(live_id))
        return self._campaign(raw) if raw is not None else None

    async def find_by_name(self, kind: str, name: str) -> list[LiveObject]:
        return [o for o in await self.list_live(kind) if o.name == name]

    async def find_created(self, kind: str, payload: Mapping[str, Any]) -> list[LiveObject]:
        """The object of the id we sent; finished (targets, start) as create would have."""
        live = await self.get_live(kind, str(payload["id"]))
        if live is None:
            return []
        return [await self._finish(kind, live, payload)]

    # --- writes ----------------------------------------------------------
    async def create(self, kind: str, payload: Mapping[str, Any]) -> LiveObject:
        if kind == SEGMENT:
            raw = await self.client.create_segment(_segment_wire(payload, create=True))
            live = self._segment(raw, [])
        else:
            live = self._campaign(await self.client.create_campaign(_campaign_wire(payload)))
        return await self._finish(kind, live, payload)

    async def update(self, kind: str, live_id: int | str, payload: Mapping[str, Any]
                     ) -> LiveObject:
        sid = str(live_id)
        if kind == SEGMENT:
            current = await self.get_live(SEGMENT, sid)
            if current is not None and self.replaces(SEGMENT, current, payload):
                await self.client.delete_segment(sid)
                return await self.create(SEGMENT, payload)
            raw = await self.client.update_segment(sid, _segment_wire(payload, create=False))
            live = self._segment(raw, current.body.get("target_ids") if current and
                                 current.body else [])
            return await self._finish(kind, live, payload)
        live = self._campaign(await self.client.update_campaign(sid, _campaign_wire(payload)))
        return await self._finish(kind, live, payload)

    async def remove(self, kind: str, live_id: int | str) -> None:
        if kind == SEGMENT:
            await self.client.delete_segment(str(live_id))
        else:
            await self.client.delete_campaign(str(live_id))

    async def _finish(self, kind: str, live: LiveObject, payload: Mapping[str, Any]
                      ) -> LiveObject:
        """What follows the create/update call: sync targets, or start the campaign once."""
        if kind == SEGMENT:
            wanted = payload.get("target_ids")
            if isinstance(wanted, list):
                have = set((live.body or {}).get("target_ids") or ())
                await self.client.delete_targets(str(live.id), sorted(have - set(wanted)))
                await self.client.add_targets(str(live.id), sorted(set(wanted) - have))
            return live
        send = payload.get("send")
        if isinstance(send, Mapping) and live.status in (None, "draft"):
            return await self._start(str(live.id), send)
        return live

    async def _start(self, campaign_id: str, send: Mapping[str, Any]) -> LiveObject:
        """`start` once. After an ambiguous failure the status is read first: a campaign
        that left `draft` was started, and is never started again."""
        body: dict[str, Any] = {}
        if send.get("at") not in (None, "now"):
            body["scheduled_for"] = send["at"]
        if send.get("stop_at"):
            body["stop_at"] = send["stop_at"]

        async def start() -> LiveObject:
            return self._campaign(await self.client.start_campaign(campaign_id, body))

        async def started() -> LiveObject | None:
            raw = await self.client.get_campaign(campaign_id)
            if raw is None:
                raise ReconcilerError(f"campaign {campaign_id} vanished while starting it")
            return self._campaign(raw) if raw.get("status") != "draft" else None

        return await send_once(start, started, START_ATTEMPTS)

    # --- apply lease: a target-less segment of one fixed id (Stream ids are the
    # client's, so a second create of that id is refused: the create is the lock)
    async def lease_create(self, name: str) -> LeaseObject | None:
        try:
            await self.client.create_segment({"id": LEASE_ID, "type": "user", "name": name})
        except ApiError:
            if await self.client.get_segment(LEASE_ID) is not None:
                return None  # held (or just taken by a contender)
            raise
        return LeaseObject(LEASE_ID, name, (0,))

    async def lease_list(self) -> list[LeaseObject]:
        raw = await self.client.get_segment(LEASE_ID)
        return [LeaseObject(LEASE_ID, str(raw.get("name") or ""), (0,))] if raw else []

    async def lease_renew(self, lease_id: int | str, name: str) -> None:
        await self.client.update_segment(str(lease_id), {"name": name})

    def platform_now(self) -> datetime | None:
        return self.client.clock.last

    async def lease_delete(self, lease_id: int | str) -> None:
        try:
            await self.client.delete_segment(str(lease_id))
        except ApiError as e:
            if e.status != 404:
                raise
    async def doctor_checks(self, write: bool) -> list[Check]:
        from reconciler.stream.doctor import stream_checks

        return await stream_checks(self, write)

    # --- import ----------------------------------------------------------
    def spec_document(self, live: LiveObject, refs: ImportRefs, archived: bool = False
                      ) -> SpecDocument:
        from reconciler.stream.importing import spec_document

        return spec_document(live, refs)

    def import_key(self, live: LiveObject) -> str | None:
        from reconciler.stream.importing import import_key

        return import_key(live)

    @classmethod
    def sendings(cls, specs: Sequence[Spec], start: date, days: int, now: datetime, *,
                 drafts: bool = False) -> list[Sending]:
        """Campaign starts per segment per day (see reconciler.stream.sendings)."""
        from reconciler.stream.sendings import sendings

        return sendings(specs, start, days, now)

    # --- translation -----------------------------------------------------
    def payload(self, spec: Spec, ids: Mapping[str, int | str]) -> dict[str, Any]:
        body = plain_copy(dict(spec.body))
        body["id"] = spec.pin_id or stream_id(spec.key)
        if spec.kind == CAMPAIGN:
            keys = body.pop("segments", None)
            if keys is not None:
                body["segment_ids"] = [str(ids.get(f"{SEGMENT}:{k}", stream_id(k))) for k in keys]
        return body

    def comparable(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        return comparable_segment(payload) if kind == SEGMENT else comparable_campaign(payload)

    def goes_live(self, kind: str, before: LiveObject | None, payload: Mapping[str, Any]) -> bool:
        if kind != CAMPAIGN or not payload.get("send"):
            return False
        return before is None or before.status in (None, "draft")

    def is_live(self, live: LiveObject) -> bool:
        return live.kind == CAMPAIGN and live.status in LIVE

    def reach(
        self, payload: Mapping[str, Any], audiences: Mapping[Any, LiveObject]
    ) -> dict[str, Any] | None:
        if payload.get("user_ids"):
            return {"user_count": len(payload["user_ids"])}
        ids = payload.get("segment_ids") or []
        sizes = [(audiences[i].reach or {}).get("size") if i in audiences else None for i in ids]
        if not ids or any(s is None for s in sizes):
            return None  # a segment created in this run, or one Stream never sizes
        return {"user_count": sum(int(s) for s in sizes if s is not None)}

    def show_value(self, kind: str, path: str, value: Any, payload: Mapping[str, Any]
                   ) -> str | None:
        from reconciler.stream.words import show_value

        return show_value(kind, path, value, payload)

    def describe(self, kind: str, payload: Mapping[str, Any], context: Context) -> Words:
        from reconciler.stream.words import describe_campaign, describe_segment

        return (describe_segment if kind == SEGMENT else describe_campaign)(payload, context)

    def schedule(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        send = payload.get("send") if kind == CAMPAIGN else None
        return dict(send) if isinstance(send, Mapping) else None

    # --- emergency stop (reconciler.platform.Stops) ---------------------
    def stoppable(self, live: LiveObject) -> str | None:
        if live.status in LIVE:
            return None
        return (f"Stream stops only a scheduled or sending campaign; this one is "
                f"{live.status or 'in an unknown state'}")

    async def stop(self, live: LiveObject) -> None:
        await self.client.stop_campaign(str(live.id))

    def is_stopped(self, live: LiveObject) -> bool:
        return not self.is_live(live)

    def stopped_state(self, live: LiveObject) -> str:
        return "stopped"

    def stop_view(self, live: LiveObject) -> Mapping[str, Any]:
        raw = live.raw or {}
        at = "now" if live.status == "in_progress" else raw.get("scheduled_for") or "now"
        return {**(live.body or {}), "user_ids": raw.get("user_ids"), "send": {"at": at}}

    # --- wire → LiveObject -----------------------------------------------
    def _segment(self, raw: Mapping[str, Any], targets: list[str] | None, full: bool = True
                 ) -> LiveObject:
        """A segment; without `full` (a listing) its body is left for get_live to read."""
        body = dict(raw)
        if _explicit(raw):
            body["target_ids"] = targets or []
        size = raw.get("size")
        return LiveObject(
            kind=SEGMENT, id=str(raw["id"]), name=str(raw.get("name") or ""),
            updated_at=raw.get("updated_at"),
            body=comparable_segment(body) if full else None, raw=raw,
            reach={"size": size} if isinstance(size, int) else None,
        )

    def _campaign(self, raw: Mapping[str, Any]) -> LiveObject:
        body = comparable_campaign(raw)
        return LiveObject(
            kind=CAMPAIGN, id=str(raw["id"]), name=str(raw.get("name") or ""),
            updated_at=raw.get("updated_at"), body=body, raw=raw,
            targets=tuple(body.get("segment_ids") or ()), status=raw.get("status"),
        )


def _is_lease(raw: Mapping[str, Any]) -> bool:
    """The lease is the segment of the fixed id; a user's segment named like one is theirs."""
    return raw.get("id") == LEASE_ID


def _explicit(raw: Mapping[str, Any]) -> bool:
    """A segment of explicit targets: no filter and no all_* flag."""
    return not (raw.get("filter") or raw.get("all_users") or raw.get("all_sender_channels"))


def _fixed(body: Mapping[str, Any]) -> tuple[Any, ...]:
    """What an update cannot change in place: the type and the source of members."""
    return (body.get("type"), next((k for k in SOURCES if body.get(k)), "target_ids"))


def _segment_wire(payload: Mapping[str, Any], *, create: bool) -> dict[str, Any]:
    if create:
        fields = ("id", "type", "name", "description", "filter", "all_users",
                  "all_sender_channels")
        return {k: payload[k] for k in fields if payload.get(k) is not None}
    body = {k: payload.get(k) or "" for k in ("name", "description")}  # "" clears
    if payload.get("filter"):  # UpdateSegmentRequest; the source itself never changes here
        body["filter"] = payload["filter"]
    return body


def _campaign_wire(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The full Create/UpdateCampaignRequest: everything but our `send` block."""
    return {k: v for k, v in payload.items() if k != "send"}


__all__ = ["StreamProvider"]
