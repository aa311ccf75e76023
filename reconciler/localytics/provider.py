"""Localytics as a `Provider`: audiences, then push campaigns."""

from __future__ import annotations

import asyncio
import copy
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from reconciler.config import EnvConfig, SafetyConfig
from reconciler.errors import TransportError
from reconciler.localytics.client import PAGE_SIZE, LocalyticsClient
from reconciler.localytics.normalize import (
    SERVER_FIELDS,
    comparable_audience,
    comparable_campaign,
)
from reconciler.provider import KindInfo, LintItem, LiveObject, Provider
from reconciler.spec.workspace import Spec

AUDIENCE, CAMPAIGN = "audience", "campaign"


class LocalyticsProvider(Provider):
    kinds = (KindInfo(AUDIENCE, removal="delete"), KindInfo(CAMPAIGN, removal="archive"))
    server_fields = SERVER_FIELDS | {"deleted_at", "segmentation_count"}

    def __init__(self, client: LocalyticsClient):
        self.client = client

    async def aclose(self) -> None:
        await self.client.aclose()

    # --- reads -----------------------------------------------------------
    async def list_live(self, kind: str) -> list[LiveObject]:
        if kind == AUDIENCE:
            rows = await self.client.list_audiences()
            return [self._audience(r) for r in rows if not r.get("deleted_at")]
        return [self._summary(r) for r in await self._all_pages(self.client.list_campaigns_page)]

    async def list_archived(self, kind: str) -> list[LiveObject]:
        if kind != CAMPAIGN:
            return []
        fetch = lambda page: self.client.list_campaigns_page(page, archived=True)  # noqa: E731
        return [self._summary(r) for r in await self._all_pages(fetch)]

    async def get_live(self, kind: str, live_id: int) -> LiveObject | None:
        if kind == AUDIENCE:
            # GET one audience carries no name: the listing is the whole truth.
            return next((o for o in await self.list_live(AUDIENCE) if o.id == live_id), None)
        raw = await self.client.get_campaign(live_id)
        return self._campaign(raw) if raw is not None else None

    async def find_by_name(self, kind: str, name: str) -> list[LiveObject]:
        if kind == AUDIENCE:
            return [o for o in await self.list_live(AUDIENCE) if o.name == name]
        rows = await self._all_pages(lambda page: self.client.search_campaigns_page(name, page))
        return [self._summary(r) for r in rows if r.get("name") == name]

    async def _all_pages(self, fetch: Any) -> list[dict[str, Any]]:
        """Every record of a paginated listing; an incomplete listing is an error.

        A plan built from a partial listing would propose creating objects that
        exist, so repeated ids or a count that disagrees with `total_records`
        fail loudly instead.
        """
        first = await fetch(1)
        total, rows = _page(first)
        if total > len(rows) and rows:
            pages = math.ceil(total / len(rows))
            if pages > 100_000:
                raise TransportError("campaign listing reports an implausible total_records")
            rest = await asyncio.gather(*(fetch(p) for p in range(2, pages + 1)))
            for page in rest:
                rows.extend(_page(page)[1])
        ids = [r.get("id") for r in rows]
        if len(set(ids)) != len(ids) or len(rows) != total:
            raise TransportError(
                f"campaign listing is inconsistent: total_records {total}, "
                f"{len(rows)} records, {len(ids) - len(set(ids))} repeated; refusing to plan "
                "from an incomplete listing"
            )
        return rows

    # --- writes ----------------------------------------------------------
    async def create(self, kind: str, payload: Mapping[str, Any]) -> LiveObject:
        if kind == AUDIENCE:
            return self._audience(await self.client.create_audience(dict(payload)))
        return self._campaign(await self.client.create_campaign(dict(payload)))

    async def update(self, kind: str, live_id: int, payload: Mapping[str, Any]) -> LiveObject:
        if kind == AUDIENCE:
            return self._audience(await self.client.patch_audience(live_id, dict(payload)))
        return self._campaign(await self.client.replace_campaign(live_id, dict(payload)))

    async def remove(self, kind: str, live_id: int) -> None:
        if kind == AUDIENCE:
            await self.client.delete_audience(live_id)
        else:
            await self.client.archive_campaign(live_id)

    # --- translation -----------------------------------------------------
    def payload(self, spec: Spec, ids: Mapping[str, int]) -> dict[str, Any]:
        body = copy.deepcopy(dict(spec.body))
        if spec.kind == CAMPAIGN:
            rules = (body.get("audiences") or {}).get("target_rules") or {}
            if isinstance(rules.get("audience"), list):
                rules["audience"] = [
                    ids.get(f"{AUDIENCE}:{a}", f"<{AUDIENCE}:{a}>") if isinstance(a, str) else a
                    for a in rules["audience"]
                ]
            creatives = body.get("creatives")
            if isinstance(creatives, list) and len(creatives) == 1:
                body["creatives"] = creatives[0]  # DESIGN §2: one object for one creative
        return body

    def comparable(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        return comparable_audience(payload) if kind == AUDIENCE else comparable_campaign(payload)

    def goes_live(self, kind: str, before: LiveObject | None, payload: Mapping[str, Any]) -> bool:
        if kind != CAMPAIGN or payload.get("status") != "active":
            return False
        return before is None or before.status != "active"

    def is_live(self, live: LiveObject) -> bool:
        return live.kind == CAMPAIGN and live.status == "active"

    def reach(
        self, payload: Mapping[str, Any], audiences: Mapping[int, LiveObject]
    ) -> dict[str, Any] | None:
        target = payload.get("audiences") or {}
        if target.get("campaign_type") == "everyone":
            return {"everyone": True}
        ids = (target.get("target_rules") or {}).get("audience")
        if target.get("campaign_type") != "saved_audience" or not isinstance(ids, list):
            return None
        counts = [audiences[i].reach for i in ids if isinstance(i, int) and i in audiences]
        if len(counts) != len(ids) or not all(counts):
            return None  # an audience created in this run: reach known after apply
        return {
            "user_count": sum(int(c.get("user_count") or 0) for c in counts if c),
            "has_push": sum(int(c.get("has_push") or 0) for c in counts if c),
        }

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
    def _audience(self, raw: Mapping[str, Any]) -> LiveObject:
        counts = raw.get("segmentation_count") or {}
        return LiveObject(
            kind=AUDIENCE, id=int(raw["id"]), name=str(raw.get("name", "")),
            updated_at=raw.get("updated_at"), body=comparable_audience(raw), raw=raw,
            reach={k: counts.get(k) for k in ("user_count", "has_push")} if counts else None,
        )

    def _summary(self, raw: Mapping[str, Any]) -> LiveObject:
        return LiveObject(
            kind=CAMPAIGN, id=int(raw["id"]), name=str(raw.get("name", "")),
            updated_at=raw.get("updated_at"), status=raw.get("status"),
        )

    def _campaign(self, raw: Mapping[str, Any]) -> LiveObject:
        target = (raw.get("audiences") or {}).get("target_rules") or {}
        targets = tuple(a for a in target.get("audience") or () if isinstance(a, int))
        return LiveObject(
            kind=CAMPAIGN, id=int(raw["id"]), name=str(raw.get("name", "")),
            updated_at=raw.get("updated_at"), body=comparable_campaign(raw), raw=raw,
            targets=targets, status=raw.get("status"),
        )


def _page(data: Any) -> tuple[int, list[dict[str, Any]]]:
    if not isinstance(data, dict) or not isinstance(data.get("campaigns"), list):
        raise TransportError("campaign listing: response has no 'campaigns' list")
    rows = [r for r in data["campaigns"] if isinstance(r, dict) and "id" in r]
    total = data.get("total_records")
    return (int(total) if isinstance(total, int) else len(rows)), rows


__all__ = ["LocalyticsProvider", "PAGE_SIZE"]
