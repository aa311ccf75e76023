"""Localytics as a registered platform: its descriptor (`reconciler.registry`)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from reconciler.localytics.checks import cross_checks
from reconciler.localytics.config import LocalyticsEnv
from reconciler.platform import Platform, References, SpecKind
from reconciler.workspace.base import RECONCILER_ONLY
from reconciler.workspace.workspace import Spec

if TYPE_CHECKING:
    from reconciler.calls import Caller
    from reconciler.config import LoadedConfig
    from reconciler.provider import Provider
    from reconciler.source.yamlio import Document

SECRETS = ("LOCALYTICS_API_KEY", "LOCALYTICS_API_SECRET")


def build(kind: str, key: str, doc: Document, rendered: dict[str, Any], model: Any) -> Spec:
    """A Localytics spec: one creative becomes a list; campaigns depend on the saved
    audiences their target rules name by key."""
    body = {k: v for k, v in rendered.items() if k not in RECONCILER_ONLY}
    if kind == "campaign" and isinstance(body.get("creatives"), dict):
        body["creatives"] = [body["creatives"]]
    depends: list[str] = []
    if kind == "campaign":
        refs = body["audiences"].get("target_rules", {}) or {}
        for ref in refs.get("audience", []) if isinstance(refs, dict) else []:
            if isinstance(ref, str) and f"audience:{ref}" not in depends:
                depends.append(f"audience:{ref}")
    return Spec(kind=kind, key=key, path=doc.path, body=body, pin_id=model.id,
                protect=model.protect, ignore_changes=tuple(model.ignore_changes),
                depends_on=tuple(depends), people=vars(model).get("people"))  # a field, or None: no __getattr__


def _open(loaded: LoadedConfig, caller: Caller) -> AbstractAsyncContextManager[Provider]:
    from reconciler.localytics.connect import open_localytics

    return open_localytics(loaded, caller)


def _provider() -> type[Provider]:
    from reconciler.localytics.provider import LocalyticsProvider

    return LocalyticsProvider


PLATFORM = Platform(
    name="localytics",
    title="Localytics",
    env_model=LocalyticsEnv,
    kinds=(SpecKind("audience", "audience", "audience",
                    "reconciler.localytics.audience:AudienceSpec", build),
           SpecKind("campaign", "campaign", "campaign",
                    "reconciler.localytics.campaign:CampaignSpec", build)),
    open=_open,
    provider_class=_provider,
    cross_checks=cross_checks,
    references=References(("audiences", "target_rules", "audience"), "audience"),
    secrets=SECRETS,
    sandbox="reconciler.sandbox.localytics:mount",
    scaffold="localytics",
)
