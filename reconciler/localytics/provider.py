"""Localytics as a `Provider`: audiences, then push campaigns."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from reconciler.config import EnvConfig, SafetyConfig
from reconciler.describe import Context
from reconciler.errors import ApiError
from reconciler.localytics.client import PAGE_SIZE, LocalyticsClient, _record
from reconciler.localytics.listing import Page, all_pages
from reconciler.localytics.normalize import (
    AUDIENCE_KEYS,
    SERVER_FIELDS,
    comparable_audience,
    comparable_campaign,
    saved_audiences,
)
from reconciler.localytics.pagehint import PageHint
from reconciler.localytics.stop import LocalyticsStop
from reconciler.plan.model import Words
from reconciler.plan.paths import plain_copy
from reconciler.provider import (
    ImportRefs,
    KindInfo,
    LeaseObject,
    LintItem,
    LiveId,
    LiveObject,
    Provider,
    SpecDocument,
    is_lease_name,
)
from reconciler.workspace.workspace import Spec

if TYPE_CHECKING:
    from reconciler.calendar.grid import Sending
    from reconciler.doctor import Check
    from reconciler.preview.render import Picture
    from reconciler.sendtest.core import TestSender

AUDIENCE, CAMPAIGN = "audience", "campaign"
# The lease audience's definition: an event no app sends, so it never holds anyone.
LEASE_EVENT = "reconciler apply lease"
LEASE_RULES = {
    "targeting_type": "customer_id",
    "behavior": {"days": 1, "behavior_rule_operator": "and", "rules": [{
        "rule_type": "event", "event_name": LEASE_EVENT, "count": 1,
        "count_operator": "atleast", "conditions": {"operator": "and", "filters": []},
    }]},
}


class LocalyticsProvider(LocalyticsStop, Provider):
    kinds = (KindInfo(AUDIENCE, removal="delete"), KindInfo(CAMPAIGN, removal="archive"))
    server_fields = SERVER_FIELDS | {"deleted_at", "segmentation_count"}
    notes: tuple[str, ...] = ()  # doctor findings in use (reconciler.localytics.findings)

    platform = "localytics"

    @classmethod
    def test_sender(cls) -> TestSender:
        from reconciler.localytics.sendtest import LocalyticsTestSender

        return LocalyticsTestSender()

    @classmethod
    def preview(cls, spec: Spec, env: EnvConfig, which: str) -> Picture:
        from reconciler.localytics.preview import picture

        return picture(spec, str(env.vars.get("app_name") or env.app_id), which)

    def __init__(self, client: LocalyticsClient, audience_key: str = "audience",
                 page_hint: PageHint | None = None):
        """`audience_key`: under which key of `target_rules` saved audiences are written
        (the env's choice; the OpenAPI says `audience`, the vendor's script `audiences`).
        Both are read whatever it is. `page_hint`: the campaign listing's page count last
        time (`reconciler.localytics.pagehint`)."""
        if audience_key not in AUDIENCE_KEYS:
            raise ValueError(f"audience_key must be one of {AUDIENCE_KEYS}, not {audience_key!r}")
        self.client = client
        self.audience_key = audience_key
        self.page_hint = page_hint

    async def aclose(self) -> None:
        await self.client.aclose()

    # --- reads -----------------------------------------------------------
    async def list_live(self, kind: str) -> list[LiveObject]:
        return await self.list_live_seen(kind, lambda _objs: None)

    async def list_live_seen(self, kind: str,
                             seen: Callable[[list[LiveObject]], None]) -> list[LiveObject]:
        """Each page of campaigns is handed to `seen` as it arrives (in page order)."""
        if kind == AUDIENCE:
            rows = await self.client.list_audiences()
            live = [self._audience(r) for r in rows]
            live = [o for o in live
                    if not (o.raw or {}).get("deleted_at") and not _is_lease(o.raw or {})]
            seen(live)
            return live
        pages: list[LiveObject] = []

        def page(rows: list[dict[str, Any]]) -> None:
            objs = [self._summary(r) for r in rows]
            pages.extend(objs)
            seen(objs)

        await all_pages(self.client.list_campaigns_page, page, self.page_hint)
        return pages

    async def list_archived(self, kind: str) -> list[LiveObject]:
        if kind != CAMPAIGN:
            return []
        fetch = lambda page: self.client.list_campaigns_page(page, archived=True)  # noqa: E731
        return [self._summary(r) for r in await self._all_pages(fetch)]

    async def get_live(self, kind: str, live_id: LiveId) -> LiveObject | None:
        # Localytics ids are ints; one read back from a plan file or argument may be a
        # digit string, which would compare unequal to every listed id.
        num = int(live_id)
        if kind == AUDIENCE:
            # GET one audience carries no name: the listing is the whole truth.
            return next((o for o in await self.list_live(AUDIENCE) if o.id == num), None)
        raw = await self.client.get_campaign(num)
        return self._campaign(raw) if raw is not None else None

    async def find_by_name(self, kind: str, name: str) -> list[LiveObject]:
        if kind == AUDIENCE:
            return [o for o in await self.list_live(AUDIENCE) if o.name == name]
        rows = await self._all_pages(lambda page: self.client.search_campaigns_page(name, page))
        return [self._summary(r) for r in rows if r.get("name") == name]

    async def _all_pages(self, fetch: Page,
                         page_rows: Callable[[list[dict[str, Any]]], None] = lambda _r: None
                         ) -> list[dict[str, Any]]:
        """Every record of a paginated listing (see `reconciler.localytics.listing`)."""
        return await all_pages(fetch, page_rows)

    def spec_document(self, live: LiveObject, refs: ImportRefs, archived: bool = False
                      ) -> SpecDocument:
        from reconciler.localytics.importing import spec_document

        return spec_document(live, refs, archived, self.server_fields)

    # --- writes ----------------------------------------------------------
    async def create(self, kind: str, payload: Mapping[str, Any]) -> LiveObject:
        """A create answered without the object may still have happened: ambiguous."""
        if kind == AUDIENCE:
            return self._audience(await self.client.create_audience(dict(payload)), "create")
        return self._campaign(await self.client.create_campaign(dict(payload)), "create")

    async def update(self, kind: str, live_id: LiveId, payload: Mapping[str, Any]) -> LiveObject:
        if kind == AUDIENCE:
            raw = await self.client.patch_audience(int(live_id), dict(payload))
            return self._audience(raw, "update")
        return self._campaign(
            await self.client.replace_campaign(int(live_id), dict(payload)), "update")

    async def remove(self, kind: str, live_id: LiveId) -> None:
        if kind == AUDIENCE:
            await self.client.delete_audience(int(live_id))
        else:
            await self.client.archive_campaign(int(live_id))

    # --- apply lease: an audience no campaign targets; ids grow, so id is the rank.
    # A lease is told apart from a user's audience by its rules (LEASE_RULES' event) as
    # well as its name: a user's audience named like one is never listed, so never deleted.
    async def lease_create(self, name: str) -> LeaseObject:
        raw = self._audience(await self.client.create_audience(
            {"name": name, "target_rules": LEASE_RULES}), "create")
        return LeaseObject(raw.id, raw.name, (raw.id,))

    async def lease_list(self) -> list[LeaseObject]:
        rows = [self._audience(r) for r in await self.client.list_audiences()]
        return [LeaseObject(o.id, o.name, (o.id,)) for o in rows
                if _is_lease(o.raw or {}) and not (o.raw or {}).get("deleted_at")]

    async def lease_renew(self, lease_id: LiveId, name: str) -> None:
        await self.client.patch_audience(int(lease_id), {"name": name})

    def platform_now(self) -> datetime | None:
        return self.client.clock.last

    async def lease_delete(self, lease_id: LiveId) -> None:
        try:
            await self.client.delete_audience(int(lease_id))
        except ApiError as e:
            if e.status != 404:
                raise

    # --- translation -----------------------------------------------------
    def dangling_ids(self, spec: Spec, live: Mapping[str, Mapping[int | str, LiveObject]]
                     ) -> list[tuple[tuple[str | int, ...], str]]:
        """Raw audience ids in a campaign's target_rules that no live audience has."""
        if spec.kind != CAMPAIGN:
            return []
        rules = (spec.body.get("audiences") or {}).get("target_rules") or {}
        refs = rules.get("audience") if isinstance(rules, dict) else None
        audiences = live.get(AUDIENCE, {})
        return [
            (("audiences", "target_rules", "audience", i),
             f"audience id {ref} is not a live audience of this app (deleted, or another "
             "app's?); name an audience file's key, or a live id")
            for i, ref in enumerate(refs if isinstance(refs, list) else [])
            if isinstance(ref, int) and not isinstance(ref, bool) and ref not in audiences
        ]

    def payload(self, spec: Spec, ids: Mapping[str, LiveId]) -> dict[str, Any]:
        body = plain_copy(dict(spec.body))
        if spec.kind == CAMPAIGN:
            rules = (body.get("audiences") or {}).get("target_rules") or {}
            if isinstance(rules.get("audience"), list):
                refs = rules.pop("audience")
                rules[self.audience_key] = [
                    ids.get(f"{AUDIENCE}:{a}", f"<{AUDIENCE}:{a}>") if isinstance(a, str) else a
                    for a in refs
                ]
            creatives = body.get("creatives")
            if isinstance(creatives, list) and len(creatives) == 1:
                body["creatives"] = creatives[0]  # DESIGN §2: one object for one creative
        return body

    def compare_salt(self) -> str:
        return f"audience_key={self.audience_key}"  # the only setting payload reads

    def comparable(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        return comparable_audience(payload) if kind == AUDIENCE else comparable_campaign(payload)

    def goes_live(self, kind: str, before: LiveObject | None, payload: Mapping[str, Any]) -> bool:
        if kind != CAMPAIGN or payload.get("status") != "active":
            return False
        return before is None or before.status != "active"

    def is_live(self, live: LiveObject) -> bool:
        return live.kind == CAMPAIGN and live.status == "active"

    def held_back(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        """The campaign as a draft: written and verified before `activate` PUTs it active."""
        if kind != CAMPAIGN or payload.get("status") != "active":
            return None
        return {**plain_copy(dict(payload)), "status": "draft"}

    def reach(
        self, payload: Mapping[str, Any], audiences: Mapping[int, LiveObject]
    ) -> dict[str, Any] | None:
        target = payload.get("audiences") or {}
        if target.get("campaign_type") == "everyone":
            return {"everyone": True}
        ids = saved_audiences(target.get("target_rules"))
        if target.get("campaign_type") != "saved_audience" or not isinstance(ids, list):
            return None
        counts = [audiences[i].reach for i in ids if isinstance(i, int) and i in audiences]
        if len(counts) != len(ids) or not all(counts):
            return None  # an audience created in this run: reach known after apply
        return {
            "user_count": sum(int(c.get("user_count") or 0) for c in counts if c),
            "has_push": sum(int(c.get("has_push") or 0) for c in counts if c),
        }

    async def doctor_checks(self, write: bool) -> list[Check]:
        from reconciler.localytics.doctor import localytics_checks

        return await localytics_checks(self, write)

    def plan_notes(self) -> list[str]:
        return list(self.notes)

    def show_value(self, kind: str, path: str, value: Any, payload: Mapping[str, Any]
                   ) -> str | None:
        from reconciler.localytics.words import show_value

        return show_value(kind, path, value, payload)

    def describe(self, kind: str, payload: Mapping[str, Any], context: Context) -> Words:
        from reconciler.localytics.words import describe_audience, describe_campaign

        describe = describe_audience if kind == AUDIENCE else describe_campaign
        return describe(payload, context)

    def schedule(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        planned = payload.get("schedule") if kind != AUDIENCE else None
        return dict(planned) if isinstance(planned, Mapping) else None

    @classmethod
    def sendings(cls, specs: Sequence[Spec], start: date, days: int, now: datetime, *,
                 drafts: bool = False) -> list[Sending]:
        """Active campaigns' schedules expanded (see reconciler.localytics.sendings)."""
        from reconciler.localytics.sendings import sendings

        return sendings(specs, start, days, now, drafts=drafts)

    def lint(
        self, items: Sequence[LintItem], every: Sequence[Spec], env: EnvConfig,
        safety: SafetyConfig,
    ) -> dict[str, list[str]]:
        from reconciler.localytics.lint import lint_campaign
        from reconciler.localytics.sendings import over_cap

        now = datetime.now(UTC)
        campaigns = [i for i in items if i.spec.kind == CAMPAIGN]
        out = {i.spec.ref: lint_campaign(i.spec.body, env.vars, go_live=i.go_live, now=now)
               for i in campaigns}
        capped = over_cap([i.spec for i in campaigns], every, safety.max_pushes_per_day, now)
        for ref, warnings in capped.items():
            out.setdefault(ref, []).extend(warnings)
        return {ref: w for ref, w in out.items() if w}

    # --- wire → LiveObject -----------------------------------------------
    def _audience(self, raw: Any, what: str = "audience listing") -> LiveObject:
        raw = _record(raw, AUDIENCE, what)
        counts = raw.get("segmentation_count") or {}
        return LiveObject(
            kind=AUDIENCE, id=int(raw["id"]), name=str(raw.get("name", "")),
            updated_at=raw.get("updated_at"), body=comparable_audience(raw), raw=raw,
            reach={k: counts.get(k) for k in ("user_count", "has_push")} if counts else None,
        )

    def _summary(self, raw: Any) -> LiveObject:
        raw = _record(raw, CAMPAIGN, "campaign listing")
        return LiveObject(
            kind=CAMPAIGN, id=int(raw["id"]), name=str(raw.get("name", "")),
            updated_at=raw.get("updated_at"), status=raw.get("status"),
        )

    def _campaign(self, raw: Any, what: str = "campaign read") -> LiveObject:
        raw = _record(raw, CAMPAIGN, what)
        target = (raw.get("audiences") or {}).get("target_rules")
        targets = tuple(a for a in saved_audiences(target) or () if isinstance(a, int))
        body = comparable_campaign(raw)
        # `raw` keeps the wire fields the comparable body leaves out (what the importer
        # names as dropped); the rest is in `body` already. The whole records were the
        # largest holder of a plan's peak memory at 10k campaigns (issue 29).
        return LiveObject(
            kind=CAMPAIGN, id=int(raw["id"]), name=str(raw.get("name", "")),
            updated_at=raw.get("updated_at"), body=body,
            raw={k: v for k, v in raw.items() if k not in body},
            targets=targets, status=raw.get("status"),
        )


__all__ = ["LocalyticsProvider", "PAGE_SIZE"]


def _is_lease(raw: Mapping[str, Any]) -> bool:
    """An apply lease: a lease name and LEASE_RULES' event, which no user audience has."""
    rules = raw.get("target_rules")
    behavior = rules.get("behavior") if isinstance(rules, Mapping) else None
    found = behavior.get("rules") if isinstance(behavior, Mapping) else None
    return is_lease_name(str(raw.get("name") or "")) and isinstance(found, list) and any(
        isinstance(r, Mapping) and r.get("event_name") == LEASE_EVENT for r in found)
