"""Spec files: models, loading, validation. `load_workspace` is the entry point."""

from reconciler.workspace.loader import load_workspace
from reconciler.workspace.workspace import FOLDERS, KINDS, Spec, Workspace

__all__ = ["FOLDERS", "KINDS", "Spec", "Workspace", "load_workspace"]
