"""Drift as a pull request: a dashboard edit comes back into git for review.

The scheduled drift plan compares main with live. Each managed object whose
live body no longer matches its spec (plan action `update`) is imported with
`import --update` into a throw-away worktree of main (only those objects, by
id; comments, key order and templates kept), and the result is proposed as
ONE pull request per env on branch `reconciler/drift-<env>`:

- merging adopts the dashboard edit (the spec now says what live says);
- closing keeps the spec, so the next apply restores it over the edit.

The branch's tree is always main plus the current drift, committed on top of
the branch's last commit (and main, when main moved) so the push is a fast
forward, never a force-push; a run whose import gives the same change as the
open pull request adds no commit and only refreshes its body. A hidden marker
in the body carries a digest of the change, so a drift whose pull request was
closed unmerged is not proposed again until it changes. Managed specs with no
live object (deleted in the dashboard: the plan creates them) and live objects
prune would remove are listed in the body, never deleted from git.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.gitops.gh import Runner, gh_json
from reconciler.gitops.issue import is_bot
from reconciler.gitops.pins import Git, push, run_git
from reconciler.gitops.stops import when
from reconciler.plan.model import Action, Change, Plan
from reconciler.provider import LiveId

_ENV_SAFE = re.compile(r"[^A-Za-z0-9_.-]")
MARKER = re.compile(r"<!-- reconciler:drift-pr env=([A-Za-z0-9_.-]*) digest=([0-9a-f]*) -->")
# `import --update` of these ids into a checkout rooted at the given folder.
Importer = Callable[[Path, Mapping[str, list[LiveId]]], None]
BOT_NAME, BOT_EMAIL = "reconciler", "reconciler@users.noreply.github.com"


def branch(env: str) -> str:
    return f"reconciler/drift-{_ENV_SAFE.sub('_', env)[:100]}"


@dataclass(frozen=True)
class Drift:
    """What the drift plan found, sorted by what a pull request can do with it."""

    edited: list[Change] = field(default_factory=list)  # managed, live differs: import
    missing: list[Change] = field(default_factory=list)  # managed, no live object: list only
    extra: list[Change] = field(default_factory=list)  # live, not managed, prune removes it
    # managed, stopped in an emergency (a go-live held back, reconciler.gitops.stops):
    # imported like an edit, so the spec says the stopped state
    stopped: list[Change] = field(default_factory=list)

    @property
    def ids(self) -> dict[str, list[LiveId]]:
        out: dict[str, list[LiveId]] = {}
        for c in [*self.stopped, *self.edited]:
            if c.live_id is not None:
                out.setdefault(c.kind, []).append(c.live_id)
        return out


def drift_of(plan: Plan) -> Drift:
    drift = Drift()
    for c in plan.changes:
        if c.stop is not None and c.stop.get("held") and c.key and c.live_id is not None:
            drift.stopped.append(c)
        elif c.action is Action.UPDATE and c.key and c.live_id is not None:
            drift.edited.append(c)
        elif c.action is Action.CREATE:
            drift.missing.append(c)
        elif c.action.removes:
            drift.extra.append(c)
    return drift


@dataclass(frozen=True)
class DriftPr:
    number: int
    url: str
    digest: str
    open: bool


def find_prs(env: str, runner: Runner) -> tuple[DriftPr | None, DriftPr | None]:
    """The open drift pull request of `env`, and the newest one closed unmerged.

    Only pull requests from this repository (not a fork's branch of the same name)
    that the bot opened and that carry this env's marker count."""
    found = gh_json(runner, ["pr", "list", "--head", branch(env), "--state", "all", "--json",
                             "number,url,body,state,author,isCrossRepository",
                             "--limit", "30"]) or []
    opened: DriftPr | None = None
    closed: DriftPr | None = None
    for pr in sorted(found, key=lambda p: -int(p.get("number", 0))):
        m = MARKER.search(str(pr.get("body") or ""))
        if pr.get("isCrossRepository") or not is_bot(pr.get("author")) or m is None \
                or m.group(1) != _ENV_SAFE.sub("_", env)[:100]:
            continue
        state = str(pr.get("state", "")).upper()
        item = DriftPr(int(pr["number"]), str(pr.get("url") or ""), m.group(2), state == "OPEN")
        if state == "OPEN" and opened is None:
            opened = item
        elif state == "CLOSED" and closed is None:
            closed = item
    return opened, closed


@dataclass(frozen=True)
class Proposal:
    """What one run did to the env's drift pull request."""

    verb: str  # created | updated | unchanged | rejected | nothing
    pr: DriftPr | None = None
    files: tuple[str, ...] = ()


def propose(env: str, root: Path, plan: Plan, importer: Importer, runner: Runner,
            body_of: Callable[[Drift, str, list[str]], str], base: str = "main",
            git: Git = run_git) -> Proposal:
    """Import the edited objects into a worktree of HEAD and open or update the env's PR.

    `root` is the folder of reconciler.yaml in the checkout; `body_of(drift, digest,
    files)` writes the pull request body."""
    drift = drift_of(plan)
    if not drift.edited and not drift.stopped:
        return Proposal("nothing")
    top = Path(git(["rev-parse", "--show-toplevel"], root).strip())
    inside = root.resolve().relative_to(top.resolve())
    opened, closed = find_prs(env, runner)
    remote = _remote_head(env, top, git)
    with tempfile.TemporaryDirectory(prefix="reconciler-drift-") as tmp:
        work = Path(tmp) / "tree"
        git(["worktree", "add", "--detach", str(work), "HEAD"], top)
        try:
            importer(work / inside, drift.ids)
            git(["add", "-u", "--", "."], work / inside)
            files = git(["diff", "--cached", "--name-only", "--relative"], work / inside).split()
            if not files:
                return Proposal("nothing")
            digest = hashlib.sha256(git(["diff", "--cached"], work).encode()).hexdigest()[:20]
            if opened is None and closed is not None and closed.digest == digest:
                return Proposal("rejected", closed, tuple(files))
            if opened is None or opened.digest != digest or remote is None:
                _commit_and_push(env, work, top, remote, drift, git)
        finally:
            git(["worktree", "remove", "--force", str(work)], top)
    text = body_of(drift, digest, files)
    with tempfile.TemporaryDirectory(prefix="reconciler-drift-body-") as tmp:
        body_file = Path(tmp) / "body.md"
        body_file.write_text(text, encoding="utf-8")
        if opened is None:
            url = runner(["pr", "create", "--head", branch(env), "--base", base, "--title",
                          title(env, drift), "--body-file", str(body_file)]).strip()
            tail = url.rsplit("/", 1)[-1]
            made = DriftPr(int(tail) if tail.isdigit() else 0, url, digest, True)
            return Proposal("created", made, tuple(files))
        runner(["pr", "edit", str(opened.number), "--body-file", str(body_file)])
    verb = "unchanged" if opened.digest == digest else "updated"
    return Proposal(verb, DriftPr(opened.number, opened.url, digest, True), tuple(files))


def _remote_head(env: str, top: Path, git: Git) -> str | None:
    """The drift branch's commit on origin (fetched), or None when it does not exist."""
    listed = git(["ls-remote", "--heads", "origin", f"refs/heads/{branch(env)}"], top).split()
    if not listed:
        return None
    git(["fetch", "--quiet", "origin", f"refs/heads/{branch(env)}"], top)
    return git(["rev-parse", "FETCH_HEAD"], top).strip()


def _is_ancestor(a: str, b: str, top: Path) -> bool:
    proc = subprocess.run(["git", "merge-base", "--is-ancestor", a, b], cwd=top,
                          capture_output=True, check=False)
    return proc.returncode == 0


def _commit_and_push(env: str, work: Path, top: Path, remote: str | None, drift: Drift,
                     git: Git) -> None:
    """Commit the staged tree on top of the branch (and HEAD when HEAD is not in it yet),
    so the push is a fast forward and the pull request's diff against main is the drift."""
    head = git(["rev-parse", "HEAD"], work).strip()
    tree = git(["write-tree"], work).strip()
    if remote is None or _is_ancestor(remote, head, top):
        parents = [head]
    elif _is_ancestor(head, remote, top):
        parents = [remote]
    else:
        parents = [remote, head]
    keys = ", ".join(sorted({f"{c.kind} {c.key}" for c in [*drift.stopped, *drift.edited]}))
    message = f"{title(env, drift)}: {keys[:400]}\n\nreconciler import --update of the " \
              "objects the drift plan found stopped or changed in the dashboard."
    args = ["-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}", "commit-tree", tree]
    for p in parents:
        args += ["-p", p]
    commit = git([*args, "-m", message], work).strip()
    push(git, top, f"{commit}:refs/heads/{branch(env)}")


def title(env: str, drift: Drift) -> str:
    """The pull request's title: an emergency stop says who stopped what and when."""
    if not drift.stopped:
        return f"Adopt dashboard edits: {env}"
    stop = max((c.stop or {} for c in drift.stopped), key=lambda s: str(s.get("at") or ""))
    what = drift.stopped[0].name if len(drift.stopped) == 1 else \
        f"{len(drift.stopped)} campaigns"
    return (f"Emergency stop in {env}: {what} stopped by {stop.get('by')} at "
            f"{when(str(stop.get('at') or ''))}")[:250]


def marker(env: str, digest: str) -> str:
    return f"<!-- reconciler:drift-pr env={_ENV_SAFE.sub('_', env)[:100]} digest={digest} -->"


def describe(c: Change) -> dict[str, Any]:
    """A change's user-given parts, for the body (escaped by the body writer)."""
    return {"kind": c.kind, "key": c.key, "name": c.name, "live_id": c.live_id,
            "paths": sorted({d.path for d in c.diff})}
