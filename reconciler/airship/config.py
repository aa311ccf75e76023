"""An Airship env in reconciler.yaml: a project named by its app key, on one region.

Airship serves one API per region (docs/specs/airship.md §1): North America at
`https://go.urbanairship.com`, Europe at `https://go.airship.eu`. An env names
its region by that base URL; a served sandbox on loopback is the only other
target, so the master secret or token never travels to a host the docs do not
list. The app key names the project (it is no secret: apps embed it); the
master secret (AIRSHIP_MASTER_SECRET) or a bearer token (AIRSHIP_TOKEN) comes
only from the environment.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator

from reconciler.config.models import SANDBOX, EnvConfig
from reconciler.config.urls import check_region_url

REGION_HOSTS = {"go.urbanairship.com": "NA", "go.airship.eu": "EU"}
APP_KEY = r"^[\w-]{22}$"  # 22 word characters or `-`, as the official client checks
SECRET_VARIABLE = "AIRSHIP_MASTER_SECRET"  # basic auth with the app key
TOKEN_VARIABLE = "AIRSHIP_TOKEN"  # or a bearer token
SECRETS = (SECRET_VARIABLE, TOKEN_VARIABLE)


class AirshipEnv(EnvConfig):
    """One Airship project (`provider: airship`), named by its app key."""

    provider: Literal["airship"] = Field(
        description="airship: Airship segments, pipelines and scheduled pushes (master "
        "secret from AIRSHIP_MASTER_SECRET, or a bearer token from AIRSHIP_TOKEN)."
    )
    app_key: str | None = Field(
        None, pattern=APP_KEY,
        description="Airship app key (provider airship; public: the secret comes from "
        "AIRSHIP_MASTER_SECRET or AIRSHIP_TOKEN). Optional for api_url: sandbox.",
    )

    EXAMPLE_URL: ClassVar[str] = "https://go.urbanairship.com"
    FIELD_AFTER: ClassVar[dict[str, str]] = {"app_key": "app_id"}

    @classmethod
    def of(cls, env: EnvConfig) -> AirshipEnv:
        """`env` as an Airship env (the registry opened this platform for it)."""
        if not isinstance(env, cls):
            raise TypeError(f"not an airship env: {type(env).__name__}")
        return env

    @model_validator(mode="before")
    @classmethod
    def _app(cls, data: Any) -> Any:
        """An Airship project is named by its app key; plans show it as the app."""
        if isinstance(data, dict):
            for word in ("master_secret", "token", "secret"):
                if word in data:
                    raise ValueError(f"an airship env takes no {word}: secrets come only from "
                                     "AIRSHIP_MASTER_SECRET or AIRSHIP_TOKEN")
            if "app_id" not in data:
                return {**data, "app_id": str(data.get("app_key") or SANDBOX)}
        return data

    @model_validator(mode="after")
    def _target(self) -> AirshipEnv:
        if not self.is_sandbox:
            check_region_url(self.api_url, "an airship env", "a region's base URL", REGION_HOSTS)
            if not self.app_key:
                raise ValueError("an airship env needs app_key (the secret comes from "
                                 "AIRSHIP_MASTER_SECRET or AIRSHIP_TOKEN)")
        return self

    @property
    def region(self) -> str:
        """NA or EU (a loopback or sandbox target: the sandbox's own)."""
        return REGION_HOSTS.get(urlsplit(self.api_url).hostname or "", SANDBOX)

    def target_identity(self, env_name: str) -> tuple[object, ...]:
        """A project is its app key (one key, one project, whichever region URL names it)."""
        return (self.provider, SANDBOX) if self.is_sandbox else (self.provider, self.app_key)

    def target_words(self) -> str:
        return f"Airship app key {self.app_key or SANDBOX!r}"
