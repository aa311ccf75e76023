"""Credentials go only where the trusted config says: the base branch's reconciler.yaml.

On a pull request, the PR's reconciler.yaml is data written by whoever opened
it. With RECONCILER_TRUSTED_CONFIG (or `reconciler --trusted-config FILE`)
naming the base branch's copy, the chosen env must target exactly what the
trusted copy's env of the same name targets — provider, every URL, and every
org/app/account/key identity — or the command stops with one located line
before any request is made, so no secret reaches a host the PR chose.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.errors import ConfigError

if TYPE_CHECKING:  # the models import pydantic; the variable's name must not (memo)
    from reconciler.config.models import Config, EnvConfig

TRUSTED_CONFIG_VARIABLE = "RECONCILER_TRUSTED_CONFIG"

# Fields that decide where requests (and so credentials) go, or whose account they act
# on: the provider, any URL or host, any id or key. Matched by name so that a platform's
# new fields (a Smartech region URL, an account id) are covered without a list to update.
_TARGET_FIELD = re.compile(r"provider|.*_(url|host|id|key|account)")
# Named like a target but choosing a wire form, not where requests go.
_FORM_FIELDS = frozenset({"audience_key"})


def target_fields(env: EnvConfig) -> dict[str, Any]:
    """The env's target: the fields a pull request may not change while holding secrets."""
    return {name: getattr(env, name) for name in type(env).model_fields
            if _TARGET_FIELD.fullmatch(name) and name not in _FORM_FIELDS}


def target_key(env: EnvConfig) -> str:
    """One word naming the app an env writes to (provider and its ids/keys, not URLs):
    two envs with one key act on the same app, so their applies must not run together."""
    fields = target_fields(env)
    ids = [str(v) for k, v in sorted(fields.items())
           if k != "provider" and not k.endswith(("_url", "_host")) and v not in (None, "", 0)]
    raw = "-".join([env.provider, *dict.fromkeys(ids)])
    return re.sub(r"[^A-Za-z0-9._-]", "_", raw)[:200]


def trusted_path() -> Path | None:
    value = os.environ.get(TRUSTED_CONFIG_VARIABLE, "")
    return Path(value) if value else None


def check_trusted(config: Config, env_name: str, trusted: Config, trusted_shown: str,
                  where: Any) -> None:
    """Refuse `env_name` unless the trusted config targets the same place.

    `where(field)` gives the location of the env's field in the untrusted file. An env
    on the embedded sandbox needs no check: it has no credentials and sends nothing.
    """
    env = config.envs[env_name]
    if env.is_sandbox:
        return
    base = trusted.envs.get(env_name)
    if base is None:
        raise ConfigError(f"{where(None)}: env {env_name!r} is not in the trusted config "
                          f"{trusted_shown}: it gets no credentials until it is merged there")
    mine, theirs = target_fields(env), target_fields(base)
    for name in sorted(mine.keys() | theirs.keys()):
        if mine.get(name) != theirs.get(name):
            raise ConfigError(
                f"{where(name)}: env {env_name!r}: {name} differs from the trusted config "
                f"{trusted_shown}; credentials go only to the targets of the trusted config, "
                "so this change is planned after it is merged"
            )
