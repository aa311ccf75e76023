"""Property: under random faults, repeated applies converge and never duplicate or stray.

Random small spec sets × fault profiles (errors ≤ 0.3, drops ≤ 0.3, rate
limits 5–50 rps, latency) × up to 5 plan/apply rounds, driven in-process
through the same functions `reconciler apply` calls (`build_plan`,
`check_gates`, `execute_plan`, `open_provider`) against served sandboxes.
After every round the test lists live objects by name itself: no name ever
appears twice, and objects outside `prune_match` keep their `updated_at`.
Within 5 rounds the next plan is all noop.

Servers are costly to start, so there is one per fault profile for the whole
test and one fresh app per example. The default profile runs
`DEFAULT_EXAMPLES`; `RECONCILER_SLOW=1` (make test-slow) runs `SLOW_EXAMPLES`.
Figures (examples, faults injected and survived, duplicates) are printed:
see them with `pytest -rP tests/test_fault_property.py`.
"""

from __future__ import annotations

import asyncio
import collections
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.apply.keeper import hold_lease
from reconciler.apply.lease import LeaseHeld
from reconciler.apply.run import check_gates, execute_plan
from reconciler.calls import Caller
from reconciler.cli.session import open_provider
from reconciler.config import load_config
from reconciler.errors import ReconcilerError
from reconciler.plan.planner import build_plan
from reconciler.workspace import load_workspace
from tests.repo import Repo, audience, campaign
from tests.sandbox_fixtures import ServedSandbox, start_sandbox
from tests.strategies import SLOW, audience_spec, campaign_spec, names

DEFAULT_EXAMPLES = 15
SLOW_EXAMPLES = 150
TWO_APPLIERS_EXAMPLES = 3  # in the normal suite; the slow run takes SLOW_EXAMPLES // 3
SHORT_EXPIRY = 3  # lease.expiry_seconds with two appliers: renewed every second
ROUNDS = 5
PREFIX = "git: "  # not "[git] ": prune_match is an fnmatch glob, where [git] is a class

# Fault profiles spanning the ranges; hypothesis picks one per example.
PROFILES: list[dict[str, Any]] = [
    {"error_rate": 0.3, "seed": 11},
    {"drop_rate": 0.3, "seed": 12},
    {"error_rate": 0.15, "drop_rate": 0.15, "latency_ms": 5, "seed": 13},
    {"error_rate": 0.3, "drop_rate": 0.3, "latency_ms": 2, "seed": 14},
    {"rate_limit": 50, "error_rate": 0.1, "drop_rate": 0.2, "seed": 15},
    {"rate_limit": 20, "drop_rate": 0.1, "seed": 16},
    {"rate_limit": 5, "seed": 17},
]


class Figures:
    def __init__(self) -> None:
        self.examples = 0
        self.rounds = 0
        self.faults: collections.Counter[str] = collections.Counter()
        self.duplicates = 0
        self.failed_rounds = 0


class Servers:
    """One served sandbox per fault profile, started on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.started: dict[int, ServedSandbox] = {}

    def get(self, i: int) -> ServedSandbox:
        if i not in self.started:
            self.started[i] = start_sandbox(self.root / f"faults-{i}.db", **PROFILES[i])
        return self.started[i]

    def stop(self) -> None:
        for s in self.started.values():
            s.stop()


class Eyes:
    """The test's own view of live state, retried past injected faults (GETs only)."""

    def __init__(self, server: ServedSandbox, repo: Repo) -> None:
        self.client = httpx.Client(
            base_url=f"{server.api_url}/orgs/{repo.org_id}/apps/{repo.app_id}",
            auth=(server.api_key, server.api_secret), timeout=10,
        )

    def get(self, path: str, **params: Any) -> Any:
        for _ in range(200):
            r = self.client.get(path, params=params)
            if r.status_code < 500 and r.status_code != 429:
                r.raise_for_status()
                return r.json()
            time.sleep(0.03)
        raise AssertionError(f"sandbox kept failing GET {path}")

    def create(self, path: str, body: dict[str, Any], name: str) -> dict[str, Any]:
        """Seed one object despite faults, without ever making two."""
        for _ in range(200):
            found = [o for o in self.everything(path) if o["name"] == name]
            if found:
                return found[0]
            r = self.client.post(path, json=body)
            if r.status_code == 201:
                return r.json()
            time.sleep(0.03)
        raise AssertionError(f"could not seed {name!r}")

    def everything(self, path: str) -> list[dict[str, Any]]:
        if path.endswith("/audiences"):
            return self.get("/audiences")
        live = self.get("/campaigns", per_page=1000, is_archived=0)["campaigns"]
        return live + [dict(c, archived=True) for c in
                       self.get("/campaigns", per_page=1000, is_archived=1)["campaigns"]]

    def close(self) -> None:
        self.client.close()


def duplicated(names_: list[str]) -> list[str]:
    return [n for n, k in collections.Counter(names_).items() if k > 1]


async def leased_round(root: Path, holder: str) -> tuple[bool, bool]:
    """One applier as `reconciler apply --auto-approve` runs it, lease included: taken
    (with this repo's short `lease.expiry_seconds`), renewed, confirmed before each wave,
    released; a lost lease stops its writes. Refused by the other's lease: (True, False)."""
    loaded = load_config(root / "reconciler.yaml")
    workspace = load_workspace(loaded, warn=lambda _line: None)
    caller = Caller(concurrency=loaded.env.concurrency)
    ttl = timedelta(seconds=loaded.config.lease.expiry_seconds)
    async with open_provider(loaded, caller) as provider:
        try:
            async with hold_lease(provider, holder, ttl=ttl) as keeper:
                assert keeper is not None
                plan = await build_plan(workspace, provider)
                if not plan.has_changes:
                    return True, True
                check_gates(plan, workspace, force=False)
                stop = asyncio.Event()
                keeper.on_lost = lambda _reason: stop.set()
                results = await execute_plan(
                    plan, workspace, provider, concurrency=caller.concurrency, stop=stop,
                    journal_path=loaded.state_dir / f"journal-{holder}.jsonl",
                    guard=keeper)
        except LeaseHeld:
            return True, False
    return all(r.status == "applied" for r in results), False


async def two_rounds(root: Path) -> tuple[bool, bool]:
    """Two appliers of one app at once (two machines): (both clean, one converged)."""
    outcomes = await asyncio.gather(leased_round(root, "prop-a@one"),
                                    leased_round(root, "prop-b@two"), return_exceptions=True)
    for o in outcomes:
        if isinstance(o, BaseException) and not isinstance(o, ReconcilerError):
            raise o
    done = [o for o in outcomes if not isinstance(o, BaseException)]
    return len(done) == 2 and all(c for c, _ in done), any(v for _, v in done)


async def one_round(root: Path) -> tuple[bool, bool]:
    """Plan and apply as `reconciler apply --auto-approve` does; (clean, converged)."""
    loaded = load_config(root / "reconciler.yaml")
    workspace = load_workspace(loaded, warn=lambda _line: None)
    caller = Caller(concurrency=loaded.env.concurrency)
    async with open_provider(loaded, caller) as provider:
        plan = await build_plan(workspace, provider)
        if not plan.has_changes:
            return True, True
        check_gates(plan, workspace, force=False)
        results = await execute_plan(plan, workspace, provider, concurrency=caller.concurrency,
                                     journal_path=loaded.state_dir / "journal.jsonl")
    return all(r.status == "applied" for r in results), False


@st.composite
def scenario(draw: st.DrawFn) -> dict[str, Any]:
    n_aud = draw(st.integers(0, 2))
    n_camp = draw(st.integers(1, 3))
    picked = draw(st.lists(names, min_size=n_aud + n_camp, max_size=n_aud + n_camp,
                           unique_by=str.casefold))
    auds = {f"a{i}": draw(audience_spec(PREFIX + picked[i])) for i in range(n_aud)}
    camps = {f"c{i}": draw(campaign_spec(PREFIX + picked[n_aud + i], list(auds)))
             for i in range(n_camp)}
    if draw(st.booleans()):
        camps["c0"]["protect"] = True
    return {
        "profile": draw(st.sampled_from(range(len(PROFILES)))),
        "audiences": auds, "campaigns": camps,
        "prune": draw(st.booleans()),
        "preexisting": draw(st.booleans()),  # c0 already live, with another message
        "concurrency": draw(st.sampled_from([1, 4, 8])),
    }


def run_example(s: dict[str, Any], servers: Servers, figures: Figures,
                appliers: int = 1) -> None:
    server = servers.get(s["profile"])
    app = server.new_app()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        repo = Repo(root, server.api_url, app.org_id, app.app_id, server.api_key,
                    server.api_secret, env_extra={
                        "prune": s["prune"], "prune_match": f"{PREFIX}*",
                        "concurrency": s["concurrency"]})
        if appliers > 1:  # a short expiry: renewals happen within every round
            with (root / "reconciler.yaml").open("a", encoding="utf-8") as f:
                f.write(f"lease:\n  expiry_seconds: {SHORT_EXPIRY}\n")
        for key, doc in s["audiences"].items():
            repo.put("audience", key, doc)
        for key, doc in s["campaigns"].items():
            repo.put("campaign", key, doc)
        eyes = Eyes(server, repo)
        try:
            _check_example(s, server, root, eyes, figures, appliers)
        finally:
            eyes.close()


def _check_example(s: dict[str, Any], server: ServedSandbox, root: Path, eyes: Eyes,
                   figures: Figures, appliers: int = 1) -> None:
    camps_path, auds_path = "/push/campaigns", "/audiences"
    # Out of prune scope: must never be touched. In scope: prune may archive it.
    outside = [eyes.create(camps_path, _body(campaign("Manual promo")), "Manual promo"),
               eyes.create(auds_path, audience("Manual audience", event="Open"),
                           "Manual audience")]
    eyes.create(camps_path, _body(campaign(f"{PREFIX}stale")), f"{PREFIX}stale")
    if s["preexisting"]:
        c0 = dict(s["campaigns"]["c0"])
        c0.pop("protect", None)
        if c0["audiences"]["campaign_type"] == "saved_audience":
            c0 = campaign(c0["name"])
        eyes.create(camps_path, _body(c0, message="before"), c0["name"])
    seeded = {o["id"] for o in outside}
    stamps = {(o["id"], o["name"]): o.get("updated_at")
              for o in eyes.everything(camps_path) + eyes.everything(auds_path)
              if o["id"] in seeded}
    assert len(stamps) == 2
    protected = {d["name"] for d in s["campaigns"].values() if d.get("protect")}

    converged = False
    # Racing appliers: a round in which one is refused by the lease moves only the other,
    # so convergence is not theirs to show in ROUNDS; after ROUNDS racing rounds (where no
    # duplicate may appear) one applier finishes the work, as the next CI run would.
    limit = ROUNDS if appliers == 1 else 2 * ROUNDS
    for i in range(limit):
        before = server.stats()["faults"]
        try:
            clean, converged = asyncio.run(two_rounds(root) if appliers > 1 and i < ROUNDS
                                           else one_round(root))
        except ReconcilerError:
            clean = False  # e.g. a listing that failed every retry: the next round retries
        after = server.stats()["faults"]
        figures.faults.update({k: after[k] - before[k] for k in after})
        figures.rounds += 1
        figures.failed_rounds += not clean
        _check_invariants(eyes, stamps, protected, figures)
        if converged:
            break
    assert converged, f"no noop plan after {limit} rounds (profile {PROFILES[s['profile']]})"
    live = {c["name"] for c in eyes.everything(camps_path) if not c.get("archived")}
    assert {d["name"] for d in s["campaigns"].values()} <= live
    auds = {a["name"] for a in eyes.everything(auds_path)}
    assert {d["name"] for d in s["audiences"].values()} <= auds
    figures.examples += 1


def _check_invariants(eyes: Eyes, stamps: dict[tuple[int, str], Any], protected: set[str],
                      figures: Figures) -> None:
    campaigns = eyes.everything("/push/campaigns")
    audiences = eyes.everything("/audiences")
    dups = duplicated([c["name"] for c in campaigns]) + duplicated([a["name"] for a in audiences])
    figures.duplicates += len(dups)
    assert dups == [], f"duplicates: {dups}"
    now = {(o["id"], o["name"]): o for o in campaigns + audiences}
    for ident, stamp in stamps.items():
        assert ident in now, f"out-of-scope object {ident} was removed"
        assert not now[ident].get("archived"), f"out-of-scope object {ident} was archived"
        assert now[ident].get("updated_at") == stamp, f"out-of-scope object {ident} was written"
    for c in campaigns:
        assert not (c["name"] in protected and c.get("archived")), f"protected {c['name']!r}"


def _body(doc: dict[str, Any], message: str | None = None) -> dict[str, Any]:
    body = {k: v for k, v in doc.items() if k not in ("protect", "id", "ignore_changes")}
    creatives = body["creatives"]
    if isinstance(creatives, list) and len(creatives) == 1:
        body["creatives"] = dict(creatives[0])
    if message is not None:
        first = body["creatives"] if isinstance(body["creatives"], dict) else body["creatives"][0]
        first["build_attributes"] = {"push_message": message}
    return body


@pytest.mark.slow
def test_repeated_applies_under_faults_converge_without_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    examples = int(os.environ.get("RECONCILER_FAULT_EXAMPLES", 0)) or (
        SLOW_EXAMPLES if SLOW else DEFAULT_EXAMPLES)
    run_property(tmp_path, monkeypatch, examples, appliers=1)


def test_two_concurrent_appliers_with_a_short_expiry_never_duplicate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each round is two appliers of one app at once (as two machines), with a 3 s lease:
    under the same faults, no object is ever created twice. The long run is `make
    test-slow` (RECONCILER_SLOW=1)."""
    run_property(tmp_path, monkeypatch,
                 SLOW_EXAMPLES // 3 if SLOW else TWO_APPLIERS_EXAMPLES, appliers=2)


def run_property(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, examples: int,
                 appliers: int) -> None:
    monkeypatch.setenv("LOCALYTICS_API_KEY", "sandbox")
    monkeypatch.setenv("LOCALYTICS_API_SECRET", "sandbox")
    monkeypatch.setenv("RECONCILER_NO_CACHE", "1")
    servers = Servers(tmp_path)
    figures = Figures()

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(scenario())
    def prop(s: dict[str, Any]) -> None:
        run_example(s, servers, figures, appliers)

    start = time.monotonic()
    try:
        prop()
    finally:
        servers.stop()
        print(f"\nfault property ({appliers} applier(s) at once): {figures.examples} examples, "
              f"{figures.rounds} apply rounds ({figures.failed_rounds} with failures, "
              f"retried), faults injected and survived: {sum(figures.faults.values())} "
              f"{dict(figures.faults)}, duplicates found: {figures.duplicates}, "
              f"{time.monotonic() - start:.0f} s")
    assert figures.examples >= min(examples, 1)
    assert figures.duplicates == 0
