"""Load reconciler.yaml and pick the env a command runs against."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from reconciler.config.models import Config, EnvConfig
from reconciler.errors import ConfigError


@dataclass(frozen=True)
class LoadedConfig:
    """The config file, its folder (where spec folders live) and the chosen env."""

    path: Path
    config: Config
    env_name: str

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def env(self) -> EnvConfig:
        return self.config.envs[self.env_name]

    @property
    def state_dir(self) -> Path:
        """`.reconciler/` beside the config: sandbox db, journal, cache, lock."""
        return self.root / ".reconciler"


def load_config(path: Path, env_name: str | None = None) -> LoadedConfig:
    """Parse and validate reconciler.yaml; select `env_name` or `default_env`."""
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found (use --config FILE)")
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (YAMLError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid YAML: {str(e).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must be a mapping with an 'envs' key")
    try:
        config = Config.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"{path}: {where}: {err['msg']}") from None
    name = env_name or config.default_env or (next(iter(config.envs)) if len(config.envs) == 1 else None)
    if name is None:
        raise ConfigError(f"{path}: no --env given and no default_env set")
    if name not in config.envs:
        known = ", ".join(sorted(config.envs))
        raise ConfigError(f"{path}: unknown env {name!r} (known: {known})")
    return LoadedConfig(path=path, config=config, env_name=name)
