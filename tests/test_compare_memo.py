"""The comparison memo (reconciler.plan.comparememo): a cached no-change re-plan compares
nothing again, yet every spec edit and every live change still shows, and the plan is
the same with and without it.

Comparisons are counted, not timed: a `sitecustomize` on the CLI process's path wraps
`reconciler.plan.compare.desired_payload` (every comparison builds the spec's payload
first) and writes the specs it was called for when the process ends.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.repo import Repo, audience, campaign

_COUNTER = """
import atexit, json, os
import reconciler.plan.compare as compare
payload, seen = compare.desired_payload, []
def counting(provider, spec, *args, **kwargs):
    seen.append(spec.ref)
    return payload(provider, spec, *args, **kwargs)
compare.desired_payload = counting
atexit.register(lambda: open(os.environ["COMPARED_TO"], "w").write(json.dumps(seen)))
"""


@pytest.fixture
def counted(tmp_path: Path) -> Any:
    """`counted(repo, *plan_args, env=…)`: (the plan's JSON, the spec refs compared)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_COUNTER)
    out = tmp_path / "compared.json"

    def run(repo: Repo, *args: str, env: dict[str, str] | None = None
            ) -> tuple[dict[str, Any], list[str]]:
        result = repo.run("plan", "--format", "json", *args,
                          env={"PYTHONPATH": str(site), "COMPARED_TO": str(out), **(env or {})})
        assert result.code in (0, 2), result.stderr
        return result.json, sorted(json.loads(out.read_text()))

    return run


@pytest.fixture
def applied(repo: Repo) -> Repo:
    """Two audiences and five campaigns (three on the first audience), applied."""
    repo.put("audience", "buyers", audience("Buyers"))
    repo.put("audience", "lapsed", audience("Lapsed", event="Open"))
    for i in range(5):
        repo.put("campaign", f"c{i}", campaign(f"C{i}", ["buyers"] if i < 3 else None))
    assert repo.apply().code == 0
    return repo


def test_a_cached_no_change_replan_compares_nothing(applied: Repo, counted: Any) -> None:
    everything = sorted([*(f"campaign:c{i}" for i in range(5)),
                         "audience:buyers", "audience:lapsed"])
    plain, compared = counted(applied)
    assert compared == everything and {c["action"] for c in plain["changes"]} == {"noop"}

    first, compared = counted(applied, "--cache")  # fills the live cache and the memo
    assert compared == everything and first == plain
    again, compared = counted(applied, "--cache")
    assert compared == [] and again == plain
    # a --target plan keeps the other specs' outcomes for the next whole plan
    _, compared = counted(applied, "--cache", "--target", "c1")
    assert compared == []
    _, compared = counted(applied, "--cache")
    assert compared == []
    # off where every cache is: no memo is read, every spec is compared
    _, compared = counted(applied, "--cache", env={"RECONCILER_NO_CACHE": "1"})
    assert compared == everything


def test_a_spec_edit_is_compared_and_shown(applied: Repo, counted: Any) -> None:
    counted(applied, "--cache")
    applied.put("campaign", "c1", campaign("C1", ["buyers"], message="Changed"))
    cached, compared = counted(applied, "--cache")
    assert compared == ["campaign:c1"]
    [changed] = [c for c in cached["changes"] if c["action"] != "noop"]
    assert changed["key"] == "c1" and changed["action"] == "update"
    plain, _ = counted(applied)
    assert cached == plain


def test_live_changes_are_compared_and_shown(applied: Repo, counted: Any) -> None:
    """Edits in the dashboard: a campaign's (its `updated_at` moves, so it is read again),
    then an audience's (listed whole), whose campaigns, no-ops still, show its new reach;
    each plan as an uncached plan shows it."""
    before, _ = counted(applied, "--cache")
    live = {c["name"]: c["id"] for c in applied.live_campaigns()}
    with applied.api() as api:
        body = api.get(f"/push/campaigns/{live['C4']}").json()
        api.put(f"/push/campaigns/{live['C4']}", json={**body, "goal": "notify"}
                ).raise_for_status()
    cached, compared = counted(applied, "--cache")
    assert compared == ["campaign:c4"]
    assert [(c["key"], c["action"]) for c in cached["changes"] if c["action"] != "noop"] \
        == [("c4", "update")]
    assert cached == counted(applied)[0]

    with applied.api() as api:
        [buyers] = [a for a in applied.live_audiences() if a["name"] == "Buyers"]
        rules = audience("Buyers", country="DE")["target_rules"]
        api.patch(f"/audiences/{buyers['id']}", json={"target_rules": rules}).raise_for_status()
    cached, compared = counted(applied, "--cache")
    assert {"audience:buyers", "campaign:c0"} <= set(compared)
    changed = {c["key"]: c["action"] for c in cached["changes"] if c["action"] != "noop"}
    assert changed == {"buyers": "update", "c4": "update"}
    assert cached == counted(applied)[0]
    reach = {c["key"]: c["reach"] for c in before["changes"]}
    now = {c["key"]: c["reach"] for c in cached["changes"]}
    assert now["c0"] != reach["c0"] and now["c3"] == reach["c3"]  # moved with the rules
