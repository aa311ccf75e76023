"""reconciler.yaml: models and loading."""

from reconciler.config.loader import LoadedConfig, load_config
from reconciler.config.models import Config, EnvConfig, SafetyConfig

__all__ = ["Config", "EnvConfig", "LoadedConfig", "SafetyConfig", "load_config"]
