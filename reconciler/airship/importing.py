"""A live Airship segment, pipeline or scheduled push → the spec document `import` writes.

The comparable body (reconciler.airship.normalize) is the starting point: it
already leaves out server state (uid, url, status, times, push ids) and
normalises one-item lists. On top of that:

- a schedule's audience (`{segment: id}`, or an `or` of them) becomes the spec
  keys of those segments; an audience of anything else, or a segment with no
  spec file, makes the schedule unimportable (a spec names segments by key);
- a pipeline's outcome push (audience `triggered`) becomes the spec's
  `device_types` and `notification`;
- the document is checked by the spec model: a live object using Airship
  fields the models do not hold (another platform's override, a historical
  trigger) cannot become a file, and the import says which;
- top-level live fields that are neither spec fields nor server state are
  reported as dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from reconciler.provider import ImportRefs, LiveObject, SpecDocument

STATE = frozenset({"uid", "url", "status", "creation_time", "last_modified_time", "push_ids",
                   "localization_ids", "ok", "operation_id", "id", "creation_date",
                   "modification_date"})
SEGMENT_FIELDS = frozenset({"display_name", "criteria"})
PIPELINE_FIELDS = frozenset({"name", "enabled", "immediate_trigger", "outcome", "constraint",
                             "activation_time", "deactivation_time"})
SCHEDULE_FIELDS = frozenset({"name", "schedule", "push"})


def spec_document(live: LiveObject, refs: ImportRefs) -> SpecDocument:
    body = dict(live.body or {})
    raw = live.raw or {}
    if live.kind == "segment":
        return _checked(SpecDocument(body=body, dropped=_dropped(raw, SEGMENT_FIELDS)), "segment")
    if body.get("type") == "schedule":
        doc = SpecDocument(body={}, dropped=_dropped(raw, SCHEDULE_FIELDS))
        push = dict(body.get("push") or {})
        keys = _segment_keys(push.pop("audience", None), refs)
        if isinstance(keys, str):
            doc.problem = keys
            return doc
        doc.body = {"type": "schedule", "name": body.get("name"), "segments": keys,
                    "schedule": body.get("schedule"), **push}
        return _checked(doc, "campaign")
    doc = SpecDocument(body={}, dropped=_dropped(raw, PIPELINE_FIELDS))
    push = dict((body.get("outcome") or {}).get("push") or {})
    if push.pop("audience", None) != "triggered":
        doc.problem = "its outcome push is not sent to the triggering device (audience " \
            "triggered), the only outcome a spec file holds"
        return doc
    doc.body = {k: v for k, v in body.items() if k != "outcome"}
    doc.body.update(push)
    return _checked(doc, "campaign")


def _segment_keys(audience: Any, refs: ImportRefs) -> list[str] | str:
    """The spec keys of an audience of segments, or why it cannot be one."""
    items = audience.get("or") if isinstance(audience, Mapping) and "or" in audience \
        else [audience]
    ids = [i.get("segment") if isinstance(i, Mapping) and len(i) == 1 else None
           for i in items or []]
    if not ids or any(not isinstance(i, str) for i in ids):
        return "its audience is not a list of segments, the only audience a spec file holds"
    keys = []
    for sid in [str(i) for i in ids]:
        key = refs.keys.get(sid)
        if key is None:
            name = refs.names.get(sid)
            return (f"it targets segment {sid}, which is not live" if name is None else
                    f"it targets segment {sid} ({name!r}), which has no spec file; import "
                    f"it too (--id {sid})")
        keys.append(key)
    return keys


def _checked(doc: SpecDocument, folder: str) -> SpecDocument:
    """The document as the spec model would read it, or the reason it cannot be one."""
    from reconciler.airship.spec import AirshipCampaignSpec, AirshipSegmentSpec

    model = AirshipSegmentSpec if folder == "segment" else AirshipCampaignSpec
    try:
        model.model_validate(doc.body, strict=False)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        doc.problem = f"a spec file cannot hold it: {where + ': ' if where else ''}{first['msg']}"
    return doc


def _dropped(raw: Mapping[str, Any], fields: frozenset[str]) -> list[str]:
    return sorted(k for k, v in raw.items() if k not in fields and k not in STATE
                  and v not in (None, "", [], {}))
