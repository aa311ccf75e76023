"""load_workspace: the Spec/Workspace contract other rooms code against."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import load_config
from reconciler.errors import ConfigErrors, SpecErrors
from reconciler.workspace import Spec, Workspace, load_workspace
from reconciler.workspace.cache import user_cache_dir
from tests.helpers import make_repo

CAMPAIGN = """\
name: Pinned
status: draft
goal: notify
id: 4512
protect: true
ignore_changes: [creatives]
audiences:
  campaign_type: saved_audience
  target_rules:
    audience: [lapsed-buyers, 77, lapsed-buyers]
schedule:
  begin_immediately: {}
creatives:
  build_attributes: {push_message: "Hi from {{ env }}"}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return make_repo(tmp_path)


def load(repo: Path, warnings: list[str] | None = None) -> Workspace:
    sink = warnings if warnings is not None else []
    return load_workspace(load_config(repo / "reconciler.yaml"), warn=sink.append)


def problems(repo: Path) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        load(repo)
    return info.value.lines()


def write(repo: Path, rel: str, text: str) -> None:
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text(text)


def test_body_is_what_the_user_wrote(repo: Path) -> None:
    write(repo, "campaigns/promos/pinned.yaml", CAMPAIGN)
    spec = load(repo).get("campaign:promos/pinned")
    assert isinstance(spec, Spec)
    assert spec.path == "campaigns/promos/pinned.yaml"
    assert spec.body == {
        "name": "Pinned", "status": "draft", "goal": "notify",
        "audiences": {"campaign_type": "saved_audience",
                      "target_rules": {"audience": ["lapsed-buyers", 77, "lapsed-buyers"]}},
        "schedule": {"begin_immediately": {}},
        "creatives": [{"build_attributes": {"push_message": "Hi from sandbox"}}],
    }
    assert (spec.pin_id, spec.protect, spec.ignore_changes) == (4512, True, ("creatives",))
    assert spec.depends_on == ("audience:lapsed-buyers",)
    assert spec.name == "Pinned" and spec.ref == "campaign:promos/pinned"


def test_specs_are_ordered_audiences_first(repo: Path) -> None:
    write(repo, "campaigns/a/z.yaml", CAMPAIGN)
    ws = load(repo)
    assert [s.ref for s in ws] == [
        "audience:lapsed-buyers", "campaign:a/z", "campaign:spring-sale"]
    assert [s.key for s in ws.of_kind("campaign")] == ["a/z", "spring-sale"]
    assert ws.get("audience:lapsed-buyers").body["target_rules"]["targeting_type"] == "install_id"


def test_content_hash(repo: Path) -> None:
    first = load(repo).content_hash
    assert len(first) == 64 and load(repo).content_hash == first
    write(repo, "campaigns/spring-sale.yaml",
          (repo / "campaigns/spring-sale.yaml").read_text() + "# a comment\n")
    second = load(repo).content_hash
    assert second != first
    (repo / "campaigns/spring-sale.yaml").rename(repo / "campaigns/renamed.yaml")
    assert load(repo).content_hash != second
    write(repo, "reconciler.yaml", (repo / "reconciler.yaml").read_text() + "# note\n")
    assert load(repo).content_hash not in (first, second)


def test_non_yaml_files_are_ignored_with_a_warning(repo: Path) -> None:
    write(repo, "campaigns/old.yml", "not: checked\n")
    write(repo, "audiences/README.md", "# notes\n")
    write(repo, "campaigns/.hidden.yaml", "not: checked\n")
    warnings: list[str] = []
    ws = load(repo, warnings)
    assert len(ws.specs) == 2
    assert warnings == [
        "warning: audiences/README.md: ignored, spec files end in .yaml",
        "warning: campaigns/old.yml: ignored, spec files end in .yaml (rename it to .yaml)",
    ]


def test_missing_folders_mean_no_specs(repo: Path) -> None:
    for p in sorted(repo.rglob("*.yaml"), reverse=True):
        if p.name != "reconciler.yaml":
            p.unlink()
    assert load(repo).specs == ()


def test_anchors_and_merge_keys(repo: Path) -> None:
    write(repo, "campaigns/anchored.yaml", """\
name: Anchored
status: draft
goal: notify
audiences: {campaign_type: everyone}
schedule:
  on_schedule: {begin_date: 2026-12-01T09:00:00Z}
creatives:
  - &base
    percent: 50
    build_attributes: {push_message: Base}
  - <<: *base
    title: B
""")
    body = load(repo).get("campaign:anchored").body
    assert body["creatives"][1] == {"title": "B", "percent": 50,
                                    "build_attributes": {"push_message": "Base"}}
    assert body["schedule"]["on_schedule"]["begin_date"] == "2026-12-01T09:00:00Z"


def test_yaml_1_2_scalars(repo: Path) -> None:
    path = repo / "campaigns/spring-sale.yaml"
    path.write_text(path.read_text().replace("name: Spring sale", "name: yes") + "protect: yes\n")
    assert problems(repo) == [
        "campaigns/spring-sale.yaml:13:1: protect: expected true or false, got string 'yes'"]


def test_duplicate_pinned_ids(repo: Path) -> None:
    write(repo, "campaigns/a.yaml", CAMPAIGN)
    write(repo, "campaigns/b.yaml", CAMPAIGN.replace("name: Pinned", "name: Other"))
    assert problems(repo) == [
        "campaigns/a.yaml:4:1: duplicate campaign id 4512 (also in campaigns/b.yaml:4:1)",
        "campaigns/b.yaml:4:1: duplicate campaign id 4512 (also in campaigns/a.yaml:4:1)",
    ]


def test_parse_cache_keeps_unrendered_data(repo: Path) -> None:
    load(repo)
    assert not (repo / ".reconciler/cache").exists()  # never inside the work tree
    assert "{{ vars.store_name }}" in (user_cache_dir(repo) / "specs.json").read_text()
    config = repo / "reconciler.yaml"
    config.write_text(config.read_text().replace("Test Store", "Other Store"))
    body = load(repo).get("campaign:spring-sale").body
    assert body["creatives"][0]["build_attributes"]["push_message"] == "Spring deals at Other Store"


def test_corrupt_parse_cache_is_ignored(repo: Path) -> None:
    load(repo)
    (user_cache_dir(repo) / "specs.json").write_text("{not json")
    assert len(load(repo).specs) == 2
    assert (user_cache_dir(repo) / "specs.json").read_text().startswith('{"version"')


def test_config_errors_point_at_the_line(repo: Path) -> None:
    (repo / "reconciler.yaml").write_text(
        "default_env: sandbox\nenvs:\n  sandbox:\n    api_url: ftp://x\n    org_id: 1\n"
        "    app_id: a\n    concurrency: 0\n")
    with pytest.raises(ConfigErrors) as info:
        load_config(repo / "reconciler.yaml")
    assert info.value.lines() == [
        "error: reconciler.yaml:4:5: envs.sandbox.api_url: must be 'sandbox' or an https:// URL, "
        "e.g. https://dashboard.localytics.com/api/v6",
        "error: reconciler.yaml:7:5: envs.sandbox.concurrency: must be greater than or equal "
        "to 1 (got 0)",
    ]
