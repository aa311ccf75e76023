"""A live Localytics object → the spec document `reconciler import` writes.

The comparable body already has the spec's shape (server fields dropped,
defaults filled as the plan sees them), so little is left: saved-audience
ids in a campaign become audience keys where that audience has a spec (or
gets one in this run), else stay ids with a comment naming the audience; an
archived campaign gets a header saying the next plan creates it anew; and
top-level live fields the body left out are reported as dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.importer.document import one_line
from reconciler.provider import ImportRefs, LiveId, LiveObject, SpecDocument

REFS = ("audiences", "target_rules", "audience")  # where saved audiences sit in a campaign


def spec_document(live: LiveObject, refs: ImportRefs, archived: bool,
                  server_fields: frozenset[str]) -> SpecDocument:
    body = dict(live.body or {})
    raw = live.raw or {}
    dropped = sorted(k for k in raw if k not in body and k not in server_fields
                     and raw[k] is not None)
    doc = SpecDocument(body=body, dropped=dropped)
    if live.kind == "campaign":
        for i in link_audiences(body, refs.keys):
            doc.notes[(*REFS, i)] = comment_text(body_ref(body, i), refs.names)
    if archived:
        doc.header = ("", f"Archived in Localytics (id {live.id}); archived campaigns "
                      "cannot be edited, so the next plan creates it anew.")
    return doc


def link_audiences(plain: dict[str, Any], keys: Mapping[LiveId, str]) -> list[int]:
    """Replace audience ids by keys where known (in place); the positions of ids left raw."""
    rules = (plain.get("audiences") or {}).get("target_rules") or {}
    refs = rules.get("audience") if isinstance(rules, dict) else None
    if not isinstance(refs, list):
        return []
    rules["audience"] = [keys.get(r, r) if isinstance(r, int) else r for r in refs]
    return [i for i, r in enumerate(rules["audience"]) if isinstance(r, int)]


def body_ref(plain: Mapping[str, Any], i: int) -> int:
    ref: int = plain["audiences"]["target_rules"]["audience"][i]
    return ref


def comment_text(ref: int, audience_names: Mapping[LiveId, str]) -> str:
    name = audience_names.get(ref)
    shown = one_line(name) if name is not None else "unknown audience"
    return f"{shown} (audience not imported)"
