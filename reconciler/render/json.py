"""The plan and apply report as JSON (DESIGN §8, format_version "1").

Laid out one item a line: each key of the document on its own line, and each item of a
list under it (each change of a plan) on its own line, itself compact. It reads and
greps a change at a time, diffs a change a line, and is encoded by the json module's C
encoder: indenting every level (indent=2) went through its Python encoder, 27 of a
plan's last 45 ms after its last answer at 1,200 changes (issue 29). Any JSON reader
reads either.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from reconciler.plan.model import Plan

_one = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
_BATCH = 256  # lines joined per write


def plan_json(plan: Plan) -> str:
    return dumps(plan.to_json())


def write_plan_json(plan: Plan, out: TextIO) -> None:
    """`plan_json(plan)`, written to `out` a batch of lines at a time.

    Joining the whole text holds it all at once: for a plan of 10,000 objects 4 MB on
    top of the plan, at the very end of the run, where a plan's memory peaked (issue 29).
    """
    pieces: list[str] = []
    for piece in _lines(plan.to_json()):
        pieces.append(piece)
        if len(pieces) >= _BATCH:
            out.write("".join(pieces))
            pieces.clear()
    pieces.append("\n")
    out.write("".join(pieces))


def dumps(doc: Any) -> str:
    return "".join(_lines(doc)) + "\n"


def _lines(doc: Any) -> Iterator[str]:
    """`doc` as JSON text, one key (and one list item) a line."""
    if isinstance(doc, dict) and doc:
        yield "{\n"
        last = len(doc) - 1
        for i, (key, value) in enumerate(doc.items()):
            end = ",\n" if i < last else "\n"
            if isinstance(value, list) and value:
                yield f"  {_one(key)}: [\n"
                yield from _items(value, "    ")
                yield "  ]" + end
            else:
                yield f"  {_one(key)}: {_one(value)}{end}"
        yield "}"
    elif isinstance(doc, list) and doc:
        yield "[\n"
        yield from _items(doc, "  ")
        yield "]"
    else:
        yield _one(doc)


def _items(items: list[Any], indent: str) -> Iterator[str]:
    last = len(items) - 1
    for i, item in enumerate(items):
        yield f"{indent}{_one(item)}{',' if i < last else ''}\n"
