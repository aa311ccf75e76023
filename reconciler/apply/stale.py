"""Refuse a saved plan that no longer describes the world (DESIGN §6).

Before any write, every object the plan touches is read again: an update's
or removal's object must still have the fingerprint it had at plan time, a
create's name must still be free, and the spec files must hash the same.
The same plan applied twice fails here, because its own writes changed
what it recorded.
"""

from __future__ import annotations

import asyncio

from reconciler.errors import StalePlanError
from reconciler.plan.diff import diff
from reconciler.plan.model import Action, Change, Plan
from reconciler.provider import Provider
from reconciler.spec.workspace import Workspace


def check_target(plan: Plan, workspace: Workspace) -> None:
    loaded = workspace.loaded
    env = loaded.env
    here = {"api_url": env.api_url, "org_id": env.org_id, "app_id": env.app_id}
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


async def check_fresh(plan: Plan, provider: Provider, workspace: Workspace | None = None
                      ) -> None:
    work = [c for c in plan.changes if c.action is not Action.NOOP]
    for spec in workspace.specs if workspace else ():
        provider.git_live(spec)  # objects only git knows must be readable below
    listed = {}
    if any(c.action.removes for c in work):
        kinds = sorted({c.kind for c in work if c.action.removes})
        found = await asyncio.gather(*(provider.list_live(k) for k in kinds))
        listed = {k: {o.id for o in objs} for k, objs in zip(kinds, found, strict=True)}
    problems = await asyncio.gather(*(_problem(c, provider, listed, workspace) for c in work))
    stale = [p for p in problems if p]
    if stale:
        more = f" (and {len(stale) - 1} more)" if len(stale) > 1 else ""
        raise StalePlanError(f"plan is stale, nothing applied: {stale[0]}{more}; plan again")


async def _problem(change: Change, provider: Provider, listed: dict[str, set[int | str]],
                   workspace: Workspace | None) -> str | None:
    what = f"{change.kind} {change.key or change.live_id} ({change.name!r})"
    if change.action is Action.CREATE:
        spec = workspace.get(change.ref) if workspace else None
        own = provider.default_id(spec) if spec else None
        if own is not None:  # identity by the id the provider gives, not by name
            created = await provider.get_live(change.kind, own)
            return f"{what} now exists live (id {own})" if created else None
        found = await provider.find_by_name(change.kind, change.name)
        if found:
            return f"{what} now exists live (id {found[0].id})"
        return None
    if change.action.removes:
        if change.live_id not in listed.get(change.kind, set()):
            return f"{what} is already gone"
        return None
    live = await provider.get_live(change.kind, change.live_id)  # type: ignore[arg-type]
    if live is None:
        return f"{what} was deleted since the plan"
    if live.fingerprint != change.fingerprint:
        moved = diff(change.live_body or {}, dict(live.body or {}))
        fields = ", ".join(d.path for d in moved[:5]) or "its content"
        return f"{what} changed since the plan ({fields})"
    return None
