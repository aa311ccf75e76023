"""Where a value of a spec is, for errors found after validation (at plan time)."""

from __future__ import annotations

from pathlib import Path

from reconciler.errors import Location
from reconciler.source.yamlio import FileProblem, load_document


def locate(root: Path, rel: str, path: tuple[str | int, ...]) -> Location:
    """`rel:line:col` of `path` in the spec file `rel` (below `root`); the file alone
    when it cannot be read again. Specs keep no positions: plan-time errors are rare,
    so the file is parsed again only for them."""
    try:
        return load_document((root / rel).read_bytes(), rel).location(path)
    except (FileProblem, OSError):
        return Location(rel)
