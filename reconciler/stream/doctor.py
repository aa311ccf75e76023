"""`reconciler doctor` rows for Stream Chat.

Read-only: credentials, segment and campaign queries (cursor paging to the
end), answer shapes, the cursor contract paging relies on (a two-page walk whose
second page, asked with the first page's `next` and another filter as the official
SDK's own test does, is the rest of the first query, with `next` absent at the end),
and a 404 for an id that does not exist (identity is the id, so an unknown id must
read as absent). With `write`: a draft segment
and a draft campaign on it (never started, so never sent), both named
`reconciler-doctor-<random>`, are created, read back, compared and deleted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.doctor import Check, first_line, probe_name, shape_check, skipped
from reconciler.errors import ReconcilerError
from reconciler.plan.diff import diff

if TYPE_CHECKING:
    from reconciler.stream.provider import StreamProvider

SEGMENT_KEYS = ("id", "name", "type")
CAMPAIGN_KEYS = ("id", "name", "status", "segment_ids", "message_template")


async def stream_checks(provider: StreamProvider, write: bool) -> list[Check]:
    client = provider.client
    what = "the env's api key and secret are accepted"
    try:
        segments = await client.query_segments()
    except ReconcilerError as e:
        return [Check("credentials", what, False, first_line(e)),
                skipped("campaign_listing", "campaign query", "credentials were refused")]
    checks = [Check("credentials", what, True, "segments query answered 200"),
              shape_check("segment_listing", "segment query answers", segments, SEGMENT_KEYS)]
    campaigns: list[dict[str, Any]] = []
    try:
        campaigns = await client.query_campaigns()
        checks.append(shape_check("campaign_listing", "campaign query answers", campaigns,
                             CAMPAIGN_KEYS))
    except ReconcilerError as e:
        checks.append(Check("campaign_listing", "campaign query answers campaigns", False,
                            first_line(e)))
    checks.append(await _cursor_contract(provider, segments, campaigns))
    unknown = probe_name()
    absent = await client.get_segment(unknown)
    checks.append(Check("unknown_id", "an id that does not exist reads as absent (404)",
                        absent is None, f"GET /segments/{unknown}: "
                        + ("404" if absent is None else "answered an object")))
    if write:
        checks += await _probes(provider)
    return checks


async def _cursor_contract(provider: StreamProvider, segments: list[dict[str, Any]],
                           campaigns: list[dict[str, Any]]) -> Check:
    """Two pages of the segment (else the campaign) query; the second asked with another
    filter beside the cursor. It must be the rest of the first query, and carry `next`
    only if rows follow."""
    what = "a query's next cursor continues that query, and the last page has no next"
    kind, rows = ("segments", segments) if len(segments) >= 2 else ("campaigns", campaigns)
    ids = [r.get("id") for r in rows]
    if len(ids) < 2:
        return skipped("cursor_contract", what, "fewer than 2 segments or campaigns to page")
    limit = min(100, (len(ids) + 1) // 2)
    path = f"/{kind}/query"
    try:
        first, cursor = await provider.client.query_page(path, kind, {"filter": {}}, limit)
        if cursor is None:
            return Check("cursor_contract", what, False,
                         f"page 1 of {len(ids)} {kind} at limit {limit} has no next")
        other = {"filter": {"id": {"$eq": probe_name()}}}
        second, after = await provider.client.query_page(path, kind, other, limit, cursor)
    except ReconcilerError as e:
        return Check("cursor_contract", what, False, first_line(e))
    want = ids[limit:2 * limit]
    got = [r.get("id") for r in second]
    rest_ok = [r.get("id") for r in first] == ids[:limit] and got == want
    next_ok = (after is not None) == (len(ids) > 2 * limit)
    return Check("cursor_contract", what, rest_ok and next_ok,
                 f"{len(ids)} {kind} at limit {limit}: page 2 "
                 + ("is the rest of page 1's query" if rest_ok else
                    f"has {len(got)} rows, not the {len(want)} that follow page 1")
                 + ("; next " + ("present" if after else "absent")
                    + (" as it should be" if next_ok else ", which is wrong")))


async def _probes(provider: StreamProvider) -> list[Check]:
    name = probe_name()
    segment = {"id": name, "type": "user", "name": name,
               "filter": {"reconciler_doctor": {"$eq": name}}}
    campaign = {"id": name, "name": name, "segment_ids": [name], "sender_id": "reconciler-doctor",
                "message_template": {"text": "reconciler doctor probe (never sent)"}}
    checks: list[Check] = []
    made: list[tuple[str, str]] = []
    try:
        for kind, payload in (("segment", segment), ("campaign", campaign)):
            checks.append(await _create_and_read(provider, kind, payload, made))
            if checks[-1].held is not True:
                break
    finally:
        checks.append(await _remove(provider, made, name))
    return checks


async def _create_and_read(provider: StreamProvider, kind: str, payload: dict[str, Any],
                           made: list[tuple[str, str]]) -> Check:
    what = f"a draft {kind} can be created and is read back as written"
    made.append((kind, payload["id"]))  # before the create: a lost answer may hide one made
    try:
        await provider.create(kind, payload)
        back = await provider.get_live(kind, payload["id"])
    except ReconcilerError as e:
        return Check(f"probe_{kind}", what, False, first_line(e))
    if back is None or back.body is None:
        return Check(f"probe_{kind}", what, False, f"{payload['id']} was not found after create")
    want = provider.comparable(kind, payload)
    have = {k: v for k, v in back.body.items() if k in want}
    lost = [c.path for c in diff(have, want)]
    status = f", status {back.status}" if kind == "campaign" else ""
    return Check(f"probe_{kind}", what, not lost,
                 (f"not kept: {', '.join(lost)}" if lost else
                  f"kept: {', '.join(sorted(want))}") + status)


async def _remove(provider: StreamProvider, made: list[tuple[str, str]], name: str) -> Check:
    """Delete every probe that exists, looked up by its id (= its unique name): a create
    that failed may have made its object all the same."""
    what = "the probes are deleted and gone"
    deleted = []
    try:
        for kind, live_id in reversed(made):
            if await provider.get_live(kind, live_id) is not None:
                await provider.remove(kind, live_id)
                deleted.append(live_id)
        left = [i for k, i in made if await provider.get_live(k, i) is not None]
    except ReconcilerError as e:
        return Check("probe_deleted", what, False, f"{name} may be left behind: {first_line(e)}")
    if not deleted and not left:
        return skipped("probe_deleted", what, f"nothing was created (none named {name})")
    return Check("probe_deleted", what, not left,
                 f"{len(deleted)} deleted" if not left else f"still there: {', '.join(left)}")
