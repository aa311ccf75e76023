"""Airship as a `Provider`: segments, then the pipelines and scheduled pushes.

Identity: names are not unique on Airship (ASSUMED: no source says so), so a
spec matches the live object of its exact name, or of its pinned `id:` when
the name is used twice. Campaign files hold two Airship objects (`type:`
pipeline | schedule) under one kind; the provider remembers from its listing
which endpoint each id lives on. Every write is a full PUT built from the
spec (Airship clears fields an update leaves out). Go-live: a pipeline is
created or replaced with `enabled: false`, read back and verified, then
enabled by a PUT (`held_back`/`activate`); a schedule has no disabled state,
so its creation is its go-live, gated as any other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from reconciler.airship.client import AirshipClient
from reconciler.airship.lease import AirshipLease
from reconciler.airship.lint import PASSED
from reconciler.airship.normalize import comparable, lower_keys, segment_ids, wire_time
from reconciler.airship.sendings import passed
from reconciler.airship.stop import AirshipStop
from reconciler.config import EnvConfig, SafetyConfig
from reconciler.errors import ApiError
from reconciler.plan.paths import plain_copy
from reconciler.provider import (
    ImportRefs,
    KindInfo,
    LintItem,
    LiveObject,
    Provider,
    SpecDocument,
)
from reconciler.workspace.workspace import Spec

if TYPE_CHECKING:
    from reconciler.calendar.grid import Sending
    from reconciler.describe import Context
    from reconciler.doctor import Check
    from reconciler.plan.model import Words
    from reconciler.preview.render import Picture
    from reconciler.sendtest.core import TestSender

SEGMENT, CAMPAIGN = "segment", "campaign"
PIPELINE, SCHEDULE = "pipeline", "schedule"
PATHS = {PIPELINE: "pipelines", SCHEDULE: "schedules", SEGMENT: "segments"}
TIME_FIELDS = ("activation_time", "deactivation_time")


class AirshipProvider(AirshipStop, AirshipLease, Provider):
    kinds = (KindInfo(SEGMENT, removal="delete"), KindInfo(CAMPAIGN, removal="delete"))
    server_fields = frozenset({"uid", "url", "status", "creation_time", "last_modified_time",
                               "push_ids", "localization_ids", "operation_id", "ok",
                               "creation_date", "modification_date"})
    reach_kind = SEGMENT
    platform = "airship"

    def __init__(self, client: AirshipClient):
        self.client = client
        self._types: dict[str, str] = {}  # campaign id -> pipeline | schedule

    async def aclose(self) -> None:
        await self.client.aclose()

    # --- reads -----------------------------------------------------------
    async def list_live(self, kind: str) -> list[LiveObject]:
        if kind == SEGMENT:
            rows = await self.client.list_segments()
            leases = {str(r["id"]) for r in await self.lease_rows(rows)}
            return [LiveObject(SEGMENT, str(r["id"]), str(r.get("display_name") or ""),
                               updated_at=_text(r.get("modification_date")), raw=r)
                    for r in rows if r.get("id") and str(r["id"]) not in leases]
        pipelines = [self._campaign(PIPELINE, _pipeline_id(r), r)
                     for r in await self.client.list_pipelines()]
        schedules = [self._campaign(SCHEDULE, _schedule_id(r), r)
                     for r in await self.client.list_schedules()]
        return [o for o in pipelines + schedules if o.id]

    async def get_live(self, kind: str, live_id: int | str) -> LiveObject | None:
        sid = str(live_id)
        if kind == SEGMENT:
            raw = await self.client.get("segments", sid)
            return None if raw is None else self._segment(sid, raw)
        known = self._types.get(sid)
        for which in ([known] if known else [PIPELINE, SCHEDULE]):
            raw = await self.client.get(PATHS[which], sid)
            if raw is not None:
                return self._campaign(which, sid, raw)
        return None

    async def find_by_name(self, kind: str, name: str) -> list[LiveObject]:
        return [o for o in await self.list_live(kind) if o.name == name]

    async def find_created(self, kind: str, payload: Mapping[str, Any]) -> list[LiveObject]:
        return await self.find_by_name(kind, _name(payload))

    # --- writes ----------------------------------------------------------
    async def create(self, kind: str, payload: Mapping[str, Any]) -> LiveObject:
        which = _which(kind, payload)
        schedule = payload.get("schedule")
        if which == SCHEDULE and isinstance(schedule, Mapping) and \
                passed(schedule, self._now()):
            raise ApiError(f"schedule {_name(payload)!r}: {PASSED}", status=422)
        new_id = await self.client.create(PATHS[which], _wire(payload))
        if kind == CAMPAIGN:
            self._types[new_id] = which
        return LiveObject(kind, new_id, _name(payload), body=None, status=None)

    async def update(self, kind: str, live_id: int | str, payload: Mapping[str, Any]
                     ) -> LiveObject:
        sid = str(live_id)
        which = _which(kind, payload)
        if kind == CAMPAIGN and self._types.get(sid, which) != which:
            await self.remove(kind, sid)  # a pipeline cannot become a schedule: replace
            return await self.create(kind, payload)
        await self.client.update(PATHS[which], sid, _wire(payload))
        return LiveObject(kind, sid, _name(payload), body=None)

    async def remove(self, kind: str, live_id: int | str) -> None:
        sid = str(live_id)
        if kind == CAMPAIGN and sid not in self._types:
            await self.get_live(kind, sid)  # learns which endpoint holds it
        await self.client.delete(PATHS[SEGMENT if kind == SEGMENT else
                                       self._types.get(sid, PIPELINE)], sid)

    # --- verify after write, two-phase go-live -----------------------------
    async def stored(self, kind: str, written: LiveObject, sent: Mapping[str, Any]
                     ) -> LiveObject | None:
        """Always read back: Airship's writes answer only an id or `ok`."""
        return await self.get_live(kind, written.id)

    def held_back(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        """A pipeline going live is first written disabled (a schedule has no such form)."""
        if kind == CAMPAIGN and payload.get("type") == PIPELINE and payload.get("enabled"):
            return {**payload, "enabled": False}
        return None

    def replaces(self, kind: str, live: LiveObject, payload: Mapping[str, Any]) -> bool:
        return kind == CAMPAIGN and (live.body or {}).get("type") not in (None,
                                                                          payload.get("type"))

    def goes_live(self, kind: str, before: LiveObject | None, payload: Mapping[str, Any]) -> bool:
        if kind != CAMPAIGN:
            return False
        was_live = before is not None and self.is_live(before) and \
            (before.body or {}).get("type") == payload.get("type")
        if payload.get("type") == SCHEDULE:
            return not was_live  # created: armed
        return bool(payload.get("enabled")) and not was_live

    def is_live(self, live: LiveObject) -> bool:
        if live.kind != CAMPAIGN:
            return False
        body = live.body or live.raw or {}
        if body.get("type", self._types.get(str(live.id))) == SCHEDULE:
            return True
        return bool(body.get("enabled")) and live.status != "completed"

    def reach(self, payload: Mapping[str, Any], audiences: Mapping[Any, LiveObject]
              ) -> dict[str, Any] | None:
        return None  # Airship's API counts no segment's members

    # --- translation -----------------------------------------------------
    def payload(self, spec: Spec, ids: Mapping[str, int | str]) -> dict[str, Any]:
        body = plain_copy(dict(spec.body))
        if spec.kind == SEGMENT:
            return {"display_name": body["display_name"],
                    "criteria": lower_keys(body["criteria"])}
        push = {"device_types": body["device_types"], "notification": body["notification"]}
        if body["type"] == SCHEDULE:
            refs = [{"segment": str(ids.get(f"{SEGMENT}:{k}", f"<{SEGMENT}:{k}>"))}
                    for k in body["segments"]]
            audience = refs[0] if len(refs) == 1 else {"or": refs}
            schedule = _times(body["schedule"])
            return {"type": SCHEDULE, "name": body["name"], "schedule": schedule,
                    "push": {"audience": audience, **push}}
        out: dict[str, Any] = {
            "type": PIPELINE, "name": body["name"], "enabled": bool(body.get("enabled")),
            "immediate_trigger": body["immediate_trigger"],
            "outcome": {"push": {"audience": "triggered", **push}}}
        if body.get("constraint"):
            out["constraint"] = body["constraint"]
        for key in TIME_FIELDS:
            if body.get(key):
                out[key] = wire_time(body[key])
        return out

    def comparable(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        return comparable(kind, payload)

    def schedule(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        if kind != CAMPAIGN:
            return None
        if payload.get("type") == SCHEDULE and isinstance(payload.get("schedule"), Mapping):
            return dict(payload["schedule"])
        return {"on": "trigger", "enabled": bool(payload.get("enabled"))}

    # --- optional capabilities ------------------------------------------
    def spec_document(self, live: LiveObject, refs: ImportRefs, archived: bool = False
                      ) -> SpecDocument:
        from reconciler.airship.importing import spec_document

        return spec_document(live, refs)

    @classmethod
    def test_sender(cls) -> TestSender:
        from reconciler.airship.sendtest import AirshipTestSender

        return AirshipTestSender()

    @classmethod
    def preview(cls, spec: Spec, env: EnvConfig, which: str) -> Picture:
        from reconciler.airship.preview import picture

        return picture(spec, which)

    def lint(self, items: Sequence[LintItem], every: Sequence[Spec], env: EnvConfig,
             safety: SafetyConfig) -> dict[str, list[str]]:
        from reconciler.airship.lint import lint

        return lint([i.spec for i in items], every, safety.max_pushes_per_day)

    @classmethod
    def sendings(cls, specs: Sequence[Spec], start: date, days: int, now: datetime, *,
                 drafts: bool = False) -> list[Sending]:
        """Scheduled pushes' send times (see reconciler.airship.sendings)."""
        from reconciler.airship.sendings import sendings

        return sendings(specs, start, days, now)

    def describe(self, kind: str, payload: Mapping[str, Any], context: Context) -> Words:
        from reconciler.airship.words import describe

        return describe(kind, payload, context)

    async def doctor_checks(self, write: bool) -> list[Check]:
        from reconciler.airship.doctor import airship_checks

        return await airship_checks(self, write)

    # --- wire -> LiveObject ----------------------------------------------
    def _segment(self, sid: str, raw: Mapping[str, Any]) -> LiveObject:
        return LiveObject(SEGMENT, sid, str(raw.get("display_name") or ""),
                          body=comparable(SEGMENT, raw), raw=raw)

    def _campaign(self, which: str, cid: str, raw: Mapping[str, Any]) -> LiveObject:
        self._types[cid] = which
        body = comparable(CAMPAIGN, {**raw, "type": which})
        return LiveObject(CAMPAIGN, cid, str(raw.get("name") or ""),
                          updated_at=_text(raw.get("last_modified_time")), body=body, raw=raw,
                          targets=segment_ids(body),
                          status=str(raw["status"]) if raw.get("status") else None)


def _which(kind: str, payload: Mapping[str, Any]) -> str:
    return SEGMENT if kind == SEGMENT else str(payload.get("type") or PIPELINE)


def _wire(payload: Mapping[str, Any]) -> dict[str, Any]:
    """What the API receives: the payload without our `type` discriminator."""
    return {k: v for k, v in payload.items() if k != "type"}


def _name(payload: Mapping[str, Any]) -> str:
    return str(payload.get("display_name") or payload.get("name") or "")


def _times(schedule: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(schedule)
    if out.get("scheduled_time"):
        out["scheduled_time"] = wire_time(out["scheduled_time"])
    recurring = out.get("recurring")
    if isinstance(recurring, Mapping) and recurring.get("end_time"):
        out["recurring"] = {**recurring, "end_time": wire_time(recurring["end_time"])}
    return out


def _last_part(url: Any) -> str:
    return str(url).rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) and url else ""


def _pipeline_id(raw: Mapping[str, Any]) -> str:
    return str(raw.get("uid") or raw.get("id") or _last_part(raw.get("url")))


def _schedule_id(raw: Mapping[str, Any]) -> str:
    return str(raw.get("id") or _last_part(raw.get("url")))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


__all__ = ["AirshipProvider"]
