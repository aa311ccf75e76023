"""prune_match: `*` and `?` are the only wildcards; brackets are literal."""

from __future__ import annotations

import pytest

from reconciler.plan.planner import name_matches


@pytest.mark.parametrize(("name", "pattern", "expected"), [
    ("[git] Spring sale", "[git] *", True),
    ("t shirts", "[git] *", False),
    ("git Spring", "[git] *", False),
    ("Promo 7", "Promo ?", True),
    ("Promo 17", "Promo ?", False),
    ("anything\nat all", "*", True),
    ("a.b", "a?b", True),
    ("axb", "a.b", False),
])
def test_prune_match_has_two_wildcards_and_literal_brackets(
    name: str, pattern: str, expected: bool
) -> None:
    assert name_matches(name, pattern) is expected
