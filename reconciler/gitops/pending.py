"""Merged, not yet applied: spec changes on main that no apply has made live yet.

The drift job plans main against live. Between a merge and its apply, the
merged change shows as a difference, and taken for a dashboard edit it would
come back as a drift pull request whose diff reverts the reviewed change.
The env's record (reconciler.gitops.staterecord) holds the last commit applied
in full; every object whose spec file changed since then is "merged, not yet
applied", reported as such and left out of the drift pull request. A change to
reconciler.yaml, or a deleted spec file (its live object can no longer be told
by key), makes every difference count as merged, not yet applied.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from reconciler.config import LoadedConfig
from reconciler.gitops.pins import Git, run_git
from reconciler.gitops.trees import changed_files, read_paths, toplevel
from reconciler.plan.model import Change, Plan
from reconciler.render.safe import plain
from reconciler.workspace.workspace import FOLDERS

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Unapplied:
    since: str  # the last commit applied in full
    refs: frozenset[str]  # "kind:key" of each spec changed since
    everything: str | None = None  # why every difference counts, or None

    def covers(self, change: Change) -> bool:
        return self.everything is not None or change.ref in self.refs


def unapplied(loaded: LoadedConfig, applied: str | None, git: Git = run_git
              ) -> Unapplied | None:
    """What main changed for this env since `applied` (None: nothing, or unknown)."""
    if applied is None:
        return None
    top = toplevel(loaded, git)
    head = git(["rev-parse", "HEAD"], top).strip()
    if head == applied:
        return None
    paths = read_paths(loaded, top)  # outside the checkout: GitHubError, said so
    config = loaded.path.resolve().relative_to(top).as_posix()
    root = PurePosixPath(loaded.root.resolve().relative_to(top).as_posix())
    kinds = {folder: kind for kind, folder in FOLDERS.items()}
    refs: set[str] = set()
    everything = None
    for status, path in changed_files(top, applied, head, paths, git):
        if path == config:
            everything = f"{path} changed"
            continue
        inner = PurePosixPath(path)
        if not inner.is_relative_to(root) or inner.suffix not in SUFFIXES:
            continue  # another env's folder, or not a spec file
        folder, *rest = inner.relative_to(root).parts
        if folder not in kinds or not rest:
            continue
        if status == "D":
            everything = f"{path} was deleted"
        refs.add(f"{kinds[folder]}:{PurePosixPath(*rest).with_suffix('').as_posix()}")
    return Unapplied(applied, frozenset(refs), everything) if refs or everything else None


def split(plan: Plan, pending: Unapplied) -> tuple[Plan, list[Change]]:
    """The plan without the changes `pending` covers, and those changes."""
    covered = [c for c in plan.changes if pending.covers(c)]
    rest = [c for c in plan.changes if not pending.covers(c)]
    return replace(plan, changes=rest), covered


def report(env: str, pending: Unapplied, covered: list[Change]) -> list[str]:
    """Job log lines: what is merged, not yet applied (never called a dashboard edit)."""
    since = pending.since[:12]
    why = f" ({pending.everything})" if pending.everything else ""
    shown = ", ".join(plain(f"{c.kind} {c.key or c.live_id}") for c in covered[:20])
    more = f" and {len(covered) - 20} more" if len(covered) > 20 else ""
    return [f"merged, not yet applied in {env} since {since}{why}: {shown}{more}; the next "
            "apply makes it live, so it is not proposed as a dashboard edit"]
