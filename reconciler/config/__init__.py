"""reconciler.yaml: models and loading.

The names below are imported on first use, so `reconciler.config.find` (where
reconciler.yaml is) can be imported without pydantic (issue 29).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.lazyexports import lazy_exports

if TYPE_CHECKING:
    from reconciler.config.loader import LoadedConfig, load_config
    from reconciler.config.models import Config, EnvConfig, SafetyConfig

__all__ = ["Config", "EnvConfig", "LoadedConfig", "SafetyConfig", "load_config"]
__getattr__ = lazy_exports(__name__, {
    "LoadedConfig": "loader", "load_config": "loader",
    "Config": "models", "EnvConfig": "models", "SafetyConfig": "models",
})
