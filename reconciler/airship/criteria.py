"""Airship audience selectors (a segment's `criteria`), checked offline.

The grammar is the one of `push.audience` (docs/specs/airship.md §2): compound
`and` / `or` (lists of 1-10 selectors) and `not` (one selector), and atomic
selectors. Compound keys are written in lowercase, as the official client
sends them. Selectors the notes mark unsupported for specs (`location`, the
retired `tag_class`) are refused at their path, so a file never reaches the
API with something it would reject or ignore. At most 1,000 selectors per
audience [OAS audienceSelector1000].
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

COMPOUND = ("and", "or", "not")
MAX_ITEMS = 10  # an and/or list: 1-10 selectors [OAS]
MAX_SELECTORS = 1000  # per audience [OAS, SUP-LIM]
MAX_TAG = 127  # the schema says 1-128, the prose "< 128": the shorter one
# atomic selector key -> the keys that may stand beside it
ATOMS: dict[str, frozenset[str]] = {
    "tag": frozenset({"group"}),
    "segment": frozenset(),
    "named_user": frozenset(),
    "static_list": frozenset(),
    "subscription_list": frozenset(),
    "channel": frozenset(),
    "ios_channel": frozenset(),
    "android_channel": frozenset(),
    "amazon_channel": frozenset(),
    "open_channel": frozenset(),
    "sms_id": frozenset(),
    "attribute": frozenset({"operator", "value", "precision"}),
    "activity": frozenset({"metric", "operator", "value", "after", "before", "on",
                           "precision", "where"}),
}
REFUSED = {
    "location": "location selectors are dashboard-built on Airship (no API schema): "
                "build the segment in the dashboard, or select by tag",
    "tag_class": "tag_class is retired in API v3: use {tag: .., group: ..}",
}
OPERATORS = ("equals", "contains", "less", "greater", "is_empty")


def problems(criteria: Any, at: str = "criteria") -> Iterator[tuple[str, str]]:
    """(dotted path, message) for each rule `criteria` breaks, first the deepest found."""
    count = 0
    stack: list[tuple[Any, str]] = [(criteria, at)]
    while stack:
        node, path = stack.pop()
        count += 1
        if node == "all":
            continue
        if not isinstance(node, Mapping) or not node:
            yield path, "a selector is \"all\" or a mapping such as {tag: vip}"
            continue
        upper = [k for k in node if isinstance(k, str) and k.lower() in COMPOUND and k != k.lower()]
        if upper:
            yield f"{path}.{upper[0]}", f"write {upper[0]!r} in lowercase ({upper[0].lower()})"
            continue
        refused = next((k for k in node if k in REFUSED), None)
        if refused:
            yield f"{path}.{refused}", REFUSED[refused]
            continue
        compound = [k for k in node if k in COMPOUND]
        if compound:
            yield from _compound(node, path, compound, stack)
            continue
        yield from _atom(node, path)
    if count > MAX_SELECTORS:
        yield at, f"{count:,} selectors: Airship allows at most {MAX_SELECTORS:,} per audience"


def _compound(node: Mapping[str, Any], path: str, keys: list[str],
              stack: list[tuple[Any, str]]) -> Iterator[tuple[str, str]]:
    if len(node) != 1:
        yield path, f"{keys[0]} stands alone in its selector (found {', '.join(map(str, node))})"
        return
    key = keys[0]
    value = node[key]
    if key == "not":
        stack.append((value, f"{path}.not"))
        return
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_ITEMS:
        yield f"{path}.{key}", f"{key} takes a list of 1 to {MAX_ITEMS} selectors"
        return
    stack.extend((item, f"{path}.{key}.{i}") for i, item in enumerate(value))


def _atom(node: Mapping[str, Any], path: str) -> Iterator[tuple[str, str]]:
    atoms = [k for k in node if k in ATOMS]
    if len(atoms) != 1:
        unknown = next((k for k in node if k not in ATOMS), None) if not atoms else None
        what = f"unknown selector {unknown!r}" if unknown else \
            f"one selector per mapping (found {', '.join(atoms)})"
        yield (f"{path}.{unknown}" if unknown else path), \
            f"{what}; known: {', '.join([*COMPOUND, *ATOMS])}"
        return
    atom = atoms[0]
    extra = [k for k in node if k != atom and k not in ATOMS[atom]]
    if extra:
        yield f"{path}.{extra[0]}", f"{extra[0]!r} does not go with {atom}"
        return
    if atom == "tag":
        tags = node["tag"] if isinstance(node["tag"], list) else [node["tag"]]
        for i, tag in enumerate(tags):
            if not isinstance(tag, str) or not 1 <= len(tag) <= MAX_TAG:
                where = f"{path}.tag.{i}" if isinstance(node["tag"], list) else f"{path}.tag"
                yield where, f"a tag is text of 1 to {MAX_TAG} characters"
    if atom == "attribute" and node.get("operator") not in OPERATORS:
        yield f"{path}.operator", f"an attribute selector's operator is one of {', '.join(OPERATORS)}"

