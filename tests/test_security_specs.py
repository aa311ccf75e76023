"""Issue 16, guards on what specs and config can do: immutable templates, lookalike live
names, one env per app, `apply_from: ci`."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.workspace.templating import Renderer, TemplateProblem
from tests.helpers import make_repo, run_cli
from tests.repo import Repo, campaign

NO_CACHE = {"RECONCILER_NO_CACHE": "1", "NO_COLOR": "1"}


def set_message(repo: Path, key: str, message: str, name: str) -> None:
    base = (repo / "campaigns" / "spring-sale.yaml").read_text()
    text = base.replace("Spring sale", name)
    lines = [ln if "push_message:" not in ln else
             ln.split("push_message:")[0] + f'push_message: "{message}"' for ln in text.splitlines()]
    (repo / "campaigns" / f"{key}.yaml").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("mutation", [
    "{{ vars.update({'store_name': 'EVIL'}) }}",
    "{{ vars.pop('store_name') }}",
    "{% set _ = vars.__setitem__('store_name', 'EVIL') %}x",
    "{{ vars.setdefault('x', 1) }}",
])
def test_a_template_cannot_change_vars_for_the_next_spec(tmp_path: Path, mutation: str) -> None:
    repo = make_repo(tmp_path)
    set_message(repo, "a-first", mutation, "First")  # sorted before spring-sale
    code, _, err = run_cli(["validate"], repo, env=NO_CACHE)
    assert code == 1 and "Traceback" not in err
    [line] = err.strip().splitlines()
    assert line.startswith("campaigns/a-first.yaml:") and "template not allowed" in line, line
    assert "unsafe" in line


def test_the_template_time_budget_is_per_run_too() -> None:
    renderer = Renderer({}, "prod", run_seconds=0.5)
    busy = "{% for i in range(100000) %}{% for j in range(3) %}{% endfor %}{% endfor %}"
    problems = []
    for _ in range(200):  # each value is far under the 2 s per value
        try:
            renderer.render(busy)
        except TemplateProblem as e:
            problems.append(str(e))
            break
    assert problems and "of this run" in problems[0], problems
    with pytest.raises(TemplateProblem, match="of this run"):
        renderer.render("{{ 1 + 1 }}x")


def test_lookalike_live_names_warn_naming_the_live_id(repo: Repo) -> None:
    names = ["Spring s\u0430le", "spring sale ", "Spring\u200b sale", "SPRING SALE"]
    ids = {}
    with repo.api() as api:
        for name in names:
            r = api.post("/push/campaigns", json=campaign(name))
            r.raise_for_status()
            ids[name] = r.json()["id"]
    repo.put("campaign", "spring", campaign("Spring sale"))
    repo.put("campaign", "other", campaign("Spring sales"))  # merely similar: no warning
    plan = repo.plan()
    assert plan.code == 0, plan.stderr
    by_key = {c["key"]: c for c in plan.json["changes"]}
    warned = [w for w in by_key["spring"]["warnings"] if "looks the same as" in w]
    assert len(warned) == len(names), warned
    for name, live_id in ids.items():
        assert any(f"campaign {live_id} is named {ascii(name)}" in w and f"id: {live_id}" in w
                   for w in warned), (name, warned)
    assert not [w for w in by_key["other"]["warnings"] if "looks the same" in w]
    text = repo.run("plan")
    assert "looks the same as" in text.stdout and "\u200b" not in text.stdout


def test_two_envs_on_one_app_are_refused_naming_both(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    config = repo / "reconciler.yaml"
    config.write_text(config.read_text() + "  prod:\n    api_url: https://example.invalid/api\n"
                      "    org_id: 2\n    app_id: app\n  prod-copy:\n"
                      "    api_url: https://other.invalid/api\n    org_id: 2\n    app_id: app\n")
    code, _, err = run_cli(["validate"], repo, env=NO_CACHE)
    assert code == 1
    [line] = err.strip().splitlines()
    assert line.startswith("error: reconciler.yaml:") and "'prod' and 'prod-copy'" in line, line


def test_stream_envs_sharing_a_key_are_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    config = repo / "reconciler.yaml"
    stream = "    provider: stream\n    api_url: https://chat.invalid\n    api_key: k1\n"
    config.write_text(config.read_text() + f"  chat-a:\n{stream}  chat-b:\n{stream}")
    code, _, err = run_cli(["validate"], repo, env=NO_CACHE)
    assert code == 1 and "'chat-a' and 'chat-b'" in err and "Stream key 'k1'" in err


def test_apply_from_ci_refuses_a_laptop(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    config = repo / "reconciler.yaml"
    config.write_text(config.read_text() + "    apply_from: ci\n")
    code, _, err = run_cli(["apply", "--auto-approve"], repo, env=NO_CACHE)
    assert code == 1
    [line] = err.strip().splitlines()
    assert "apply_from: ci" in line and "CI is not set" in line
    assert not (repo / ".reconciler" / "sandbox.db").exists()  # nothing was even opened
    code, _, err = run_cli(["apply", "--auto-approve"], repo, env={**NO_CACHE, "CI": "true"})
    assert code == 0, err


def test_a_spec_cannot_take_the_lease_marker_as_its_name(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    base = (repo / "campaigns" / "spring-sale.yaml").read_text()
    (repo / "campaigns" / "spring-sale.yaml").write_text(
        base.replace("name: Spring sale", "name: reconciler-lease x"))
    code, _, err = run_cli(["validate"], repo, env=NO_CACHE)
    assert code == 1 and "reserved for apply leases" in err
