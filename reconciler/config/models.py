"""reconciler.yaml: environments (targets), their variables, and safety settings."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictStr,
    field_validator,
    model_validator,
)

from reconciler.config.urls import check_env_name, check_specs_folder, check_url

SANDBOX = "sandbox"

# A customer id: a non-empty string without surrounding blanks (a number in YAML
# is refused rather than coerced, so `- 0012` never becomes "12").
def _customer_id(v: str) -> str:
    if not v or v != v.strip():
        raise ValueError("a customer id must be non-empty, without leading or trailing blanks")
    return v


CustomerId = Annotated[StrictStr, AfterValidator(_customer_id)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


EnvName = Annotated[str, AfterValidator(check_env_name)]


class GitHubEnvironment(_Strict):
    """The GitHub environment apply.yml runs this env's apply in (where its secrets and
    required reviewers live). Named here, not derived from the env's key, so renaming
    an env cannot quietly move its apply into a new, unprotected GitHub environment."""

    name: str = Field(
        min_length=1, max_length=255, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$",
        description="GitHub environment name (Settings → Environments).",
    )
    require_protection: bool = Field(
        True, description="Apply in CI refuses unless the GitHub environment has protection "
        "rules (required reviewers, wait timer or branch policy). false opts out explicitly.",
    )


class EnvConfig(_Strict):
    """One target: an app of an org on one API endpoint."""

    provider: Literal["localytics", "stream", "smartech"] = Field(
        "localytics", description="Platform this env targets: localytics, stream (Stream Chat "
        "campaigns and segments; secret from STREAM_API_SECRET) or smartech (Netcore Smartech "
        "campaigns; key from SMARTECH_API_KEY)."
    )
    api_url: str = Field(
        description="`sandbox` for the embedded sandbox (.reconciler/sandbox.db), "
        "or the API base URL, e.g. https://dashboard.localytics.com/api/v6 "
        "or a served sandbox http://127.0.0.1:8400/api/v6."
    )
    specs: str = Field(
        ".", description="Folder holding this env's audiences/ and campaigns/, relative to "
        "reconciler.yaml (e.g. examples/stream). Envs sharing a folder deploy the same specs "
        "to different apps (staging, production); a repo may hold envs of several platforms, "
        "each in its own folder.",
    )
    push_api_url: str | None = Field(
        None, description="Transactional Push API base URL (send-test)."
    )
    org_id: int = Field(0, ge=0, le=2**63 - 1,  # an integer JSON, URLs and SQLite all hold
                        description="Localytics organization id (required for localytics).")
    app_id: str = Field("", description="Localytics app key (required for localytics).")
    api_key: str | None = Field(
        None, description="Stream API key (provider stream; public, the secret comes from "
        "STREAM_API_SECRET)."
    )
    vars: dict[str, Any] = Field(
        default_factory=dict, description="Template variables: {{ vars.NAME }} in specs."
    )
    concurrency: int = Field(4, ge=1, le=64, description="Parallel API requests.")
    timeout: float = Field(30.0, gt=0, le=600, description="Seconds per API request.")
    prune: bool = Field(
        False, description="Archive/delete unmanaged live objects that match prune_match."
    )
    prune_match: str = Field(
        "*",
        description="Pattern on live names that limits pruning: `*` any characters, "
        "`?` one character, everything else literal (\"[git] *\").",
    )
    allow_go_live: bool = Field(
        True, description="When false, apply refuses any change that makes a campaign go live."
    )
    test_recipients: list[CustomerId] = Field(
        default_factory=list,
        description="Who send-test sends to when --to is not given: customer ids "
        "(Localytics) or user ids (Stream), as strings.",
    )
    preview_receiver: dict[str, Any] | None = Field(
        None, description="Stream: the sample receiver `reconciler preview` fills "
        "{{ receiver.* }} with, e.g. {name: Kari}. Fields it lacks show empty, as Stream "
        "shows them for a user without them; `id` defaults to preview-user.",
    )
    apply_from: Literal["anywhere", "ci"] = Field(
        "anywhere", description="`ci`: apply refuses unless the env var CI is set (a laptop "
        "cannot apply this env; the CI workflow can)."
    )
    github_environment: GitHubEnvironment | None = Field(
        None, description="GitHub environment of apply.yml for this env; default: one named "
        "like the env, which must have protection rules.",
    )
    audience_key: Literal["audience", "audiences"] = Field(
        "audience",
        description="Localytics: the key of `audiences.target_rules` that saved audiences are "
        "written under: `audience` (the OpenAPI) or `audiences` (the vendor's campaign script). "
        "Both are read either way.",
    )
    cache: bool = Field(
        False,
        description="Reuse live campaign details from the user cache while their "
        "updated_at is unchanged (plan only, never in CI; apply always reads live).",
    )

    @model_validator(mode="before")
    @classmethod
    def _stream_app(cls, data: Any) -> Any:
        """A Stream app is named by its API key; plans show it as the app."""
        if isinstance(data, dict) and data.get("provider") == "stream" and "app_id" not in data:
            return {**data, "app_id": str(data.get("api_key") or SANDBOX)}
        if isinstance(data, dict) and data.get("provider") == "smartech" and "app_id" not in data:
            # a Smartech account is named by its region host (the key is a secret)
            host = str(data.get("api_url") or SANDBOX).split("://", 1)[-1].split("/", 1)[0]
            return {**data, "app_id": host}
        return data

    @model_validator(mode="after")
    def _platform_fields(self) -> EnvConfig:
        """Each platform names its target differently; require what it needs."""
        if self.provider == "localytics" and (not self.org_id or not self.app_id):
            raise ValueError("a localytics env needs org_id and app_id")
        if self.provider == "stream" and not self.is_sandbox and not self.api_key:
            raise ValueError("a stream env needs api_key (the secret comes from STREAM_API_SECRET)")
        if self.preview_receiver is not None and self.provider != "stream":
            raise ValueError("preview_receiver is for stream envs (it fills {{ receiver.* }})")
        if self.provider == "smartech" and self.api_key is not None:
            raise ValueError("a smartech env takes no api_key: the key is a secret and comes "
                             "only from SMARTECH_API_KEY")
        if self.provider == "smartech" and not self.is_sandbox:
            from reconciler.config.smartech import check_smartech_url

            check_smartech_url(self.api_url)
        return self

    @field_validator("specs")
    @classmethod
    def _specs(cls, v: str) -> str:
        return check_specs_folder(v)

    @property
    def is_sandbox(self) -> bool:
        return self.api_url == SANDBOX

    @field_validator("api_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if v == SANDBOX:
            return v
        return check_url(v, "https://dashboard.localytics.com/api/v6", sandbox_ok=True)

    @field_validator("push_api_url")
    @classmethod
    def _push_url(cls, v: str | None) -> str | None:
        return None if v is None else check_url(v, "https://messaging.localytics.com")


class SafetyConfig(_Strict):
    """Thresholds that make apply refuse without --force (octoDNS-style)."""

    max_change_percent: float = Field(
        30, ge=0, le=100,
        description="Refuse when updates+archives+deletes exceed this % of existing "
        "managed objects.",
    )
    min_existing: int = Field(
        10, ge=0, description="The percentage rule applies only with at least this many existing."
    )
    max_pushes_per_day: int = Field(3, ge=1, description="Per-audience daily push cap.")
    max_messages_per_day: int | None = Field(
        None, ge=1, description="Across channels: messages one people group may get a day "
        "from every env of the repo (audiences name their group with `people:`). Flagged "
        "by `reconciler calendar` and warned about in plans. Unset: not checked.",
    )


LEASE_SECONDS_MAX = 86400  # the longest lease apply writes; a longer claim is not believed


class LeaseConfig(_Strict):
    """The apply lease (one apply per app, anywhere): held in the platform, renewed by
    its holder every third of its expiry, judged by the platform's clock."""

    expiry_seconds: int = Field(
        3600, ge=3, le=LEASE_SECONDS_MAX,
        description="Seconds a lease stays valid without renewal. The applying run renews "
        "it every third of this while it works, so it only bounds how long a run that died "
        "(kill -9, a lost machine) blocks others; raise it when a stalled network or a "
        "rate limit can keep a run from the platform for minutes. At most 86400; a lease "
        "claiming more is treated as expired.",
    )


class Config(_Strict):
    """The whole reconciler.yaml."""

    default_env: str | None = Field(None, description="Env used when --env is not given.")
    envs: dict[EnvName, EnvConfig] = Field(
        min_length=1, description="Named targets (names: lowercase letters, digits, - and _)."
    )
    safety: SafetyConfig = Field(
        default_factory=SafetyConfig, description="Thresholds that make apply refuse."
    )
    lease: LeaseConfig = Field(
        default_factory=LeaseConfig, description="The apply lease held in the platform."
    )
