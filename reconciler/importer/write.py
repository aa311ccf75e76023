"""Writing spec files: new files in the canonical layout, or changed values merged
into an existing file with its comments, quotes and key order kept.

An update compares each existing value as the loader sees it (templates
rendered with the env's vars) with the live value, and rewrites only the
values that differ: a `{{ vars.store_name }}` that still renders to the live
text stays a template, and a changed text keeps the `{{ vars.X }}` placeholders
whose values it still contains (when that renders back to exactly the live
text). A value the plan compares as equal anyway (a started Stream campaign's
`send.at`, one instant written another way) stays as written.
Reconciler-only keys (`id`, `protect`, `ignore_changes`) are the user's
and are never touched, nor are the fields `ignore_changes` names: the spec
leaves those to the dashboard, so the file keeps what it has.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from reconciler.importer.document import Verbatim, node
from reconciler.importer.escape import needs_escape
from reconciler.plan.paths import parse
from reconciler.source.roundtrip import parse_rt, round_trip_yaml
from reconciler.source.shape import list_item, model_for, step
from reconciler.workspace.base import RECONCILER_ONLY
from reconciler.workspace.templating import Renderer, TemplateProblem
from reconciler.workspace.validate import MODELS


def dump(doc: Any) -> str:
    out = io.StringIO()
    round_trip_yaml().dump(doc, out)
    return out.getvalue()


def new_text(doc: CommentedMap) -> str:
    """The file text of a new spec. `doc` is built in model key order and dumped with
    fmt's own YAML settings, so `reconciler fmt` finds nothing to change (tests check
    this; re-parsing every file through fmt would double the cost of a large import)."""
    return dump(doc).rstrip() + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so an interrupted import leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, _mode(path))  # mkstemp makes 0600; a spec file is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


Redundant = Callable[[tuple[str | int, ...]], bool]
# (path, the file's value there as rendered) → whether the plan sees the live value there
SameMeaning = Callable[[tuple[str | int, ...], Any], bool]
_VAR = re.compile(r"\{\{\s*vars\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class _Ctx:
    renderer: Renderer
    redundant: Redundant  # a key the file lacks whose live value is only the API's default
    same_meaning: SameMeaning
    verbatim: Verbatim  # a string that renders to itself, written unescaped
    kept: tuple[list[str | int | None], ...] = ()  # ignore_changes paths ([*] is None)

    def keeps(self, at: tuple[str | int, ...]) -> bool:
        return any(len(at) >= len(p) and all(
            t == a or t is None and isinstance(a, int) for t, a in zip(p, at[:len(p)], strict=True))
            for p in self.kept)


def _mode(path: Path) -> int:
    """The existing file's permissions, or what a new file gets under the umask."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def updated_text(kind: str, text: str, rel: str, plain: Mapping[str, Any],
                 renderer: Renderer, redundant: Redundant = lambda _path: False,
                 same_meaning: SameMeaning = lambda _path, _old: False,
                 verbatim: Verbatim = lambda _text: False) -> str | None:
    """The existing file with changed values rewritten, or None when nothing changed.

    A key the file leaves out is added only when its live value is not what the
    API fills in by default (`redundant`), so an update does not litter a file
    with `control_group_percent: 0`."""
    data = parse_rt(text, rel)
    if not isinstance(data, CommentedMap):
        return None
    ignored = data.get("ignore_changes")
    kept = tuple(parse(p) for p in ignored if isinstance(p, str)) \
        if isinstance(ignored, list) else ()
    ctx = _Ctx(renderer, redundant, same_meaning, verbatim, kept)
    changed = _merge_map(data, plain, MODELS[kind], ctx, (), top=True)
    return dump(data) if changed else None


def _merge_map(old: CommentedMap, new: Mapping[str, Any], tp: Any, ctx: _Ctx,
               at: tuple[str | int, ...], *, top: bool = False) -> bool:
    model = model_for(tp, dict(new))
    order = list(model.model_fields) if model is not None else []
    changed = False
    for k in [k for k in old if k not in new]:
        if top and k in RECONCILER_ONLY or ctx.keeps((*at, k)):
            continue
        del old[k]
        changed = True
    for k, v in new.items():
        sub = step(model, k) if model is not None else None
        if ctx.keeps((*at, k)):
            continue
        if k not in old:
            if not ctx.redundant((*at, k)):
                old.insert(_position(old, k, order), k, node(v, ctx.verbatim))
                changed = True
            continue
        current = old[k]
        if k == "creatives" and isinstance(current, CommentedMap) and isinstance(v, list) \
                and len(v) == 1:  # one creative written as a mapping
            changed |= _merge_value(old, k, v[0], list_item(sub), ctx, (*at, k, 0))
        else:
            changed |= _merge_value(old, k, v, sub, ctx, (*at, k))
    return changed


def _merge_value(parent: Any, key: Any, new: Any, tp: Any, ctx: _Ctx,
                 at: tuple[str | int, ...]) -> bool:
    old = parent[key]
    if isinstance(old, CommentedMap) and isinstance(new, Mapping):
        return _merge_map(old, new, tp, ctx, at)
    if isinstance(old, CommentedSeq) and isinstance(new, list):
        changed = False
        item = list_item(tp)
        for i, v in enumerate(new):
            if i < len(old):
                changed |= _merge_value(old, i, v, item, ctx, (*at, i))
            else:
                old.append(node(v, ctx.verbatim))
                changed = True
        while len(old) > len(new):
            del old[len(new)]
            changed = True
        return changed
    if _same(old, new, ctx.renderer) or _same_meaning(old, at, ctx):
        return False
    again = retemplate(old, new, ctx.renderer) if isinstance(old, str) and \
        isinstance(new, str) else None
    parent[key] = _styled(old, again if again is not None else node(new, ctx.verbatim))
    return True


def retemplate(old: str, new: str, renderer: Renderer) -> str | None:
    """`new` with the `{{ vars.X }}` placeholders of `old` put back where their values
    stand in it, if that renders to exactly `new`; else None (write the literal text).

    A dashboard edit of "15% off at Acme Store" to "20% off at Acme Store" then stays
    "20% off at {{ vars.store_name }}" in the spec, as the author wrote it."""
    values = {str(v): m.group(0) for m in _VAR.finditer(old)
              if isinstance(v := renderer.vars.get(m.group(1)), str | int)
              and not isinstance(v, bool) and len(str(v)) >= 2}
    if not values or needs_escape(new):
        return None
    pattern = re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))
    candidate = pattern.sub(lambda m: values[m.group(0)], new)
    if candidate == new:
        return None
    try:
        return candidate if renderer.render(candidate) == new else None
    except TemplateProblem:
        return None


def _same(old: Any, new: Any, renderer: Renderer) -> bool:
    if isinstance(old, str) and isinstance(new, str):
        try:
            return renderer.render(str(old)) == new
        except TemplateProblem:
            return False
    return type(old) is type(new) and old == new or (
        isinstance(old, int) and isinstance(new, int) and not isinstance(old, bool)
        and not isinstance(new, bool) and int(old) == new
    )


def _same_meaning(old: Any, at: tuple[str | int, ...], ctx: _Ctx) -> bool:
    """Whether the file's scalar at `at` differs from live only in a way the plan ignores."""
    if isinstance(old, CommentedMap | CommentedSeq):
        return False
    if isinstance(old, str):
        try:
            old = ctx.renderer.render(str(old))
        except TemplateProblem:
            return False
    return ctx.same_meaning(at, old)


def _styled(old: Any, new: Any) -> Any:
    """A replacement string in the old value's quote style, where that style can hold it."""
    if isinstance(new, str) and new.isprintable():
        if isinstance(old, DoubleQuotedScalarString):
            return DoubleQuotedScalarString(new)
        if isinstance(old, SingleQuotedScalarString):
            return SingleQuotedScalarString(new)
    return new


def _position(old: CommentedMap, key: str, order: list[str]) -> int:
    """Where a new key goes: after the last existing key the model declares before it."""
    if key not in order:
        return len(old)
    rank = order.index(key)
    pos = 0
    for i, k in enumerate(old):
        if k in order and order.index(k) < rank:
            pos = i + 1
    return pos
