"""Renderers on synthetic plans: size limits, escaping, plain output."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

from reconciler.plan.model import Action, Change, FieldChange, Plan, Unmanaged
from reconciler.render.json import plan_json
from reconciler.render.markdown import LIMIT, MARKER, render_markdown
from reconciler.render.text import console, render_plan

SCHEMA = json.loads((Path(__file__).parent / "plan_schema.json").read_text())


def big_plan(n: int) -> Plan:
    changes = [
        Change("campaign", f"c{i:04d}", f"Campaign {i}", Action.UPDATE, live_id=i,
               diff=[FieldChange("creatives[0].build_attributes.push_message", "old " * 20,
                                 "new " * 20)])
        for i in range(n)
    ]
    changes.insert(0, Change("campaign", "launch", "Launch", Action.CREATE, go_live=True,
                             reach={"user_count": 12400, "has_push": 9870}))
    changes.append(Change("campaign", None, "Gone", Action.ARCHIVE, live_id=99999))
    return Plan("production", {"api_url": "x", "org_id": 1, "app_id": "app"}, changes,
                [Unmanaged("campaign", 5, "Old promo")])


def test_markdown_stays_under_the_comment_limit_and_keeps_what_matters() -> None:
    out = render_markdown(big_plan(2000))
    assert len(out) < LIMIT
    assert out.startswith(MARKER)
    assert "1 change goes live" in out and "Launch" in out and "12,400 users" in out
    assert "archive campaign #99999: Gone" in out
    assert "Left out to fit the comment:" in out and "changed objects" in out
    assert "2000 to update" in out  # the summary still counts everything


def test_markdown_of_a_small_plan_is_complete() -> None:
    out = render_markdown(big_plan(3))
    assert "left out" not in out
    assert out.count("<details>") == 3  # 3 updates; the launch has no fields to show


def test_markdown_escapes_text_from_the_api() -> None:
    hostile = "<img src=x onerror=alert(1)> [click](http://evil) **bold** \x1b[31mred"
    plan = Plan("p", {"api_url": "x", "org_id": 1, "app_id": "a"},
                [Change("campaign", "k", hostile, Action.CREATE,
                        diff=[FieldChange("name", None, hostile)])],
                [Unmanaged("campaign", 1, hostile)])
    out = render_markdown(plan)
    assert "<img" not in out and "](http" not in out and "\x1b" not in out
    assert "&lt;img" in out


def test_text_is_plain_when_piped_and_strips_control_characters() -> None:
    buf = io.StringIO()
    plan = Plan("p", {"api_url": "x", "org_id": 1, "app_id": "a"},
                [Change("campaign", "k", "Evil\x1b[2J\x07name", Action.CREATE)])
    render_plan(plan, console(buf))
    out = buf.getvalue()
    assert "\x1b" not in out and "\x07" not in out
    assert "Evil?[2J?name" in out
    assert "Summary: 1 to create" in out


@pytest.mark.parametrize("n", [0, 1, 50])
def test_json_matches_the_contract_schema(n: int) -> None:
    doc = json.loads(plan_json(big_plan(n)))
    jsonschema.validate(doc, SCHEMA)
    assert doc["summary"]["update"] == n

