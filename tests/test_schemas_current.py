"""The committed schemas/ (what editor modelines point at) match the models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("kind", ["campaign", "audience", "config", "segment", "stream-campaign"])
def test_committed_schema_is_current(kind: str) -> None:
    code, out, _ = run_cli(["schema", "--kind", kind], cwd=ROOT)
    assert code == 0
    committed = json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text())
    assert json.loads(out) == committed, "regenerate: reconciler schema --out-dir schemas"
