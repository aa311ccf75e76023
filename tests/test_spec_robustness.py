"""Whatever a spec file holds, loading ends in a Spec or in located problems, never a crash."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.source.yamlio import FileProblem, load_document
from reconciler.workspace.validate import validate_document

WORDS = ["name", "status", "goal", "audiences", "schedule", "creatives", "campaign_type",
         "target_rules", "audience", "on_schedule", "begin_date", "recurring", "intervals",
         "interval", "weekly", "build_attributes", "push_message", "percent", "behavior",
         "profile", "rules", "days", "id", "protect", "ignore_changes", "everyone",
         "saved_audience", "new_audience", "draft", "active", "monetize", "targeting_type"]

leaves = st.one_of(st.none(), st.booleans(), st.integers(-3, 200), st.sampled_from(WORDS),
                   st.text(max_size=5))
values: Any = st.recursive(
    leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(WORDS), inner, max_size=4)),
    max_leaves=25,
)


yaml_text = st.lists(st.sampled_from(
    ["name: x", "  - a", "- b", "key: [1, 2", "}", "{", "&a x", "*a", "*b", "<<: *a", ": :",
     "\t", "'", '"', "---", "...", "!tag v", "? complex", "a: |", "  block", "#", "%YAML 1.2",
     "\x00", "\x85", "\ufeff", "é", "a: b: c", "[", "]", "  ", ""]),
    max_size=12).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(yaml_text)
def test_the_reader_fails_only_with_located_one_line_problems(text: str) -> None:
    for raw in (text.encode("utf-8"), text.encode("utf-8")[:-1]):
        try:
            load_document(raw, "campaigns/x.yaml")
        except FileProblem as e:
            assert e.problem.location.line >= 1 and e.problem.location.col >= 1
            assert "\n" not in e.problem.message


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["campaign", "audience"]),
       st.dictionaries(st.sampled_from(WORDS), values, min_size=1, max_size=6))
def test_any_document_gives_a_spec_or_located_problems(kind: str, data: dict[str, Any]) -> None:
    raw = json.dumps(data).encode()  # JSON is YAML
    try:
        doc = load_document(raw, f"{kind}s/x.yaml")
    except FileProblem:
        return
    spec, problems = validate_document(kind, "x", doc)
    assert (spec is None) == bool(problems)
    for p in problems:
        assert p.location.path == f"{kind}s/x.yaml" and p.location.line == 1
        assert p.message and "\n" not in p.message


@pytest.mark.parametrize(("text", "read"), [
    ("a: !!str 5", "5"), ("a: !!int '5'", 5), ("a: !!float 1", 1.0), ("a: !!bool 'true'", True),
    ("a: !!null ''", None), ("a: !!map {b: 1}", {"b": 1}), ("a: !!seq [1]", [1]),
])
def test_the_plain_tags_read_as_their_type(text: str, read: Any) -> None:
    value = load_document(text.encode(), "f.yaml").data["a"]
    assert value == read and type(value) is type(read)


@pytest.mark.parametrize(("text", "problem"), [
    ("a: !!binary aGVsbG8=", "f.yaml:1:4: unsupported YAML tag '!!binary'"),
    ("a: !!timestamp 2026-01-01", "f.yaml:1:4: unsupported YAML tag '!!timestamp'"),
    ("a: !!python/name:os.system", "f.yaml:1:4: unsupported YAML tag '!!python/name:os.system'"),
    ("a: !secret x", "f.yaml:1:4: unsupported YAML tag '!secret'"),
    ("b: 1\na: !!set {x}", "f.yaml:2:4: unsupported YAML tag '!!set'"),
    ("a: !!map [1]", "f.yaml:1:4: unsupported YAML tag '!!map'"),
    ("!!binary aw==: 1", "f.yaml:1:1: unsupported YAML tag '!!binary'"),
    ("a: !!int ten", "f.yaml:1:4: 'ten' is not a !!int"),
    ("a: !!bool yes", "f.yaml:1:4: 'yes' is not a !!bool"),
])
def test_any_other_tag_is_refused_where_it_stands(text: str, problem: str) -> None:
    with pytest.raises(FileProblem) as e:
        load_document(text.encode(), "f.yaml")
    assert str(e.value) == problem
