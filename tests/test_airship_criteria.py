"""Airship's segment criteria rules (reconciler/airship/criteria.py), one broken rule each:
the dotted path a located error points at, and what it says. The served sandbox checks
the same grammar on the wire (tests/test_airship_rules.py); this is the offline side."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.airship import importing, words
from reconciler.airship.criteria import MAX_SELECTORS, problems
from reconciler.provider import ImportRefs, LiveObject


@pytest.mark.parametrize(("criteria", "path", "says"), [
    ([], "criteria", 'a selector is "all" or a mapping'),
    ({}, "criteria", 'a selector is "all" or a mapping'),
    ({"OR": [{"tag": "a"}]}, "criteria.OR", "write 'OR' in lowercase (or)"),
    ({"location": {"id": "x"}}, "criteria.location", "dashboard-built"),
    ({"tag_class": "autogroup"}, "criteria.tag_class", "retired in API v3"),
    ({"and": [{"tag": "a"}], "tag": "b"}, "criteria", "and stands alone in its selector"),
    ({"and": []}, "criteria.and", "and takes a list of 1 to 10 selectors"),
    ({"or": [{"tag": str(i)} for i in range(11)]}, "criteria.or", "1 to 10 selectors"),
    ({"not": {"colour": "red"}}, "criteria.not.colour", "unknown selector 'colour'"),
    ({"tag": "a", "segment": "b"}, "criteria", "one selector per mapping (found tag, segment)"),
    ({"segment": "x", "group": "g"}, "criteria.group", "'group' does not go with segment"),
    ({"tag": ["ok", ""]}, "criteria.tag.1", "a tag is text of 1 to 127 characters"),
    ({"tag": "x" * 128}, "criteria.tag", "a tag is text of 1 to 127 characters"),
    ({"attribute": "age", "operator": "between", "value": 3}, "criteria.operator",
     "operator is one of equals, contains"),
])
def test_each_broken_rule_is_located(criteria: Any, path: str, says: str) -> None:
    found = list(problems(criteria))
    assert [p for p, _ in found] == [path], found
    assert says in found[0][1], found


def test_valid_trees_have_no_problem() -> None:
    tree = {"and": [{"tag": ["vip", "gold"], "group": "loyalty"},
                    {"not": {"or": [{"tag": "churned"}, {"named_user": "bob"}]}},
                    {"attribute": "age", "operator": "greater", "value": 30}]}
    assert list(problems(tree)) == [] and list(problems("all")) == []


def test_more_selectors_than_airship_allows() -> None:
    """Every node counts: 1 or, 10 ands, 100 ors and 1,000 tags are 1,111 selectors."""
    tags = [{"tag": str(i)} for i in range(10)]
    tree = {"or": [{"and": [{"or": tags} for _ in range(10)]} for _ in range(10)]}
    assert list(problems(tree)) == [
        ("criteria", f"1,111 selectors: Airship allows at most {MAX_SELECTORS:,} per audience")]


def _words(pieces: list[Any]) -> str:
    return "".join(p if isinstance(p, str) else p.text for p in pieces)


@pytest.mark.parametrize(("node", "sentence"), [
    ("all", "of every user"),
    ({"and": [{"tag": "vip", "group": "loyalty"}, {"not": {"tag": ["churned", "lapsed"]}}]},
     "(tagged vip (group loyalty) and not tagged churned, lapsed)"),
    ({"or": [{"named_user": "bob"}]}, "in named user bob"),
    ({"segment": "6d1c0a0e-8f2c-4e8a-9a1b-2f3c4d5e6f70"},
     "in segment 6d1c0a0e-8f2c-4e8a-9a1b-2f3c4d5e6f70"),
    ({"attribute": "age", "operator": "greater", "value": 30},
     'matching {"attribute": "age", "operator": "greater", "value": 30}'),
])
def test_a_tree_reads_as_a_sentence(node: Any, sentence: str) -> None:
    """What the plan in words says of who a segment reaches."""
    assert _words(words.criteria(node)) == sentence


@pytest.mark.parametrize(("schedule", "part"), [
    ({"best_time": {"send_date": "2027-03-01"}},
     "on 2027-03-01 at the hour Airship predicts each user opens"),
    ({"local_scheduled_time": "2027-03-01T09:00:00",
      "recurring": {"cadence": {"type": "weekly", "count": 2, "days_of_week": ["monday"]}}},
     "in each device's own time zone, then every 2 weeks on monday, with no end"),
    ({"scheduled_time": "2027-03-01T09:00:00",
      "recurring": {"cadence": {"type": "hourly"}, "end_time": "2027-03-02T09:00:00"}},
     ", then every hour until "),
])
def test_a_schedule_reads_as_when(schedule: dict[str, Any], part: str) -> None:
    assert part in "".join(words._when_schedule(schedule).parts)


SID = "6d1c0a0e-8f2c-4e8a-9a1b-2f3c4d5e6f70"
REFS = ImportRefs(keys={}, names={SID: "VIP"})


def _schedule(audience: Any) -> LiveObject:
    return LiveObject("campaign", "s1", "Sale", body={
        "type": "schedule", "name": "Sale", "schedule": {"scheduled_time": "2030-01-01T09:00:00"},
        "push": {"audience": audience, "device_types": ["ios"],
                 "notification": {"alert": "Hi"}}})


@pytest.mark.parametrize(("live", "problem"), [
    (_schedule({"tag": "vip"}), "its audience is not a list of segments"),
    (_schedule({"or": [{"segment": SID}]}),
     f"it targets segment {SID} ('VIP'), which has no spec file; import it too (--id {SID})"),
    (_schedule({"segment": "0" * 8}), "it targets segment 00000000, which is not live"),
    (LiveObject("campaign", "p1", "Welcome", body={
        "type": "pipeline", "name": "Welcome", "enabled": True, "immediate_trigger": "first_open",
        "outcome": {"push": {"audience": "all", "device_types": ["ios"],
                             "notification": {"alert": "Hi"}}}}),
     "its outcome push is not sent to the triggering device"),
    (LiveObject("segment", "g1", "VIP", body={"display_name": "VIP",
                                              "criteria": {"tag": "x", "colour": 1}}),
     "a spec file cannot hold it: 'colour' does not go with tag"),  # no empty location
])
def test_what_import_cannot_make_a_spec_file_of_says_why(live: LiveObject, problem: str
                                                        ) -> None:
    doc = importing.spec_document(live, REFS)
    assert doc.problem is not None and problem in doc.problem, doc.problem
