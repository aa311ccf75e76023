"""Whatever a spec file holds, loading ends in a Spec or in located problems, never a crash."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.source.yamlio import FileProblem, load_document
from reconciler.spec.validate import validate_document

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
