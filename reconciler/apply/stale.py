"""A saved plan is a proposal: apply re-derives it and refuses unless it is the same.

`apply FILE` never trusts what the file says. It checks the file is for this
env and these spec files, then plans afresh from the specs and live state and
compares the two, change by change: action, kind, key, live id, the field
diff, go-live, and the live object's fingerprint at plan time. Any
difference refuses with zero writes (DESIGN §6). The gates (prune,
prune_match, protect, allow_go_live, thresholds) run on the fresh plan only,
and the fresh plan is what is executed, so a forged file (the checksum is a
keyless hash anyone can recompute; it only catches accidental edits) can at
most be refused. The same plan applied twice fails here, because its own
writes changed what it recorded.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.errors import StalePlanError
from reconciler.plan.diff import diff
from reconciler.plan.model import Action, Change, Plan, target_of
from reconciler.workspace.workspace import Workspace


def check_target(plan: Plan, workspace: Workspace) -> None:
    loaded = workspace.loaded
    env = loaded.env
    here = target_of(env)
    if plan.env != loaded.env_name or plan.target != here:
        raise StalePlanError(
            f"plan is for env {plan.env!r} (app {plan.target.get('app_id')!r}, org "
            f"{plan.target.get('org_id')}), not env {loaded.env_name!r} (app {env.app_id!r}, "
            f"org {env.org_id}); refusing"
        )
    if plan.content_hash != workspace.content_hash:
        raise StalePlanError(
            "plan is stale: spec files or reconciler.yaml changed since the plan was made; "
            "plan again"
        )


def check_same(saved: Plan, fresh: Plan, why: str = "plan is stale") -> None:
    """StalePlanError naming the first difference between the saved changes (a plan file,
    or the plan a prompt confirmed) and a fresh plan's; nothing when every change is the
    same. `why` opens the message."""
    theirs = {c.ref: c for c in saved.changes}
    ours = {c.ref: c for c in fresh.changes}
    problems = [p for ref in [*theirs, *(r for r in ours if r not in theirs)]
                if (p := _difference(theirs.get(ref), ours.get(ref)))]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise StalePlanError(
            f"{why}, nothing applied: {problems[0]}{more}; plan again"
        )


def _what(change: Change) -> str:
    return f"{change.kind} {change.key or change.live_id} ({change.name!r})"


def _difference(saved: Change | None, fresh: Change | None) -> str | None:
    if saved is None:
        assert fresh is not None
        if fresh.action is Action.NOOP:
            return None
        return f"a fresh plan would also {fresh.action.value} {_what(fresh)}"
    what = _what(saved)
    if fresh is None:
        if saved.action.removes:
            return f"{what} is already gone, or prune would not remove it"
        return f"{what} is not in a fresh plan"
    if saved.action is Action.CREATE and fresh.action is not Action.CREATE:
        return f"{what} now exists live (id {fresh.live_id})"
    if saved.live_id is not None and fresh.action is Action.CREATE:
        return f"{what} was deleted since the plan"
    if saved.fingerprint not in ("listed", fresh.fingerprint) and fresh.live_body is not None:
        moved = diff(saved.live_body or {}, fresh.live_body)
        fields = ", ".join(d.path for d in moved[:5]) or "its content"
        return f"{what} changed since the plan ({fields})"
    if _shape(saved) != _shape(fresh):
        return (f"{what}: the file says {saved.action.value}"
                f"{' (goes live)' if saved.go_live else ''}, a fresh plan says "
                f"{fresh.action.value}{' (goes live)' if fresh.go_live else ''}"
                f"{' with another diff' if saved.action is fresh.action else ''}")
    return None


def _shape(change: Change) -> tuple[Any, ...]:
    """What a change does: equal shapes are the same write."""
    diff_json = json.loads(json.dumps([d.to_json() for d in change.diff], default=str))
    return (change.kind, change.key, change.action, change.live_id, change.go_live,
            diff_json, list(change.depends_on))
