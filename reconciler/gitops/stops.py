"""It stays stopped: an emergency stop recorded in the env's record holds back re-activation.

`reconciler stop` writes, per stopped campaign, an entry in the `stops` section
of the env's record (reconciler.gitops.staterecord): who, when, and the git
blob id of the campaign's spec file in the checkout it ran in. The spec on
main still says the campaign is live, so without this the next apply (every
merge runs one) would send it again. Plan and apply therefore hold back every
change that would make a stopped campaign go live while its spec file is
unchanged since the stop; the reviewed decision to send again is a commit that
changes that file.

"Unchanged" is decided by blob ids, so no history is needed (CI's checkout is
shallow):

- the baseline is the recorded `blob`; when it is null, the file's blob at the
  recorded `commit` (when that commit is in the checkout); when neither gives
  one, there is no baseline yet: the spec is held, and the first successful
  apply that sees the stop records its file's current blob as the baseline
  (a change merged between the stop and that apply is held too: the safe side);
- the current blob is, for plan, the working tree's file (`git hash-object`),
  so a local edit shows what merging it would do; for apply, the file at the
  checkout's HEAD, and only when the working tree holds the same (an
  uncommitted edit is not a reviewed decision).

A spec that changed since its stop is planned and applied normally; after a
successful apply its entry is removed. Platform-free: which change goes live
is the provider's `goes_live`, already in the plan as `Change.go_live`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.gitfind import maybe_in_git
from reconciler.gitops.staterecord import Record
from reconciler.plan.model import Action, Plan

UNREADABLE = "*"  # the key of the one stop that stands for "the record could not be read"


@dataclass(frozen=True)
class Stop:
    """One entry of the record's `stops` section (fields as `reconciler stop` writes them)."""

    ref: str  # "kind:key"
    at: str = ""
    by: str = ""
    name: str = ""
    state: str = ""
    commit: str | None = None
    path: str | None = None  # relative to the repository's top
    blob: str | None = None

    @classmethod
    def of(cls, ref: str, entry: Mapping[str, Any]) -> Stop:
        def text(name: str) -> str | None:
            value = entry.get(name)
            return str(value) if value not in (None, "") else None

        return cls(ref, text("at") or "", text("by") or "someone", text("name") or "",
                   text("state") or "", text("commit"), text("path"), text("blob"))

    @property
    def when(self) -> str:
        return when(self.at)

    def words(self, held: bool) -> str:
        if self.ref == UNREADABLE:
            return (f"not sent: the emergency-stop record could not be read ({self.state}); "
                    "nothing goes live until it can be")
        said = f"stopped by an emergency stop at {self.when} by {self.by}"
        return f"{said}; merge a change to its spec to send again" if held else \
            f"{said}; it stays stopped"


def when(at: str) -> str:
    """`14:02 UTC on 2026-12-07` (the recorded text as it is, when not a time)."""
    try:
        t = datetime.fromisoformat(at.replace("Z", "+00:00"))
        t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    except (ValueError, OverflowError):
        return at or "an unknown time"
    return f"{t:%H:%M} UTC on {t:%Y-%m-%d}"


def stops_of(record: Record) -> dict[str, Stop]:
    """The record's stops by `kind:key` (malformed entries ignored: they stop nothing)."""
    return {ref: Stop.of(ref, entry) for ref, entry in record.stops.items()
            if isinstance(entry, Mapping)}


def unreadable(why: str) -> dict[str, Stop]:
    """Stand-in when the record could not be read: every go-live is held back."""
    return {UNREADABLE: Stop(UNREADABLE, by="", state=why)}


def _git(args: list[str], cwd: Path) -> str | None:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def toplevel(root: Path) -> Path | None:
    top = _git(["rev-parse", "--show-toplevel"], root)
    return Path(top) if top else None


def has_origin(root: Path) -> bool:
    """Whether `root` is in a git checkout with an `origin`: only there can a stop be kept."""
    return maybe_in_git(root) and _git(["remote", "get-url", "origin"], root) is not None


def baseline(stop: Stop, top: Path) -> str | None:
    """The spec file's blob when it was stopped, or None where nothing says."""
    if stop.blob:
        return stop.blob
    if stop.commit and stop.path:
        return _git(["rev-parse", "--verify", "--quiet", f"{stop.commit}:{stop.path}"], top)
    return None


def current(paths: list[Path], top: Path, committed: bool) -> dict[Path, str | None]:
    """Each file's blob now: the working tree's (plan), or HEAD's where the working tree
    holds the same (apply); None where it cannot be told (held). Two git calls in all,
    however many campaigns were stopped (`stop --all-live`)."""
    present = [p for p in paths if p.is_file()]
    proc = subprocess.run(["git", "hash-object", "--stdin-paths"], cwd=top, check=False,
                          input="".join(f"{p}\n" for p in present), capture_output=True,
                          text=True)
    blobs = proc.stdout.split() if proc.returncode == 0 else []
    work: dict[Path, str | None] = dict.fromkeys(paths)
    if len(blobs) == len(present):
        work.update(zip(present, blobs, strict=True))
    if not committed or not present:
        return work
    rels = {p.resolve().relative_to(top.resolve()).as_posix(): p for p in present}
    listed = _git(["--literal-pathspecs", "ls-tree", "-r", "-z", "HEAD", "--", *rels], top)
    head: dict[Path, str] = {}
    for row in (listed or "").split("\0"):
        info, _, rel = row.partition("\t")
        if rel in rels and len(info.split()) == 3:
            head[rels[rel]] = info.split()[2]
    return {p: blob if blob is not None and head.get(p) == blob else None
            for p, blob in work.items()}


@dataclass(frozen=True)
class Verdicts:
    """Per stopped spec: held (unchanged since its stop) or changed (sends again)."""

    stops: dict[str, Stop]
    held: frozenset[str]  # refs still held back
    changed: frozenset[str]  # refs whose spec changed since the stop: cleared after apply
    baselines: dict[str, str]  # ref -> HEAD blob, for stops with no baseline yet

    @property
    def clears(self) -> bool:
        return bool(self.changed or self.baselines)


def judge(stops: dict[str, Stop], files: Mapping[str, Path], root: Path, committed: bool
          ) -> Verdicts:
    """Which stopped specs stay held. `files`: each managed spec's file by `kind:key`."""
    top = toplevel(root)
    held, changed, baselines = set(), set(), {}
    paths = [files[ref] for ref in stops if ref in files]
    blobs = current(paths, top, committed) if top is not None else {}
    for ref, stop in stops.items():
        path = files.get(ref)
        if ref == UNREADABLE or path is None or top is None:
            held.add(ref)
            continue
        base, now = baseline(stop, top), blobs.get(path)
        if base is not None and now is not None and base != now:
            changed.add(ref)
            continue
        held.add(ref)
        if base is None and committed and now is not None:
            baselines[ref] = now
    return Verdicts(stops, frozenset(held), frozenset(changed), baselines)


def hold(plan: Plan, verdicts: Verdicts) -> Plan:
    """Hold back in `plan` every go-live of a stopped, unchanged spec (in place).

    A held change becomes a `noop` (apply makes no call for it, not even its other
    fields: the whole spec waits for the reviewed change) that keeps its diff and
    carries `stop` in words; a stopped spec that would not go live anyway carries
    `stop` too, so the plan says why it is not sending."""
    every = verdicts.stops.get(UNREADABLE)
    for change in plan.changes:
        stop = verdicts.stops.get(change.ref) if change.ref in verdicts.held else None
        if stop is None and every is not None and change.go_live:
            stop = every
        if stop is None:
            continue
        held = change.go_live
        change.stop = {"at": stop.at or None, "by": stop.by, "held": held,
                       "message": stop.words(held)}
        if held:
            change.action, change.go_live = Action.NOOP, False
    return plan


def cleared(doc: dict[str, Any], verdicts: Verdicts) -> None:
    """The record after a successful apply: changed specs' stops removed, baselines set."""
    stops = doc.get("stops")
    if not isinstance(stops, dict):
        return
    for ref in verdicts.changed:
        entry, judged = stops.get(ref), verdicts.stops.get(ref)
        if isinstance(entry, dict) and judged is not None and str(entry.get("at") or "") \
                != judged.at:
            continue  # stopped again while this apply ran: that stop stands
        stops.pop(ref, None)
    for ref, blob in verdicts.baselines.items():
        if isinstance(stops.get(ref), dict) and not stops[ref].get("blob"):
            stops[ref]["blob"] = blob
    if not stops:
        doc.pop("stops")
