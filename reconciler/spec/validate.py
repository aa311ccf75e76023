"""One rendered document → a `Spec`, or the problems that stop it."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from reconciler.errors import SpecProblem
from reconciler.source.problems import problems_from
from reconciler.source.yamlio import Document
from reconciler.spec.audience import AudienceSpec
from reconciler.spec.base import RECONCILER_ONLY
from reconciler.spec.campaign import CampaignSpec
from reconciler.spec.workspace import Spec

MODELS: dict[str, type[AudienceSpec] | type[CampaignSpec]] = {
    "audience": AudienceSpec,
    "campaign": CampaignSpec,
}


@cache
def adapter(kind: str) -> TypeAdapter[Any]:
    return TypeAdapter(MODELS[kind])


def validate_document(kind: str, key: str, doc: Document
                      ) -> tuple[Spec | None, list[SpecProblem]]:
    """Validate a (rendered) document; the Spec, or the problems at their positions."""
    rendered = doc.data
    try:
        model = adapter(kind).validate_python(rendered)
    except ValidationError as e:
        return None, problems_from(e, doc, MODELS[kind])
    body = {k: v for k, v in rendered.items() if k not in RECONCILER_ONLY}
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
    )
    return spec, []
