"""One rendered document → a `Spec`, or the problems that stop it.

The model and the way a valid file becomes a `Spec` are the platform's
(`Platform.kinds`); this module runs them and maps pydantic's errors onto the file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from reconciler.errors import SpecProblem
from reconciler.source.problems import problems_from
from reconciler.source.yamlio import Document
from reconciler.workspace.base import SpecModel
from reconciler.workspace.workspace import Lazy, Spec

if TYPE_CHECKING:
    from reconciler.platform import Platform


class _Models(Mapping[str, type[SpecModel]]):
    """Schema name → spec model; a model is imported only when looked up, so a run
    builds only the models of the platforms it reads (issue 29)."""

    def _kinds(self) -> dict[str, Any]:
        from reconciler.registry import platforms

        return {k.schema: k for p in platforms() for k in p.kinds}

    def __getitem__(self, key: str) -> type[SpecModel]:
        model: type[SpecModel] = self._kinds()[key].model
        return model

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds())

    def __len__(self) -> int:
        return len(self._kinds())


def _platform_kinds() -> dict[str, dict[str, tuple[str, str]]]:
    from reconciler.registry import platforms

    return {p.name: {k.folder: (k.kind, k.schema) for k in p.kinds} for p in platforms()}


# Every platform's spec models by schema name (`reconciler schema --kind`).
MODELS: Mapping[str, type[SpecModel]] = _Models()
# Per platform: spec kind of each folder kind, and the model name in MODELS.
PLATFORM_KINDS: Mapping[str, dict[str, tuple[str, str]]] = Lazy(_platform_kinds)


def spec_kind(platform: str, folder_kind: str) -> str:
    """The kind a file of `folder_kind` (audience|campaign) has on `platform`."""
    return PLATFORM_KINDS[platform][folder_kind][0]


@cache
def adapter(kind: str) -> TypeAdapter[Any]:
    """The validator of spec model `kind` (a schema name of any platform)."""
    return _adapter(kind, MODELS[kind])


@cache
def _adapter(kind: str, model: type[SpecModel]) -> TypeAdapter[Any]:
    # By the model the platform gave: looking `kind` up in MODELS imports every platform
    # (with their env models) to build the table (issue 29).
    return TypeAdapter(model)


def validate_document(kind: str, key: str, doc: Document, platform: Platform | None = None
                      ) -> tuple[Spec | None, list[SpecProblem]]:
    """Validate a (rendered) document; the Spec, or the problems at their positions.

    `kind` is the folder kind (audience|campaign); the platform (the registry's default
    when None) decides the model and builds the Spec.
    """
    if platform is None:
        from reconciler.registry import DEFAULT
        from reconciler.registry import platform as named

        platform = named(DEFAULT)
    spec_kind_ = platform.kind(kind)
    rendered = doc.data
    try:
        model: Any = _adapter(spec_kind_.schema, spec_kind_.model).validate_python(rendered)
    except ValidationError as e:
        return None, problems_from(e, doc, spec_kind_.model)
    return spec_kind_.build(spec_kind_.kind, key, doc, rendered, model), []
