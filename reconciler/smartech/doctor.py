"""`reconciler doctor` rows for Netcore Smartech.

Read-only, always: the key is accepted (the v4 email list answers), the list
and the audience lists answer the keys identity and references rely on, an id
that does not exist reads as absent through v4 get, and whether this account's
v4 list answers app push at all (the docs say email only, so app-push
identity is pinned in git; the row records the finding); the audience list's paging
(asked without a page size, a page holds the documented default of 10 and the answer
carries `total_count`; reconciler pages by that count); and the email go-live form (a
campaign past draft reads back with `campaign_state` and `schedule_time`, the fields
of the one public client's go-live that reconciler sends). `--write` adds no
probe here: an email draft needs a panel template and sender, and an app-push
draft cannot be read back or deleted through any documented call, so a probe
would leave an object behind. The row says so instead of pretending.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.doctor import Check, assumed, first_line, shape_check, skipped
from reconciler.errors import ReconcilerError
from reconciler.smartech.client import AUDIENCE_PAGE as DEFAULT_PAGE
from reconciler.smartech.client import details, total_count

if TYPE_CHECKING:
    from reconciler.smartech.provider import SmartechProvider

CAMPAIGN_KEYS = ("campaign_id", "campaign_name")
AUDIENCE_KEYS = ("audience_id", "audience_name")
UNKNOWN_ID = 2**31 - 7  # no account reaches this id; a get of it must answer nothing


async def smartech_checks(provider: SmartechProvider, write: bool) -> list[Check]:
    """Every row, in order; later rows are skipped when the key was refused."""
    client = provider.client
    what = "the env's api key is accepted"
    try:
        emails = await client.list_campaigns("email")
    except ReconcilerError as e:
        return [Check("credentials", what, False, first_line(e)),
                skipped("audience_listing", "audience lists answer", "credentials were refused")]
    checks = [Check("credentials", what, True, "v4 email list answered"),
              shape_check("email_listing", "the v4 email list answers", emails, CAMPAIGN_KEYS)]
    checks += [await _audiences(provider, t) for t in ("list", "segment")]
    checks.append(await _audience_paging(provider))
    checks.append(await _go_live_form(provider, emails))
    checks.append(await _unknown_id(provider))
    checks.append(await _app_push(provider))
    if write:
        checks.append(skipped("probe", "a draft can be written, read back and deleted",
                              "Smartech has no probe: an email draft needs a panel template, "
                              "and app push cannot be read back or deleted"))
    return [*checks, _stop_row()]


def _stop_row() -> Check:
    from reconciler.smartech.stop import ASSUMPTION

    return assumed("stop", ASSUMPTION, "it needs a scheduled email to stop, and doctor "
                   "never schedules; the v4 update page does not say which states it "
                   "accepts")


async def _audiences(provider: SmartechProvider, audience_type: str) -> Check:
    check_id = f"{audience_type}_listing"
    what = f"the {audience_type} audience list answers"
    try:
        rows = await provider.client.list_audiences(audience_type)
    except ReconcilerError as e:
        return Check(check_id, f"{what} {', '.join(AUDIENCE_KEYS)}", False, first_line(e))
    return shape_check(check_id, what, rows, AUDIENCE_KEYS)


async def _audience_paging(provider: SmartechProvider) -> Check:
    """Page 1 asked with no page size: the documented default of 10 rows (fewer only when
    fewer exist), and a `total_count` that a full walk at that size agrees with."""
    what = (f"the audience list pages by {DEFAULT_PAGE} by default and its total_count "
            "counts every row")
    try:
        first = await provider.client.audience_page("list", 1, None)
        rows = details(first, "audience_details")
        total = total_count(first)
        every = await provider.client.list_audiences("list") if total is not None else []
    except ReconcilerError as e:
        return Check("audience_paging", what, False, first_line(e))
    if total is None:
        return Check("audience_paging", what, False,
                     "the answer has no total_count: reconciler pages until a short page")
    size_ok = len(rows) == min(DEFAULT_PAGE, total)
    return Check("audience_paging", what, size_ok and len(every) == total,
                 f"page 1 held {len(rows)} of total_count {total}; paging by "
                 f"{DEFAULT_PAGE} read {len(every)}")


async def _go_live_form(provider: SmartechProvider, emails: list[dict[str, Any]]) -> Check:
    """A campaign past draft, read through v4 get: its go-live in the public client's form."""
    what = "a live email campaign reads back with campaign_state and schedule_time"
    live = [e for e in emails if e.get("campaign_state") not in (None, "draft")]
    if not live:
        return skipped("go_live_form", what, "no email campaign past draft to read")
    cid = live[0].get("campaign_id")
    try:
        raw = await provider.client.get_campaign("email", cid) if isinstance(cid, int) else None
    except ReconcilerError as e:
        return Check("go_live_form", what, False, first_line(e))
    if raw is None:
        return Check("go_live_form", what, False, f"campaign {cid} is listed but not in get")
    has = [k for k in ("campaign_state", "schedule_time") if raw.get(k)]
    return Check("go_live_form", what, len(has) == 2,
                 f"campaign {cid}: " + (f"{raw['campaign_state']}, schedule_time "
                                        f"{raw['schedule_time']}" if len(has) == 2 else
                                        f"answers only {', '.join(has) or 'neither'}"))


async def _unknown_id(provider: SmartechProvider) -> Check:
    what = "a campaign id that does not exist reads as absent through v4 get"
    try:
        found = await provider.client.get_campaign("email", UNKNOWN_ID)
    except ReconcilerError as e:
        return Check("unknown_id", what, False, first_line(e))
    return Check("unknown_id", what, found is None,
                 f"get of id {UNKNOWN_ID}: " + ("nothing" if found is None else "an object"))


async def _app_push(provider: SmartechProvider) -> Check:
    """Informational: which documented form of app-push identity this account allows."""
    what = "app push identity is pinned in git (the v4 list answers email only)"
    try:
        listed = await provider.lists_app_push()
    except ReconcilerError as e:
        return Check("app_push_listing", what, None, f"not checked: {first_line(e)}")
    if listed:
        return Check("app_push_listing", what, None,
                     "the v4 list answered for channel apn: this account lists app push, but "
                     "reconciler keeps git pins as app-push identity")
    return Check("app_push_listing", what, True, "the v4 list refused channel apn")
