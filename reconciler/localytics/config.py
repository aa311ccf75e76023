"""A Localytics env in reconciler.yaml: an app of an org, and its Push API for send-test."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from reconciler.config.models import EnvConfig
from reconciler.config.urls import check_url


class LocalyticsEnv(EnvConfig):
    """One Localytics app (`provider: localytics`, the default)."""

    provider: Literal["localytics"] = Field(
        "localytics", description="Platform this env targets: localytics, the default "
        "when `provider:` is absent (credentials from LOCALYTICS_API_KEY and "
        "LOCALYTICS_API_SECRET)."
    )
    api_url: str = Field(
        description="`sandbox` for the embedded sandbox (.reconciler/sandbox.db), "
        "or the API base URL, e.g. https://dashboard.localytics.com/api/v6 "
        "or a served sandbox http://127.0.0.1:8400/api/v6."
    )
    org_id: int = Field(0, ge=0, le=2**63 - 1,
                        description="Localytics organization id (required for localytics).")
    app_id: str = Field("", description="Localytics app key (required for localytics).")
    push_api_url: str | None = Field(
        None, description="Transactional Push API base URL (send-test)."
    )
    audience_key: Literal["audience", "audiences"] = Field(
        "audience",
        description="Localytics: the key of `audiences.target_rules` that saved audiences are "
        "written under: `audience` (the OpenAPI) or `audiences` (the vendor's campaign script). "
        "Both are read either way.",
    )

    EXAMPLE_URL: ClassVar[str] = "https://dashboard.localytics.com/api/v6"
    FIELD_AFTER: ClassVar[dict[str, str]] = {"push_api_url": "specs",
                                             "audience_key": "github_environment"}

    @model_validator(mode="after")
    def _app(self) -> LocalyticsEnv:
        if not self.org_id or not self.app_id:
            raise ValueError("a localytics env needs org_id and app_id")
        return self

    @classmethod
    def of(cls, env: EnvConfig) -> LocalyticsEnv:
        """`env` as a Localytics env (the registry opened this platform for it)."""
        if not isinstance(env, cls):
            raise TypeError(f"not a localytics env: {type(env).__name__}")
        return env

    @field_validator("push_api_url")
    @classmethod
    def _push_url(cls, v: str | None) -> str | None:
        return None if v is None else check_url(v, "https://messaging.localytics.com")
