"""Load every spec file of a repo into a validated, rendered `Workspace`.

All problems of all files are collected and raised together as `SpecErrors`.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.config import LoadedConfig
from reconciler.errors import Location, SpecErrors, SpecProblem
from reconciler.source.yamlio import (
    MAX_FILE_BYTES,
    Document,
    FileProblem,
    load_document,
    too_big,
)
from reconciler.spec.templating import Renderer, TemplateProblem
from reconciler.spec.workspace import FOLDERS, KINDS, Spec, Workspace

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
    """Spec files under audiences/ and campaigns/ (nested folders too), sorted by path."""
    files: list[SpecFile] = []
    problems: list[SpecProblem] = []
    real_root = root.resolve()
    for kind in KINDS:
        base = root / FOLDERS[kind]
        if not base.is_dir():
            continue
        for path in _walk(base, real_root, problems, root):
            rel = path.relative_to(root).as_posix()
            if not path.name.endswith(SPEC_SUFFIX):
                tip = " (rename it to .yaml)" if path.name.endswith(".yml") else ""
                warn(f"warning: {rel}: ignored, spec files end in .yaml{tip}")
                continue
            resolved = path.resolve()
            if not resolved.is_relative_to(real_root):
                problems.append(SpecProblem(
                    Location(rel, 1, 1), f"symlink points outside the repository ({resolved})"
                ))
                continue
            key = path.relative_to(base).as_posix()[: -len(SPEC_SUFFIX)]
            files.append(SpecFile(kind, key, rel, path))
    return files, problems


def _walk(base: Path, real_root: Path, problems: list[SpecProblem], root: Path
          ) -> Iterator[Path]:
    seen: set[Path] = set()
    for dirpath, dirnames, filenames in os.walk(base, followlinks=True):
        here = Path(dirpath)
        real = here.resolve()
        if real in seen or not real.is_relative_to(real_root):
            if real not in seen:
                problems.append(SpecProblem(
                    Location(here.relative_to(root).as_posix(), 1, 1),
                    f"symlinked folder points outside the repository ({real})",
                ))
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield here / name


def load_workspace(loaded: LoadedConfig, warn: Callable[[str], None] = _stderr) -> Workspace:
    """Validate and render every spec; raise SpecErrors with every problem of every file."""
    from reconciler.spec.validate import validate_document

    root = loaded.root
    files, problems = discover(root, warn)
    renderer = Renderer(loaded.env.vars, loaded.env_name)
    digest = hashlib.sha256()
    digest.update(b"reconciler.yaml\0" + loaded.path.read_bytes() + b"\0")
    specs: list[Spec] = []
    docs: dict[str, Document] = {}
    for f in files:
        raw = _read(f, problems)
        if raw is None:
            continue
        digest.update(f.rel.encode() + b"\0" + raw + b"\0")
        try:
            doc = load_document(raw, f.rel)
        except FileProblem as e:
            problems.append(e.problem)
            continue
        rendered = _render(doc, renderer, problems)
        spec, found = validate_document(f.kind, f.key, doc, rendered)
        problems += found
        if spec is not None:
            specs.append(spec)
            docs[spec.ref] = doc
    audience_keys = [f.key for f in files if f.kind == "audience"]
    problems += cross_checks(specs, docs, audience_keys)
    if problems:
        raise SpecErrors(problems)
    specs.sort(key=lambda s: (KINDS.index(s.kind), s.key))
    return Workspace(loaded=loaded, specs=tuple(specs), content_hash=digest.hexdigest())


def _read(f: SpecFile, problems: list[SpecProblem]) -> bytes | None:
    try:
        size = f.path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(too_big(size, f.rel))
            return None
        return f.path.read_bytes()
    except OSError as e:
        problems.append(SpecProblem(Location(f.rel, 1, 1), f"cannot read file: {e.strerror}"))
    return None


def _render(doc: Document, renderer: Renderer, problems: list[SpecProblem]) -> Any:
    """Every string value rendered as a template; failures become problems at the value."""

    def walk(node: Any, path: tuple[str | int, ...]) -> Any:
        if isinstance(node, str):
            if not renderer.is_template(node):
                return node
            try:
                return renderer.render(node)
            except TemplateProblem as e:
                problems.append(SpecProblem(doc.location(path), str(e)))
                return node
        if isinstance(node, dict):
            return {k: walk(v, (*path, k)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, (*path, i)) for i, v in enumerate(node)]
        return node

    return walk(doc.data, ())


def cross_checks(specs: list[Spec], docs: dict[str, Document], audience_keys: list[str]
                 ) -> list[SpecProblem]:
    """Duplicate names and pinned ids within a kind; campaign audience keys that do not exist."""
    from reconciler.source.problems import suggest

    problems: list[SpecProblem] = []
    for kind in KINDS:
        for field, show in (("name", repr), ("id", str)):
            first: dict[Any, Spec] = {}
            for s in (s for s in specs if s.kind == kind):
                value = s.name if field == "name" else s.pin_id
                if value is None:
                    continue
                if value in first:
                    for a, b in ((s, first[value]), (first[value], s)):
                        other = docs[b.ref].location((field,))
                        problems.append(SpecProblem(
                            docs[a.ref].location((field,)),
                            f"duplicate {kind} {field} {show(value)} (also in {other})",
                        ))
                else:
                    first[value] = s
    known = set(audience_keys)
    for s in specs:
        if s.kind != "campaign":
            continue
        refs = s.body.get("audiences", {}).get("target_rules", {}).get("audience", [])
        for i, ref in enumerate(refs if isinstance(refs, list) else []):
            if isinstance(ref, str) and ref not in known:
                path = ("audiences", "target_rules", "audience", i)
                problems.append(SpecProblem(
                    docs[s.ref].location(path),
                    f"unknown audience key {ref!r}: no file audiences/{ref}.yaml"
                    f"{suggest(ref, sorted(known))}",
                ))
    return problems
