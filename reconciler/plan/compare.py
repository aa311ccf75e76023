"""One spec against its live object: the change, its diff and, after, its words (DESIGN §5).

In two steps, so a plan's comparisons hide behind the API's latency (issue 29):
`compare` needs only the spec, its live object and the listing, so the planner
runs it as each object's details arrive, while the other reads are in flight;
`add_words` needs what every object is called (`Known`, complete only once all
reads are in, and marked as the plan's audience updates are met), so it runs
after, in the plan's order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, cast

from reconciler.describe import Known
from reconciler.errors import PlanError
from reconciler.plan import paths
from reconciler.plan.diff import diff
from reconciler.plan.model import Action, Change
from reconciler.plan.within import Impossible, shown_of
from reconciler.platform import Describes
from reconciler.provider import LiveObject, Provider
from reconciler.workspace.workspace import Spec


@dataclass
class Compared:
    """A spec's change before its words, with what the words are made from."""

    change: Change
    payload: Mapping[str, Any] | None  # the desired payload (None: a read-only reference)
    live: LiveObject | None


def desired_payload(
    provider: Provider,
    spec: Spec,
    live_body: Mapping[str, Any] | None,
    ids: Mapping[str, int | str],
) -> dict[str, Any]:
    """The wire payload for `spec`; ignored paths keep their live values.

    A full-replace update must not overwrite what `ignore_changes` leaves to
    the dashboard, so those paths are copied from the live object.
    """
    if live_body is None or not spec.ignore_changes:
        return provider.payload(spec, ids)  # every payload() copies the body it is given
    body = paths.overlay(dict(spec.body), dict(live_body), spec.ignore_changes)
    return provider.payload(replace(spec, body=body), ids)


def compare(
    provider: Provider,
    spec: Spec,
    live: LiveObject | None,
    ids: Mapping[str, int | str],
    live_by_id: Mapping[str, Mapping[int | str, LiveObject]],
    shown: bool = True,
) -> Compared:
    """The change `spec` needs against `live`; Impossible when the platform cannot make it.
    `shown=False`: without the field table's values in words (a plan nobody reads)."""
    if provider.read_only(spec.kind):
        return Compared(_reference(spec, live), None, live)
    payload = desired_payload(provider, spec, live.body if live else None, ids)
    desired = paths.without(provider.comparable(spec.kind, payload), spec.ignore_changes)
    change = Change(
        kind=spec.kind, key=spec.key, name=spec.name, action=Action.CREATE,
        depends_on=spec.depends_on,
        go_live=provider.goes_live(spec.kind, live, payload),
        reach=provider.reach(payload, live_by_id.get(provider.reach_kind, {})),
        schedule=provider.schedule(spec.kind, payload),
    )
    if live is None:
        change.diff = diff({}, desired)
    else:
        current = paths.without(dict(live.body or {}), spec.ignore_changes)
        change.live_id = live.id
        change.fingerprint = live.fingerprint
        change.live_body = dict(live.body or {})
        change.diff = diff(current, desired)
        change.action = Action.UPDATE if change.diff else Action.NOOP
        frozen = provider.immutable(live) if change.diff else None
        if frozen:
            raise Impossible(frozen)
        if change.diff and provider.replaces(spec.kind, live, payload):
            change.warnings.append(
                f"replace: cannot change in place; apply deletes {spec.kind} {live.id} and "
                "creates it anew"
            )
        if change.diff and provider.is_live(live):
            change.warnings.append(
                "edits a live campaign: the new message and audience apply to its next sends"
            )
    if change.go_live and change.reach is None:
        change.warnings.append("goes live to an audience whose reach is known only after apply")
    if change.diff and shown:
        change.shown = shown_of(change, provider.show_value,
                                live.body or {} if live else {}, payload)
    return Compared(change, payload, live)


def add_words(provider: Provider, compared: Compared, known: Mapping[str, Known],
              describes: bool) -> Change:
    """The change in words (a platform that has them): as planned and, for updates, as
    live. `describes`: whether `provider` is Describes, asked once by the caller for all
    its changes (a runtime Protocol check costs ~6 µs; issue 29)."""
    change, payload, live = compared.change, compared.payload, compared.live
    if payload is not None and change.action is not Action.NOOP and describes:
        says = cast(Describes, provider)
        change.words = says.describe(change.kind, payload, known)
        if live is not None:
            change.words_before = says.describe(change.kind, live.body or {}, known)
    return change


def missing_reference(spec: Spec) -> str:
    pinned = spec.pin_id is not None
    what = f"id {str(spec.pin_id).rsplit(':', 1)[-1]}" if pinned else f"name {spec.name!r}"
    return (f"{spec.at('id' if pinned else 'name')}: no live {spec.body.get('type', spec.kind)} "
            f"with {what}: it is owned by the platform's panel and reconciler never creates "
            "it; fix the reference")


def _reference(spec: Spec, live: LiveObject | None) -> Change:
    """A read-only spec (a panel's list or segment): it must exist; it never changes."""
    if live is None:
        raise PlanError(missing_reference(spec))
    return Change(kind=spec.kind, key=spec.key, name=live.name, action=Action.NOOP,
                  live_id=live.id, fingerprint=live.fingerprint, reach=dict(live.reach or {}) or None)
