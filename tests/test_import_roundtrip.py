"""Import round trip: random live objects made in the sandbox → `reconciler import --all`
→ `reconciler plan` is all noops (unicode names, A/B creatives, every schedule kind, every
rule type, literal braces). More examples with RECONCILER_SLOW=1."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.importer.escape import escape_template
from reconciler.workspace.templating import Renderer
from tests.repo import Repo
from tests.strategies import SLOW, any_target_rules, awkward_names, live_campaign, messages

counter = itertools.count()


@pytest.mark.slow
@settings(max_examples=40 if SLOW else 3, deadline=None, derandomize=not SLOW,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_imported_app_plans_as_noops(data: st.DataObject, sandbox_server, tmp_path: Path) -> None:
    app = sandbox_server.new_app()
    repo = Repo(tmp_path / f"r{next(counter)}", sandbox_server.api_url, app.org_id, app.app_id,
                sandbox_server.api_key, sandbox_server.api_secret)
    aud_names = data.draw(st.lists(awkward_names, max_size=3, unique=True), "audiences")
    camp_names = data.draw(st.lists(awkward_names, min_size=1, max_size=4, unique=True),
                           "campaigns")
    with repo.api() as api:
        ids = []
        for name in aud_names:
            r = api.post("/audiences", json={"name": name, "target_rules":
                                             data.draw(any_target_rules())})
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        for name in camp_names:
            r = api.post("/push/campaigns", json=data.draw(live_campaign(name, ids)))
            assert r.status_code == 201, r.text

    imported = repo.run("import", "--all")
    assert imported.code == 0, imported.stdout + imported.stderr
    assert f"wrote {len(aud_names)} audiences, {len(camp_names)} campaigns" in imported.stdout
    formatted = repo.run("fmt", "--check")
    assert formatted.code == 0, formatted.stdout  # written in the canonical fmt layout
    plan = repo.plan()
    assert plan.code == 0, plan.stderr
    leftovers = [c for c in plan.json["changes"] if c["action"] != "noop"]
    assert leftovers == [], leftovers
    assert plan.json["unmanaged"] == []
    assert len(plan.json["changes"]) == len(aud_names) + len(camp_names)


@pytest.mark.slow
@settings(max_examples=500 if SLOW else 150, deadline=None)
@given(messages)
def test_escaped_text_renders_back_exactly(text: str) -> None:
    assert Renderer({}, "test").render(escape_template(text)) == text
