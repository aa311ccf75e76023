"""Load every spec file of a repo into a validated, rendered `Workspace`.

All problems of all files are collected and raised together as `SpecErrors`.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.config import LoadedConfig
from reconciler.errors import Location, SpecErrors, SpecProblem, relpath
from reconciler.platform import References
from reconciler.source.yamlio import (
    MAX_FILE_BYTES,
    Document,
    FileProblem,
    load_document,
    too_big,
)
from reconciler.workspace.cache import ParseCache, refuse_tracked_state
from reconciler.workspace.render import render_paths
from reconciler.workspace.templating import Renderer, platform_names
from reconciler.workspace.workspace import FOLDERS, KINDS, Spec, Workspace

SPEC_SUFFIX = ".yaml"


@dataclass(frozen=True)
class SpecFile:
    kind: str
    key: str
    rel: str  # relative to the repo root, with forward slashes
    path: Path


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
        for rel in _walk(root, folder, real_root, problems):
            if not rel.endswith(SPEC_SUFFIX):
                tip = " (rename it to .yaml)" if rel.endswith(".yml") else ""
                warn(f"warning: {shown_name(rel)}: ignored, spec files end in .yaml{tip}")
                continue
            if not safe_name(rel):
                problems.append(SpecProblem(Location(shown_name(rel), 1, 1), UNSAFE_NAME))
                continue
            path = os.path.join(root, rel)
            if os.path.islink(path) and not _inside(os.path.realpath(path), real_root):
                problems.append(SpecProblem(
                    Location(rel, 1, 1),
                    f"symlink points outside the repository ({os.path.realpath(path)})",
                ))
                continue
            key = rel[len(folder) + 1: -len(SPEC_SUFFIX)]
            files.append(SpecFile(kind, key, rel, Path(path)))
    files.sort(key=lambda f: f.rel)
    return files, problems + _same_keys(files)


# Letters and digits of any script, `_`, then also `.` and `-`: no blanks, control,
# format (zero-width, bidi) or combining characters (a decomposed NFD name), so a
# key prints safely on a terminal or a workflow log line.
_SAFE_SEGMENT = re.compile(r"\w[\w.-]*")
UNSAFE_NAME = ("file name not allowed: spec file and folder names use letters, digits, "
               "'_', '.' and '-' only (starting with a letter or digit); rename it")


def safe_name(rel: str) -> bool:
    """Whether every segment of a spec path is made of safe characters."""
    return all(_SAFE_SEGMENT.fullmatch(part) for part in rel.split("/"))


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


def _walk(root: Path, folder: str, real_root: str, problems: list[SpecProblem]
          ) -> Iterator[str]:
    """Relative (posix) paths of the files below root/folder, in sorted order."""
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
                yield rel
        stack.extend(reversed(subdirs))


def load_workspace(loaded: LoadedConfig, warn: Callable[[str], None] = _stderr, *,
                   use_cache: bool = True) -> Workspace:
    """Validate and render every spec; raise SpecErrors with every problem of every file.

    `use_cache=False` (apply) parses every file: no cache is trusted over the files.
    """
    from reconciler.registry import platform_of
    from reconciler.workspace.validate import validate_document

    platform = platform_of(loaded.env)
    root = loaded.root
    refuse_tracked_state(loaded.config_dir)
    files, problems = discover(root, warn)
    renderer = Renderer(loaded.env.vars, loaded.env_name, platform_names(loaded))
    digest = hashlib.sha256()
    digest.update(b"reconciler.yaml\0" + loaded.path.read_bytes() + b"\0")
    cache = ParseCache.for_repo(root, loaded.env_name, loaded.env.vars, enabled=use_cache)
    specs: list[Spec] = []
    docs: dict[str, Document] = {}
    campaigns: list[Document] = []
    for f in files:
        raw = _read(f, problems)
        if raw is None:
            continue
        digest.update(f.rel.encode() + b"\0" + raw + b"\0")
        doc = _parse(f, raw, cache, problems)
        if doc is None:
            continue
        doc.data = render_paths(doc, renderer, problems)
        spec, found = validate_document(f.kind, f.key, doc, platform)
        problems += found
        if f.kind == "campaign":
            campaigns.append(doc)
        if spec is not None:
            specs.append(spec)
            docs[spec.ref] = doc
    cache.save()
    audience_keys = [f.key for f in files if f.kind == "audience"]
    # Reference checks read every parsed campaign, valid or not: a file with a field
    # error shows its unknown audience keys in the same run.
    problems += unknown_references(campaigns, audience_keys, platform.references)
    problems += platform.cross_checks(specs, docs, audience_keys)
    if problems:
        raise SpecErrors(shown_from_cwd(problems, root))
    order = list(platform.kind_names)
    specs.sort(key=lambda s: (order.index(s.kind), s.key))
    from reconciler.workspace.confusables import lookalikes

    for line in lookalikes(specs):
        warn(line)
    return Workspace(loaded=loaded, specs=tuple(specs), content_hash=digest.hexdigest())


def shown_from_cwd(problems: list[SpecProblem], root: Path) -> list[SpecProblem]:
    """Problems with paths as the user can open them: relative to the current directory
    (spec paths are relative to the config's folder)."""
    prefix = relpath(root, Path.cwd())
    if prefix in (".", ""):
        return problems
    return [
        SpecProblem(Location(os.path.join(prefix, p.location.path), p.location.line,
                             p.location.col), p.message)
        for p in problems
    ]


def _read(f: SpecFile, problems: list[SpecProblem]) -> bytes | None:
    try:
        info = f.path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
            problems.append(SpecProblem(Location(f.rel, 1, 1), "not a regular file"))
            return None
        size = info.st_size
        if size > MAX_FILE_BYTES:
            problems.append(too_big(size, f.rel))
            return None
        return f.path.read_bytes()
    except OSError as e:
        problems.append(SpecProblem(Location(f.rel, 1, 1), f"cannot read file: {e.strerror}"))
    return None


def _parse(f: SpecFile, raw: bytes, cache: ParseCache, problems: list[SpecProblem]
           ) -> Document | None:
    """The file's Document (from the cache when its bytes are known), its template paths
    stored in `doc.templates`; None after recording a problem."""
    key = cache.key(raw)
    hit = cache.get(key)
    if hit is not None:
        data, templates = hit
        doc = Document(f.rel, data, source=raw.decode("utf-8"))
    else:
        markers = b"{{" in raw or b"{%" in raw or b"{#" in raw
        templates = []
        try:
            doc = load_document(raw, f.rel, templates if markers else None)
        except FileProblem as e:
            problems.append(e.problem)
            return None
        cache.put(key, doc.data, templates)
    doc.templates = [tuple(p) for p in templates]
    return doc


def unknown_references(campaigns: list[Document], audience_keys: list[str],
                       references: References) -> list[SpecProblem]:
    """Audience keys in campaign files that have no file, where the platform's campaigns
    name them (`references`).

    Reads the rendered data, not a validated spec, so it works on files with other errors.
    """
    from reconciler.source.problems import suggest

    known = set(audience_keys)
    word, field = references.word, references.path
    problems: list[SpecProblem] = []
    for doc in campaigns:
        refs: Any = doc.data
        for step in field:
            refs = refs.get(step) if isinstance(refs, dict) else None
        for i, ref in enumerate(refs if isinstance(refs, list) else []):
            if isinstance(ref, str) and ref not in known:
                problems.append(SpecProblem(
                    doc.location((*field, i)),
                    f"unknown {word} key {ref!r}: no file audiences/{ref}.yaml"
                    f"{suggest(ref, sorted(known))}",
                ))
    return problems
