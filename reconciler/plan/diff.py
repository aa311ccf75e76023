"""Field-level diff of two comparable bodies, in the spec's own terms.

deepdiff does the walking. Lists of rules (behaviour rules, profile criteria,
filters, …) are compared as sets so that removing the first of three rules
reads as one removal, not three index changes; a pure reordering of such a
list, which may matter to the API, is still reported once. deepdiff is imported
only for a real difference of two objects: an apply of creates whose writes all
stick never needs it (issue 29).
"""

from __future__ import annotations

from typing import Any

from reconciler.plan.model import FieldChange
from reconciler.plan.paths import render

RULE_LISTS = frozenset(
    {"rules", "criteria", "filters", "values", "key_values", "frequency_attributes", "neg_time_window"}
)


def _unordered(level: Any) -> bool:
    path = level.path(output_format="list")
    return bool(path) and path[-1] in RULE_LISTS


def _value(v: Any) -> Any:
    from deepdiff.helper import notpresent

    return None if v is notpresent else v


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """What changes from `before` (live) to `after` (desired); [] when equal.

    deepdiff is imported by the first body that differs, not with the planner: a plan
    without changes never needs it, and a plan with changes compares while its reads
    are in flight, so its 30 ms import no longer delays the first request (issue 29).
    """
    if before == after:
        return []
    if not before:  # a create: each field is new, as DeepDiff says, without its walk
        return sorted((FieldChange(k if type(k) is str else render([k]), None, v)
                       for k, v in after.items()), key=lambda c: c.path)
    from deepdiff import DeepDiff  # not at module level: a no-change plan never needs it

    tree = DeepDiff(
        before, after, view="tree", ignore_order=False, ignore_order_func=_unordered,
        cutoff_intersection_for_pairs=1, threshold_to_diff_deeper=0,
    )
    changes = [
        FieldChange(render(level.path(output_format="list")), _value(level.t1), _value(level.t2))
        for report in tree.values()
        for level in report
    ]
    if not changes:  # only the order of a rule list differs
        changes = _first_difference(before, after, [])
    return sorted(changes, key=lambda c: c.path)


def _first_difference(a: Any, b: Any, at: list[Any]) -> list[FieldChange]:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                return _first_difference(a.get(k), b.get(k), [*at, k])
    return [FieldChange(render(at) + " (order)", a, b)]
