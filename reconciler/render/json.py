"""The plan and apply report as JSON (DESIGN §8, format_version "1")."""

from __future__ import annotations

import json
from typing import Any

from reconciler.plan.model import Plan


def plan_json(plan: Plan) -> str:
    return dumps(plan.to_json())


def dumps(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
