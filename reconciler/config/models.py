"""reconciler.yaml: environments (targets), their variables, and safety settings."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictStr,
    Tag,
    create_model,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

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
    """One target: an app of an org on one API endpoint.

    The fields every platform shares. Each platform's env model subclasses it in
    its own package (its `Platform.env_model`) with its own `provider:` literal,
    fields and checks; `config_model()` validates `envs:` as their union,
    discriminated on `provider:`, the registry's first platform when it is absent.
    """

    provider: str = Field(description="Platform this env targets.")
    api_url: str = Field(
        description="`sandbox` for the embedded sandbox (.reconciler/), or the API base URL."
    )
    specs: str = Field(
        ".", description="Folder holding this env's audiences/ and campaigns/, relative to "
        "reconciler.yaml (e.g. examples/stream). Envs sharing a folder deploy the same specs "
        "to different apps (staging, production); a repo may hold envs of several platforms, "
        "each in its own folder.",
    )
    org_id: int = Field(0, ge=0, le=2**63 - 1,  # an integer JSON, URLs and SQLite all hold
                        description="Organization id, where the platform has one.")
    app_id: str = Field("", description="The app this env writes to.")
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
        description="Who send-test sends to when --to is not given: the platform's "
        "customer or user ids, as strings.",
    )
    apply_from: Literal["anywhere", "ci"] = Field(
        "anywhere", description="`ci`: apply refuses unless the env var CI is set (a laptop "
        "cannot apply this env; the CI workflow can)."
    )
    github_environment: GitHubEnvironment | None = Field(
        None, description="GitHub environment of apply.yml for this env; default: one named "
        "like the env, which must have protection rules.",
    )
    cache: bool = Field(
        False,
        description="Reuse live campaign details from the user cache while their "
        "updated_at is unchanged (plan only, never in CI; apply always reads live).",
    )

    # The URL shown in the error for a malformed `api_url:`.
    EXAMPLE_URL: ClassVar[str] = "https://api.example.com"
    # Where `fmt` puts a platform's own fields: field -> the shared field it follows.
    FIELD_AFTER: ClassVar[dict[str, str]] = {}

    @classmethod
    def field_order(cls) -> list[str]:
        """The fields in `fmt`'s order: the shared ones, each platform field after the
        shared field `FIELD_AFTER` names (at the end without one)."""
        own = [f for f in cls.model_fields if f not in EnvConfig.model_fields]
        order = [f for f in EnvConfig.model_fields]
        for name in own:
            after = cls.FIELD_AFTER.get(name)
            order.insert(order.index(after) + 1 if after in order else len(order), name)
        return order

    def target_identity(self, env_name: str) -> tuple[object, ...]:
        """What names the live app this env writes to: two envs with one identity would
        race (and prune each other's objects), whatever their URLs or names."""
        return (self.provider, self.is_sandbox, self.org_id, self.app_id)

    def target_words(self) -> str:
        """The target in an error line (`envs 'a' and 'b' both target …`)."""
        return f"org {self.org_id} app {self.app_id!r}"

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
        return check_url(v, cls.EXAMPLE_URL, sandbox_ok=True)


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


UNKNOWN = "?"  # the union tag of an env whose provider: no platform registered


def _provider_of(data: Any) -> Any:
    """The union tag of a raw env: its `provider:` (the default platform's when absent),
    UNKNOWN for a value no platform registered."""
    from reconciler.registry import DEFAULT, names

    value = data.get("provider", DEFAULT) if isinstance(data, dict) else getattr(
        data, "provider", None)
    return value if value in names() else UNKNOWN


@cache
def config_model(providers: tuple[str, ...] | None = None) -> type[Config]:
    """`Config` with `envs:` validated as the union of the env models of `providers`
    (every registered platform when None), discriminated on `provider:`. Built on first
    use, so loading this module imports no platform; a run builds the models of the
    platforms its reconciler.yaml names (`providers_in`), not every platform's (issue
    29). An unregistered `provider:` meets a model that accepts only the registered
    names, so the error points at the value."""
    from reconciler.registry import names, platform

    found = [platform(n) for n in (names() if providers is None else providers)]
    registered: Any = Literal[names()]
    unknown = create_model("UnknownEnv", __config__=ConfigDict(extra="allow"),
                           provider=(registered, ...))
    members = (*(Annotated[p.env_model, Tag(p.name)] for p in found),
               Annotated[unknown, Tag(UNKNOWN), SkipJsonSchema()])  # type: ignore[type-arg]
    union: Any = Union.__getitem__(members)  # built at run time from the registry
    env: Any = Annotated[union, Discriminator(_provider_of)]
    field = Config.model_fields["envs"]
    envs: Any = dict[EnvName, env]
    return create_model("Config", __base__=Config, __module__=__name__,
                        envs=(envs, Field(min_length=1, description=field.description)))


def providers_in(data: Any) -> tuple[str, ...]:
    """The registered platforms the envs of a raw reconciler.yaml name, in registry order:
    the members `config_model` needs to validate it (any other value is UnknownEnv's)."""
    from reconciler.registry import names

    envs = data.get("envs") if isinstance(data, dict) else None
    used = {_provider_of(e) for e in envs.values()} if isinstance(envs, dict) else set()
    return tuple(n for n in names() if n in used)
