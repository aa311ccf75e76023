"""JSON Schema (Draft 2020-12) for editors, generated from the same models validate uses."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_kinds() -> tuple[str, ...]:
    """Every file a schema describes: the default platform's two kinds, reconciler.yaml,
    then every other platform's kinds (registry order)."""
    from reconciler.registry import platforms

    first, *rest = platforms()
    kinds = [k.schema for k in reversed(first.kinds)]
    return (*kinds, "config", *(k.schema for p in rest for k in p.kinds))


def json_schema(kind: str) -> dict[str, Any]:
    from reconciler.config.models import config_model
    from reconciler.workspace.validate import MODELS

    model = config_model() if kind == "config" else MODELS[kind]
    body = TypeAdapter(model).json_schema(mode="validation")
    title = "reconciler.yaml" if kind == "config" else f"reconciler {kind} spec"
    return {"$schema": DIALECT, "title": title, **{k: v for k, v in body.items() if k != "title"}}


def schema_text(kind: str) -> str:
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"
