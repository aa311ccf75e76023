"""Field paths in the spec's own terms: `creatives[1].build_attributes.push_message`.

Used by the diff (to print paths) and by `ignore_changes` (to drop paths from
both sides and to keep live values in the payload). `[*]` matches every index.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any, TypeVar, cast

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+|\*)\]")
Token = str | int
T = TypeVar("T")

MISSING = object()


def parse(path: str) -> list[Token | None]:
    """`a.b[0].c` → ["a", "b", 0, "c"]; `[*]` → None (any index)."""
    tokens: list[Token | None] = []
    for name, index in _TOKEN.findall(path):
        if name:
            tokens.append(name)
        else:
            tokens.append(None if index == "*" else int(index))
    return tokens


def render(tokens: list[Token]) -> str:
    out = ""
    for t in tokens:
        out += f"[{t}]" if isinstance(t, int) else (f".{t}" if out else str(t))
    return out


def _matches(doc: Any, tokens: list[Token | None], prefix: list[Token]) -> Iterator[list[Token]]:
    if not tokens:
        yield prefix
        return
    head, rest = tokens[0], tokens[1:]
    if head is None and isinstance(doc, list):
        for i, item in enumerate(doc):
            yield from _matches(item, rest, [*prefix, i])
    elif isinstance(head, int) and isinstance(doc, list) and head < len(doc):
        yield from _matches(doc[head], rest, [*prefix, head])
    elif isinstance(head, str) and isinstance(doc, dict) and head in doc:
        yield from _matches(doc[head], rest, [*prefix, head])


def get(doc: Any, tokens: list[Token]) -> Any:
    for t in tokens:
        try:
            doc = doc[t]
        except (KeyError, IndexError, TypeError):
            return MISSING
    return doc


def without(doc: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    """`doc` without every path (list items become None, keeping indices); a copy if any."""
    if not paths:
        return doc
    out = copy.deepcopy(doc)
    for path in paths:
        for tokens in list(_matches(out, parse(path), [])):
            parent = get(out, tokens[:-1])
            if isinstance(parent, dict):
                parent.pop(tokens[-1], None)
            elif isinstance(parent, list) and isinstance(tokens[-1], int):
                parent[tokens[-1]] = None
    return out


def overlay(desired: dict[str, Any], live: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    """`desired` with each ignored path taken from `live` (or dropped if live lacks it).

    A full-replace update must not overwrite what the dashboard owns.
    """
    out = copy.deepcopy(desired)
    for path in paths:
        pattern = parse(path)
        targets = {tuple(t) for t in _matches(out, pattern, [])}
        targets |= {tuple(t) for t in _matches(live, pattern, [])}
        for tokens in sorted(targets, key=len):
            _put(out, list(tokens), get(live, list(tokens)))
    return out


def _put(doc: Any, tokens: list[Token], value: Any) -> None:
    parent = get(doc, tokens[:-1])
    last = tokens[-1]
    if isinstance(parent, dict) and isinstance(last, str):
        if value is MISSING:
            parent.pop(last, None)
        else:
            parent[last] = copy.deepcopy(value)
    elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        if value is not MISSING:
            parent[last] = copy.deepcopy(value)


def overlaps(q: str, p: str) -> bool:
    """Whether path `q` and path `p` are one the other's prefix (`a.b` and `a.b[0].c`)."""
    short, long = (q, p) if len(q) <= len(p) else (p, q)  # not sorted(): 30,000 calls a plan
    return long == short or long.startswith((short + ".", short + "["))


def flatten(path: str, before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    """Leaf paths whose values differ: `schedule.recurring.intervals[0].day_of_week`."""
    if before == after:
        return []
    if _nested(dict, before, after):
        b, a = before or {}, after or {}
        return [leaf for k in sorted(set(b) | set(a), key=str)
                for leaf in flatten(f"{path}.{k}" if path else str(k), b.get(k), a.get(k))]
    if _nested(list, before, after):
        b, a = before or [], after or []
        return [leaf for i in range(max(len(b), len(a)))
                for leaf in flatten(f"{path}[{i}]", b[i] if i < len(b) else None,
                                    a[i] if i < len(a) else None)]
    return [(path, before, after)]


def _nested(kind: type, before: Any, after: Any) -> bool:
    """Both sides of `kind` or None, one of them not empty (no generators: a plan asks
    this for every leaf of every change, twice; issue 29)."""
    return ((before is None or isinstance(before, kind))
            and (after is None or isinstance(after, kind)) and bool(before or after))


def plain_copy(value: T) -> T:
    """A deep copy of parsed JSON or YAML (dicts, lists, tuples of scalars), as
    `copy.deepcopy` makes it but a few times faster: a payload is copied for each spec
    of a plan (issue 29). Anything else is left to `copy.deepcopy`."""
    return cast(T, _copied(value))


def _copied(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: _copied(v) for k, v in value.items()}
    if kind is list:
        return [_copied(v) for v in value]
    if kind is str or kind is int or kind is bool or kind is float or value is None:
        return value
    if kind is tuple:
        return tuple(_copied(v) for v in value)
    return copy.deepcopy(value)
