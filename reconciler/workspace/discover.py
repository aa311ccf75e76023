"""Finding the spec files of a repo: the walk, its name and symlink rules, the keys.

Kept apart from loading (reconciler.workspace.loader) and free of YAML and
pydantic, so a run that only needs the file list (the validate memo,
`reconciler.workspace.memo`) imports neither (issue 29).
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from reconciler.errors import Location, SpecProblem
from reconciler.workspace.workspace import FOLDERS, KINDS

SPEC_SUFFIX = ".yaml"


@dataclass
class Walk:
    """A walk of the spec folders already done this run, with the bytes read so far
    (the validate memo's, handed on when it must validate: nothing is walked or read
    twice). `warnings` were collected, not yet printed."""

    root: Path
    files: list[SpecFile]
    problems: list[SpecProblem]
    warnings: list[str]
    raws: dict[str, bytes]


@dataclass(frozen=True)
class SpecFile:
    kind: str
    key: str
    rel: str  # relative to the repo root, with forward slashes
    file: str  # the root joined with `rel`: what os calls take

    @property
    def path(self) -> Path:
        """`file` as a Path, made when asked: a Path per file was a quarter of a walk of
        1,200 specs, which reads them through `file` (issue 29)."""
        return Path(self.file)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def discover(root: Path, warn: Callable[[str], None] = _stderr
             ) -> tuple[list[SpecFile], list[SpecProblem]]:
    """Spec files under audiences/ and campaigns/ (nested folders too), sorted by path.

    Dot-files and dot-folders are skipped silently; other files not ending in .yaml
    are skipped with a warning. Symlinks must resolve inside the repository.
    """
    files: list[SpecFile] = []
    problems: list[SpecProblem] = []
    real_root = os.path.realpath(root)
    for kind in KINDS:
        folder = FOLDERS[kind]
        base = os.path.join(root, folder)
        if not os.path.isdir(base):
            continue
        for rel, is_link in _walk(root, folder, real_root, problems):
            if not rel.endswith(SPEC_SUFFIX):
                tip = " (rename it to .yaml)" if rel.endswith(".yml") else ""
                warn(f"warning: {shown_name(rel)}: ignored, spec files end in .yaml{tip}")
                continue
            if not safe_name(rel):
                problems.append(SpecProblem(Location(shown_name(rel), 1, 1), UNSAFE_NAME))
                continue
            path = os.path.join(root, rel)
            if is_link and not _inside(os.path.realpath(path), real_root):
                problems.append(SpecProblem(
                    Location(rel, 1, 1),
                    f"symlink points outside the repository ({os.path.realpath(path)})",
                ))
                continue
            key = rel[len(folder) + 1: -len(SPEC_SUFFIX)]
            files.append(SpecFile(kind, key, rel, path))
    files.sort(key=lambda f: f.rel)
    return files, problems + _same_keys(files)


# Letters and digits of any script, `_`, then also `.` and `-`: no blanks, control,
# format (zero-width, bidi) or combining characters (a decomposed NFD name), so a
# key prints safely on a terminal or a workflow log line.
_SAFE_PATH = re.compile(r"\w[\w.-]*(?:/\w[\w.-]*)*")
UNSAFE_NAME = ("file name not allowed: spec file and folder names use letters, digits, "
               "'_', '.' and '-' only (starting with a letter or digit); rename it")


def safe_name(rel: str) -> bool:
    """Whether every segment of a spec path is made of safe characters."""
    return _SAFE_PATH.fullmatch(rel) is not None


def shown_name(rel: str) -> str:
    """A file name as it can be printed: anything outside printable ASCII escaped."""
    return rel if rel.isascii() and rel.isprintable() else rel.encode(
        "unicode_escape").decode("ascii")


def _same_keys(files: list[SpecFile]) -> list[SpecProblem]:
    """Keys of one kind that differ only by case or Unicode form: one file on macOS and
    Windows checkouts, two on Linux, so which spec is meant depends on the machine."""
    first: dict[tuple[str, str], SpecFile] = {}
    problems = []
    for f in files:
        folded = unicodedata.normalize("NFKC", f.key).casefold()
        other = first.setdefault((f.kind, folded), f)
        if other is not f:
            problems.append(SpecProblem(Location(f.rel, 1, 1), (
                f"key {f.key!r} differs from {other.rel} only by case or Unicode form; "
                "rename one of them")))
    return problems


def _inside(real: str, real_root: str) -> bool:
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def _is_symlink(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:  # gone since the listing: as os.path.islink says
        return False


def _walk(root: Path, folder: str, real_root: str, problems: list[SpecProblem]
          ) -> Iterator[tuple[str, bool]]:
    """Relative (posix) paths of the files below root/folder, in sorted order, each with
    whether it is a symlink (from the folder listing: no lstat per file)."""
    seen: set[str] = set()
    stack = [folder]
    while stack:
        rel_dir = stack.pop()
        abs_dir = os.path.join(root, rel_dir)
        real = os.path.realpath(abs_dir)
        if real in seen:
            continue
        if not _inside(real, real_root):
            problems.append(SpecProblem(
                Location(rel_dir, 1, 1), f"symlinked folder points outside the repository ({real})"
            ))
            continue
        seen.add(real)
        subdirs = []
        with os.scandir(abs_dir) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = f"{rel_dir}/{entry.name}"
            try:
                is_dir = entry.is_dir()
            except OSError:  # a symlink loop: read as a file, which reports the problem
                is_dir = False
            if is_dir:
                subdirs.append(rel)
            else:
                yield rel, _is_symlink(entry)
        stack.extend(reversed(subdirs))


