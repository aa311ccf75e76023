"""A package's exported names, imported from their modules on first use (PEP 562).

`reconciler.config` and `reconciler.workspace` export pydantic-backed names;
importing the package for one light module in it (finding reconciler.yaml,
walking the spec folders) would otherwise build every pydantic model first.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, where: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package`: name -> `getattr(<package>.<where[name]>, name)`."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return __getattr__
