"""Canonical formatting of spec files and reconciler.yaml, comments kept.

Keys are put in the order the model declares its fields (unknown keys keep
their place after the known ones); maps indent by 2, sequences are indented
under their key; quotes, flow style, comments and blank lines stay as written.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from reconciler.config.models import config_model
from reconciler.errors import SpecErrors, SpecProblem, relpath
from reconciler.registry import DEFAULT
from reconciler.source.roundtrip import parse_rt, round_trip_yaml
from reconciler.source.shape import list_item, model_for, step
from reconciler.source.yamlio import FileProblem, decode, load_document
from reconciler.workspace.workspace import FOLDERS


def root_type(rel: str, platform: str | None = None) -> Any:
    """The model of a file from its path relative to the repo (None: indentation only).

    Files are ordered by their platform's models (the registry's default platform
    when None). A platform that keeps its files in the order they were written
    (`Platform.fmt_by_model` false) gets the default platform's order, as before.
    """
    from reconciler.registry import platform as named

    parts = PurePosixPath(rel).parts
    if len(parts) == 1 and parts[0] in ("reconciler.yaml", "reconciler.yml"):
        return config_model()
    found = named(platform or DEFAULT)
    if not found.fmt_by_model:
        found = named(DEFAULT)
    for kind, folder in FOLDERS.items():
        if folder in parts[:-1]:
            return found.kind(kind).model
    return None


def _folders(config_path: Path) -> list[tuple[Path, str]]:
    """(spec root, platform) of every env, each folder once, the default env's first;
    the config's folder as the default platform's when the config cannot be read."""
    from reconciler.config import load_config
    from reconciler.config.loader import spec_root
    from reconciler.errors import ReconcilerError

    try:
        loaded = load_config(config_path)
    except ReconcilerError:
        return [(config_path.parent, DEFAULT)]
    envs = [loaded.env, *loaded.config.envs.values()]
    found: dict[Path, str] = {}
    for env in envs:
        found.setdefault(spec_root(config_path, env), env.provider)
    return list(found.items())


def _platform(path: Path, folders: list[tuple[Path, str]]) -> str:
    """The platform of the env whose spec folder holds `path` (the deepest such folder);
    the default env's for a file outside them all."""
    target = path.resolve()
    inside = [(len(root.resolve().parts), p) for root, p in folders
              if target.is_relative_to(root.resolve())]
    return max(inside)[1] if inside else folders[0][1]


def format_text(text: str, rel: str, tp: Any = None, platform: str | None = None) -> str:
    """The canonical form of one YAML file (FileProblem if it does not parse);
    `tp` is its model, found from the path (and platform) when not given."""
    yaml = round_trip_yaml()
    data = parse_rt(text, rel, yaml)
    tp = tp or root_type(rel, platform)
    if tp is not None:
        reorder(data, tp)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue().rstrip() + "\n"  # blank lines moved to the end are dropped


def reorder(node: Any, tp: Any) -> None:
    """Sort mapping keys by declared field order, recursively, in place."""
    if tp is None:
        return
    if isinstance(node, CommentedSeq):
        item = list_item(tp)
        for v in node:
            reorder(v, item)
        return
    if not isinstance(node, CommentedMap):
        return
    model = model_for(tp, node)
    if model is not None:
        fields = getattr(model, "field_order", lambda: list(model.model_fields))()
        order = {name: i for i, name in enumerate(fields)}
        keys = list(node.keys())
        wanted = sorted(keys, key=lambda k: (order.get(k, len(order)), keys.index(k)))
        if wanted != keys:
            _move(node, wanted)
    for k, v in node.items():
        reorder(v, step(model if model is not None else tp, k) if isinstance(k, str) else None)


def _move(node: CommentedMap, wanted: list[Any]) -> None:
    """Reorder keys. Lines after the old last value (blank lines, comments that lead into
    the next outer key) stay at the end of the mapping; an end-of-line comment stays put."""
    last = list(node.keys())[-1]
    for k in wanted:
        node.move_to_end(k)
    if wanted[-1] == last:
        return
    tok = (node.ca.items.get(last) or [None, None, None])[2]
    if tok is None or "\n" not in tok.value:
        return
    cut = tok.value.index("\n") + 1
    rest = tok.value[cut:]
    if not rest:
        return
    owner, key, slot = _last_slot(node)
    entry = owner.ca.items.setdefault(key, [None, None, None, None])
    if entry[slot] is None:
        entry[slot] = CommentToken("\n" + rest, CommentMark(0), None)
    else:
        entry[slot].value += rest
    tok.value = tok.value[:cut]


def _last_slot(node: CommentedMap | CommentedSeq) -> tuple[Any, Any, int]:
    """Where ruamel keeps the comment after the last scalar below `node`:
    (collection, key or index, slot in its comment entry)."""
    key = list(node.keys())[-1] if isinstance(node, CommentedMap) else len(node) - 1
    value = node[key]
    if isinstance(value, CommentedMap | CommentedSeq) and value:
        return _last_slot(value)
    return node, key, 2 if isinstance(node, CommentedMap) else 0


def format_file(path: Path, rel: str, tp: Any = None, platform: str | None = None
                ) -> tuple[str, str]:
    """(current text, canonical text) of a file; FileProblem when formatting would change
    what any value means (checked by reading both texts as validate does)."""
    raw = path.read_bytes()
    text = decode(raw, rel)
    canonical = format_text(text, rel, tp, platform)
    if canonical != text:
        same_meaning(raw, canonical, rel)
    return text, canonical


def same_meaning(raw: bytes, canonical: str, rel: str) -> None:
    """Raise FileProblem at the first value whose meaning the canonical text changes."""
    before = load_document(raw, rel)
    after = load_document(canonical.encode("utf-8"), rel)
    where = _first_difference(before.data, after.data, ())
    if where is not None:
        raise FileProblem(SpecProblem(
            before.location(where),
            "fmt left this file as is: rewriting it would change this value "
            "(write it as a plain string instead of a tagged one)",
        ))


def _first_difference(a: Any, b: Any, path: tuple[str | int, ...]
                      ) -> tuple[str | int, ...] | None:
    if type(a) is not type(b):
        return path
    if isinstance(a, dict):
        if list(a) != list(b) and sorted(a) != sorted(b):
            return path
        for k in a:
            found = _first_difference(a[k], b[k], (*path, k))
            if found is not None:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(x, y, (*path, i))
            if found is not None:
                return found
        return None
    return None if a == b else path

def default_paths(root: Path) -> list[Path]:
    from reconciler.workspace.loader import discover

    files, _ = discover(root, warn=lambda _line: None)
    return [f.path for f in files]


def _expand(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(q for q in p.rglob("*.yaml") if q.is_file())
        else:
            out.append(p)
    return out


def run_fmt(config_path: Path, paths: list[Path], *, check: bool,
            echo: Callable[[str], None]) -> list[str]:
    """Format files in place (or only report with check); return the changed ones.

    Files that do not parse are left alone and reported together as SpecErrors.
    """
    root = config_path.parent
    if not paths and not config_path.is_file():
        from reconciler.config.loader import config_not_found
        from reconciler.errors import ConfigError

        raise ConfigError(f"{config_not_found(config_path)} (or give fmt the PATHs to format)")
    config = [config_path] if config_path.is_file() else []
    folders = _folders(config_path) if config else [(root, DEFAULT)]
    targets = _expand(paths) if paths else config + [
        f for folder, _ in folders for f in default_paths(folder)]
    changed: list[str] = []
    problems: list[SpecProblem] = []
    for path in targets:
        rel = relpath(path, root)
        platform = _platform(path, folders)
        try:
            is_config = path.resolve() == config_path.resolve()
            text, canonical = format_file(path, rel, config_model() if is_config else None, platform)
        except FileProblem as e:
            problems.append(e.problem)
            continue
        if canonical == text:
            continue
        changed.append(rel)
        if check:
            echo(f"would reformat {rel}")
        else:
            path.write_text(canonical, encoding="utf-8")
            echo(f"reformatted {rel}")
    if problems:
        raise SpecErrors(problems)
    return changed
