"""JSON Schema (Draft 2020-12) for editors, generated from the same models validate uses."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

SCHEMA_KINDS = ("campaign", "audience", "config", "segment", "stream-campaign", "smartech-audience",
    "smartech-campaign")
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(kind: str) -> dict[str, Any]:
    from reconciler.config.models import Config
    from reconciler.workspace.validate import MODELS

    model = Config if kind == "config" else MODELS[kind]
    body = TypeAdapter(model).json_schema(mode="validation")
    title = "reconciler.yaml" if kind == "config" else f"reconciler {kind} spec"
    return {"$schema": DIALECT, "title": title, **{k: v for k, v in body.items() if k != "title"}}


def schema_text(kind: str) -> str:
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"
