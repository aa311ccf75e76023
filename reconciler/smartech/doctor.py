"""`reconciler doctor` rows for Netcore Smartech.

Read-only, always: the key is accepted (the v4 email list answers), the list
and the audience lists answer the keys identity and references rely on, an id
that does not exist reads as absent through v4 get, and whether this account's
v4 list answers app push at all (the docs say email only, so app-push
identity is pinned in git; the row records the finding). `--write` adds no
probe here: an email draft needs a panel template and sender, and an app-push
draft cannot be read back or deleted through any documented call, so a probe
would leave an object behind. The row says so instead of pretending.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.doctor import Check, first_line, shape_check, skipped
from reconciler.errors import ReconcilerError

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
    checks.append(await _unknown_id(provider))
    checks.append(await _app_push(provider))
    if write:
        checks.append(skipped("probe", "a draft can be written, read back and deleted",
                              "Smartech has no probe: an email draft needs a panel template, "
                              "and app push cannot be read back or deleted"))
    return checks


async def _audiences(provider: SmartechProvider, audience_type: str) -> Check:
    check_id = f"{audience_type}_listing"
    what = f"the {audience_type} audience list answers"
    try:
        rows = await provider.client.list_audiences(audience_type)
    except ReconcilerError as e:
        return Check(check_id, f"{what} {', '.join(AUDIENCE_KEYS)}", False, first_line(e))
    return shape_check(check_id, what, rows, AUDIENCE_KEYS)


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
