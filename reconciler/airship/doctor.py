"""`reconciler doctor` rows for Airship: the facts docs/specs/airship.md marks ASSUMED.

Read-only: credentials and the version header (a segment listing), the three
listings' shapes (ids, names), a pipeline listing without the `enabled`
filter that includes disabled pipelines, and a 404 for an unknown id. With
`write`: a segment whose criteria use lowercase compound keys is created,
read back (ASSUMED: kept as sent) and deleted, and a disabled pipeline on a
custom event no app sends is created, read back (ASSUMED: stays disabled,
so the two-phase go-live holds) and deleted. Probes are named
`reconciler-doctor-<random>`. A last row says what the emergency stop assumes
(reconciler.airship.stop): doctor never arms a send, so it cannot check it.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from reconciler.airship.normalize import comparable
from reconciler.doctor import Check, assumed, first_line, probe_name, shape_check, skipped
from reconciler.errors import ReconcilerError

if TYPE_CHECKING:
    from reconciler.airship.provider import AirshipProvider


async def airship_checks(provider: AirshipProvider, write: bool) -> list[Check]:
    client = provider.client
    what = "the env's app key and secret are accepted with the version 3 Accept header"
    try:
        segments = await client.list_segments()
    except ReconcilerError as e:
        return [Check("credentials", what, False, first_line(e)),
                skipped("listings", "pipeline and schedule listings", "credentials refused")]
    checks = [Check("credentials", what, True, "segment listing answered 200"),
              shape_check("segment_listing", "the segment listing answers", segments,
                          ("id", "display_name"))]
    try:
        pipelines = await client.list_pipelines()
        checks.append(shape_check("pipeline_listing", "the pipeline listing answers",
                                  pipelines, ("name", "enabled")))
        disabled = sum(1 for p in pipelines if p.get("enabled") is False)
        checks.append(Check("disabled_listed", "a listing without `enabled` includes "
                            "disabled pipelines (ASSUMED)", None if not disabled else True,
                            f"{disabled} disabled of {len(pipelines)}" if disabled else
                            "no disabled pipeline to see (doctor --write makes one)"))
        schedules = await client.list_schedules()
        checks.append(shape_check("schedule_listing", "the schedule listing answers",
                                  schedules, ("url", "schedule", "push")))
    except ReconcilerError as e:
        checks.append(Check("listings", "pipeline and schedule listings answer", False,
                            first_line(e)))
    unknown = str(uuid.uuid4())
    absent = await client.get("segments", unknown)
    checks.append(Check("unknown_id", "an id that does not exist reads as absent (404)",
                        absent is None, f"GET /api/segments/{unknown}: "
                        + ("404" if absent is None else "answered an object")))
    if write:
        checks += [await _segment_probe(provider), await _pipeline_probe(provider)]
    return [*checks, _stop_row()]


def _stop_row() -> Check:
    from reconciler.airship.stop import ASSUMPTION

    return assumed("stop", ASSUMPTION, "it needs a pipeline that has triggered and a push "
                   "that is sending, and doctor never arms a send; Airship documents neither "
                   "what disabling drops nor the status of a refused cancel")


async def _round_trip(provider: AirshipProvider, check_id: str, assumption: str, kind: str,
                      payload: dict[str, Any]) -> Check:
    """Create `payload`, read it back, compare, delete."""
    try:
        written = await provider.create(kind, payload)
    except ReconcilerError as e:
        return Check(check_id, assumption, False, f"create failed: {first_line(e)}")
    try:
        live = await provider.get_live(kind, written.id)
        want = comparable(kind, payload)
        held = live is not None and live.body == want
        evidence = "read back as written" if held else f"read back {live.body if live else None}"
        return Check(check_id, assumption, held, evidence)
    finally:
        await provider.remove(kind, written.id)


async def _segment_probe(provider: AirshipProvider) -> Check:
    criteria = {"and": [{"tag": probe_name()}, {"not": {"tag": probe_name()}}]}
    return await _round_trip(
        provider, "criteria_kept", "segment criteria are kept as sent, compound keys "
        "lowercase (ASSUMED)", "segment", {"display_name": probe_name(), "criteria": criteria})


async def _pipeline_probe(provider: AirshipProvider) -> Check:
    payload = {"type": "pipeline", "name": probe_name(), "enabled": False,
               "immediate_trigger": {"custom_event": {"key": "name",
                                                      "value": {"equals": probe_name()}}},
               "outcome": {"push": {"audience": "triggered", "device_types": ["ios"],
                                    "notification": {"alert": "reconciler doctor probe"}}}}
    return await _round_trip(
        provider, "disabled_kept", "a pipeline created with enabled: false stays disabled "
        "(ASSUMED: the two-phase go-live relies on it)", "campaign", payload)
