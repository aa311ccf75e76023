"""Golden files for the text and markdown plans: what a reviewer actually reads.

Regenerate after an intended change with RECONCILER_UPDATE_GOLDEN=1 and read
the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from reconciler.plan.model import Action, Change, FieldChange, Plan, Unmanaged
from reconciler.render.markdown import render_markdown
from reconciler.render.text import console, render_plan

GOLDEN = Path(__file__).parent / "golden"


def sample_plan() -> Plan:
    return Plan(
        env="production",
        target={"api_url": "https://dashboard.localytics.com/api/v6", "org_id": 12345,
                "app_id": "0a1b2c3d-app-key"},
        changes=[
            Change("audience", "lapsed-buyers", "Lapsed buyers", Action.NOOP, live_id=101),
            Change("audience", "vip", "VIP customers", Action.CREATE),
            Change("campaign", "spring-sale", "Spring sale", Action.UPDATE, live_id=4512,
                   diff=[FieldChange("creatives[0].build_attributes.push_message",
                                     "20% off", "30% off everything"),
                         FieldChange("status", "draft", "active")],
                   go_live=True, reach={"user_count": 12400, "has_push": 9870},
                   depends_on=("audience:lapsed-buyers",)),
            Change("campaign", "vip-offer", "VIP offer", Action.CREATE,
                   depends_on=("audience:vip",)),
            Change("campaign", "weekly", "Weekly digest", Action.UPDATE, live_id=4600,
                   diff=[FieldChange("schedule.recurring.intervals[0].day_of_week",
                                     "monday", "friday")],
                   warnings=["edits a live campaign: the new message and audience apply to "
                             "its next sends"]),
            Change("campaign", None, "[git] Old promo", Action.ARCHIVE, live_id=42),
        ],
        unmanaged=[Unmanaged("campaign", 7, "Made in the dashboard")],
    )


def check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("RECONCILER_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with RECONCILER_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


def test_text_plan_golden() -> None:
    buf = io.StringIO()
    render_plan(sample_plan(), console(buf))
    check("plan.txt", buf.getvalue())


def test_markdown_plan_golden() -> None:
    check("plan.md", render_markdown(sample_plan()))


@pytest.mark.parametrize("name", ["plan.txt", "plan.md"])
def test_golden_files_carry_the_essentials(name: str) -> None:
    text = (GOLDEN / name).read_text(encoding="utf-8")
    for needle in ("Spring sale", "12,400", "send-test spring-sale", "30% off everything"):
        assert needle in text.replace("&#37;", "%").replace("&#45;", "-")
