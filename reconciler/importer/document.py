"""A live object's body → the spec document a user would have written.

Only what the spec models know is kept: the body is walked against the model
(`reconciler.source.shape`), and a key the model does not declare is dropped
and reported (the models forbid unknown keys, so keeping it would make the
file invalid). Server-computed keys never reach here: the provider's
comparable body has none. Audience ids in a campaign become audience keys
when that audience has a spec (or gets one in this run), else stay ids with
a comment naming the audience. Strings are escaped so Jinja rendering gives
back the exact live text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from reconciler.importer.escape import escape_template
from reconciler.plan.paths import render as render_path
from reconciler.provider import LiveId
from reconciler.source.shape import list_item, model_for, step
from reconciler.spec.fmt import reorder
from reconciler.spec.validate import MODELS, adapter

SCHEMA_LINE = "yaml-language-server: $schema=../schemas/{kind}.schema.json"


@dataclass
class Built:
    """The plain document (as the loader will see it after rendering) and the live
    fields dropped on the way."""

    plain: dict[str, Any]
    dropped: list[str] = field(default_factory=list)


def known_fields(kind: str, body: Mapping[str, Any], extra_top: list[str]) -> Built:
    """The body without keys the spec model does not declare; `extra_top` are live
    top-level keys already outside the body (reported as dropped too)."""
    dropped = list(extra_top)
    plain = _keep_known(dict(body), MODELS[kind], [], dropped)
    return Built(plain=plain, dropped=dropped)


def _keep_known(value: Any, tp: Any, at: list[str | int], dropped: list[str]) -> Any:
    if tp is None:
        return value
    if isinstance(value, dict):
        model = model_for(tp, value)
        if model is None:
            return value
        out = {}
        for k, v in value.items():
            if k not in model.model_fields:
                dropped.append(render_path([*at, k]))
                continue
            out[k] = _keep_known(v, step(model, k), [*at, k], dropped)
        return out
    if isinstance(value, list):
        item = list_item(tp)
        return [_keep_known(v, item, [*at, i], dropped) for i, v in enumerate(value)]
    return value


def link_audiences(plain: dict[str, Any], keys: Mapping[LiveId, str]) -> list[int]:
    """Replace audience ids by keys where known (in place); the ids left raw."""
    rules = (plain.get("audiences") or {}).get("target_rules") or {}
    refs = rules.get("audience") if isinstance(rules, dict) else None
    if not isinstance(refs, list):
        return []
    rules["audience"] = [keys.get(r, r) if isinstance(r, int) else r for r in refs]
    return [r for r in rules["audience"] if isinstance(r, int)]


def problem(kind: str, plain: Mapping[str, Any]) -> str | None:
    """The first reason the spec model refuses this document, or None when valid."""
    from pydantic import ValidationError

    try:
        adapter(kind).validate_python(dict(plain))
    except ValidationError as e:
        first = e.errors()[0]
        where = render_path([p for p in first["loc"] if isinstance(p, str | int)])
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    return None


def to_yaml(kind: str, plain: Mapping[str, Any], *, audience_names: Mapping[LiveId, str],
            header: tuple[str, ...] = ()) -> CommentedMap:
    """The canonical round-trip document: model key order, strings escaped, the schema
    modeline and `header` lines on top, raw audience ids commented with their name."""
    doc = node(plain)
    assert isinstance(doc, CommentedMap)
    reorder(doc, MODELS[kind])
    lines = [SCHEMA_LINE.format(kind=kind), *header]
    doc.yaml_set_start_comment("\n".join(lines))
    refs = ((doc.get("audiences") or {}).get("target_rules") or {})
    seq = refs.get("audience") if isinstance(refs, CommentedMap) else None
    if isinstance(seq, CommentedSeq):
        for i, ref in enumerate(seq):
            if isinstance(ref, int):
                seq.yaml_add_eol_comment(comment_text(ref, audience_names), i)
    return doc


def comment_text(ref: int, audience_names: Mapping[LiveId, str]) -> str:
    name = audience_names.get(ref)
    shown = one_line(name) if name is not None else "unknown audience"
    return f"# {shown} (audience not imported)"


def one_line(text: str, limit: int = 80) -> str:
    clean = "".join(ch if ch.isprintable() else " " for ch in text)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def node(value: Any) -> Any:
    """A plain value as a round-trip node with every string escaped; empty
    collections in flow style (`[]`, `{}`), the rest in block style."""
    if isinstance(value, Mapping):
        m = CommentedMap()
        for k, v in value.items():
            m[k] = node(v)
        if not m:
            m.fa.set_flow_style()
        return m
    if isinstance(value, list):
        s = CommentedSeq(node(v) for v in value)
        if not s:
            s.fa.set_flow_style()
        return s
    if isinstance(value, str):
        return escape_template(value)
    return value


def without(plain: Mapping[str, Any], path: tuple[str | int, ...]) -> dict[str, Any]:
    """A copy of `plain` with the value at `path` removed."""
    import copy

    out = copy.deepcopy(dict(plain))
    parent: Any = out
    for step_ in path[:-1]:
        parent = parent[step_]
    del parent[path[-1]]
    return out
