"""plan/, apply/ and importer/ speak only to the provider interface: no platform package
imported (a platform's live form becomes a spec document behind `Provider.spec_document`)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "reconciler"
PLATFORM_PACKAGES = ("reconciler.localytics", "reconciler.stream", "reconciler.smartech",
                     "reconciler.sandbox")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def test_plan_and_apply_import_no_platform_package() -> None:
    files = [f for pkg in ("plan", "apply", "importer") for f in sorted((PACKAGE / pkg).rglob("*.py"))]
    assert len(files) >= 4 and any(f.parent.name == "importer" for f in files)
    offending = {
        f"{f.relative_to(PACKAGE.parent)}: {name}"
        for f in files for name in imported_modules(f)
        if name.startswith(PLATFORM_PACKAGES)
    }
    assert offending == set()


def test_the_check_sees_a_platform_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from reconciler.stream import provider\n")
    assert "reconciler.stream.provider" in imported_modules(sample)


def test_the_check_sees_a_smartech_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("from reconciler.smartech.provider import SmartechProvider\n")
    assert any(n.startswith(PLATFORM_PACKAGES) for n in imported_modules(sample))


def test_send_test_and_preview_cores_import_no_platform_package() -> None:
    """The platform is the provider's `test_sender` / `preview` hook, never an import here."""
    files = [*sorted((PACKAGE / "sendtest").rglob("*.py")), *sorted((PACKAGE / "preview").rglob("*.py")),
             PACKAGE / "cli" / "send_test.py", PACKAGE / "cli" / "preview.py"]
    assert len(files) >= 6
    offending = {
        f"{f.relative_to(PACKAGE.parent)}: {name}"
        for f in files for name in imported_modules(f)
        if name.startswith(PLATFORM_PACKAGES)
    }
    assert offending == set()
