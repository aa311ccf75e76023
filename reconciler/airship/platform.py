"""Airship as a registered platform: its descriptor (`reconciler.registry`)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from reconciler.airship.checks import airship_cross_checks
from reconciler.airship.config import SECRETS, AirshipEnv
from reconciler.platform import Platform, References, SpecKind
from reconciler.workspace.base import RECONCILER_ONLY
from reconciler.workspace.workspace import Spec

if TYPE_CHECKING:
    from reconciler.calls import Caller
    from reconciler.config import LoadedConfig
    from reconciler.provider import Provider
    from reconciler.source.yamlio import Document


def build(kind: str, key: str, doc: Document, rendered: dict[str, Any], model: Any) -> Spec:
    """An Airship spec; a scheduled push depends on its segments. A segment's
    `display_name` is its name (`Spec.name`, what identity matches)."""
    body = {k: v for k, v in rendered.items() if k not in RECONCILER_ONLY}
    if "display_name" in body:
        body["name"] = body["display_name"]
    depends = tuple(dict.fromkeys(f"segment:{k}" for k in body.get("segments") or ()))
    return Spec(
        kind=kind, key=key, path=doc.path, body=body, pin_id=model.id,
        protect=model.protect, ignore_changes=tuple(model.ignore_changes), depends_on=depends,
        people=vars(model).get("people"),  # a field, or None: no __getattr__
    )


def _open(loaded: LoadedConfig, caller: Caller) -> AbstractAsyncContextManager[Provider]:
    from reconciler.airship.connect import open_airship

    return open_airship(loaded, caller)


def _provider() -> type[Provider]:
    from reconciler.airship.provider import AirshipProvider

    return AirshipProvider


PLATFORM = Platform(
    name="airship",
    title="Airship",
    env_model=AirshipEnv,
    kinds=(SpecKind("audience", "segment", "airship-segment",
                    "reconciler.airship.spec:AirshipSegmentSpec", build),
           SpecKind("campaign", "campaign", "airship-campaign",
                    "reconciler.airship.spec:AirshipCampaignSpec", build)),
    open=_open,
    provider_class=_provider,
    cross_checks=airship_cross_checks,
    references=References(("segments",), "segment"),
    secrets=SECRETS,
    sandbox="reconciler.sandbox.airship:mount",
    scaffold="airship",
    notes={},
)
