"""A saved plan is only a proposal (reconciler/apply/stale.py): every way it can differ
from a fresh plan refuses, naming the first difference.

The end-to-end refusals (a forged file, a plan applied twice) run the CLI in
tests/test_security_core.py and tests/test_lifecycle.py; these pin each rule of
the comparison on plain values, so a rule dropped or loosened fails here.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from reconciler.apply.stale import check_same
from reconciler.errors import StalePlanError
from reconciler.plan.model import Action, Change, FieldChange, Plan

LIVE = {"name": "Sale", "goal": "monetize", "message": "Hello"}


def change(action: Action = Action.UPDATE, key: str | None = "sale", **kw: object) -> Change:
    base = Change("campaign", key, "Sale", action, live_id=None if action is Action.CREATE else 7,
                  diff=[FieldChange("message", "Hello", "Hi")] if action is Action.UPDATE else [],
                  fingerprint="absent" if action is Action.CREATE else "f1",
                  live_body=None if action is Action.CREATE else dict(LIVE))
    return replace(base, **kw)  # type: ignore[arg-type]


def plan(*changes: Change) -> Plan:
    return Plan("test", {"app_id": "a"}, list(changes))


def refusal(saved: Plan, fresh: Plan) -> str:
    with pytest.raises(StalePlanError) as refused:
        check_same(saved, fresh)
    return str(refused.value)


def test_the_same_changes_apply() -> None:
    saved = plan(change(), change(Action.CREATE, "new"))
    fresh = plan(change(), change(Action.CREATE, "new"), change(Action.NOOP, "same"))
    check_same(saved, fresh)  # a noop the file does not list writes nothing


def test_a_create_of_something_that_now_exists_refuses() -> None:
    message = refusal(plan(change(Action.CREATE)), plan(change(Action.NOOP, live_id=9)))
    assert "campaign sale ('Sale') now exists live (id 9)" in message


def test_an_update_of_something_deleted_since_refuses() -> None:
    message = refusal(plan(change()), plan(change(Action.CREATE)))
    assert "campaign sale ('Sale') was deleted since the plan" in message


def test_a_live_object_edited_since_the_plan_refuses_naming_the_fields() -> None:
    edited = {**LIVE, "goal": "engage", "message": "Hi there"}
    message = refusal(plan(change()), plan(change(fingerprint="f2", live_body=edited)))
    assert "changed since the plan (goal, message)" in message


def test_a_listing_fingerprint_is_not_compared_with_the_full_one() -> None:
    """A plan made from a listing records "listed": the field diff alone decides."""
    check_same(plan(change(fingerprint="listed")), plan(change(fingerprint="f2")))


def test_a_removal_that_is_no_longer_planned_refuses() -> None:
    gone = change(Action.ARCHIVE, key=None, live_id=7)
    message = refusal(plan(gone), plan())
    assert "campaign 7 ('Sale') is already gone, or prune would not remove it" in message


def test_a_change_the_specs_no_longer_ask_for_refuses() -> None:
    message = refusal(plan(change()), plan())
    assert "campaign sale ('Sale') is not in a fresh plan" in message


def test_a_change_left_out_of_the_file_refuses() -> None:
    """A file cannot hide a write: what the fresh plan adds is named too."""
    archive = change(Action.ARCHIVE, key=None, live_id=8)
    message = refusal(plan(change()), plan(change(), archive))
    assert "a fresh plan would also archive campaign 8 ('Sale')" in message


def test_a_go_live_hidden_in_the_file_refuses() -> None:
    message = refusal(plan(change()), plan(change(go_live=True)))
    assert "the file says update, a fresh plan says update (goes live) with another diff" \
        in message


@pytest.mark.parametrize("edit", [
    {"diff": [FieldChange("message", "Hello", "Bye")]},
    {"depends_on": ("audience:buyers",)},
    {"action": Action.DELETE},
])
def test_any_other_difference_in_the_write_refuses(edit: dict[str, object]) -> None:
    message = refusal(plan(change()), plan(change(**edit)))
    assert message.startswith("plan is stale, nothing applied: campaign sale ('Sale'): "
                              "the file says update, a fresh plan says "), message


def test_every_difference_is_counted_after_the_first() -> None:
    saved = plan(change(key="a"), change(key="b"), change(key="c"))
    message = refusal(saved, plan())
    assert message == ("plan is stale, nothing applied: campaign a ('Sale') is not in a fresh "
                       "plan (and 2 more); plan again")
