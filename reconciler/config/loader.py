"""Load reconciler.yaml and pick the env a command runs against."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from reconciler.config.find import DEFAULT_CONFIG
from reconciler.config.find import config_not_found as config_not_found  # where fmt looks
from reconciler.config.find import find_config as find_config  # its old home
from reconciler.config.models import Config, EnvConfig, config_model, providers_in
from reconciler.config.urls import check_env_name
from reconciler.errors import ConfigError, ConfigErrors, Location, SpecProblem, relpath
from reconciler.source.problems import problems_from, suggest
from reconciler.source.yamlio import Document, FileProblem, load_document


@dataclass(frozen=True)
class LoadedConfig:
    """The config file, the chosen env, and where its spec folders live."""

    path: Path
    config: Config
    env_name: str

    @property
    def config_dir(self) -> Path:
        """The folder of reconciler.yaml: `.reconciler/` state lives here."""
        return self.path.parent

    @property
    def root(self) -> Path:
        """The env's spec root (its `specs:` folder): audiences/ and campaigns/ live here,
        and spec paths (`Spec.path`) are relative to it. The one place it is resolved."""
        return spec_root(self.path, self.env)

    def for_env(self, name: str) -> LoadedConfig:
        """The same config with env `name` chosen (no trusted-config check: for reading
        that env's specs, never for reaching its API)."""
        return LoadedConfig(self.path, self.config, name)

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
        return self.config_dir / ".reconciler"


def spec_root(config_path: Path, env: EnvConfig) -> Path:
    """The folder holding `env`'s audiences/ and campaigns/."""
    return config_path.parent if env.specs == "." else config_path.parent / env.specs


def spec_roots(config_path: Path) -> list[Path]:
    """Every env's spec root, each once (config order); just the config's folder when the
    config cannot be read (callers that only guard paths must not fail on it)."""
    from reconciler.errors import ReconcilerError

    try:
        config = _parse(config_path)
    except ReconcilerError:
        return [config_path.parent]
    return list(dict.fromkeys(spec_root(config_path, e) for e in config.envs.values()))


def _refuse_shared_targets(config: Config, doc: Document) -> None:
    """One env per live app: ConfigError naming both envs of a shared target."""
    seen: dict[tuple[object, ...], str] = {}
    for name, env in config.envs.items():
        first = seen.setdefault(env.target_identity(name), name)
        if first != name:
            raise ConfigError(
                f"{doc.location(('envs', name))}: envs {first!r} and {name!r} both target "
                f"{env.target_words()}; give each app one env (two envs on one app race and "
                "undo each other)"
            )


def load_config(path: Path, env_name: str | None = None) -> LoadedConfig:
    """Parse and validate reconciler.yaml; select `env_name` or `default_env`.

    Problems are reported as `path:line:col: message`, all at once.
    """
    config, doc = _parse_document(path)
    _refuse_shared_targets(config, doc)
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
        raise ConfigError(f"{Location(doc.path, 1, 1)}: no --env given and no default_env set")
    if name not in config.envs:
        known = ", ".join(sorted(config.envs))
        raise ConfigError(f"{doc.path}: unknown env {name!r} (known: {known})"
                          f"{suggest(name, list(config.envs))}")
    _check_trusted(config, name, doc)
    _check_spec_folders(path, config, doc)
    return LoadedConfig(path=path, config=config, env_name=name)


def _check_spec_folders(path: Path, config: Config, doc: Document) -> None:
    """Every env's `specs:` folder must exist: a mistyped folder would read as a repo with
    no specs (and a pruning env would then offer to remove everything)."""
    for name, env in config.envs.items():
        if env.specs != "." and not spec_root(path, env).is_dir():
            raise ConfigError(f"{doc.location(('envs', name, 'specs'))}: specs folder "
                              f"{env.specs!r} not found beside {doc.path}")


def any_env(path: Path) -> str:
    """The default env, else the first: for commands that read every env (`calendar
    --all-envs`) and need none chosen."""
    config = _parse(path)
    return config.default_env or next(iter(config.envs))


def _parse_document(path: Path) -> tuple[Config, Document]:
    if not path.is_file():
        raise ConfigError(config_not_found(path))
    shown = relpath(path, Path.cwd())
    try:
        doc = load_document(path.read_bytes(), shown)
    except FileProblem as e:
        raise ConfigErrors([e.problem]) from None
    _check_env_names(doc)
    try:
        model = config_model(providers_in(doc.data))
        config = model.model_validate(doc.data)
    except ValidationError as e:
        raise ConfigErrors(problems_from(e, doc, model)) from None
    return config, doc


def _parse(path: Path) -> Config:
    return _parse_document(path)[0]


def _check_env_names(doc: Document) -> None:
    """Refuse unsafe env names before pydantic, whose messages would quote the raw key
    (a newline in it would start a second output line)."""
    envs = doc.data.get("envs") if isinstance(doc.data, dict) else None
    if not isinstance(envs, dict):
        return
    problems = []
    for name in envs:
        try:
            check_env_name(str(name))
        except ValueError as e:
            problems.append(SpecProblem(doc.location(("envs", name)), str(e)))
    if problems:
        raise ConfigErrors(problems)


def _check_trusted(config: Config, env_name: str, doc: Document) -> None:
    """With a trusted config set (reconciler.config.trust), the env must target what it says."""
    from reconciler.config.trust import TRUSTED_CONFIG_VARIABLE, check_trusted, trusted_path

    trusted_file = trusted_path()
    if trusted_file is None:
        return
    if not trusted_file.is_file():
        raise ConfigError(f"{trusted_file}: trusted config not found "
                          f"({TRUSTED_CONFIG_VARIABLE} or --trusted-config)")
    trusted = _parse(trusted_file)

    def where(field: str | None) -> Location:
        return doc.location(("envs", env_name) + ((field,) if field else ()))

    check_trusted(config, env_name, trusted, relpath(trusted_file, Path.cwd()), where)
