"""After apply, the next plan is all noops: a perpetual diff is a bug (DESIGN §4)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.repo import Repo
from tests.strategies import SLOW, spec_set

counter = itertools.count()


@pytest.mark.slow
@settings(max_examples=60 if SLOW else 8, deadline=None, derandomize=not SLOW,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=spec_set())
def test_applied_specs_plan_as_noops(specs, sandbox_server, tmp_path: Path) -> None:
    app = sandbox_server.new_app()
    repo = Repo(tmp_path / f"r{next(counter)}", sandbox_server.api_url, app.org_id, app.app_id,
                sandbox_server.api_key, sandbox_server.api_secret)
    audiences, campaigns = specs
    for key, doc in audiences.items():
        repo.put("audience", key, doc)
    for key, doc in campaigns.items():
        repo.put("campaign", key, doc)
    applied = repo.apply()
    assert applied.code == 0, applied.stdout + applied.stderr
    again = repo.plan()
    assert again.code == 0, again.stderr
    leftovers = [c for c in again.json["changes"] if c["action"] != "noop"]
    assert leftovers == [], leftovers
