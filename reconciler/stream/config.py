"""A Stream Chat env in reconciler.yaml: an app named by its public API key."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from reconciler.config.models import SANDBOX, EnvConfig


class StreamEnv(EnvConfig):
    """One Stream app (`provider: stream`); the secret comes from STREAM_API_SECRET."""

    provider: Literal["stream"] = Field(
        description="stream: Stream Chat campaigns and segments (secret from "
        "STREAM_API_SECRET)."
    )
    api_key: str | None = Field(
        None, description="Stream API key (provider stream; public, the secret comes from "
        "STREAM_API_SECRET)."
    )
    preview_receiver: dict[str, Any] | None = Field(
        None, description="Stream: the sample receiver `reconciler preview` fills "
        "{{ receiver.* }} with, e.g. {name: Kari}. Fields it lacks show empty, as Stream "
        "shows them for a user without them; `id` defaults to preview-user.",
    )

    FIELD_AFTER: ClassVar[dict[str, str]] = {"api_key": "app_id",
                                             "preview_receiver": "test_recipients"}

    @classmethod
    def of(cls, env: EnvConfig) -> StreamEnv:
        """`env` as a Stream env (the registry opened this platform for it)."""
        if not isinstance(env, cls):
            raise TypeError(f"not a stream env: {type(env).__name__}")
        return env

    @model_validator(mode="before")
    @classmethod
    def _app(cls, data: Any) -> Any:
        """A Stream app is named by its API key; plans show it as the app."""
        if isinstance(data, dict) and "app_id" not in data:
            return {**data, "app_id": str(data.get("api_key") or SANDBOX)}
        return data

    @model_validator(mode="after")
    def _key(self) -> StreamEnv:
        if not self.is_sandbox and not self.api_key:
            raise ValueError("a stream env needs api_key (the secret comes from STREAM_API_SECRET)")
        return self

    def target_identity(self, env_name: str) -> tuple[object, ...]:
        return (self.provider, SANDBOX) if self.is_sandbox else (self.provider, self.api_key)

    def target_words(self) -> str:
        return f"Stream key {self.api_key or SANDBOX!r}"
