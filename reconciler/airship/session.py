"""Airship credentials of an env: the app key from reconciler.yaml, the master secret
(AIRSHIP_MASTER_SECRET) or a bearer token (AIRSHIP_TOKEN) only from the environment;
the embedded sandbox's own for `api_url: sandbox`. The provider is opened by
`reconciler.airship.connect`."""

from __future__ import annotations

import os
from dataclasses import dataclass

from reconciler.airship.config import SECRET_VARIABLE, TOKEN_VARIABLE, AirshipEnv
from reconciler.config import LoadedConfig
from reconciler.errors import ConfigError

SANDBOX_APP_KEY = "sandbox-app-key-000000"  # 22 characters, as real app keys are


@dataclass(frozen=True)
class Credentials:
    app_key: str
    secret: str = ""  # the master secret (basic auth), or
    token: str = ""  # a bearer token (preferred when both are set: it can be scoped)


def airship_credentials(loaded: LoadedConfig) -> Credentials:
    """The env's credentials; a ConfigError naming the variables when there are none."""
    env = AirshipEnv.of(loaded.env)
    key = env.app_key or SANDBOX_APP_KEY
    if env.is_sandbox:
        from reconciler.sandbox.airship.secret import SANDBOX_MASTER_SECRET

        return Credentials(key, secret=SANDBOX_MASTER_SECRET)
    token = os.environ.get(TOKEN_VARIABLE, "")
    secret = os.environ.get(SECRET_VARIABLE, "")
    if token or secret:
        return Credentials(key, secret=secret, token=token)
    raise ConfigError(f"env {loaded.env_name!r} needs its secret: set {SECRET_VARIABLE} "
                      f"(or {TOKEN_VARIABLE})")
