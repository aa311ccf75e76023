"""Netcore Smartech as a registered platform: its descriptor (`reconciler.registry`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from reconciler.platform import Platform, References, SpecKind
from reconciler.smartech.checks import smartech_cross_checks
from reconciler.smartech.config import SmartechEnv
from reconciler.workspace.base import RECONCILER_ONLY
from reconciler.workspace.workspace import FieldLines, Spec

if TYPE_CHECKING:
    from reconciler.calls import Caller
    from reconciler.config import LoadedConfig
    from reconciler.provider import Provider
    from reconciler.source.yamlio import Document

SECRETS = ("SMARTECH_API_KEY",)


def build(kind: str, key: str, doc: Document, rendered: dict[str, Any], model: Any) -> Spec:
    """A Smartech spec. An audience reference is pinned by "list:12" when it gives an id;
    a campaign depends on the audience keys its send block names."""
    lines = FieldLines(doc, rendered)  # found only if an error names one
    if kind == "audience":
        name = model.name or f"{model.type} #{model.id}"
        pin = f"{model.type}:{model.id}" if model.id is not None else None
        return Spec(kind=kind, key=key, path=doc.path, body={"type": model.type, "name": name},
                    pin_id=pin, lines=lines, people=model.people)
    body = {k: v for k, v in rendered.items() if k not in RECONCILER_ONLY}
    audience = (body.get("send") or {}).get("audience") or ()
    depends = tuple(dict.fromkeys(f"audience:{a}" for a in audience if isinstance(a, str)))
    state = dict(rendered["pin"]) if isinstance(rendered.get("pin"), dict) else None
    return Spec(kind=kind, key=key, path=doc.path, body=body, pin_id=model.id,
                protect=model.protect, ignore_changes=tuple(model.ignore_changes),
                depends_on=depends, pin_state=state, lines=lines)


def _open(loaded: LoadedConfig, caller: Caller) -> AbstractAsyncContextManager[Provider]:
    from reconciler.smartech.session import open_smartech

    return open_smartech(loaded, caller)


def _provider() -> type[Provider]:
    from reconciler.smartech.provider import SmartechProvider

    return SmartechProvider


async def _adopt(loaded: LoadedConfig, caller: Caller, names: tuple[str, ...], every: bool,
                 dry_run: bool, echo: Callable[[str], None]) -> str:
    """Smartech adopts email drafts by name (see reconciler.smartech.importing)."""
    from reconciler.smartech.importing import import_drafts
    from reconciler.smartech.session import open_smartech

    async with open_smartech(loaded, caller) as provider:
        written, skipped = await import_drafts(loaded, provider, names=names, every=every,
                                               dry_run=dry_run, echo=echo)
    return (f"import: {'would write' if dry_run else 'wrote'} {written} email drafts"
            + (f"; skipped {skipped}" if skipped else ""))


PLATFORM = Platform(
    name="smartech",
    title="Netcore Smartech",
    env_model=SmartechEnv,
    kinds=(SpecKind("audience", "audience", "smartech-audience",
                    "reconciler.smartech.spec:SmartechAudienceSpec", build),
           SpecKind("campaign", "campaign", "smartech-campaign",
                    "reconciler.smartech.spec:SmartechCampaignSpec", build)),
    open=_open,
    provider_class=_provider,
    cross_checks=smartech_cross_checks,
    references=References(("audiences", "target_rules", "audience"), "audience"),
    secrets=SECRETS,
    sandbox="reconciler.sandbox.smartech:mount",
    scaffold="smartech",
    adopt=_adopt,
    notes={"send-test": "Smartech's test send needs a panel-only setup; not offered"},
)
