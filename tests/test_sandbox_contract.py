"""Contract test: the served sandbox against the Campaigns & Audience OpenAPI.

The OpenAPI is vendored under tests/contract/ (the published document, unedited;
see tests/contract/README.md), so the test runs in a plain clone. For every documented path and method
the test makes a valid request and checks that the sandbox answers a
documented 2xx status with a body that validates against the documented
schema; then, where documented, that 401 comes without credentials, 404 for
an unknown id and 422 for an invalid body.

Three adaptations to the document, recorded in docs/apis.md: the sandbox
answers `creatives` as a list of the documented creative object (§2 of
DESIGN.md); OpenAPI 3.0 `nullable` is read as "or null"; a `oneOf` of
operator enums that overlap (`is one of` is a string, number and date
operator alike) is read as `anyOf`, since no value could satisfy it otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from ruamel.yaml import YAML

from tests.sandbox_helpers import SSL_CONTEXT, audience_body, campaign_body

SPEC = Path(__file__).parent / "contract" / "campaigns-audiences-openapi.yml"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return YAML(typ="safe").load(SPEC.read_text(encoding="utf-8"))


def _resolve(node: Any, spec: dict[str, Any]) -> Any:
    """Inline every $ref, read `nullable` as 'or null', answer creatives as a list."""
    if isinstance(node, list):
        return [_resolve(n, spec) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _resolve(target, spec)
    out = {k: _resolve(v, spec) for k, v in node.items() if k not in ("example", "nullable")}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if node.get("nullable") and "type" not in out:
        out = {"anyOf": [out, {"type": "null"}]}
    branches = out.get("oneOf", [])
    if branches and all(set(b) <= {"type", "enum"} and "enum" in b for b in branches):
        out["anyOf"] = out.pop("oneOf")  # overlapping operator enums: "is one of" is in all
    creatives = out.get("properties", {}).get("creatives")
    if creatives is not None:
        out["properties"]["creatives"] = {"type": "array", "minItems": 1, "items": creatives}
    return out


def _operations(spec: dict[str, Any]) -> list[tuple[str, str]]:
    return [(path, method) for path, item in spec["paths"].items()
            for method in METHODS if method in item]


class World:
    """Objects the requests refer to, made through the sandbox API itself."""

    def __init__(self, sandbox_server, app) -> None:
        self.base = f"{sandbox_server.api_url}/orgs/{app.org_id}/apps/{app.app_id}"
        self.client = httpx.Client(auth=(sandbox_server.api_key, sandbox_server.api_secret),
                                   timeout=10, verify=SSL_CONTEXT)
        self.app = app

    def audience(self) -> int:
        return self.client.post(self.base + "/audiences", json=audience_body()).json()["id"]

    def campaign(self) -> int:
        target = {"campaign_type": "saved_audience", "control_group_percent": 5,
                  "target_rules": {"audience": [self.audience()]}}
        body = campaign_body(audiences=target, conversion_event={"event_name": "Purchase"})
        return self.client.post(self.base + "/push/campaigns", json=body).json()["id"]

    def request_for(self, path: str, method: str) -> dict[str, Any]:
        """A valid request for one documented operation (fresh objects for each)."""
        values = {"org_id": self.app.org_id, "app_id": self.app.app_id}
        if "{campaign_id}" in path:
            values["campaign_id"] = self.campaign()
        if "{audience_id}" in path:
            values["audience_id"] = self.audience()
        url = self.base + path.format(**values).split(f"/apps/{self.app.app_id}", 1)[1]
        kwargs: dict[str, Any] = {"method": method.upper(), "url": url}
        if path.endswith("/push/campaigns") or path.endswith("{campaign_id}") and method == "put":
            kwargs["json"] = campaign_body("Contract")
        elif method in ("post", "patch") and path.endswith(("/audiences", "{audience_id}")):
            kwargs["json"] = audience_body("Contract")
        if path.endswith("/search"):
            kwargs["params"] = {"key": "sale"}
        return kwargs


@pytest.fixture
def world(sandbox_server, sandbox_app):
    w = World(sandbox_server, sandbox_app)
    w.campaign()  # listings have something to show
    yield w
    w.client.close()


def _documented(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return {str(code): body for code, body in spec["paths"][path][method]["responses"].items()}


def test_spec_has_operations(spec) -> None:
    assert len(_operations(spec)) >= 13


def test_every_operation_answers_as_documented(spec, world) -> None:
    for path, method in _operations(spec):
        responses = _documented(spec, path, method)
        r = world.client.request(**world.request_for(path, method))
        where = f"{method.upper()} {path}"
        assert str(r.status_code) in responses, f"{where}: undocumented {r.status_code} {r.text}"
        assert r.status_code < 300, f"{where}: {r.status_code} {r.text}"
        content = responses[str(r.status_code)].get("content", {}).get("application/json")
        if content is None:
            continue
        schema = _resolve(content["schema"], spec)
        body = r.json()
        try:
            jsonschema.validate(body, schema)
        except jsonschema.ValidationError as e:
            pytest.fail(f"{where}: {e.message} at {list(e.absolute_path)}")
        _assert_documented_fields_present(schema, body, where)


def _assert_documented_fields_present(schema: dict[str, Any], body: Any, where: str) -> None:
    """The top-level documented properties appear in the answer (not only 'allowed')."""
    if isinstance(body, list):
        for item in body:
            _assert_documented_fields_present(schema.get("items", {}), item, where)
        return
    documented: set[str] = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        documented |= set(part.get("properties", {}))
    optional = {"conversion_event"}  # optional in the params, so absent when not sent
    missing = documented - set(body) - optional
    assert not missing, f"{where}: documented fields missing from the answer: {sorted(missing)}"


def test_unauthorized_where_documented(spec, world) -> None:
    for path, method in _operations(spec):
        if "401" not in _documented(spec, path, method):
            continue
        request = world.request_for(path, method)
        r = httpx.request(**request, timeout=10)
        assert r.status_code == 401, f"{method.upper()} {path}"
        assert r.json() == {"error": "Unauthorized"}


def test_not_found_where_documented(spec, world) -> None:
    for path, method in _operations(spec):
        if "404" not in _documented(spec, path, method):
            continue
        if "{campaign_id}" not in path and "{audience_id}" not in path:
            continue
        request = world.request_for(path, method)
        for name in ("campaigns", "audiences"):
            request["url"] = _replace_id(request["url"], name)
        r = world.client.request(**request)
        assert r.status_code == 404, f"{method.upper()} {path}: {r.status_code}"
        assert r.json()["error"]


def _replace_id(url: str, collection: str) -> str:
    parts = url.split("/")
    for i, part in enumerate(parts[:-1]):
        if part == collection and parts[i + 1].isdigit():
            parts[i + 1] = "987654321"
    return "/".join(parts)


def test_invalid_input_where_documented(spec, world) -> None:
    checked = 0
    for path, method in _operations(spec):
        if "422" not in _documented(spec, path, method):
            continue
        request = world.request_for(path, method)
        if "json" in request:
            request["json"] = {"name": 5}
        elif method == "get":
            request["params"] = {**request.get("params", {}), "per_page": "many"}
        else:
            continue
        r = world.client.request(**request)
        assert r.status_code == 422, f"{method.upper()} {path}: {r.status_code}"
        assert r.json()["error"] and r.json()["details"]
        checked += 1
    assert checked >= 5
