"""Rendering the template strings of a parsed document, copy-on-write.

The parsed data stays untouched (the parse cache keeps it); the rendered
document shares every container no template lives in.
"""

from __future__ import annotations

from typing import Any

from reconciler.errors import SpecProblem
from reconciler.source.yamlio import Document
from reconciler.workspace.templating import Renderer, TemplateProblem

TemplatePath = tuple[str | int, ...]


def render_paths(doc: Document, renderer: Renderer, problems: list[SpecProblem]) -> Any:
    """`doc.data` with its template strings rendered; failures become problems there."""
    root = doc.data
    copies: dict[TemplatePath, Any] = {}

    def copied(path: TemplatePath) -> Any:
        if path in copies:
            return copies[path]
        node: dict[str, Any] | list[Any]
        if not path:
            node = dict(root)
        else:
            parent = copied(path[:-1])
            original = parent[path[-1]]
            node = dict(original) if isinstance(original, dict) else list(original)
            parent[path[-1]] = node
        copies[path] = node
        return node

    for path in doc.templates:
        source = _get(root, path)
        if not isinstance(source, str) or not renderer.is_template(source):
            continue
        try:
            value = renderer.render(source)
        except TemplateProblem as e:
            problems.append(SpecProblem(doc.location(path), str(e)))
            continue
        if value != source:
            copied(path[:-1])[path[-1]] = value
    return copies.get((), root)


def _get(node: Any, path: TemplatePath) -> Any:
    for p in path:
        node = node[p]
    return node
