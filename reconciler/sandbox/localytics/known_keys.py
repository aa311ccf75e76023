"""Keys the Campaigns & Audience API defines: anything else in a request is a 422 naming it.

The real API keeps only what it defines, so a sandbox that stored unknown keys
and answered them back would prove "no perpetual diff after apply" against an
echo. The allowed keys come from the vendored OpenAPI (`localytics-openapi.json`,
the YAML as published, converted to JSON), walked through `$ref`, `allOf`,
`oneOf` and `anyOf`: at each level a key is known when any branch defines it.
A level whose schemas define no properties at all is not checked.

Also known, though the request schemas leave them out: the server-owned keys a
client may send back from an answer (`id`, `created_at`, `updated_at`,
creative `id`/`letter`, interval `interval_start`), which the server drops;
`target_rules.audiences`, the plural key of Localytics' own campaign script;
and `rule_type` on a behavior rule, which AudienceDefinition defines but the
shared AudienceBehaviorRule schema omits. `creatives` may be a list of the
object the schema describes (one object per creative).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from reconciler.sandbox.localytics.validation import Problems, at

SPEC_FILE = Path(__file__).with_name("localytics-openapi.json")
ECHOED = frozenset({"id", "created_at", "updated_at", "letter", "interval_start"})
UNKNOWN = "is not a field the API defines"
EXTRA = {"TargetRulesAudienceExisting": ("audiences",)}


@cache
def _schemas() -> dict[str, Any]:
    doc = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    schemas: dict[str, Any] = doc["components"]["schemas"]
    return schemas


def _resolve(schema: Any) -> list[dict[str, Any]]:
    """Every schema `schema` stands for: refs followed, combinators flattened."""
    if not isinstance(schema, dict):
        return []
    out = []
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        target = dict(_schemas()[name])
        extra = EXTRA.get(name)
        if extra:
            target["properties"] = {**target.get("properties", {}),
                                    **{k: {} for k in extra}}
        out += _resolve(target)
    out.append(schema)
    for combinator in ("allOf", "oneOf", "anyOf"):
        for branch in schema.get(combinator) or ():
            out += _resolve(branch)
    return out


def unknown_keys(value: Any, schema_name: str) -> list[str]:
    """Paths of keys in `value` that the named schema does not define, in order."""
    found: list[str] = []
    _walk(value, _resolve({"$ref": f"#/components/schemas/{schema_name}"}), "", found)
    return found


def _walk(value: Any, schemas: list[dict[str, Any]], path: str, found: list[str]) -> None:
    if isinstance(value, list):
        items = [i for s in schemas for i in _resolve(s.get("items"))]
        for i, item in enumerate(value):
            # an array's items, or several of an object (creatives): same rules each
            _walk(item, items or schemas, at(path, i), found)
        return
    if not isinstance(value, dict):
        return
    props: dict[str, list[dict[str, Any]]] = {}
    for s in schemas:
        for key, sub in (s.get("properties") or {}).items():
            props.setdefault(key, []).extend(_resolve(sub))
    if not props:
        return
    if path.rsplit(".", 1)[-1].startswith("rules[") and "rule_type" not in props:
        props["rule_type"] = []
    for key, sub_value in value.items():
        where = at(path, key)
        if key not in props:
            if key not in ECHOED:
                found.append(where)
            continue
        _walk(sub_value, props[key], where, found)


def check_known(body: Any, schema_name: str) -> None:
    """422 naming every key of `body` the API does not define."""
    unknown = unknown_keys(body, schema_name)
    if unknown:
        p = Problems()
        for path in unknown:
            p.add(path, UNKNOWN)
        p.raise_if_any()
