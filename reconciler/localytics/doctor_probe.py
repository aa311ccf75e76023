"""`reconciler doctor --write` for Localytics: draft probes, read back, deleted.

Each probe is a draft scheduled a year out, so it reaches nobody, and is
deleted in a `finally` whatever happens between. The first probe writes saved
audiences under the OpenAPI's `target_rules.audience`; when they do not come
back under that key (answered as `audiences`, or dropped), a second probe
writes `audiences`. The recorded `audience_key` is the written key whose ids
stuck, preferring the key the API answers with, so that what is written and
what is read back look alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from reconciler.doctor import Check, first_line, probe_name, skipped
from reconciler.errors import ApiError, ReconcilerError
from reconciler.localytics.client import _record
from reconciler.localytics.normalize import AUDIENCE_KEYS
from reconciler.plan.diff import diff

if TYPE_CHECKING:
    from reconciler.localytics.provider import LocalyticsProvider

KEY_WHAT = "saved audiences written under target_rules.audience (the OpenAPI) are kept under it"


async def probe_checks(provider: LocalyticsProvider, audience_id: int | None) -> list[Check]:
    first = await _probe(provider, audience_id, "audience")
    checks = [first.created, first.fields, first.deleted]
    if first.back is not None:
        checks.append(await _unknown_key_probe(provider))
    if audience_id is None:
        return [*checks, skipped("probe_audience_key", KEY_WHAT, "the app has no saved audience")]
    if first.back is None:
        return [*checks, skipped("probe_audience_key", KEY_WHAT, "the probe was not created")]
    answered = answered_key(first.back)
    stuck = first.ids_kept(audience_id)
    if stuck and answered == "audience":
        return [*checks, Check("probe_audience_key", KEY_WHAT, True,
                               f"written and answered under audience: [{audience_id}]",
                               {"audience_key": "audience"})]
    second = await _probe(provider, audience_id, "audiences")
    plural = second.ids_kept(audience_id)
    checks += [second.created, second.fields, second.deleted]
    said = (f"written under audience: {'kept' if stuck else 'dropped'}, answered under "
            f"{answered or 'no key'}; written under audiences: "
            f"{'kept' if plural else 'dropped'}")
    choice = "audiences" if plural and (answered == "audiences" or not stuck) else (
        "audience" if stuck else None)
    return [*checks, Check("probe_audience_key", KEY_WHAT, False, said,
                           {"audience_key": choice} if choice else {})]


class _Probe:
    """One probe's rows, and its body as read back (None when it was not created)."""

    def __init__(self, created: Check, fields: Check, deleted: Check, back: Any):
        self.created, self.fields, self.deleted, self.back = created, fields, deleted, back

    def ids_kept(self, audience_id: int) -> bool:
        rules = ((self.back or {}).get("audiences") or {}).get("target_rules") or {}
        return any(rules.get(k) == [audience_id] for k in ("audience", "audiences"))


async def _probe(provider: LocalyticsProvider, audience_id: int | None, key: str) -> _Probe:
    name = probe_name()
    sent = probe_payload(name, audience_id, key)
    suffix = "" if key == "audience" else "_plural"
    create_what = "a draft campaign can be created (probe, never active, never sent)"
    fields_what = "the API keeps every field of the probe as written"
    try:
        # checked like any create: a body without an int id fails this check, not doctor
        probe_id = int(_record(await provider.client.create_campaign(sent), "campaign",
                               "probe create")["id"])
    except ReconcilerError as e:
        return _Probe(Check("probe_create" + suffix, create_what, False, first_line(e)),
                      skipped("probe_fields" + suffix, fields_what, "the create failed"),
                      await _lost(provider, name, suffix), None)
    try:
        back = await provider.client.get_campaign(probe_id)
        lost = not_kept(provider, sent, back)
    finally:
        deleted = await _delete(provider, probe_id, name, suffix)
    created = Check("probe_create" + suffix, create_what, True, f"{name} created as {probe_id}")
    fields = Check("probe_fields" + suffix, fields_what, not lost,
                   f"not kept: {', '.join(lost)}" if lost else
                   "kept: " + ", ".join(sorted(k for k in sent if k != "audiences")) +
                   f", audiences (under {key})")
    return _Probe(created, fields, deleted, back)


DELETED_WHAT = "the probe is deleted and gone (GET answers 404)"


async def _lost(provider: LocalyticsProvider, name: str, suffix: str) -> Check:
    """A failed create may still have made the probe (its answer lost on the way back):
    look it up by its unique name and delete it, or say it may be left, naming it."""
    try:
        found = await provider.find_by_name("campaign", name)
    except ReconcilerError as e:
        return Check("probe_deleted" + suffix, DELETED_WHAT, False,
                     f"{name} may be left behind (its create failed and looking it up by name "
                     f"failed: {first_line(e)}); delete it in the dashboard")
    if not found:
        return skipped("probe_deleted" + suffix, DELETED_WHAT,
                       f"no probe found: nothing is named {name}")
    rows = [await _delete(provider, int(live.id), name, suffix) for live in found]
    failed = [row for row in rows if row.held is not True]
    if failed:
        return failed[0]
    return Check("probe_deleted" + suffix, DELETED_WHAT, True,
                 f"{name} was created though its answer was lost; found by its name and deleted")


async def _delete(provider: LocalyticsProvider, probe_id: int, name: str, suffix: str) -> Check:
    what = DELETED_WHAT
    try:
        await provider.client.delete_campaign(probe_id)
        gone = await provider.client.get_campaign(probe_id) is None
    except ReconcilerError as e:
        return Check("probe_deleted" + suffix, what, False,
                     f"{name} ({probe_id}) may be left behind: {first_line(e)}")
    return Check("probe_deleted" + suffix, what, gone,
                 f"{name} deleted" if gone else f"{name} ({probe_id}) still answers")


UNKNOWN_KEY = "reconciler_doctor_undefined"


async def _unknown_key_probe(provider: LocalyticsProvider) -> Check:
    """A draft carrying one key the OpenAPI does not define: refused or dropped is fine;
    kept and answered back means the API echoes (import then drops such keys, warning)."""
    what = "a key the API does not define is refused or dropped, never kept"
    sent = {**probe_payload(probe_name(), None), UNKNOWN_KEY: 1}
    try:
        answer = await provider.client.create_campaign(sent)
    except ReconcilerError as e:
        if isinstance(e, ApiError) and 400 <= e.status < 500:
            return Check("probe_unknown_keys", what, True, f"refused: {e.status}")
        left = await _lost(provider, str(sent["name"]), "_unknown")
        return Check("probe_unknown_keys", what, None,
                     f"not checked: {first_line(e)}; {left.evidence.removeprefix('not checked: ')}")
    probe_id = int(_record(answer, "campaign", "probe create")["id"])
    try:
        back = await provider.client.get_campaign(probe_id)
    finally:
        deleted = await _delete(provider, probe_id, str(sent["name"]), "_unknown")
    kept = isinstance(back, dict) and UNKNOWN_KEY in back
    evidence = ("kept and answered back (an echo)" if kept else "accepted and dropped")
    if deleted.held is not True:
        evidence += f"; {deleted.evidence}"
    return Check("probe_unknown_keys", what, not kept and deleted.held is True, evidence)


def answered_key(body: Any) -> str | None:
    rules = ((body or {}).get("audiences") or {}).get("target_rules") if isinstance(
        body, dict) else None
    if not isinstance(rules, dict):
        return None
    return next((k for k in AUDIENCE_KEYS if isinstance(rules.get(k), list)), None)


def probe_payload(name: str, audience_id: int | None, key: str = "audience") -> dict[str, Any]:
    """A draft that reaches nobody: status draft, scheduled a year out."""
    begin = (datetime.now(UTC) + timedelta(days=365)).strftime("%Y-%m-%dT09:00:00Z")
    target: dict[str, Any] = {"campaign_type": "everyone", "control_group_percent": 0}
    if audience_id is not None:
        target = {"campaign_type": "saved_audience", "control_group_percent": 0,
                  "target_rules": {key: [audience_id]}}
    return {
        "name": name, "status": "draft", "goal": "notify", "audiences": target,
        "schedule": {"on_schedule": {"begin_date": begin}},
        "creatives": {"build_attributes": {
            "push_title": "reconciler doctor", "push_message": "probe (never sent)"}},
    }


def not_kept(provider: LocalyticsProvider, sent: Mapping[str, Any], back: Any) -> list[str]:
    """The paths of `sent` the read-back `back` does not have as sent (comparable forms)."""
    if not isinstance(back, dict):
        return ["<the whole campaign>"]
    want = provider.comparable("campaign", sent)
    have = provider.comparable("campaign", {k: back.get(k) for k in want if k in back})
    return [c.path for c in diff(have, want)]
