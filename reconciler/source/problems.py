"""Pydantic validation errors → one `SpecProblem` each, at the YAML position of the value."""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import ValidationError

from reconciler.errors import SpecProblem
from reconciler.source.shape import fields_at
from reconciler.source.yamlio import Document

_TYPE_NAMES = {
    "int_type": "an integer", "int_parsing": "an integer", "string_type": "a string",
    "bool_type": "true or false", "bool_parsing": "true or false", "model_type": "a mapping",
    "model_attributes_type": "a mapping", "dict_type": "a mapping", "list_type": "a list",
    "float_type": "a number", "none_required": "nothing",
}


def label(path: list[str | int] | tuple[str | int, ...]) -> str:
    """`creatives[0].build_attributes.push_message` style path."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def describe(v: Any) -> str:
    kind = {bool: "boolean", int: "integer", float: "number", str: "string",
            list: "list", dict: "mapping"}.get(type(v), type(v).__name__)
    if v is None:
        return "nothing (an empty value)"
    if isinstance(v, dict | list):
        return f"a {kind}"
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10**20:
        return f"{kind} with {len(str(abs(v))):,} digits"
    text = repr(v)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{kind} {text}"


def suggest(word: str, choices: list[str]) -> str:
    hint = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def _resolve(data: Any, loc: list[str | int]) -> tuple[list[str | int], list[str | int]]:
    """Split an error location into the part that exists in the data and what is left."""
    node, path = data, list[str | int]()
    for i, el in enumerate(loc):
        if isinstance(node, dict) and isinstance(el, str) and el in node:
            node = node[el]
            path.append(el)
        elif isinstance(node, list) and isinstance(el, int) and 0 <= el < len(node):
            node = node[el]
            path.append(el)
        elif i == len(loc) - 1:
            return path, [el]
        # otherwise a union tag or a list index over a single mapping: skip it
    return path, []


def problems_from(err: ValidationError, doc: Document, root: Any) -> list[SpecProblem]:
    out: list[SpecProblem] = []
    seen: set[tuple[str, str]] = set()
    errors = err.errors(include_url=False)
    typos = _typo_fixes(errors, root)
    for e in errors:
        loc = list(e["loc"])
        if e["type"] == "missing" and tuple(loc) in typos:
            continue  # reported with the misspelt key ("did you mean")
        ctx = e.get("ctx") or {}
        if e["type"] == "spec_rule" and ctx.get("at"):
            at = [int(x) if x.isdigit() else x for x in str(ctx["at"]).split(".")]
            path, _ = _resolve(doc.data, loc)
            message = _rule_message(e, path)
            path, rest = _resolve(doc.data, loc + at)
        else:
            path, rest = _resolve(doc.data, loc)
            message = _message(e, loc, path, rest, root)
        where = doc.location(tuple(path))
        key = (str(where), message)
        if key not in seen:
            seen.add(key)
            out.append(SpecProblem(where, message))
    return out


def _typo_fixes(errors: list[Any], root: Any) -> set[tuple[Any, ...]]:
    """Locations of missing fields that an unknown key right beside them misspells."""
    fixes = set()
    for e in errors:
        if e["type"] == "extra_forbidden":
            loc = list(e["loc"])
            hint = difflib.get_close_matches(str(loc[-1]), fields_at(root, loc[:-1]), n=1)
            if hint:
                fixes.add((*loc[:-1], hint[0]))
    return fixes


def _rule_message(e: Any, path: list[str | int]) -> str:
    return f"{label(path)}: {e['msg']}" if path else str(e["msg"])


def _message(e: Any, loc: list[str | int], path: list[str | int], rest: list[str | int],
             root: Any) -> str:
    kind = e["type"]
    here = label(path)
    inside = f" in {here}" if here else ""
    ctx = e.get("ctx") or {}
    if kind == "missing":
        return f"missing required field {rest[-1]!r}{inside}"
    if kind == "extra_forbidden":
        name = str(path[-1])
        parent = label(path[:-1])
        allowed = fields_at(root, loc[:-1])
        where = f" in {parent}" if parent else ""
        return f"unknown field {name!r}{where}{suggest(name, allowed)}"
    if kind == "union_tag_not_found":
        field = str(ctx.get("discriminator", "")).strip("'")
        return f"missing required field {field!r}{inside}"
    if kind == "union_tag_invalid":
        field = str(ctx.get("discriminator", "")).strip("'")
        expected = re.findall(r"'([^']*)'", str(ctx.get("expected_tags", "")))
        got = str(ctx.get("tag"))
        return (f"{label([*path, field])}: invalid value {got!r}; expected one of "
                f"{', '.join(expected)}{suggest(got, expected)}")
    if kind == "spec_rule":
        return _rule_message(e, path)
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        got = e.get("input")
        hint = suggest(got, expected) if isinstance(got, str) else ""
        return (f"{here}: invalid value {got!r}; expected one of "
                f"{', '.join(expected)}{hint}")
    if kind in _TYPE_NAMES and e.get("input") is None:
        return f"{here}: is empty; expected {_TYPE_NAMES[kind]}"
    if kind in _TYPE_NAMES:
        return f"{here}: expected {_TYPE_NAMES[kind]}, got {describe(e.get('input'))}"
    if kind == "too_short" and "min_length" in ctx:
        n = ctx["min_length"]
        return f"{here}: must not be empty" if n == 1 else f"{here}: needs at least {n} items"
    msg = str(e["msg"]).replace("Input should be", "must be").replace("Value error, ", "")
    got = e.get("input")
    if isinstance(got, int | float) and not isinstance(got, bool):
        big = isinstance(got, int) and abs(got) >= 10**20
        shown = f"a number with {len(str(abs(got))):,} digits" if big else f"{got}"
        msg += f" (got {shown})"
    return f"{here}: {msg}" if here else msg
