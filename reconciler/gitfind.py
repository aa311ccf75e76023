"""Whether git could find a repository at a folder, told without starting git.

Each `git` a command starts costs ~4 ms of wall time (fork, exec, git's own start-up),
and a plan outside any checkout started two before its first request only to hear
"not a git repository" (issue 29). git finds a repository through `GIT_DIR`, or a `.git`
(folder or file) in the folder or one above it, or the folder above being a bare
repository itself; with none of those, it finds none. Settings that narrow git's
search (GIT_CEILING_DIRECTORIES, file system boundaries) only make it find less, so
"maybe" stays a correct answer under them.
"""

from __future__ import annotations

import os
from pathlib import Path

_FINDS = ("GIT_DIR", "GIT_WORK_TREE")


def maybe_in_git(folder: Path) -> bool:
    """False only when git surely finds no repository at `folder`."""
    if any(os.environ.get(name) for name in _FINDS):
        return True
    seen: set[Path] = set()
    # the path as written and as resolved: git walks up the physical one
    for start in (Path(os.path.abspath(folder)), Path(os.path.realpath(folder))):
        for p in (start, *start.parents):
            if p in seen:
                continue
            seen.add(p)
            if os.path.lexists(p / ".git") or _bare(p):
                return True
    return False


def _bare(p: Path) -> bool:
    return (p / "HEAD").is_file() and (p / "objects").is_dir() and (p / "refs").is_dir()
