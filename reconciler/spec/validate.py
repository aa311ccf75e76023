"""One rendered document → a `Spec`, or the problems that stop it."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from reconciler.errors import SpecProblem
from reconciler.source.problems import problems_from
from reconciler.source.yamlio import Document
from reconciler.spec.base import RECONCILER_ONLY, SpecModel
from reconciler.spec.workspace import Spec


class _Models(Mapping[str, type[SpecModel]]):
    """Model name → spec model, each module imported on first use: building a platform's
    pydantic models costs milliseconds, and a run needs one platform's (issue 29)."""

    def __init__(self, where: dict[str, str]):
        self._where = where

    def __getitem__(self, name: str) -> type[SpecModel]:
        module, attr = self._where[name].split(":")
        model: type[SpecModel] = getattr(importlib.import_module(module), attr)
        return model

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


MODELS: Mapping[str, type[SpecModel]] = _Models({
    "audience": "reconciler.spec.audience:AudienceSpec",
    "campaign": "reconciler.spec.campaign:CampaignSpec",
    "segment": "reconciler.spec.stream:SegmentSpec",
    "stream-campaign": "reconciler.spec.stream:StreamCampaignSpec",
    "smartech-audience": "reconciler.spec.smartech:SmartechAudienceSpec",
    "smartech-campaign": "reconciler.spec.smartech:SmartechCampaignSpec",
})
# Per platform: spec kind of each folder kind, and the model name in MODELS.
PLATFORM_KINDS: dict[str, dict[str, tuple[str, str]]] = {
    "localytics": {"audience": ("audience", "audience"), "campaign": ("campaign", "campaign")},
    "stream": {"audience": ("segment", "segment"), "campaign": ("campaign", "stream-campaign")},
    "smartech": {"audience": ("audience", "smartech-audience"),
                 "campaign": ("campaign", "smartech-campaign")},
}


def spec_kind(platform: str, folder_kind: str) -> str:
    """The kind a file of `folder_kind` (audience|campaign) has on `platform`."""
    return PLATFORM_KINDS[platform][folder_kind][0]


@cache
def adapter(kind: str) -> TypeAdapter[Any]:
    return TypeAdapter(MODELS[kind])


def validate_document(kind: str, key: str, doc: Document, platform: str = "localytics"
                      ) -> tuple[Spec | None, list[SpecProblem]]:
    """Validate a (rendered) document; the Spec, or the problems at their positions.

    `kind` is the folder kind (audience|campaign); the platform decides the model.
    """
    rendered = doc.data
    kind, model_name = PLATFORM_KINDS[platform][kind]
    try:
        model: Any = adapter(model_name).validate_python(rendered)
    except ValidationError as e:
        return None, problems_from(e, doc, MODELS[model_name])
    body = {k: v for k, v in rendered.items() if k not in RECONCILER_ONLY}
    if platform == "stream":
        return _stream_spec(kind, key, doc, body, model), []
    if platform == "smartech":
        return _smartech_spec(kind, key, doc, rendered, model), []
    if kind == "campaign" and isinstance(body.get("creatives"), dict):
        body["creatives"] = [body["creatives"]]
    depends: list[str] = []
    if kind == "campaign":
        refs = body["audiences"].get("target_rules", {}) or {}
        for ref in refs.get("audience", []) if isinstance(refs, dict) else []:
            if isinstance(ref, str) and f"audience:{ref}" not in depends:
                depends.append(f"audience:{ref}")
    spec = Spec(
        kind=kind,
        key=key,
        path=doc.path,
        body=body,
        pin_id=model.id,
        protect=model.protect,
        ignore_changes=tuple(model.ignore_changes),
        depends_on=tuple(depends),
        people=getattr(model, "people", None),
    )
    return spec, []


def _stream_spec(kind: str, key: str, doc: Document, body: dict[str, Any], model: Any) -> Spec:
    """A Stream spec (unpinned: the provider gives it rcl-<key>); campaigns depend on
    their segments."""
    depends = tuple(dict.fromkeys(f"segment:{k}" for k in body.get("segments") or ()))
    return Spec(
        kind=kind, key=key, path=doc.path, body=body,
        pin_id=model.id,
        protect=model.protect, ignore_changes=tuple(model.ignore_changes), depends_on=depends,
        people=getattr(model, "people", None),
    )


def _smartech_spec(kind: str, key: str, doc: Document, rendered: dict[str, Any], model: Any
                   ) -> Spec:
    """A Smartech spec. An audience reference is pinned by "list:12" when it gives an id;
    a campaign depends on the audience keys its send block names."""
    lines = {str(k): doc.location((k,)).line for k in rendered}
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
