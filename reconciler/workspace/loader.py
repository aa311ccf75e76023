"""Load every spec file of a repo into a validated, rendered `Workspace`.

All problems of all files are collected and raised together as `SpecErrors`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
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
from reconciler.workspace.cache import ContentHash, ParseCache, read_file, refuse_tracked_state
from reconciler.workspace.discover import SpecFile, Walk, _stderr
from reconciler.workspace.discover import discover as discover  # where fmt, importer look
from reconciler.workspace.render import render_paths
from reconciler.workspace.specmemo import SpecMemo
from reconciler.workspace.templating import Renderer, platform_names
from reconciler.workspace.workspace import Spec, Workspace


def load_workspace(loaded: LoadedConfig, warn: Callable[[str], None] = _stderr, *,
                   use_cache: bool = True, walked: Walk | None = None,
                   memo: bool = False, later: list[Callable[[], None]] | None = None
                   ) -> Workspace:
    """Validate and render every spec; raise SpecErrors with every problem of every file.

    `use_cache=False` (apply) parses every file: no cache is trusted over the files.
    `walked`: this run's walk of the same spec root, reused with the bytes it read.
    `memo` (plan): the specs of the last passing load of the same bytes, when allowed
    (reconciler.workspace.specmemo). `later`: where keeping them is put, for the caller
    to run off its path (a plan, while its first requests are answered); without it
    they are kept before this returns.
    """
    from reconciler.registry import platform_of
    from reconciler.workspace.validate import validate_document

    platform = platform_of(loaded.env)
    root = loaded.root
    refuse_tracked_state(loaded.config_dir)
    if walked is not None and walked.root == root:
        for line in walked.warnings:
            warn(line)
        files, problems, raws = walked.files, list(walked.problems), walked.raws
    else:
        files, problems = discover(root, warn)
        raws = {}
    kept = SpecMemo.open(loaded) if memo and use_cache and not problems else None
    if kept is not None:
        replayed = kept.replay(loaded.path, files, raws, warn)
        if replayed is not None:
            return Workspace(loaded=loaded, specs=replayed[0], content_hash=replayed[1])
    renderer = Renderer(loaded.env.vars, loaded.env_name, platform_names(loaded))
    digest = ContentHash(loaded.path.read_bytes())
    cache = ParseCache.for_repo(root, loaded.env_name, loaded.env.vars, enabled=use_cache)
    specs: list[Spec] = []
    docs: dict[str, Document] = {}
    campaigns: list[Document] = []
    for f in files:
        raw = raws.get(f.rel) or _read(f, problems)
        if raw is None:
            continue
        digest.add(f.rel, raw)
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

    warnings = lookalikes(specs)
    for line in warnings:
        warn(line)
    if kept is not None:
        keep = kept.snapshot(tuple(specs), warnings)
        if later is None:
            keep()
        else:
            later.append(keep)
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
    try:  # a regular file within the limit: one open, fstat and read
        return read_file(f.file, MAX_FILE_BYTES)
    except OSError:
        pass  # which problem it is, as the checks below word it
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
        # Positions are composed again from the text only for a problem: 10,000 node
        # trees alive together were the largest holder of an uncached plan's peak memory.
        doc.node = None  # `doc.source` (the text) stays
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
