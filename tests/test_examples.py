"""The tests' example repo (tests/fixtures/, a copy of the examples the project ships)
validates and covers the spec language, and the JSON Schemas describe it.

The repo root's own specs are a user's to replace: no test reads them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from reconciler.config import load_config
from reconciler.workspace import load_workspace
from reconciler.workspace.schema import schema_kinds, schema_text
from tests.helpers import FIXTURES, ROOT, example_repo, run_cli

SPEC_GLOBS = {"campaign": "example/campaigns/**/*.yaml", "audience": "example/audiences/**/*.yaml",
              "config": "*/reconciler.yaml", "segment": "stream/audiences/**/*.yaml",
              "stream-campaign": "stream/campaigns/**/*.yaml",
              "smartech-audience": "smartech/audiences/**/*.yaml",
              "smartech-campaign": "smartech/campaigns/**/*.yaml",
              "airship-segment": "airship/audiences/**/*.yaml",
              "airship-campaign": "airship/campaigns/**/*.yaml"}


def test_examples_validate(tmp_path: Path) -> None:
    repo = example_repo(tmp_path)
    code, out, err = run_cli(["validate"], repo)
    assert (code, err) == (0, "")
    assert out == "valid: 5 audiences, 8 campaigns (env sandbox)\n"


def test_examples_cover_the_spec_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECONCILER_NO_CACHE", "1")  # leave the project folder alone
    ws = load_workspace(load_config(FIXTURES / "example" / "reconciler.yaml"))
    campaigns = ws.of_kind("campaign")
    bodies = [c.body for c in campaigns]
    assert len(ws.of_kind("audience")) >= 4 and len(campaigns) >= 6
    assert {b["audiences"]["campaign_type"] for b in bodies} == {
        "everyone", "saved_audience", "new_audience"}
    kinds = {next(iter(b["schedule"])) for b in bodies}
    assert kinds == {"begin_immediately", "on_schedule", "recurring", "optimized"}
    intervals = {i["interval"] for b in bodies if "recurring" in b["schedule"]
                 for i in b["schedule"]["recurring"]["intervals"]}
    assert {"every day", "weekly", "monthly"} <= intervals
    assert any(len(b["creatives"]) == 1 for b in bodies)
    assert any(len(b["creatives"]) > 2 for b in bodies)
    assert any("conversion_event" in b for b in bodies)
    assert any("/" in c.key for c in campaigns)
    assert sum(b["status"] == "active" for b in bodies) <= 1


@pytest.mark.parametrize("kind", schema_kinds())
def test_schema_is_valid_json_schema_and_accepts_the_examples(kind: str) -> None:
    code, out, err = run_cli(["schema", "--kind", kind], FIXTURES / "example")
    assert (code, err) == (0, "")
    schema = json.loads(out)
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    files = sorted(FIXTURES.glob(SPEC_GLOBS[kind]))
    assert files
    for f in files:
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(f.read_text()))]
        assert errors == [], f
    models = [schema, *schema.get("$defs", {}).values()]
    undocumented = [name for m in models for name, v in m.get("properties", {}).items()
                    if not v.get("description")]
    assert undocumented == [], "every field documents itself"


@pytest.mark.parametrize("kind", schema_kinds())
def test_committed_schema_files_are_current(kind: str) -> None:
    committed = (ROOT / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(kind), "run: reconciler schema --out-dir schemas"


def test_schema_rejects_what_validate_rejects() -> None:
    validator = Draft202012Validator(json.loads(schema_text("campaign")))
    doc = yaml.safe_load((FIXTURES / "example" / "campaigns" / "weekly-digest.yaml").read_text())
    doc["status"] = "live"
    doc["colour"] = "red"
    messages = " ".join(e.message for e in validator.iter_errors(doc))
    assert "'live'" in messages and "colour" in messages


def test_schema_default_kind_is_campaign() -> None:
    code, out, _ = run_cli(["schema"], FIXTURES / "example")
    assert code == 0 and json.loads(out)["title"] == "reconciler campaign spec"


def test_schema_out_dir(tmp_path: Path) -> None:
    code, out, _ = run_cli(["schema", "--out-dir", str(tmp_path / "s")], tmp_path)
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [
        "airship-campaign.schema.json", "airship-segment.schema.json",
        "audience.schema.json", "campaign.schema.json", "config.schema.json",
        "segment.schema.json", "smartech-audience.schema.json", "smartech-campaign.schema.json",
        "stream-campaign.schema.json"]
