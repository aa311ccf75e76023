"""A live object's body → the spec document a user would have written.

Only what the spec models know is kept: the body is walked against the model
(`reconciler.source.shape`), and a key the model does not declare is dropped
and reported (the models forbid unknown keys, so keeping it would make the
file invalid). What the platform's live form means in spec terms (audience
ids to keys, a started campaign's `send:`, server defaults) is the
provider's `spec_document`; this module only knows the spec models. Strings
are escaped so Jinja rendering gives back the exact live text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from reconciler.importer.escape import escape_template
from reconciler.plan.paths import render as render_path
from reconciler.source.shape import list_item, model_for, step
from reconciler.workspace.fmt import reorder
from reconciler.workspace.validate import MODELS, adapter

SCHEMA_LINE = "yaml-language-server: $schema=../schemas/{kind}.schema.json"

Verbatim = Callable[[str], bool]


def _never(_text: str) -> bool:
    return False


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


def to_yaml(model: str, plain: Mapping[str, Any], *,
            notes: Mapping[tuple[str | int, ...], str] | None = None,
            header: tuple[str, ...] = (), verbatim: Verbatim = _never,
            fmt_type: Any = None) -> CommentedMap:
    """The canonical round-trip document: model key order, strings escaped (unless
    `verbatim` says the text renders to itself), the schema modeline and `header`
    lines on top, and `notes` as end-of-line comments at their paths.

    `fmt_type` is the type `reconciler fmt` orders this file by, where that is not
    the model (fmt orders Stream files by the Localytics models): applied last, so
    fmt finds nothing to move."""
    doc = node(plain, verbatim)
    assert isinstance(doc, CommentedMap)
    reorder(doc, MODELS[model])
    if fmt_type is not None:
        reorder(doc, fmt_type)
    lines = [SCHEMA_LINE.format(kind=model), *header]
    doc.yaml_set_start_comment("\n".join(lines))
    for path, text in (notes or {}).items():
        parent: Any = doc
        for step_ in path[:-1]:
            parent = parent[step_]
        parent.yaml_add_eol_comment(f"# {text}", path[-1])
    return doc


def one_line(text: str, limit: int = 80) -> str:
    clean = "".join(ch if ch.isprintable() else " " for ch in text)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def node(value: Any, verbatim: Verbatim = _never) -> Any:
    """A plain value as a round-trip node with every string escaped (but those
    `verbatim` keeps: a platform's own `{{ receiver.name }}` renders to itself);
    empty collections in flow style (`[]`, `{}`), the rest in block style."""
    if isinstance(value, Mapping):
        m = CommentedMap()
        for k, v in value.items():
            m[k] = node(v, verbatim)
        if not m:
            m.fa.set_flow_style()
        return m
    if isinstance(value, list):
        s = CommentedSeq(node(v, verbatim) for v in value)
        if not s:
            s.fa.set_flow_style()
        return s
    if isinstance(value, str):
        return value if verbatim(value) else escape_template(value)
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


def replaced(plain: Mapping[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """A copy of `plain` with the value at `path` set to `value`."""
    import copy

    out = copy.deepcopy(dict(plain))
    parent: Any = out
    for step_ in path[:-1]:
        parent = parent[step_]
    parent[path[-1]] = value
    return out
