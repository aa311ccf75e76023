"""Whatever a spec file holds, loading ends in a Spec or in located problems, never a crash."""

from __future__ import annotations

import json
from typing import Any

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
