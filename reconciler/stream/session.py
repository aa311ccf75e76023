"""Stream credentials of an env: the key from reconciler.yaml, the secret from the
environment (the embedded sandbox's own for `api_url: sandbox`). The provider is opened
by `reconciler.stream.connect`."""

from __future__ import annotations

import os

from reconciler.config import LoadedConfig
from reconciler.errors import ConfigError
from reconciler.stream.config import StreamEnv

SANDBOX_KEY = "sandbox"
SECRET_VARIABLE = "STREAM_API_SECRET"


def stream_credentials(loaded: LoadedConfig) -> tuple[str, str]:
    """(api_key, secret): the key from reconciler.yaml, the secret only from the environment."""
    env = StreamEnv.of(loaded.env)
    if env.is_sandbox:
        from reconciler.sandbox.stream import SANDBOX_SECRET

        return env.api_key or SANDBOX_KEY, SANDBOX_SECRET
    secret = os.environ.get(SECRET_VARIABLE, "")
    if not secret:
        raise ConfigError(f"env {loaded.env_name!r} needs its secret: set {SECRET_VARIABLE}")
    return env.api_key or "", secret
