"""Reasons apply refuses to start, each checked before any write (DESIGN §5–§6)."""

from __future__ import annotations

from reconciler.config import EnvConfig, SafetyConfig
from reconciler.errors import RefusedError
from reconciler.plan.model import Plan


def check_safety(plan: Plan, safety: SafetyConfig, force: bool) -> None:
    """octoDNS-style thresholds, then the plan's own refusals (prune of an empty kind)."""
    if force:
        return
    existing, changed = plan.existing, plan.changed
    if existing >= safety.min_existing and existing and changed * 100 / existing > safety.max_change_percent:
        raise RefusedError(
            f"refusing: the plan changes {changed} of {existing} existing objects "
            f"({changed * 100 / existing:.1f}%), over safety.max_change_percent "
            f"{safety.max_change_percent:g}% (min_existing {safety.min_existing}); "
            "use --force if that is intended"
        )
    if plan.refusals:
        raise RefusedError(f"refusing: {plan.refusals[0]}")


def check_go_live(plan: Plan, env_name: str, env: EnvConfig) -> None:
    if plan.go_live and not env.allow_go_live:
        keys = ", ".join(c.key or str(c.live_id) for c in plan.go_live)
        raise RefusedError(
            f"refusing: env {env_name!r} sets allow_go_live: false and the plan makes "
            f"{len(plan.go_live)} campaign(s) go live ({keys})"
        )
