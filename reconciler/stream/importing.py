"""A live Stream segment or campaign → the spec document `reconciler import` writes.

The comparable body (reconciler.stream.normalize) is the starting point: it
already leaves out what the server fills in (`""`, `false`, empty lists) and
what it computes. On top of that:

- a campaign's `segment_ids` become the spec keys of those segments; a segment
  with no spec file (and none written in this run) makes the campaign
  unimportable, since a spec names segments only by key;
- a started campaign (scheduled, in progress, completed, stopped) gets the
  `send:` block that started it (`at` from `scheduled_for`), so its plan is
  unchanged, and a header saying it can no longer change: Stream sends a
  campaign once. It is imported like any other, as Localytics' sent
  campaigns are (Stream has no archive to leave it in);
- a segment of explicit targets with none keeps `target_ids: []`, its source;
- top-level live fields that are neither spec fields nor server state are
  reported as dropped, unless they hold a server default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.provider import ImportRefs, LiveObject, SpecDocument
from reconciler.stream.normalize import CAMPAIGN_FIELDS, SEGMENT_FIELDS, SENT
from reconciler.stream.spec import ID_PREFIX

# What the server computes or keeps as state (SegmentResponse, CampaignResponse): never a
# spec field, whatever its value.
SEGMENT_STATE = frozenset({"id", "size", "created_at", "updated_at", "deleted_at", "locked",
                           "task_id"})
CAMPAIGN_STATE = frozenset({"id", "status", "stats", "sender", "users", "segments",
                            "scheduled_for", "stop_at", "stopped_at", "created_at",
                            "updated_at"})
SOURCES = ("filter", "all_users", "all_sender_channels")


def spec_document(live: LiveObject, refs: ImportRefs) -> SpecDocument:
    body = dict(live.body or {})
    raw = live.raw or {}
    if live.kind == "segment":
        doc = SpecDocument(body=body, dropped=_dropped(raw, SEGMENT_FIELDS, SEGMENT_STATE))
        if not any(body.get(k) for k in SOURCES):
            body.setdefault("target_ids", [])
        return doc
    doc = SpecDocument(body=body, dropped=_dropped(raw, CAMPAIGN_FIELDS, CAMPAIGN_STATE))
    ids = body.pop("segment_ids", None)
    if ids is not None or "user_ids" not in body:
        keys = [refs.keys.get(i) for i in ids or []]
        missing = [i for i, k in zip(ids or [], keys, strict=True) if k is None]
        if missing:
            doc.problem = _unlinked(missing[0], refs)
            return doc
        body["segments"] = keys
    body.pop("send", None)
    if live.status in SENT:
        body["send"] = _send(raw)
        doc.header = ("", f"Started in Stream (status {live.status}). Stream sends a campaign "
                      "only once,", "so this file can no longer change it; to send again, add "
                      "a new campaign file.")
    return doc


def import_key(live: LiveObject) -> str | None:
    """`k` for the id `rcl-k`: a file of that stem gets that id by construction."""
    text = str(live.id)
    return text[len(ID_PREFIX):] if text.startswith(ID_PREFIX) else None


def _dropped(raw: Mapping[str, Any], fields: tuple[str, ...], state: frozenset[str]
             ) -> list[str]:
    return sorted(k for k, v in raw.items()
                  if k not in fields and k not in state and not _default(v))


def _default(value: Any) -> bool:
    """What Stream answers for a field nobody set."""
    return value is None or value is False or value in ("", 0) or value == [] or value == {}


def _unlinked(segment_id: Any, refs: ImportRefs) -> str:
    name = refs.names.get(segment_id)
    if name is None:
        return f"it targets segment {segment_id}, which is not live"
    return (f"it targets segment {segment_id} ({name!r}), which has no spec file; import it "
            f"too (--id {segment_id})")


def _send(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The `send:` block that started the campaign: `at` the time it was scheduled for
    (`now` when Stream does not say), and its `stop_at`."""
    from reconciler.workspace.base import iso_datetime

    out: dict[str, Any] = {"at": "now"}
    for key, field in (("at", "scheduled_for"), ("stop_at", "stop_at")):
        value = raw.get(field)
        if isinstance(value, str) and value:
            try:
                out[key] = iso_datetime(value)
            except ValueError:
                pass  # a form the spec does not take: the plan compares only that it was sent
    return out
