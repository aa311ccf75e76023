"""Walking the spec models by field path: which model sits where, in which key order.

Used to suggest field names for typos, to map pydantic error locations (which
carry union tags) back onto the data, and by `fmt` for canonical key order.
"""

from __future__ import annotations

import types
import typing
from typing import Any, get_args, get_origin

from pydantic import BaseModel, Tag


def _members(tp: Any) -> list[tuple[str | None, Any]]:
    """(tag, type) of each alternative of a union (or of the single type), None dropped."""
    tp = _strip(tp)[0]
    if get_origin(tp) in (typing.Union, types.UnionType):
        out = []
        for a in get_args(tp):
            inner, tag = _strip(a)
            if inner is not type(None):
                out.append((tag, inner))
        return out
    return [(None, tp)]


def _strip(tp: Any) -> tuple[Any, str | None]:
    tag = None
    while get_origin(tp) is typing.Annotated:
        for meta in tp.__metadata__:
            if isinstance(meta, Tag):
                tag = meta.tag
        tp = get_args(tp)[0]
    return tp, tag


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def step(tp: Any, key: str | int) -> Any:
    """The type at `key` below `tp` (a field, a list item, a dict value or a union tag)."""
    members = _members(tp)
    for _, m in members:
        origin = get_origin(m)
        if _is_model(m) and isinstance(key, str) and key in m.model_fields:
            return m.model_fields[key].annotation
        if origin is list and isinstance(key, int):
            return get_args(m)[0]
        if origin is dict and isinstance(key, str):
            return get_args(m)[1]
    for tag, m in members:
        if tag is not None and tag == key:
            return m
    return None


def model_for(tp: Any, data: Any) -> type[BaseModel] | None:
    """The model that validates `data` at a place of type `tp` (picks union members by data)."""
    models: list[type[BaseModel]] = [m for _, m in _members(tp) if _is_model(m)]
    if not models or not isinstance(data, dict):
        return None
    if len(models) == 1:
        return models[0]
    for m in models:
        for name, f in m.model_fields.items():
            literal = _strip(f.annotation)[0]
            if get_origin(literal) is typing.Literal and data.get(name) in get_args(literal):
                return m
    return models[0]


def list_item(tp: Any) -> Any:
    """Item type when `tp` accepts a list, else None."""
    for _, m in _members(tp):
        if get_origin(m) is list:
            return get_args(m)[0]
    return None


def fields_at(root: Any, loc: list[str | int]) -> list[str]:
    """Field names of the model at `loc` (an error location, tags included)."""
    tp = root
    for key in loc:
        tp = step(tp, key)
        if tp is None:
            return []
    names: list[str] = []
    for _, m in _members(tp):
        if _is_model(m):
            names += [n for n in m.model_fields if n not in names]
    return names
