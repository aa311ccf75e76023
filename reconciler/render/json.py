"""The plan and apply report as JSON (DESIGN §8, format_version "1")."""

from __future__ import annotations

import json
from typing import Any, TextIO

from reconciler.plan.model import Plan

_ENCODER = json.JSONEncoder(indent=2, ensure_ascii=False)  # as dumps below encodes
_BATCH = 4096  # pieces joined per write


def plan_json(plan: Plan) -> str:
    return dumps(plan.to_json())


def write_plan_json(plan: Plan, out: TextIO) -> None:
    """`plan_json(plan)`, written to `out` a batch of pieces at a time.

    json.dumps holds the list of every piece and then the joined text at once: for a
    plan of 10,000 objects, half a million pieces and 4 MB, on top of the plan, at the
    very end of the run, where a plan's memory peaked (issue 29).
    """
    pieces: list[str] = []
    for piece in _ENCODER.iterencode(plan.to_json()):
        pieces.append(piece)
        if len(pieces) >= _BATCH:
            out.write("".join(pieces))
            pieces.clear()
    pieces.append("\n")
    out.write("".join(pieces))


def dumps(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
