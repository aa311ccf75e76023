"""The steps plan and apply share: load, open the provider, build the plan, print it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from reconciler.calls import Caller
from reconciler.cli.meanwhile import meanwhile
from reconciler.cli.progress import progress
from reconciler.cli.session import open_provider
from reconciler.config import LoadedConfig, load_config
from reconciler.plan.cache import LiveCache
from reconciler.plan.model import Plan, target_of
from reconciler.plan.planner import build_plan
from reconciler.plan.readhint import ReadHint
from reconciler.workspace import load_workspace
from reconciler.workspace.workspace import Workspace


def load(config_path: Path, env_name: str | None, *, use_cache: bool = True,
         later: list[Callable[[], None]] | None = None) -> tuple[LoadedConfig, Workspace]:
    """Config and specs; `use_cache=False` (apply) parses every spec file afresh, and
    keeps no spec memo. `later`: as `load_workspace` takes it."""
    loaded = load_config(config_path, env_name)
    return loaded, load_workspace(loaded, use_cache=use_cache, memo=use_cache, later=later)


async def compute_plan(
    config_path: Path, env_name: str | None, targets: tuple[str, ...], use_cache: bool = False
) -> Plan:
    later: list[Callable[[], None]] = []
    loaded, workspace = load(config_path, env_name, later=later)
    caller = Caller(concurrency=loaded.env.concurrency)
    cache = None
    if use_cache or loaded.env.cache:
        cache = LiveCache.for_target(loaded.config_dir, target_of(loaded.env), warn=_warn)
    # without a live cache, the reads the last plan made begin with the listing
    read_hint = ReadHint.for_env(loaded) if cache is None else None
    async with open_provider(loaded, caller) as provider, progress() as report, \
            meanwhile(later):
        from reconciler.cli.pinrecord import read_record
        from reconciler.cli.stopheld import held, read_stops

        workspace, store, _why = read_record(loaded, workspace, provider, _warn)
        stops, _store = read_stops(loaded, store, _warn)
        plan = await build_plan(workspace, provider, targets=targets, progress=report, cache=cache,
                                read_hint=read_hint)
        if stops:
            held(plan, loaded, workspace, stops, committed=False)
    if cache is not None and not plan.errors:  # nothing is kept from a failed plan
        cache.save()
    return plan


def _warn(message: str) -> None:
    sys.stderr.write(message + "\n")


def print_plan(plan: Plan, fmt: str) -> None:
    if fmt == "json":
        from reconciler.render.json import write_plan_json

        write_plan_json(plan, sys.stdout)
    elif fmt == "markdown":
        from reconciler.render.markdown import render_markdown

        sys.stdout.write(render_markdown(plan))
    else:
        from reconciler.render.text import console, render_plan

        render_plan(plan, console())
