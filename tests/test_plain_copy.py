"""`paths.plain_copy`, the payload copy a plan makes per spec (issue 29): the copy
`copy.deepcopy` makes of parsed YAML or JSON, with no container shared."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from reconciler.plan.paths import plain_copy


def containers(value: Any) -> list[int]:
    """The ids of every dict and list inside `value`."""
    if isinstance(value, dict):
        return [id(value), *(i for v in value.values() for i in containers(v))]
    if isinstance(value, list | tuple):
        return [id(value)] * isinstance(value, list) + [i for v in value for i in containers(v)]
    return []


def test_a_plain_copy_equals_the_deep_copy_and_shares_no_container() -> None:
    shared = {"list_ids": [1, 2]}
    doc = {"name": "C", "n": 1, "r": 0.5, "on": True, "none": None, "at": datetime.now(UTC),
           "send": {"audience": ["a", {"type": "list", "id": 3}], "twice": [shared, shared]},
           "pairs": [("list", 1), ("segment", 2)], "tags": {"x"}}
    copied = plain_copy(doc)
    assert copied == copy.deepcopy(doc)
    assert not set(containers(copied)) & set(containers(doc))
    copied["send"]["twice"][0]["list_ids"].append(3)  # nothing reaches the original
    copied["tags"].add("y")
    assert doc["send"]["twice"][0]["list_ids"] == [1, 2] and doc["tags"] == {"x"}
