"""Where a Smartech env may point: the sandbox, a documented region, or loopback.

Netcore serves its campaign APIs from per-region hosts (US, IN, EU; see
docs/specs/smartech.md for the sources). An env names its region by the v4
host; the other hosts of that region (legacy app push, audience list) are
derived from it in `reconciler.smartech.hosts`. A served sandbox on loopback
(`http://127.0.0.1:PORT/smartech`) is the only other target, so the API key
never travels to a host the docs do not list.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from reconciler.config.models import SANDBOX, EnvConfig
from reconciler.config.urls import check_region_url

# v4 host per region [EM4]; the key of reconciler.smartech.hosts.REGIONS
REGION_HOSTS = {
    "api.netcoresmartech.com": "US",
    "apiind.netcoresmartech.com": "IN",
    "apieu.netcoresmartech.com": "EU",
}


class SmartechEnv(EnvConfig):
    """One Smartech account (`provider: smartech`), named by its region host; the key
    is a secret and comes only from SMARTECH_API_KEY."""

    provider: Literal["smartech"] = Field(
        description="smartech: Netcore Smartech campaigns (key from SMARTECH_API_KEY)."
    )

    @model_validator(mode="before")
    @classmethod
    def _account(cls, data: Any) -> Any:
        """A Smartech account is named by its region host (the key is a secret)."""
        if not isinstance(data, dict):
            return data
        if "api_key" in data:
            raise ValueError("a smartech env takes no api_key: the key is a secret and comes "
                             "only from SMARTECH_API_KEY")
        if "app_id" not in data:
            host = str(data.get("api_url") or SANDBOX).split("://", 1)[-1].split("/", 1)[0]
            return {**data, "app_id": host}
        return data

    @model_validator(mode="after")
    def _region(self) -> SmartechEnv:
        if not self.is_sandbox:
            check_region_url(self.api_url, "a smartech env", "a region host", REGION_HOSTS)
        return self

    def target_identity(self, env_name: str) -> tuple[object, ...]:
        """The account is the API key's, and the key lives only in each env's secret
        (SMARTECH_API_KEY of its GitHub environment), never in reconciler.yaml: envs
        on one region host are separate accounts unless they are the one embedded
        sandbox, which holds a single account."""
        if self.is_sandbox:
            return (self.provider, SANDBOX)
        return (self.provider, self.app_id, env_name)

    def target_words(self) -> str:
        return f"the Smartech account of {self.app_id!r}"
