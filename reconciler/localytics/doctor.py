"""`reconciler doctor` rows for Localytics: the provider's reading of the API, checked live.

Read-only: credentials, the audience listing, campaign paging (and how a page
past the last answers), search by exact name, the shape of a campaign answer
and the key its saved audiences come back under. With `write`: a draft probe
campaign (never active, scheduled a year out, so never sent) targeting an
existing saved audience is created, read back, compared field by field, and
deleted; a second probe tells which `target_rules` key the account keeps when
the first one does not come back as written. Choices recorded: `audience_key`
(the key saved audiences are written under) and `past_last_page`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from reconciler.doctor import Check, assumed, first_line, probe_name, skipped
from reconciler.errors import ApiError, ReconcilerError
from reconciler.localytics.doctor_probe import answered_key

if TYPE_CHECKING:
    from reconciler.localytics.provider import LocalyticsProvider

CAMPAIGN_KEYS = ("id", "name", "status", "audiences", "schedule", "creatives")
READ_ONLY = ("audience_listing", "campaign_paging", "past_last_page", "search",
             "campaign_shape")


async def localytics_checks(provider: LocalyticsProvider, write: bool) -> list[Check]:
    creds, audiences = await _credentials(provider)
    if not creds.held:
        return [creds, *(skipped(i, i.replace("_", " "), "credentials were refused")
                         for i in READ_ONLY)]
    checks = [creds, _audience_listing(audiences)]
    paging, rows = await _paging(provider)
    checks += [paging, await _past_last(provider, rows), await _search(provider, rows)]
    checks += await _campaign_shape(provider, rows)
    if write:
        ids = [a["id"] for a in audiences or [] if isinstance(a, dict)
               and isinstance(a.get("id"), int) and not a.get("deleted_at")]
        checks += await _probes(provider, ids[0] if ids else None)
    return [*checks, _stop_row()]


def _stop_row() -> Check:
    from reconciler.localytics.stop import ASSUMPTION

    return assumed("stop", ASSUMPTION, "it needs a live campaign to stop, and doctor "
                   "never sends; the OpenAPI documents the status write, not what it does "
                   "to a send in progress")


async def _credentials(provider: LocalyticsProvider) -> tuple[Check, list[Any] | None]:
    what = "the env's credentials are accepted"
    try:
        audiences = await provider.client.list_audiences()
    except ReconcilerError as e:
        return Check("credentials", what, False, first_line(e)), None
    return Check("credentials", what, True, "GET /audiences answered 200"), audiences


def _audience_listing(rows: list[Any] | None) -> Check:
    what = "GET /audiences answers a list of audiences, each with an integer id and a name"
    bad = [r for r in rows or [] if not (isinstance(r, dict) and isinstance(r.get("id"), int)
                                         and isinstance(r.get("name"), str))]
    if bad:
        return Check("audience_listing", what, False,
                     f"{len(bad)} of {len(rows or [])} records lack an integer id or a name")
    return Check("audience_listing", what, True, f"{len(rows or [])} audiences listed")


async def _paging(provider: LocalyticsProvider) -> tuple[Check, list[dict[str, Any]]]:
    what = "campaign listing pages agree with total_records (none repeated, none missing)"
    try:
        rows = await provider._all_pages(provider.client.list_campaigns_page)
    except ReconcilerError as e:
        return Check("campaign_paging", what, False, first_line(e)), []
    return Check("campaign_paging", what, True, f"{len(rows)} campaigns, counts agree"), rows


async def _past_last(provider: LocalyticsProvider, rows: list[dict[str, Any]]) -> Check:
    """Fetch the page after the last at the provider's page size: 404 (the OpenAPI) or an
    empty 200; both end a listing, and which one is recorded."""
    from reconciler.localytics.client import PAGE_SIZE

    what = "a listing page past the last answers 404, as the OpenAPI documents"
    page = max(1, math.ceil(len(rows) / PAGE_SIZE)) + 1
    try:
        data = await provider.client.list_campaigns_page(page)
    except ApiError as e:
        if e.status == 404:
            return Check("past_last_page", what, True, f"page {page} answered 404",
                         {"past_last_page": "404"})
        return Check("past_last_page", what, False, first_line(e))
    found = data.get("campaigns") if isinstance(data, dict) else None
    if isinstance(found, list) and not found:
        return Check("past_last_page", what, False,
                     f"page {page} answered an empty 200 (read as the end too)",
                     {"past_last_page": "empty"})
    return Check("past_last_page", what, False,
                 f"page {page} answered {len(found) if isinstance(found, list) else 'no'} "
                 "campaigns: the listing does not end where total_records says")


async def _search(provider: LocalyticsProvider, rows: list[dict[str, Any]]) -> Check:
    what = "campaign search by name finds a campaign whose name is exactly that"
    name = next((r["name"] for r in rows if isinstance(r.get("name"), str) and r["name"]), None)
    if name is None:
        name = probe_name()
        found = await provider.find_by_name("campaign", name)
        return Check("search", what, not found,
                     f"no campaigns to look for; an unused name found {len(found)}")
    found = await provider.find_by_name("campaign", name)
    return Check("search", what, bool(found),
                 f"{name!r}: {len(found)} exact match{'es' if len(found) != 1 else ''}")


async def _campaign_shape(provider: LocalyticsProvider, rows: list[dict[str, Any]]
                          ) -> list[Check]:
    what = "GET a campaign answers " + ", ".join(CAMPAIGN_KEYS)
    key_what = "saved audiences are answered under target_rules.audience, as the OpenAPI says"
    if not rows:
        return [skipped("campaign_shape", what, "the app has no campaigns"),
                skipped("answered_audience_key", key_what, "the app has no campaigns")]
    raw = await provider.client.get_campaign(int(rows[0]["id"]))
    missing = [k for k in CAMPAIGN_KEYS if not isinstance(raw, dict) or k not in raw]
    shape = Check("campaign_shape", what, not missing,
                  f"campaign {rows[0]['id']}: " + (f"lacks {', '.join(missing)}" if missing
                                                   else "all present"))
    for row in rows[:5]:  # the listing does not say which target saved audiences: read a few
        body = raw if row is rows[0] else await provider.client.get_campaign(int(row["id"]))
        key = answered_key(body)
        if key is not None:
            return [shape, Check("answered_audience_key", key_what, key == "audience",
                                 f"campaign {row['id']} answers target_rules.{key}")]
    return [shape, skipped("answered_audience_key", key_what,
                           "none of the first campaigns targets a saved audience")]


async def _probes(provider: LocalyticsProvider, audience_id: int | None) -> list[Check]:
    from reconciler.localytics.doctor_probe import probe_checks

    return await probe_checks(provider, audience_id)
