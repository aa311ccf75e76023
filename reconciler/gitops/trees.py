"""What apply reads, in git terms: the paths of reconciler.yaml and of every env's spec
folders, and how two commits differ there.

`check-apply` compares the run's commit with the head of main by the git tree ids of
these paths, not by commit id (DESIGN §6, "No reviewed merge is left behind"): a run
whose commit applies the same specs and config as the head may go on, however many
README-only merges came after it. The drift job uses the same paths to tell a change
merged but not yet applied from a dashboard edit.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from reconciler.config import LoadedConfig
from reconciler.errors import GitHubError
from reconciler.gitops.pins import GH_CREDENTIALS, Git, run_git
from reconciler.workspace.workspace import FOLDERS


def toplevel(loaded: LoadedConfig, git: Git = run_git) -> Path:
    return Path(git(["rev-parse", "--show-toplevel"], loaded.config_dir).strip()).resolve()


def read_paths(loaded: LoadedConfig, top: Path) -> list[str]:
    """reconciler.yaml and each env's audiences/ and campaigns/, relative to `top`."""
    try:
        paths = {loaded.path.resolve().relative_to(top).as_posix()}
        for name in loaded.config.envs:
            root = loaded.for_env(name).root.resolve()
            paths |= {(root / f).relative_to(top).as_posix() for f in FOLDERS.values()}
    except ValueError:
        raise GitHubError(f"{loaded.path} or a spec folder is outside the git checkout "
                          f"{top}") from None
    return sorted(paths)


def have(top: Path, sha: str, git: Git = run_git) -> None:
    """Make sure commit `sha` is in the (possibly shallow) checkout: fetch it if not."""
    known = subprocess.run(["git", "cat-file", "-e", f"{sha}^{{commit}}"], cwd=top,
                           capture_output=True, check=False)
    if known.returncode != 0:
        git([*GH_CREDENTIALS, "fetch", "--quiet", "--no-tags", "--depth=1", "origin", sha], top)


def tree_id(top: Path, sha: str, path: str) -> str:
    """The git object id of `path` at `sha` ("" where it does not exist)."""
    proc = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{sha}:{path}"],
                          cwd=top, capture_output=True, text=True, check=False)
    return proc.stdout.strip()


def differing(top: Path, a: str, b: str, paths: list[str], git: Git = run_git) -> list[str]:
    """The paths of `paths` whose tree (or blob) differs between commits `a` and `b`."""
    try:
        have(top, a, git)
        have(top, b, git)
    except GitHubError as e:
        raise GitHubError(f"cannot read both commits to compare them: {e}") from None
    return [p for p in paths if tree_id(top, a, p) != tree_id(top, b, p)]


def changed_files(top: Path, a: str, b: str, paths: list[str], git: Git = run_git
                  ) -> list[tuple[str, str]]:
    """(status letter, path) of each file under `paths` that differs from `a` to `b`."""
    have(top, a, git)
    have(top, b, git)
    out = git(["diff", "--no-renames", "--name-status", a, b, "--", *paths], top)
    return [(line[0], line.split("\t", 1)[1]) for line in out.splitlines() if "\t" in line]
