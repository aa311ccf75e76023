"""Spec files: models, loading, validation. `load_workspace` is the entry point.

The names below are imported on first use, so the light modules of this package
(`discover`, `cache`, `memo`) can be imported without YAML or pydantic (issue 29).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.lazyexports import lazy_exports

if TYPE_CHECKING:
    from reconciler.workspace.loader import load_workspace
    from reconciler.workspace.workspace import FOLDERS, KINDS, Spec, Workspace

__all__ = ["FOLDERS", "KINDS", "Spec", "Workspace", "load_workspace"]
__getattr__ = lazy_exports(__name__, {
    "load_workspace": "loader", "FOLDERS": "workspace", "KINDS": "workspace",
    "Spec": "workspace", "Workspace": "workspace",
})
