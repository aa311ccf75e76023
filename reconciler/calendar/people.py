"""People groups across every env of a repo: what `safety.max_messages_per_day` counts.

An audience spec may name the people it reaches (`people: lapsed-buyers`); audiences
of any platform and env naming one group are taken to reach the same people, so a
push from Localytics and a chat message from Stream to that group add up. Without
`people:` an audience is its own group (labelled `env/platform/key`).

Each env's specs are expanded by its platform's `Provider.sendings` (specs only,
no API). Envs sharing one `specs:` folder (staging and production) deploy the same
campaigns to different apps, so each campaign spec, by folder and key, counts once.
A campaign to a whole app (`EVERYONE`) reaches every group that app's audiences
belong to. Platform-free: plan/ warns through this module.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from reconciler.calendar.grid import EVERYONE, MESSAGES, Grid, Sending, build, hits, more_days
from reconciler.config import LoadedConfig
from reconciler.errors import ReconcilerError
from reconciler.workspace.workspace import Spec, Workspace

PLAN_HORIZON_DAYS = 90
Warn = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


@dataclass(frozen=True)
class Folder:
    """One `specs:` folder: the envs that deploy it, its platform and its sends."""

    envs: tuple[str, ...]
    platform: str
    sendings: tuple[Sending, ...]
    groups: Mapping[str, str]  # audience (as a Sending names it) → its people group label

    @property
    def label(self) -> str:
        """`env/platform` (`staging+production/localytics` for a shared folder)."""
        return f"{'+'.join(self.envs)}/{self.platform}"

    def group(self, audience: str) -> str:
        return self.groups.get(audience) or f"{self.label}/{audience}"

    def campaign(self, key: str) -> str:
        """How a campaign is named in a grid cell or a warning: key, platform, env(s)."""
        word = "envs" if len(self.envs) > 1 else "env"
        return f"{key} ({self.platform}, {word} {', '.join(self.envs)})"


def _folder(workspace: Workspace, envs: tuple[str, ...], start: date, days: int,
            now: datetime, drafts: bool) -> Folder:
    from reconciler.platform import Sends
    from reconciler.registry import provider_class
    from reconciler.workspace.validate import spec_kind

    platform = workspace.loaded.env.provider
    cls = provider_class(platform)
    sendings: list[Sending] = cls.sendings(workspace.specs, start, days, now, drafts=drafts) \
        if isinstance(cls, Sends) else []  # a platform without sends shows none
    audience = spec_kind(platform, "audience")
    label = f"{'+'.join(envs)}/{platform}"
    groups = {s.key: f"people:{s.people}" if s.people else f"{label}/{s.key}"
              for s in workspace.specs if s.kind == audience}
    return Folder(envs, platform, tuple(sendings), groups)


def gather(loaded: LoadedConfig, start: date, days: int, now: datetime, *,
           drafts: bool = False, current: Workspace | None = None,
           strict: bool = True, warn: Warn = _stderr) -> list[Folder]:
    """Every spec folder of the repo, expanded (config order of their first env).

    `current` is the workspace already loaded for `loaded`'s env (not read again).
    Not `strict` (a plan): a folder whose specs do not load is left out with a
    warning rather than stopping this env's plan; strict (the calendar) raises.
    """
    from reconciler.workspace.loader import load_workspace

    by_root: dict[object, list[str]] = {}
    for name in loaded.config.envs:
        by_root.setdefault(loaded.for_env(name).root.resolve(), []).append(name)
    folders = []
    for names in by_root.values():
        envs = tuple(names)
        if current is not None and loaded.env_name in envs:
            workspace = current
        else:
            try:
                workspace = load_workspace(loaded.for_env(envs[0]), warn=lambda _line: None)
            except ReconcilerError as e:
                if strict:
                    raise
                first = str(e).splitlines()[0] if str(e) else type(e).__name__
                warn(f"warning: safety.max_messages_per_day: env {envs[0]} not counted, its "
                     f"specs do not load ({first})")
                continue
        folders.append(_folder(workspace, envs, start, days, now, drafts))
    return folders


def _reached(folder: Folder) -> list[str]:
    """Every group one of this folder's campaigns to the whole app reaches."""
    found = set(folder.groups.values()) | {f"{folder.label}/{EVERYONE}"}
    found |= {folder.group(a) for s in folder.sendings for a in s.audiences if a != EVERYONE}
    return sorted(found)


def people_sendings(folders: Iterable[Folder]) -> list[Sending]:
    """Each folder's sends re-addressed to people groups, campaigns named with platform
    and env(s): the rows and cells of the cross-channel grid."""
    out = []
    for folder in folders:
        everyone = _reached(folder)
        for s in folder.sendings:
            groups = everyone if EVERYONE in s.audiences else [folder.group(a)
                                                               for a in s.audiences]
            out.append(Sending(folder.campaign(s.key), s.name, frozenset(groups), s.times,
                               s.go_live, s.asap))
    return out


def people_grid(folders: list[Folder], start: date, days: int, cap: int | None,
                asap_on: date | None = None) -> Grid:
    """Messages per people group per day across `folders`, days over `cap` flagged
    (go-live sends on `asap_on`, else apart: see `grid.build`)."""
    return build(people_sendings(folders), start, days, cap, MESSAGES, asap_on)


def cap_findings(workspace: Workspace, changed: Iterable[Spec], now: datetime,
                 warn: Warn = _stderr) -> tuple[dict[str, list[str]], list[str]]:
    """(warnings by spec ref, plan notes) for this env's share in group-days over
    `safety.max_messages_per_day` in the next PLAN_HORIZON_DAYS days, across every env.

    A changed campaign of this env gets a warning on its change; an unchanged one
    that takes part gets a plan note, so every env involved hears about it.
    Nothing (and nothing read) when the cap is not set.
    """
    loaded = workspace.loaded
    cap = loaded.config.safety.max_messages_per_day
    if cap is None:
        return {}, []
    folders = gather(loaded, now.date(), PLAN_HORIZON_DAYS, now, current=workspace,
                     strict=False, warn=warn)
    mine = next((f for f in folders if loaded.env_name in f.envs), None)
    if mine is None:
        return {}, []
    grid = people_grid(folders, now.date(), PLAN_HORIZON_DAYS, cap, asap_on=now.date())
    refs = {s.key: s.ref for s in changed if s.kind == "campaign"}
    warnings: dict[str, list[str]] = {}
    notes: list[str] = []
    for s in mine.sendings:
        for line in _group_lines(grid, mine.campaign(s.key)):
            if s.key in refs:
                warnings.setdefault(refs[s.key], []).append(line)
            else:
                notes.append(f"campaign {s.key}: {line}")
    return warnings, notes


def _group_lines(grid: Grid, campaign: str) -> list[str]:
    """One line per group where `campaign` is part of a day over the cap."""
    return [f"{h.row} would get {h.count} messages on {h.day:%Y-%m-%d}{more_days(h)} "
            f"({grid.measure.setting} {grid.cap})"
            + (f", with {', '.join(h.others)}" if h.others else "")
            for h in hits(grid, campaign)]
