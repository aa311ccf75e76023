"""The seams the package is built on, checked over its source (issue 27):

- a platform is a plug-in: outside its own packages (reconciler/<platform>/ and its
  sandbox) and the registry, no module imports a platform package or names a
  platform, in code (an identifier or a string the code acts on). Prose may still
  use a platform as an example: docstrings, comments, and the help and error
  texts listed below, each with its reason;
- no import circles over the whole package;
- no import from a lower layer back up (LAYERS, lowest first).

Imports inside `if TYPE_CHECKING:` are annotations only and left out; imports inside
functions count (they are dependencies too)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from reconciler.registry import PLATFORMS

PACKAGE = Path(__file__).resolve().parents[1] / "reconciler"
PLATFORM_PACKAGES = tuple(f"reconciler.{name}" for name in PLATFORMS)
# Each platform's sandbox is its own sub-package (reconciler/sandbox/<platform>/); the
# sandbox's shared modules (server, state, faults, base, launcher) are not platform code.
SANDBOX_PACKAGES = tuple(f"reconciler.sandbox.{name}" for name in PLATFORMS)
PLATFORM_CODE = (*PLATFORM_PACKAGES, *SANDBOX_PACKAGES)
REGISTRY = "reconciler.registry"
NAMES = re.compile(r"(?i)(?<![a-z])(" + "|".join(PLATFORMS) + r")(?![a-z])")

# Lowest first. A module may import its own layer and those below it, never above.
# A module's layer is that of the longest prefix listed.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("reconciler", "reconciler.errors", "reconciler.httpio", "reconciler.calls",
     "reconciler.source", "reconciler.platform", "reconciler.registry",
     "reconciler.render.safe"),
    ("reconciler.config",),
    ("reconciler.workspace",),
    ("reconciler.plan.model", "reconciler.plan.paths", "reconciler.describe",
     "reconciler.calendar.grid", "reconciler.sendtest", "reconciler.preview",
     "reconciler.doctor"),
    ("reconciler.provider",),
    # the core: plans, applies, tools; workspace.pins writes spec files (the importer's
    # writer), workspace.pinfiles writes apply's pins with it on a worker thread
    ("reconciler.plan", "reconciler.apply", "reconciler.importer", "reconciler.render",
     "reconciler.calendar", "reconciler.gitops", "reconciler.scaffold",
     "reconciler.workspace.pins", "reconciler.workspace.pinfiles", "reconciler.sandbox"),
    PLATFORM_CODE,
    ("reconciler.cli",),
    ("reconciler.__main__",),
)
# Modules outside a platform that still import one of its modules, and why.
IMPORTS = {
    "reconciler.cli.sandbox": ("reconciler.sandbox.localytics.store",),  # `sandbox sent`
    # reads the pushes the Localytics sandbox's Push API kept, the only sent-push log
}
# Texts a person reads that name a platform as an example, and why they stay.
PROSE = {
    "reconciler/cli/main.py": "the tool's one-line description names the platform it began with",
    "reconciler/cli/preview.py": "--help text: what each platform's drawing shows",
    "reconciler/cli/send_test.py": "--help text: who each platform's test recipients are",
    "reconciler/cli/importing.py": "--help text: the id form of each platform",
    "reconciler/cli/sandbox.py": "`sandbox serve` help and banner name the sandboxes it serves; "
                                 "`--stream-port` stays as a hidden alias of `--port-for "
                                 "stream=PORT` for scripts that use it",
    "reconciler/config/models.py": "a field description's example path (examples/stream)",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _skipped(tree: ast.AST) -> set[int]:
    return {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
            and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}


def imported_modules(path: Path) -> set[str]:
    """Every module name an import statement names (the module and module.attribute)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _skipped(tree)
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def dependencies(name: str) -> set[str]:
    """The package's modules that `name` imports: `from p import m` depends on the
    module p.m where there is one, else on p."""
    tree = ast.parse(modules()[name].read_text(encoding="utf-8"))
    skip = _skipped(tree)
    named: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            named |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            subs = {f"{node.module}.{a.name}" for a in node.names}
            named |= subs & modules().keys() or {node.module}
            if subs - modules().keys():
                named.add(node.module)
    found = set()
    for imported in named:
        while imported and imported not in modules():
            imported = imported.rpartition(".")[0]
        if imported.startswith("reconciler") and imported != name:
            found.add(imported)
    return found


def is_platform_code(name: str) -> bool:
    return name == REGISTRY or any(name == p or name.startswith(p + ".") for p in PLATFORM_CODE)


def _docstrings(tree: ast.AST) -> set[int]:
    """Strings that are statements of their own: docstrings, attribute docstrings."""
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}


def _identifiers(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, ast.Attribute):
        yield node.attr
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield node.name
    elif isinstance(node, ast.arg):
        yield node.arg
    elif isinstance(node, ast.keyword) and node.arg:
        yield node.arg
    elif isinstance(node, ast.alias):
        yield node.asname or node.name
    elif isinstance(node, ast.ImportFrom) and node.module:
        yield node.module


def platform_names(source: str) -> list[str]:
    """Where code names a platform: identifiers (split on _) and strings other than
    docstrings, as `line: text`."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        texts = [w for i in _identifiers(node) for w in [i.replace("_", " ")]]
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            texts.append(node.value)
        found += [f"{getattr(node, 'lineno', 0)}: {t[:60]!r}" for t in texts if NAMES.search(t)]
    return found


# --- a platform is a plug-in ------------------------------------------------------
def test_no_module_outside_a_platform_imports_one() -> None:
    offending = {
        f"{name}: {imported}"
        for name, path in modules().items() if not is_platform_code(name)
        for imported in imported_modules(path) if imported.startswith(PLATFORM_CODE)
        and not imported.startswith(IMPORTS.get(name, ("-",)))
    }
    assert offending == set()
    assert len(modules()) > 100  # the walk saw the package


def test_no_module_outside_a_platform_names_one() -> None:
    offending = {
        f"{path.relative_to(PACKAGE.parent)}:{hit}"
        for name, path in modules().items()
        if not is_platform_code(name) and str(path.relative_to(PACKAGE.parent)) not in PROSE
        for hit in platform_names(path.read_text(encoding="utf-8"))
    }
    assert offending == set()


def test_the_import_exceptions_still_import_a_platform() -> None:
    for name, allowed in IMPORTS.items():
        assert any(i.startswith(allowed) for i in imported_modules(modules()[name])), name


def test_the_prose_exceptions_still_name_a_platform() -> None:
    """An exception that no longer applies is removed, so the list only shrinks."""
    stale = [f for f in PROSE if not platform_names((PACKAGE.parent / f).read_text("utf-8"))]
    assert stale == []


@pytest.mark.parametrize(("source", "hit"), [
    ("if env.provider == 'stream':\n    pass\n", True),
    ("from reconciler.smartech import x\n", True),
    ("def open_localytics():\n    pass\n", True),
    ('"""A docstring may say Stream."""\n', False),
    ("x = 'upstream'\n", False),
    ("x = 1  # a comment may say Smartech\n", False),
])
def test_the_name_check_sees_code_not_prose(source: str, hit: bool) -> None:
    assert bool(platform_names(source)) is hit


def test_the_import_check_sees_a_lazy_platform_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from reconciler.stream import provider\n"
                      "from typing import TYPE_CHECKING\n"
                      "if TYPE_CHECKING:\n    from reconciler.smartech.spec import X\n")
    assert imported_modules(sample) >= {"reconciler.stream.provider"}
    assert not any(n.startswith("reconciler.smartech") for n in imported_modules(sample))


# --- no circles, no imports back up -----------------------------------------------
def circles() -> set[tuple[str, ...]]:
    """Strongly connected components of more than one module (Tarjan)."""
    graph = {name: dependencies(name) for name in modules()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: set[tuple[str, ...]] = set()

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.add(tuple(sorted(component)))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_circles() -> None:
    assert circles() == set()


def layer(name: str) -> int:
    best = max(((len(p), i) for i, prefixes in enumerate(LAYERS) for p in prefixes
                if name == p or name.startswith(p + ".")), default=None)
    assert best is not None, f"{name} is in no layer: add it to LAYERS"
    return best[1]


def test_no_import_from_a_lower_layer_back_up() -> None:
    upward = {
        f"{name} -> {dep}"
        for name in modules() for dep in dependencies(name) if layer(dep) > layer(name)
    }
    assert upward == set()


def test_every_platform_in_the_registry_has_its_package() -> None:
    for name in PLATFORMS:
        assert f"reconciler.{name}.platform" in modules()


def test_the_sandbox_shared_modules_are_checked_like_shared_code() -> None:
    """Only each platform's sandbox sub-package is platform code; the served whole, the
    file names, faults and launcher are built from the registry."""
    for shared in ("reconciler.sandbox", "reconciler.sandbox.server", "reconciler.sandbox.state",
                   "reconciler.sandbox.faults", "reconciler.sandbox.launcher"):
        assert shared in modules() and not is_platform_code(shared)
    for name in PLATFORMS:
        assert is_platform_code(f"reconciler.sandbox.{name}.app")
        assert layer("reconciler.sandbox.base") < layer(f"reconciler.sandbox.{name}.app")


def test_the_layer_check_sees_the_package() -> None:
    assert "reconciler.provider" in dependencies("reconciler.plan.planner")
    assert layer("reconciler.workspace.loader") < layer("reconciler.provider")
    assert layer("reconciler.provider") < layer("reconciler.plan.planner")
    assert layer("reconciler.plan.planner") < layer("reconciler.localytics.provider")
    assert layer("reconciler.localytics.provider") < layer("reconciler.cli.plan")
