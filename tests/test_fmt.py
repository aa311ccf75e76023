"""reconciler fmt: canonical key order and indentation, comments kept, idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.workspace.fmt import format_text
from tests.helpers import FIXTURES, example_repo, make_repo, run_cli

MESSY = """\
# yaml-language-server: $schema=../schemas/campaign.schema.json
# Spring sale, written in a hurry.
creatives:
- build_attributes:
      push_message: "Hi {{ vars.store_name }}"   # the message
      push_title: 'Sale'
  percent: 50
  title: A
- title: B
  percent: 50
  build_attributes: {push_message: Hello}

schedule:
    on_schedule: {begin_date: 2026-12-01T09:00:00Z}
status: draft  # not live yet
name: Spring sale
audiences:
    target_rules:
        audience:
        - lapsed-buyers   # key of audiences/lapsed-buyers.yaml
    campaign_type: saved_audience
goal: monetize
"""

CANONICAL = """\
# yaml-language-server: $schema=../schemas/campaign.schema.json
# Spring sale, written in a hurry.
name: Spring sale
status: draft  # not live yet
goal: monetize
audiences:
  campaign_type: saved_audience
  target_rules:
    audience:
      - lapsed-buyers     # key of audiences/lapsed-buyers.yaml
schedule:
  on_schedule: {begin_date: 2026-12-01T09:00:00Z}
creatives:
  - title: A
    percent: 50
    build_attributes:
      push_title: 'Sale'
      push_message: "Hi {{ vars.store_name }}"   # the message
  - title: B
    percent: 50
    build_attributes: {push_message: Hello}
"""


def test_canonical_order_and_indentation() -> None:
    out = format_text(MESSY, "campaigns/spring-sale.yaml")
    assert out == CANONICAL
    assert format_text(out, "campaigns/spring-sale.yaml") == out
    assert yaml.safe_load(out) == yaml.safe_load(MESSY)


def test_examples_are_formatted() -> None:
    code, out, err = run_cli(["fmt", "--check"], FIXTURES / "example")
    assert (code, out, err) == (0, "", "")


def test_fmt_rewrites_and_check_reports(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "campaigns" / "messy.yaml").write_text(MESSY)
    code, out, _ = run_cli(["fmt", "--check"], repo)
    assert (code, out) == (1, "would reformat campaigns/messy.yaml\n")
    assert (repo / "campaigns" / "messy.yaml").read_text() == MESSY
    code, out, _ = run_cli(["fmt"], repo)
    assert (code, out) == (0, "reformatted campaigns/messy.yaml\n")
    assert (repo / "campaigns" / "messy.yaml").read_text() == CANONICAL
    assert run_cli(["fmt", "--check"], repo)[:2] == (0, "")


def test_fmt_paths_and_unparseable_files(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "campaigns" / "messy.yaml").write_text(MESSY)
    (repo / "campaigns" / "broken.yaml").write_text("name: [oops\n")
    code, out, err = run_cli(["fmt", "--check", "campaigns/messy.yaml"], repo)
    assert (code, out, err) == (1, "would reformat campaigns/messy.yaml\n", "")
    code, out, err = run_cli(["fmt", "campaigns"], repo)
    assert code == 1
    assert out == "reformatted campaigns/messy.yaml\n"
    assert err.startswith("campaigns/broken.yaml:1:7: invalid YAML")


def test_fmt_orders_config_and_audiences(tmp_path: Path) -> None:
    repo = example_repo(tmp_path)
    config = repo / "reconciler.yaml"
    text = config.read_text()
    moved = text.replace("default_env: sandbox\n", "") + "default_env: sandbox\n"
    config.write_text(moved)
    assert run_cli(["fmt"], repo)[:2] == (0, "reformatted reconciler.yaml\n")
    assert config.read_text().index("default_env") < config.read_text().index("envs:")
    assert "# The real API." in config.read_text()


# --- property: fmt is idempotent, keeps data and comments, for any key order ------------

FIELDS = ["name", "status", "goal", "audiences", "schedule", "creatives", "id", "protect"]
scalars = st.one_of(st.integers(-5, 5), st.booleans(),
                    st.text("abc xyz", min_size=1, max_size=8).map(str.strip).filter(bool))
comments = st.one_of(st.none(), st.text("abc", min_size=1, max_size=6))


def render(value: object, indent: int, step: int, comment: str | None) -> list[str]:
    pad = " " * indent
    note = f"  # {comment}" if comment else ""
    if isinstance(value, dict):
        lines = []
        for k, v in value.items():
            if isinstance(v, dict | list) and v:
                lines += [f"{pad}{k}:{note}", *render(v, indent + step, step, None)]
            else:
                lines.append(f"{pad}{k}: {json.dumps(v)}"
                             f"{note}")
        return lines
    assert isinstance(value, list)
    return [f"{pad}- {json.dumps(v)}" for v in value]


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[str]]:
    keys = draw(st.permutations(FIELDS).map(lambda p: p[: draw(st.integers(1, len(p)))]))
    step = draw(st.sampled_from([2, 4]))
    lines: list[str] = []
    notes: list[str] = []
    for k in keys:
        value = draw(st.one_of(
            scalars,
            st.lists(scalars, min_size=1, max_size=3),
            st.dictionaries(st.sampled_from(["campaign_type", "control_group_percent",
                                             "begin_date", "title"]), scalars,
                            min_size=1, max_size=3),
        ))
        comment = draw(comments)
        if draw(st.booleans()):
            lines.append(f"# before {k}")
            notes.append(f"# before {k}")
        lines += render({k: value}, 0, step, comment)
        if comment:
            notes.append(f"# {comment}")
    return "\n".join(lines) + "\n", notes


@settings(max_examples=60, deadline=None)
@given(documents())
def test_fmt_is_idempotent_and_keeps_data_and_comments(doc: tuple[str, list[str]]) -> None:
    text, notes = doc
    once = format_text(text, "campaigns/x.yaml")
    assert format_text(once, "campaigns/x.yaml") == once
    assert yaml.safe_load(once) == yaml.safe_load(text)
    for note in notes:
        assert note in once
    keys = [k for k in yaml.safe_load(once)]
    assert keys == sorted(keys, key=FIELDS.index)
