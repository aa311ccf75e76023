"""Shared wording of plans, so text and markdown say the same thing."""

from __future__ import annotations

import shlex
from typing import Any

from reconciler.plan.model import Action, Change, Plan

VERBS = {
    Action.CREATE: "create",
    Action.UPDATE: "update",
    Action.NOOP: "unchanged",
    Action.ARCHIVE: "archive",
    Action.DELETE: "delete",
}
SIGNS = {Action.CREATE: "+", Action.UPDATE: "~", Action.NOOP: "=", Action.ARCHIVE: "-", Action.DELETE: "-"}


def summary_line(plan: Plan) -> str:
    s = plan.summary
    return (
        f"{s['create']} to create, {s['update']} to update, {s['archive']} to archive, "
        f"{s['delete']} to delete, {s['noop']} unchanged, {s['unmanaged']} unmanaged"
    )


def reach_text(reach: dict[str, Any] | None) -> str:
    if not reach:
        return "reach unknown until applied"
    if reach.get("everyone"):
        return "everyone (all users of the app)"
    if "has_push" not in reach:  # platforms that count members only (Stream, Smartech)
        return f"{reach.get('user_count', 0):,} users"
    return f"{reach.get('user_count', 0):,} users, {reach.get('has_push', 0):,} with push enabled"


def label(change: Change) -> str:
    ident = change.key if change.key else f"#{change.live_id}"
    return f"{change.kind} {ident}"


def send_test_hint(change: Change, plan: Plan) -> str:
    """The exact command that pushes this campaign to the env's test recipients."""
    if not change.key or change.kind != "campaign" or not plan.target.get("org_id"):
        return ""  # send-test is Localytics' (its targets have an org); Stream has none
    return shlex.join(["reconciler", "send-test", change.key, *plan.target_args])
