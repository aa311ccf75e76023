"""Load reconciler.yaml and pick the env a command runs against."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from reconciler.config.models import Config, EnvConfig
from reconciler.errors import ConfigError, ConfigErrors, Location, relpath
from reconciler.source.problems import problems_from, suggest
from reconciler.source.yamlio import FileProblem, load_document

DEFAULT_CONFIG = "reconciler.yaml"  # the --config default of every command (cli/options.py)


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
    def is_default_env(self) -> bool:
        """Whether this env is the one chosen without --env."""
        single = next(iter(self.config.envs)) if len(self.config.envs) == 1 else None
        return self.env_name == (self.config.default_env or single)

    def cli_args(self) -> tuple[str, ...]:
        """The `--config`/`--env` options that select this env again from the current
        directory, so hints such as `reconciler send-test KEY …` name the exact command."""
        args: tuple[str, ...] = ()
        if self.path != Path(DEFAULT_CONFIG):
            args += ("--config", str(self.path))
        if not self.is_default_env:
            args += ("--env", self.env_name)
        return args

    @property
    def state_dir(self) -> Path:
        """`.reconciler/` beside the config: sandbox db, journal, cache, lock."""
        return self.root / ".reconciler"


def load_config(path: Path, env_name: str | None = None) -> LoadedConfig:
    """Parse and validate reconciler.yaml; select `env_name` or `default_env`.

    Problems are reported as `path:line:col: message`, all at once.
    """
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found (use --config FILE)")
    shown = relpath(path, Path.cwd())
    try:
        doc = load_document(path.read_bytes(), shown)
    except FileProblem as e:
        raise ConfigErrors([e.problem]) from None
    try:
        config = Config.model_validate(doc.data)
    except ValidationError as e:
        raise ConfigErrors(problems_from(e, doc, Config)) from None
    if config.default_env is not None and config.default_env not in config.envs:
        where = doc.location(("default_env",))
        hint = suggest(config.default_env, list(config.envs))
        raise ConfigError(f"{where}: default_env {config.default_env!r} is not one of envs "
                          f"({', '.join(sorted(config.envs))}){hint}")
    state = path.parent / ".reconciler"
    if state.exists() and not state.is_dir():
        raise ConfigError(f"{relpath(state, Path.cwd())}: is a file, but reconciler keeps its "
                          "state in a folder of that name (sandbox, journal, caches); move "
                          "the file away")
    single = next(iter(config.envs)) if len(config.envs) == 1 else None
    name = env_name or config.default_env or single
    if name is None:
        raise ConfigError(f"{Location(shown, 1, 1)}: no --env given and no default_env set")
    if name not in config.envs:
        known = ", ".join(sorted(config.envs))
        raise ConfigError(f"{shown}: unknown env {name!r} (known: {known})"
                          f"{suggest(name, list(config.envs))}")
    return LoadedConfig(path=path, config=config, env_name=name)
