"""Stream Chat as a registered platform: its descriptor (`reconciler.registry`)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from reconciler.platform import Platform, References, SpecKind
from reconciler.stream.checks import stream_cross_checks
from reconciler.stream.config import StreamEnv
from reconciler.workspace.base import RECONCILER_ONLY
from reconciler.workspace.workspace import Spec

if TYPE_CHECKING:
    from reconciler.calls import Caller
    from reconciler.config import LoadedConfig
    from reconciler.provider import Provider
    from reconciler.source.yamlio import Document

SECRETS = ("STREAM_API_SECRET",)


def build(kind: str, key: str, doc: Document, rendered: dict[str, Any], model: Any) -> Spec:
    """A Stream spec (unpinned: the provider gives it rcl-<key>); campaigns depend on
    their segments."""
    body = {k: v for k, v in rendered.items() if k not in RECONCILER_ONLY}
    depends = tuple(dict.fromkeys(f"segment:{k}" for k in body.get("segments") or ()))
    return Spec(
        kind=kind, key=key, path=doc.path, body=body,
        pin_id=model.id,
        protect=model.protect, ignore_changes=tuple(model.ignore_changes), depends_on=depends,
        people=vars(model).get("people"),  # a field, or None: no __getattr__
    )


def _open(loaded: LoadedConfig, caller: Caller) -> AbstractAsyncContextManager[Provider]:
    from reconciler.stream.connect import open_stream

    return open_stream(loaded, caller)


def _provider() -> type[Provider]:
    from reconciler.stream.provider import StreamProvider

    return StreamProvider


PLATFORM = Platform(
    name="stream",
    title="Stream Chat",
    env_model=StreamEnv,
    kinds=(SpecKind("audience", "segment", "segment", "reconciler.stream.spec:SegmentSpec", build),
           SpecKind("campaign", "campaign", "stream-campaign",
                    "reconciler.stream.spec:StreamCampaignSpec", build)),
    open=_open,
    provider_class=_provider,
    cross_checks=stream_cross_checks,
    references=References(("segments",), "segment"),
    secrets=SECRETS,
    sandbox="reconciler.sandbox.stream:mount",
    scaffold="stream",
    # Stream files keep the order they were written in (a pre-existing choice).
    fmt_by_model=False,
    # Stream's message and channel templates: `{{ receiver.name }}`, `{{ sender.id }}`
    template_names=frozenset({"receiver", "sender"}),
)
