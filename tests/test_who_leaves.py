"""`who_leaves` flattens only the diffs a who phrase can reach, with the same answer.

Flattening every field of every create to find the audience ids a who phrase names was
a third of the plan's own work in a Smartech apply of 1,000 creates (issue 29). A leaf's
path begins with its diff's path, so a diff whose path meets no who path is skipped.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.plan.model import Action, Change, FieldChange, Phrase
from reconciler.plan.paths import flatten, overlaps
from reconciler.plan.within import who_leaves

KEYS = st.sampled_from(["audience", "segments", "list_ids", "message", "a", "a.b"])
LEAF = st.one_of(st.none(), st.integers(0, 3), st.sampled_from(["x", "y"]))
VALUE = st.recursive(LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)), max_leaves=8)
PATH = st.one_of(st.just(""), KEYS, st.builds(lambda a, b: f"{a}.{b}", KEYS, KEYS),
                 st.builds(lambda a, i: f"{a}[{i}]", KEYS, st.integers(0, 2)),
                 st.builds(lambda a: f"{a} (order)", KEYS))


def naive(change: Change) -> list[tuple[str, Any, Any]]:
    """Every diff flattened, then the leaves a who path meets (as it was)."""
    who = [q for p in (*change.words, *change.words_before) if p.topic == "who"
           for q in p.paths]
    if not who:
        return []
    return [leaf for d in change.diff for leaf in flatten(d.path, d.before, d.after)
            if any(overlaps(q, leaf[0]) for q in who)]


@settings(max_examples=300, deadline=None)
@given(diffs=st.lists(st.tuples(PATH, VALUE, VALUE), max_size=5),
       who=st.lists(PATH.filter(bool), min_size=1, max_size=3))
def test_who_leaves_are_the_leaves_every_diff_flattened_would_give(
        diffs: list[tuple[str, Any, Any]], who: list[str]) -> None:
    change = Change(kind="campaign", key="c", name="C", action=Action.CREATE,
                    diff=[FieldChange(p, b, a) for p, b, a in diffs],
                    words=(Phrase("who", ("to ",), topic="who", paths=tuple(who)),))
    assert who_leaves(change) == naive(change)


def test_a_diff_no_who_path_meets_is_not_flattened(monkeypatch) -> None:
    flattened: list[str] = []

    def counting(path: str, before: Any, after: Any) -> list[tuple[str, Any, Any]]:
        flattened.append(path)
        return flatten(path, before, after)

    monkeypatch.setattr("reconciler.plan.within.flatten", counting)
    change = Change(kind="campaign", key="c", name="C", action=Action.CREATE,
                    diff=[FieldChange("message", None, {"title": "Hi", "body": "B"}),
                          FieldChange("audience", None, {"list_ids": [1, 2]})],
                    words=(Phrase("who", ("to ",), topic="who", paths=("audience.list_ids",)),))
    assert who_leaves(change) == [("audience.list_ids[0]", None, 1),
                                  ("audience.list_ids[1]", None, 2)]
    assert flattened == ["audience"]
