"""What a no-change re-plan imports (issue 29): nothing it does not use.

A cached no-change plan of a large app is mostly start-up, so a library it never
calls is a cost every run: deepdiff (only a changed object is diffed), ruamel (only
pin writes edit YAML in place), aiolimiter (only a 429 slows requests down), trio
and httpx's command-line client (httpcore and httpx import them where installed;
reconciler.httpboot imports both without).
"""

from __future__ import annotations

from tests.helpers import cli_modules
from tests.repo import Repo, audience, campaign


def test_a_no_change_plan_imports_no_diff_yaml_writer_or_trio(repo: Repo) -> None:
    repo.put("audience", "buyers", audience("Buyers"))
    repo.put("campaign", "spring", campaign("Spring", ["buyers"]))
    assert repo.apply().code == 0
    assert repo.plan("--cache").code == 0  # the spec memo and the live cache, filled
    env = {"LOCALYTICS_API_KEY": repo.api_key, "LOCALYTICS_API_SECRET": repo.api_secret,
           "CI": "", "NO_COLOR": "1"}
    modules, out, err, code = cli_modules(["plan", "--cache", "--detailed-exitcode"],
                                          repo.root, env)
    assert code == 0, err
    assert "httpcore" in modules and "2 unchanged" in out  # it did talk to the API
    unused = {"deepdiff", "ruamel.yaml", "trio", "httpx._main", "pygments", "aiolimiter",
              "reconciler.localytics.campaign"}  # the spec memo's specs need no model
    assert modules & unused == set()

    repo.put("campaign", "spring", campaign("Spring", ["buyers"], message="Changed"))
    modules, _, err, code = cli_modules(["plan", "--cache"], repo.root, env)
    assert code == 0 and "deepdiff" in modules, err  # a change is diffed, by deepdiff


def test_localytics_sends_exactly_its_spec_models_fields() -> None:
    """normalize's field lists are written out (no model is built to plan memoized
    specs); they must stay the models' fields but the reconciler-only ones."""
    from reconciler.localytics.audience import AudienceSpec
    from reconciler.localytics.campaign import CampaignSpec
    from reconciler.localytics.normalize import AUDIENCE_FIELDS, CAMPAIGN_FIELDS
    from reconciler.workspace.base import RECONCILER_ONLY

    for model, fields in ((CampaignSpec, CAMPAIGN_FIELDS), (AudienceSpec, AUDIENCE_FIELDS)):
        assert fields == tuple(f for f in model.model_fields if f not in RECONCILER_ONLY)
